"""The numpy MiniLM encoder gives the reference implementation's vectors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from palabre.text.embeddings import SentenceEncoder, load_encoder
from palabre.text.minilm import MAX_TOKENS, MiniLMEncoder, model_dir
from tests.datasets import require_minilm

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "minilm" / "reference.npz"


@pytest.fixture(scope="module")
def encoder() -> MiniLMEncoder:
    require_minilm()
    return MiniLMEncoder()


def test_vectors_match_sentence_transformers_on_the_reference_sentences(
    encoder: MiniLMEncoder,
) -> None:
    with np.load(FIXTURE, allow_pickle=False) as reference:
        texts = [str(t) for t in reference["texts"]]
        expected = reference["vectors"]
    assert len(texts) == 8
    assert expected.shape == (8, 384)
    vectors = encoder.encode(texts)
    assert vectors.dtype == np.float32
    assert np.abs(vectors - expected).max() < 1e-4


def test_word_pieces_are_the_vocabulary_lines_of_the_model(encoder: MiniLMEncoder) -> None:
    vocab = (model_dir() / "vocab.txt").read_text(encoding="utf-8").splitlines()
    ids = encoder.token_ids(["The delivery was LATE"])[0]
    assert [vocab[i] for i in ids] == ["[CLS]", "the", "delivery", "was", "late", "[SEP]"]


def test_long_texts_are_cut_at_128_word_pieces(encoder: MiniLMEncoder) -> None:
    ids = encoder.token_ids(["word " * 400, "short"])
    assert len(ids[0]) == MAX_TOKENS
    assert len(ids[1]) == 3


def test_a_batch_gives_the_vectors_of_its_texts_one_by_one(encoder: MiniLMEncoder) -> None:
    texts = [
        "Nothing works since the update, I want a refund.",
        "ok",
        "Le service client ne répond jamais, c'est inadmissible.",
        "",
        "How do I change the delivery address of an order that has already shipped?",
    ]
    together = encoder.encode(texts)
    alone = np.vstack([encoder.encode([t]) for t in texts])
    assert np.abs(together - alone).max() < 1e-5
    assert np.allclose(np.linalg.norm(together, axis=1), 1.0, atol=1e-5)


def test_paraphrases_are_closer_than_unrelated_sentences(encoder: MiniLMEncoder) -> None:
    a, b, c = encoder.encode(
        [
            "My parcel arrived two weeks late.",
            "The package was delivered a fortnight after the promised date.",
            "I love the new colour of the logo.",
        ]
    )
    assert float(a @ b) > float(a @ c) + 0.2


def test_the_encoder_follows_the_protocol_and_loads_lazily() -> None:
    encoder = load_encoder("minilm")
    assert isinstance(encoder, SentenceEncoder)
    assert (encoder.name, encoder.dimension) == ("minilm", 384)
    assert isinstance(encoder, MiniLMEncoder)
    assert encoder._loaded is None  # nothing read until the first encode
