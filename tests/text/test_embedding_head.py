"""The embedding head blended into the linear model: what changes, what must not."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from palabre.text import embedding_head
from palabre.text.embedding_head import (
    BlendedAnalyzer,
    EmbeddingHead,
    blended_analyzer,
    head_path,
    model_version,
)
from palabre.text.lexicon import SIGNALS, lexicon_dir
from palabre.text.model import default_analyzer
from tests.datasets import require_minilm

COMMAND = (sys.executable, "-m", "palabre", "signals", "score")
FRENCH = [
    "Je vais résilier mon abonnement, plus jamais chez vous !",
    "Merci pour votre aide, tout fonctionne maintenant.",
    "Je ne comprends pas comment modifier mon adresse de livraison.",
]
ENGLISH = [
    "The delivery was late again and nobody answered my emails.",
    "Thanks a lot, the new app is really easy to use!",
    "I don't understand how to change my subscription, where is the option?",
    "Honestly I expected much more from the premium plan.",
]


@pytest.fixture(scope="module")
def blended() -> BlendedAnalyzer:
    require_minilm()
    return blended_analyzer("minilm")


def test_the_shipped_head_reads_minilm_vectors_with_weights_chosen_on_validation() -> None:
    head = EmbeddingHead(head_path("minilm"))
    assert head.encoder == "minilm"
    assert head.weights.shape == (384, len(head.heads))
    assert head.heads[:3] == ["sent_negative", "sent_neutral", "sent_positive"]
    assert {"discontent", "disappointment", "misunderstanding", "praise"} <= set(head.heads)
    assert "drifting_away" not in head.heads  # cue rules are never blended
    assert set(head.blend) == {"sentiment", *head.heads[3:]}
    assert all(0.0 <= w <= 1.0 for w in head.blend.values())
    for name in head.heads[3:]:
        _, y = head.calibration[name]
        assert np.all(np.diff(y) >= 0)  # isotonic maps are monotone
    trained_on = head.meta["trained_on"]
    assert set(trained_on) <= {"goemotions-en", "xed-emotion-fr-en", "banking77-en"}


def test_french_messages_keep_the_linear_models_figures(blended: BlendedAnalyzer) -> None:
    plain = default_analyzer().analyze(FRENCH, ["fr"] * len(FRENCH))
    mixed = blended.analyze(FRENCH, ["fr"] * len(FRENCH))
    np.testing.assert_array_equal(mixed.probs, plain.probs)
    np.testing.assert_array_equal(mixed.scores, plain.scores)
    assert mixed.evidence == plain.evidence


def test_english_messages_are_blended_and_stay_probabilities(blended: BlendedAnalyzer) -> None:
    plain = default_analyzer().analyze(ENGLISH)
    mixed = blended.analyze(ENGLISH)
    assert mixed.languages == plain.languages == ["en"] * len(ENGLISH)
    assert not np.array_equal(mixed.scores, plain.scores)
    assert np.all((mixed.probs >= 0) & (mixed.probs <= 1))
    assert np.all(np.abs(mixed.scores) <= 1)
    # The cue-rule signals are not blended.
    for signal in ("drifting_away", "suggestion"):
        k = SIGNALS.index(signal)
        np.testing.assert_array_equal(mixed.probs[:, k], plain.probs[:, k])
    assert mixed[0].sentiment_label == "negative"
    assert mixed[1].sentiment_label == "positive"


def test_the_model_version_names_the_encoder_and_fits_the_stored_column() -> None:
    require_minilm()
    plain, with_encoder = model_version(None), model_version("minilm")
    assert plain.startswith("signals-")
    assert with_encoder.endswith("+minilm")
    assert with_encoder != plain
    # Stored as "<stage>:<version>:<adaptation digest>" in a 64-character column.
    assert len(f"1:{with_encoder}:{'0' * 32}") <= 64


def test_the_model_version_changes_with_the_lexicons(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A new idiom or opinion word changes scores as surely as new weights: stored
    # signals must be computed again, so the version follows the lexicon files.
    for path in lexicon_dir().glob("*.tsv"):
        (tmp_path / path.name).write_bytes(path.read_bytes())
    monkeypatch.setattr(embedding_head, "lexicon_dir", lambda: tmp_path)
    before = model_version(None)
    assert before == model_version(None)
    with (tmp_path / "function_words.tsv").open("a", encoding="utf-8") as f:
        f.write("fr\tnegated\tfolichon\t-0.4\n")
    assert model_version(None) != before


def _score(tmp_path: Path, lines: list[dict[str, str]], *options: str) -> list[dict[str, object]]:
    src = tmp_path / "in.jsonl"
    src.write_text("\n".join(json.dumps(x) for x in lines) + "\n", encoding="utf-8")
    out = tmp_path / f"out{len(options)}.jsonl"
    done = subprocess.run(
        [*COMMAND, "--input", str(src), "--output", str(out), *options],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]


def test_signals_score_with_the_encoder_keeps_the_contract(tmp_path: Path) -> None:
    require_minilm()
    lines = [{"id": f"fr{i}", "text": t, "language": "fr"} for i, t in enumerate(FRENCH)]
    lines += [{"id": f"en{i}", "text": t} for i, t in enumerate(ENGLISH)]
    plain = _score(tmp_path, lines)
    mixed = _score(tmp_path, lines, "--encoder", "minilm")
    assert [r["id"] for r in mixed] == [x["id"] for x in lines]
    for row in mixed:
        assert set(row) == {"id", "language", "sentiment", "signals", "evidence"}
        assert set(row["signals"]) == set(SIGNALS)  # type: ignore[arg-type]
    assert mixed[: len(FRENCH)] == plain[: len(FRENCH)]
    assert mixed[len(FRENCH) :] != plain[len(FRENCH) :]


def test_an_unknown_encoder_fails_before_anything_is_written(tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps({"id": "a", "text": "hello"}) + "\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    done = subprocess.run(
        [*COMMAND, "--input", str(src), "--output", str(out), "--encoder", "bert"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert "unknown encoder 'bert'" in done.stderr
    assert not out.exists()


def test_an_unknown_encoder_in_the_setting_fails_with_its_name(tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps({"id": "a", "text": "hello"}) + "\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    done = subprocess.run(
        [*COMMAND, "--input", str(src), "--output", str(out)],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PALABRE_SIGNALS_ENCODER": "bert"},
    )
    assert done.returncode == 2
    assert "signals_encoder" in done.stderr
    assert "unknown encoder 'bert'" in done.stderr
    assert not out.exists()
