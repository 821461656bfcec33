"""Several processes give exactly what one process gives, in order."""

from __future__ import annotations

import numpy as np

from palabre.text.parallel import analyze_in_chunks, analyze_parallel


def test_two_processes_match_one_in_order() -> None:
    texts = [
        f"Message {i}: " + ("je vais résilier, plus jamais" if i % 3 else "thanks, great support")
        for i in range(4500)
    ]
    languages: list[str | None] = [None if i % 2 else "fr" for i in range(len(texts))]
    one = analyze_in_chunks(texts, languages)
    two = analyze_parallel(texts, languages, workers=2)
    assert two.languages == one.languages
    assert np.array_equal(two.labels, one.labels)
    assert np.allclose(two.probs, one.probs)
    assert two.evidence == one.evidence
    assert len(two) == len(texts)
