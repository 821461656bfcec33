"""Analysing many messages on several cores (one analyzer per worker process).

Workers send back :class:`~palabre.text.model.SignalBatch` objects: a few numpy
arrays and the evidence of the messages that have some, not one object per message.
Where ``fork`` exists the texts are not sent at all: the workers inherit them and
receive only the bounds of their slice.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Sequence
from typing import TYPE_CHECKING

from threadpoolctl import threadpool_limits

from palabre.text.model import SignalAnalyzer, SignalBatch, default_analyzer
from palabre.text.residual import Residual

if TYPE_CHECKING:
    from palabre.text.embedding_head import BlendedAnalyzer

_CHUNK = 2000
# Inherited by forked workers (set just before the pool starts, cleared after).
_SHARED: tuple[Sequence[str], Sequence[str | None], str | None, Residual | None] = (
    (),
    (),
    None,
    None,
)


def analyzer_for(encoder: str | None) -> SignalAnalyzer | BlendedAnalyzer:
    """The shipped analyzer, blended with ``encoder``'s head when one is named."""
    if not encoder:
        return default_analyzer()
    from palabre.text.embedding_head import blended_analyzer

    return blended_analyzer(encoder)


def one_blas_thread() -> None:
    """Let numpy's BLAS use one thread in this process (each worker's initializer).

    OpenBLAS starts a thread per core and keeps it spinning between calls: two
    workers with two threads each fought over two cores, and two processes analysed
    fewer messages a second than one (27,600 against 32,800 on an idle machine; with
    one thread each, 39,900).
    """
    threadpool_limits(1)


def _work_slice(bounds: tuple[int, int]) -> SignalBatch:
    texts, languages, encoder, residual = _SHARED
    start, end = bounds
    analyzer = analyzer_for(encoder)
    return analyzer.analyze(list(texts[start:end]), list(languages[start:end]), residual)


def _work(
    batch: tuple[list[str], list[str | None], str | None, Residual | None],
) -> SignalBatch:
    texts, languages, encoder, residual = batch
    return analyzer_for(encoder).analyze(texts, languages, residual)


def analyze_in_chunks(
    texts: Sequence[str],
    languages: Sequence[str | None] | None = None,
    chunk: int = _CHUNK,
    encoder: str | None = None,
    residual: Residual | None = None,
) -> SignalBatch:
    """Analyse ``texts`` in this process, ``chunk`` messages at a time (memory stays flat);
    ``encoder`` names a sentence encoder to blend in (English messages), ``residual`` a
    workspace's residual model (``palabre train``)."""
    langs: list[str | None] = list(languages) if languages is not None else [None] * len(texts)
    analyzer = analyzer_for(encoder)
    parts = [
        analyzer.analyze(list(texts[i : i + chunk]), langs[i : i + chunk], residual)
        for i in range(0, len(texts), chunk)
    ]
    return SignalBatch.concat(parts)


def analyze_parallel(
    texts: Sequence[str],
    languages: Sequence[str | None] | None = None,
    workers: int = 2,
    encoder: str | None = None,
    residual: Residual | None = None,
) -> SignalBatch:
    """Analyse ``texts`` in order with ``workers`` processes (1 = in this process)."""
    global _SHARED
    langs: list[str | None] = list(languages) if languages is not None else [None] * len(texts)
    if workers <= 1 or len(texts) <= _CHUNK:
        return analyze_in_chunks(texts, langs, encoder=encoder, residual=residual)
    bounds = [(i, min(i + _CHUNK, len(texts))) for i in range(0, len(texts), _CHUNK)]
    if "fork" in multiprocessing.get_all_start_methods():
        # fork shares the loaded weights and the texts with the workers (copy-on-write).
        analyzer_for(encoder)
        _SHARED = (texts, langs, encoder, residual)
        try:
            with multiprocessing.get_context("fork").Pool(
                workers, initializer=one_blas_thread
            ) as pool:
                parts = pool.map(_work_slice, bounds, chunksize=1)
        finally:
            _SHARED = ((), (), None, None)
    else:
        batches = [(list(texts[a:b]), langs[a:b], encoder, residual) for a, b in bounds]
        with multiprocessing.get_context("spawn").Pool(
            workers, initializer=one_blas_thread
        ) as pool:
            parts = pool.map(_work, batches, chunksize=1)
    return SignalBatch.concat(parts)
