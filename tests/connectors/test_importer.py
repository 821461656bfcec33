"""The importer's own process settings: raised while it writes, given back afterwards."""

from __future__ import annotations

import gc

import pytest

from palabre.connectors import importer
from palabre.connectors.importer import IMPORT_GC_THRESHOLD, rare_collections


def test_the_young_generation_is_collected_rarely_while_writing_then_as_before() -> None:
    before = gc.get_threshold()
    with rare_collections():
        during = gc.get_threshold()
    assert during == (max(before[0], IMPORT_GC_THRESHOLD), *before[1:])
    assert gc.get_threshold() == before


def test_an_error_while_writing_gives_the_collector_its_threshold_back() -> None:
    before = gc.get_threshold()
    with pytest.raises(RuntimeError), rare_collections():
        raise RuntimeError("the batch failed")
    assert gc.get_threshold() == before


def test_a_higher_threshold_set_by_the_application_is_kept(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    before = gc.get_threshold()
    try:
        gc.set_threshold(10 * IMPORT_GC_THRESHOLD, *before[1:])
        with rare_collections():
            assert gc.get_threshold()[0] == 10 * IMPORT_GC_THRESHOLD
        monkeypatch.setattr(importer, "IMPORT_GC_THRESHOLD", 100 * IMPORT_GC_THRESHOLD)
        with importer.rare_collections():
            assert gc.get_threshold()[0] == 100 * IMPORT_GC_THRESHOLD
    finally:
        gc.set_threshold(*before)
