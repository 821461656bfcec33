"""The batch writer's threads: declared ones, and those messages name."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy.orm import Session

from palabre.connectors.bulk import rows_by_keys, utc
from palabre.connectors.identity_writer import IdentityWriter
from palabre.connectors.records import MessageRecord, ThreadRecord
from palabre.db.base import table_of
from palabre.fabric.models import Thread
from palabre.privacy.erasure_keys import threads_opened_by_erased

_thread = table_of(Thread)
_THREAD_COLUMNS = ("source", "external_id", "channel_id", "title", "url", "created_at")


class ThreadWriter(IdentityWriter):
    """Threads of one import."""

    def _load_threads(self, session: Session, keys: Sequence[str]) -> dict[str, tuple[Any, ...]]:
        return self._load_by_key(
            session, _thread, ("id", "channel_id", "title", "url", "created_at"), keys
        )

    def _write_threads(self, session: Session, records: Sequence[ThreadRecord]) -> None:
        latest = {r.external_id: r for r in records}
        existing = self._load_threads(session, list(latest))
        # A thread an erased person opened keeps no title or link of theirs.
        frozen = (
            threads_opened_by_erased(session, [int(row[0]) for row in existing.values()])
            if existing and self.any_erased(session)
            else set()
        )
        new_rows: list[dict[str, Any]] = []
        for key, record in latest.items():
            values = {
                "channel_id": self._channels[record.channel_external_id],
                "title": record.title,
                "url": record.url,
                "created_at": utc(record.created_at),
            }
            row = existing.get(key)
            if row is None:
                new_rows.append({**values, "source": self.source, "external_id": key})
                continue
            self._threads.put(key, int(row[0]))
            if int(row[0]) in frozen:
                values.update(title=None, url=None)
            old = dict(zip(("channel_id", "title", "url", "created_at"), row[1:], strict=True))
            if old == values:
                self.counts.threads.unchanged += 1
            else:
                session.execute(_thread.update().where(_thread.c.id == row[0]).values(**values))
                self.counts.threads.updated += 1
        self.insert_threads(session, new_rows)

    def insert_threads(
        self, session: Session, rows: list[dict[str, Any]], *, ignore_conflicts: bool = False
    ) -> dict[str, int]:
        """Insert thread rows (a repeat is skipped with ``ignore_conflicts``); return the
        ids of their external ids."""
        if not rows:
            return {}
        as_time = self._time_param(session)
        params = [
            (
                row["source"],
                row["external_id"],
                row["channel_id"],
                row["title"],
                row["url"],
                as_time(row["created_at"]),
            )
            for row in rows
        ]
        sqlite = session.get_bind().dialect.name == "sqlite"
        before = self._max_id(session, _thread) if sqlite else 0
        # executemany, then the ids: RETURNING with guaranteed order makes SQLite fall
        # back to one statement per row.
        inserted = self._bulk(session, _thread, _THREAD_COLUMNS, prepared=("created_at",)).run(
            session, params, ignore_conflicts=ignore_conflicts
        )
        self.counts.threads.created += inserted
        if sqlite and inserted == len(rows) and self._max_id(session, _thread) == before + inserted:
            # SQLite gave max + 1, + 2... in order (this import holds the write lock), as
            # checked just now: no need to read the ids back.
            placed = {
                row["external_id"]: number for number, row in enumerate(rows, start=before + 1)
            }
            self._threads.update(placed)
            return placed
        keys = [row["external_id"] for row in rows]
        found = rows_by_keys(session, _thread, ("external_id", "id"), self.source, keys)
        placed = {external_id: int(thread_id) for external_id, thread_id in found}
        self._threads.update(placed)
        return placed

    def _ensure_threads(self, session: Session, messages: Sequence[MessageRecord]) -> None:
        first_of: dict[str, MessageRecord] = {}
        for m in messages:
            key = m.thread_external_id or m.external_id
            # The root describes its thread (title, url, start time): prefer it to a reply
            # of the same batch that came first in the file, which would leave the thread
            # untitled and starting at the reply's time.
            if key not in first_of or m.external_id == key:
                first_of[key] = m
        # The cache is asked once per thread of the batch, not once per message.
        known = self._threads
        wanted = {key: m for key, m in first_of.items() if key not in known}
        if not wanted:
            return
        fresh = self.fresh_source(session)
        existing = {} if fresh else self._load_threads(session, list(wanted))
        new_rows: list[dict[str, Any]] = []
        for key, first in wanted.items():
            row = existing.get(key)
            if row is not None:
                self._threads.put(key, int(row[0]))
                continue
            is_root = key == first.external_id
            new_rows.append(
                {
                    "source": self.source,
                    "external_id": key,
                    "channel_id": self._channels[first.channel_external_id],
                    "title": first.title if is_root else None,
                    "url": first.url if is_root else None,
                    "created_at": first.created_at,
                }
            )
        self.insert_threads(session, new_rows, ignore_conflicts=fresh)

    def cached_thread_ids(self, keys: Iterable[str]) -> dict[str, int]:
        """The ids of the threads of ``keys`` that the cache holds (see :meth:`LRU.found`)."""
        return self._threads.found(keys)

    def thread_id(self, key: str) -> int:
        value = self._threads.get(key)
        assert value is not None, f"thread {key!r} was not ensured"
        return value
