"""Write batches of canonical records into the store, fast and idempotently.

The writer uses SQLAlchemy Core with set-based statements (one ``SELECT ... IN``
and one ``executemany`` per table and batch) because the ORM's per-object work
would cap imports far below the 50,000 messages/s the project aims at.

Idempotency: every object is keyed by ``(source, external_id)``. A message whose
content digest is unchanged is counted *unchanged* and not rewritten; a changed one
is *updated* (its reactions and mentions replaced). Each message remembers the last
import run that saw it, which is how a duplicate id inside one file is caught even
when the two copies land in different batches.

Memory stays bounded whatever the input size: the id caches are LRU-bounded and
anything not in them is looked up in the database, one query per batch, through
statements built once (:func:`~palabre.connectors.bulk.rows_by_keys`: a statement built
per lookup holds its keys in reference cycles, which outlive the batch).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from palabre.connectors.bulk import LRU, BulkInsert
from palabre.connectors.column_writer import write_message_columns
from palabre.connectors.counts import Counts, Tally
from palabre.connectors.digests import message_digest
from palabre.connectors.message_writer import MessageWriter
from palabre.connectors.records import (
    ChannelRecord,
    IdentityRecord,
    MessageColumns,
    MessageRecord,
    PersonRecord,
    Rejection,
    ThreadRecord,
)
from palabre.connectors.reply_links import PENDING_REPLIES_LIMIT

#: how many identity ids the writer keeps in memory, in two generations of half as
#: many: with more authors than a generation holds, each turnover forgets those not met
#: in the last two, which the next batches read again (the 5 M benchmark file has
#: 125,000 authors: generations of 100,000 turned over 13 times)
CACHE_SIZE = 400_000
#: threads remembered: a thread's messages mostly come close together, and one missed
#: is looked up; half the other caches, as a 5 M import (1.4 M threads) neared 300 MB
THREAD_CACHE_SIZE = 100_000
#: recent messages remembered for linking replies (most follow their parent closely; an
#: older parent is looked up): smaller than the other caches, which bound the memory
MESSAGE_CACHE_SIZE = 60_000

_RECORD_KINDS = (
    ChannelRecord,
    IdentityRecord,
    ThreadRecord,
    MessageRecord,
    PersonRecord,
    Rejection,
)


class BatchWriter(MessageWriter):
    """Write records of one import (one source) into the database, batch by batch.

    Built in layers, one module per table: :mod:`.writer_state`, :mod:`.channel_writer`,
    :mod:`.identity_writer`, :mod:`.thread_writer`, :mod:`.reply_links`,
    :mod:`.message_writer`; column batches go through :mod:`.column_writer`.
    """

    def __init__(self, *, source: str, source_kind: str, default_channel_kind: str, run_id: int):
        self.source = source
        self.source_kind = source_kind
        self.default_channel_kind = default_channel_kind
        self.run_id = run_id
        self.counts = Counts()
        self.rejections: list[Rejection] = []
        self._channels: dict[str, int] = {}
        self._identities: LRU[str, int] = LRU(CACHE_SIZE)
        self._threads: LRU[str, int] = LRU(THREAD_CACHE_SIZE)
        self._teams: dict[str, int] = {}
        self._inserters: dict[tuple[str, tuple[str, ...]], BulkInsert] = {}
        self._fresh: bool | None = None
        #: ids of this source's messages met lately (external id -> id): most replies
        #: follow their parent closely, and are linked as they are inserted
        self._message_ids: LRU[str, int] = LRU(MESSAGE_CACHE_SIZE)
        #: replies linked to their parent when inserted (SQLite), and replies left for
        #: :meth:`resolve_replies` (a parent later in the input, or not in the store)
        self.replies_linked = 0
        self._replies_pending = False
        #: external ids of the replies left unlinked (up to PENDING_REPLIES_LIMIT)
        self._pending_replies: list[str] = []
        #: persons touched by this import, for the automatic identity rules afterwards
        self.touched_persons: set[int] = set()
        #: (CRM person, other person, evidence): accounts a CRM row declares as its own
        self.declared_links: list[tuple[int, int, dict[str, str]]] = []
        self.erased_identities: set[int] = set()
        self._any_erased: bool | None = None

    def write(self, session: Session, batch: Sequence[object]) -> list[Rejection]:
        """Write one batch in the session's transaction; return the rejections it produced."""
        # One pass sorting by exact type (six isinstance passes cost more on big batches).
        sorted_: dict[type, list[Any]] = {kind: [] for kind in _RECORD_KINDS}
        for record in batch:
            kind = type(record)
            if kind not in sorted_:
                kind = next((k for k in _RECORD_KINDS if isinstance(record, k)), kind)
            sorted_.setdefault(kind, []).append(record)
        channels: list[ChannelRecord] = sorted_[ChannelRecord]
        identities: list[IdentityRecord] = sorted_[IdentityRecord]
        threads: list[ThreadRecord] = sorted_[ThreadRecord]
        messages: list[MessageRecord] = sorted_[MessageRecord]
        people: list[PersonRecord] = sorted_[PersonRecord]
        rejections: list[Rejection] = sorted_[Rejection]
        if channels:
            self._write_channels(session, channels)
        if identities:
            self._write_identities(session, identities)
        if people:
            rejections += self._write_people(session, people)
        if threads or messages:
            self.ensure_channels(session, [m.channel_external_id for m in messages])
            self.ensure_channels(session, [t.channel_external_id for t in threads])
        if threads:
            self._write_threads(session, threads)
        if messages:
            rejections += self.write_message_records(session, messages)
        for columns in sorted_.get(MessageColumns, ()):
            rejections += write_message_columns(self, session, columns)
        return rejections

    def release_caches(self) -> None:
        """Forget the cached ids (after the last batch: lookups would refill them)."""
        self._identities = LRU(CACHE_SIZE)
        self._threads = LRU(THREAD_CACHE_SIZE)
        self._message_ids = LRU(MESSAGE_CACHE_SIZE)

    def _write_people(self, session: Session, records: Sequence[PersonRecord]) -> list[Rejection]:
        from palabre.connectors.people_writer import write_people

        return write_people(self, session, records)


__all__ = ["LRU", "PENDING_REPLIES_LIMIT", "BatchWriter", "Counts", "Tally", "message_digest"]
