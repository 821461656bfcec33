"""Several processes give exactly what one process gives, in order."""

from __future__ import annotations

import multiprocessing

import numpy as np
from threadpoolctl import threadpool_info

from palabre.text.parallel import analyze_in_chunks, analyze_parallel, one_blas_thread


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


def _blas_threads(_: int) -> list[int]:
    return [int(pool["num_threads"]) for pool in threadpool_info() if pool["user_api"] == "blas"]


def test_each_worker_runs_one_blas_thread() -> None:
    # Two workers with a spinning BLAS thread each fought over two cores: two processes
    # analysed fewer messages a second than one (docs/signals.md, Speed).
    with multiprocessing.get_context("fork").Pool(2, initializer=one_blas_thread) as pool:
        counts = pool.map(_blas_threads, [0, 1])
    assert all(count == [1] * len(count) and count for count in counts)
