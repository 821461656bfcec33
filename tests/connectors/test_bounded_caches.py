"""The importer's memory stays bounded: its caches (palabre.connectors.bulk.LRU) never
lose a key the writer has just checked for (an import with far more authors and threads
than the caches hold completes, and every message keeps its author and thread), and
nothing of a batch outlives it in reference cycles left to the collector."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from palabre.connectors import writer
from palabre.connectors.bulk import LRU
from palabre.connectors.importer import import_path
from palabre.fabric.models import Message
from palabre.identity.models import Identity


def test_a_key_checked_with_in_survives_the_puts_that_follow() -> None:
    cache: LRU[str, int] = LRU(4)  # two generations of two
    cache.put("a", 1)
    cache.put("b", 2)  # "a" and "b" move to the old generation
    assert "a" in cache  # promoted back to the young one
    cache.put("c", 3)
    cache.put("d", 4)  # the young generation rolls over once more
    assert cache.get("a") == 1


def test_keys_found_in_bulk_survive_the_puts_that_follow_and_missing_ones_are_absent() -> None:
    cache: LRU[str, int] = LRU(4)
    cache.put("a", 1)
    cache.put("b", 2)  # both move to the old generation
    assert cache.found(["a", "z", "b"]) == {"a": 1, "b": 2}
    cache.put("c", 3)  # the promoted a and b filled the young generation, now the old one
    assert cache.found(["a", "b", "c"]) == {"a": 1, "b": 2, "c": 3}


def test_an_import_larger_than_the_caches_keeps_every_author_and_thread(
    sessions: sessionmaker[Session], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Two generations of 15: more than a batch touches (the writer's assumption: its
    # caches hold far more than a batch), fewer than the import's 40 authors and threads.
    monkeypatch.setattr(writer, "CACHE_SIZE", 30)
    monkeypatch.setattr(writer, "THREAD_CACHE_SIZE", 30)
    monkeypatch.setattr(writer, "MESSAGE_CACHE_SIZE", 30)
    rows = [
        f"m{n},general,user{n % 40},2025-04-01T{10 + n // 60:02d}:{n % 60:02d}:00Z,"
        f"t{(n * 7) % 40},message {n}"
        for n in range(120)
    ]
    path = tmp_path / "many.csv"
    path.write_text("id,channel,author,created_at,thread_id,text\n" + "\n".join(rows) + "\n")
    report = import_path(sessions, "messages", path, actor="test", batch_size=7)
    assert (report.status, report.rejected) == ("succeeded", 0)
    with sessions() as db:
        authors = dict(
            db.execute(
                sa.select(Message.external_id, Identity.external_id).join(
                    Identity, Identity.id == Message.author_identity_id
                )
            ).all()
        )
        threads = db.scalar(sa.select(sa.func.count(sa.distinct(Message.thread_id))))
    assert authors == {f"m{n}": f"user{n % 40}" for n in range(120)}
    assert threads == 40


@pytest.fixture
def collector_off() -> Iterator[None]:
    """The cyclic collector stopped, so that cycles made meanwhile stay for inspection."""
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()


def _keys_held_by_cycles(keys: set[str]) -> set[str]:
    """Which of ``keys`` the unreachable cycles alive now hold in a list, tuple or dict."""
    gc.set_debug(gc.DEBUG_SAVEALL)
    gc.collect()
    held: set[str] = set()
    for garbage in gc.garbage:
        if isinstance(garbage, (list, tuple, set, frozenset)):
            held.update(keys.intersection(item for item in garbage if isinstance(item, str)))
        elif isinstance(garbage, dict):
            held.update(keys.intersection(v for v in garbage.values() if isinstance(v, str)))
    return held


def test_a_re_import_leaves_no_cycle_holding_the_keys_it_looked_up(
    sessions: sessionmaker[Session], tmp_path: Path, collector_off: None
) -> None:
    # The writer looks up each batch's messages, threads and authors by key. Statements
    # built per lookup with the keys inside are reference cycles the import's rare
    # collections left alive: a million messages re-imported held some 100 MB of them.
    rows = [
        f"m{n},general,user{n % 40},2025-04-01T{10 + n // 60:02d}:{n % 60:02d}:00Z,"
        f"t{n % 25},{f'm{n - 1}' if n % 25 else ''},message {n}"
        for n in range(150)
    ]
    path = tmp_path / "again.csv"
    path.write_text(
        "id,channel,author,created_at,thread_id,reply_to,text\n" + "\n".join(rows) + "\n"
    )
    first = import_path(sessions, "messages", path, actor="test", batch_size=30)
    assert (first.status, first.counts.messages.created) == ("succeeded", 150)
    gc.collect()

    again = import_path(sessions, "messages", path, actor="test", batch_size=30)

    assert (again.status, again.counts.messages.unchanged) == ("succeeded", 150)
    keys = {f"m{n}" for n in range(150)} | {f"t{n}" for n in range(25)}
    keys |= {f"user{n}" for n in range(40)}
    assert _keys_held_by_cycles(keys) == set()
