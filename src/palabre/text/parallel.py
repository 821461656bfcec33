"""Analysing many messages on several cores (one analyzer per worker process)."""

from __future__ import annotations

import multiprocessing
from collections.abc import Sequence

from palabre.text.model import MessageSignals, default_analyzer

_CHUNK = 2000


def _work(batch: tuple[list[str], list[str | None]]) -> list[MessageSignals]:
    texts, languages = batch
    return default_analyzer().analyze(texts, languages)


def analyze_parallel(
    texts: Sequence[str], languages: Sequence[str | None] | None = None, workers: int = 2
) -> list[MessageSignals]:
    """Analyse ``texts`` in order with ``workers`` processes (1 = in this process)."""
    langs: list[str | None] = list(languages) if languages is not None else [None] * len(texts)
    if workers <= 1 or len(texts) <= _CHUNK:
        return default_analyzer().analyze(list(texts), langs)
    batches = [
        (list(texts[i : i + _CHUNK]), langs[i : i + _CHUNK]) for i in range(0, len(texts), _CHUNK)
    ]
    # fork shares the loaded weights with the workers (copy-on-write) where available.
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    with multiprocessing.get_context(method).Pool(workers) as pool:
        parts = pool.map(_work, batches)
    return [m for part in parts for m in part]
