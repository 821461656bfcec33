"""Pieces of training that must hold without the datasets: labels and reproducible files."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("sklearn")

from palabre.text.train import save, sentiment_of


def test_sentiment_of_emotion_labels_and_polarity_labels() -> None:
    assert sentiment_of(frozenset({"anger"})) == "negative"
    assert sentiment_of(frozenset({"joy", "gratitude"})) == "positive"
    assert sentiment_of(frozenset({"neutral"})) == "neutral"
    assert sentiment_of(frozenset({"joy", "sadness"})) is None
    assert sentiment_of(frozenset({"positive"})) == "positive"
    assert sentiment_of(frozenset({"negative"})) == "negative"


def test_saved_weights_are_byte_for_byte_reproducible(tmp_path: Path) -> None:
    arrays = {"weights": np.arange(12, dtype=np.float32).reshape(3, 4), "vocab": np.array("a\nb")}
    digests = []
    for name in ("one.npz", "two.npz"):
        save(tmp_path / name, dict(arrays), {"features": 3})
        digests.append(hashlib.sha256((tmp_path / name).read_bytes()).hexdigest())
    assert digests[0] == digests[1]
    with np.load(tmp_path / "one.npz") as loaded:
        assert np.array_equal(loaded["weights"], arrays["weights"])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["one.npz", "two.npz"]
