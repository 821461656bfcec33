"""What every part of the batch writer shares: its state, lookups by key, bulk inserts.

:class:`~palabre.connectors.writer.BatchWriter` is built in layers, one module per
table (channels, identities, threads, reply links, messages), each class adding to
the one before; this is the first. The state is set up by ``BatchWriter.__init__``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.orm import Session

from palabre.connectors.bulk import (
    LRU,
    BulkInsert,
    aware_time,
    chunks,
    rows_by_keys,
    sqlite_time,
)
from palabre.connectors.counts import Counts
from palabre.connectors.records import Rejection
from palabre.db.base import table_of
from palabre.fabric.models import Message
from palabre.privacy.erasure_keys import any_erased, erased_keys

_message = table_of(Message)


class WriterState:
    """The state and shared helpers of the batch writer (set up by ``BatchWriter``)."""

    source: str
    source_kind: str
    default_channel_kind: str
    run_id: int
    counts: Counts
    rejections: list[Rejection]
    _channels: dict[str, int]
    _identities: LRU[str, int]
    _threads: LRU[str, int]
    _teams: dict[str, int]
    _inserters: dict[tuple[str, tuple[str, ...]], BulkInsert]
    _fresh: bool | None
    #: ids of this source's messages met lately (external id -> id)
    _message_ids: LRU[str, int]
    replies_linked: int
    _replies_pending: bool
    _pending_replies: list[str]
    touched_persons: set[int]
    declared_links: list[tuple[int, int, dict[str, str]]]
    #: identities of erased people this import met: their messages are not imported
    erased_identities: set[int]
    _any_erased: bool | None

    def any_erased(self, session: Session) -> bool:
        """Whether the workspace has erased people (asked once per import): only then
        are the keys an import does not find looked up again as digests."""
        if self._any_erased is None:
            self._any_erased = any_erased(session)
        return self._any_erased

    def erased_ids_by_key(
        self, session: Session, table: sa.Table, keys: Sequence[str]
    ) -> dict[str, int]:
        """Ids of this source's rows of ``table`` that were erased, by the external id
        they had among ``keys`` (an erasure replaced it with its digest)."""
        if not keys or not self.any_erased(session):
            return {}
        digests = erased_keys(self.source, keys)
        return {
            digests[digest]: row_id
            for digest, row_id in self._ids_by_key(session, table, list(digests)).items()
        }

    def _load_by_key(
        self, session: Session, table: sa.Table, columns: Sequence[str], keys: Sequence[str]
    ) -> dict[str, tuple[Any, ...]]:
        """Rows of ``table`` of this source whose external id is in ``keys``: id -> columns."""
        found: dict[str, tuple[Any, ...]] = {}
        selected = ("external_id", *columns)
        for row in rows_by_keys(session, table, selected, self.source, keys):
            found[row[0]] = tuple(row[1:])
        return found

    def _ids_by_key(self, session: Session, table: sa.Table, keys: Sequence[str]) -> dict[str, int]:
        """Ids of this source's rows of ``table`` among ``keys``; a key not stored is absent.

        Through the driver, two columns: a large import looks up thousands of keys per
        million messages (authors its caches forgot), and building, rendering and
        reading a SQLAlchemy statement per chunk cost several times SQLite's own work.
        """
        connection = session.connection()
        dialect = connection.dialect
        marker = "?" if dialect.paramstyle == "qmark" else "%s"
        name = dialect.identifier_preparer.quote(table.name)
        found: dict[str, int] = {}
        for chunk in chunks(list(keys)):
            sql = (
                f"SELECT external_id, id FROM {name} WHERE source = {marker}"
                f" AND external_id IN ({', '.join([marker] * len(chunk))})"
            )
            for external_id, row_id in connection.exec_driver_sql(sql, (self.source, *chunk)):
                found[external_id] = int(row_id)
        return found

    def _bulk(
        self,
        session: Session,
        table: sa.Table,
        columns: Sequence[str],
        prepared: Sequence[str] = (),
    ) -> BulkInsert:
        key = (table.name, tuple(columns))
        inserter = self._inserters.get(key)
        if inserter is None:
            inserter = BulkInsert(table, columns, session.get_bind().dialect, prepared)
            self._inserters[key] = inserter
        return inserter

    def _time_param(self, session: Session) -> Callable[[dt.datetime | None], Any]:
        """How a timestamp is passed to this database's driver by :class:`BulkInsert`."""
        if session.get_bind().dialect.name == "sqlite":
            return sqlite_time
        return aware_time

    def _json_param(self, session: Session) -> Callable[[Any], Any]:
        """How a JSON value is passed to this database's driver by :class:`BulkInsert`."""
        processor = _message.c.attachments.type._cached_bind_processor(session.get_bind().dialect)
        if session.get_bind().dialect.name == "sqlite":
            return lambda value: orjson.dumps(value).decode()
        return processor if processor is not None else (lambda value: value)

    def fresh_source(self, session: Session) -> bool:
        """True when the source held no message when this import started.

        Then every thread or message this import meets is new, unless the input
        repeats itself: lookups before inserting are skipped (inserts that ignore
        conflicts detect the repeats instead), which saves a query per batch and table.
        """
        if self._fresh is None:
            found = session.scalar(
                sa.select(_message.c.id).where(_message.c.source == self.source).limit(1)
            )
            self._fresh = found is None
        return self._fresh

    @staticmethod
    def _max_id(session: Session, table: sa.Table) -> int:
        """The highest id of ``table`` (0 when empty), through the driver: asked a few
        times per batch, where a SQLAlchemy statement cost as much as a hundred inserts."""
        connection = session.connection()
        name = connection.dialect.identifier_preparer.quote(table.name)
        return int(connection.exec_driver_sql(f"SELECT max(id) FROM {name}").scalar() or 0)

    def max_message_id(self, session: Session) -> int:
        """The highest message id (0 when none is stored)."""
        return self._max_id(session, _message)
