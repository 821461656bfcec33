"""A large import into SQLite writes without the secondary indexes and rebuilds them.

``run_import`` drops the message and thread secondary indexes when the file is
estimated to hold at least ``defer_indexes_from`` records and at least as many as the
messages stored, and rebuilds them before it ends. The threshold is lowered here so
that a small file counts as large.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from palabre.connectors.generic import GenericMessagesConnector
from palabre.connectors.importer import estimated_records, run_import
from palabre.fabric.models import Message
from tests.conftest import database_backend
from tests.connectors.test_import_crash import write_messages_csv
from tests.db.test_indexes import missing_names, schema_differences


class Watched(GenericMessagesConnector):
    """The generic connector, noting which indexes are missing half-way through."""

    def __init__(self, path: Path, engine: sa.Engine) -> None:
        super().__init__(path)
        self.engine = engine
        self.missing_half_way: set[str] | None = None

    def batches(self, size: int) -> Iterator[list[object]]:
        for number, batch in enumerate(super().batches(size)):
            if number == 3:
                # Another connection: it sees what the import committed so far.
                self.missing_half_way = missing_names(self.engine)
            yield batch


def test_the_estimate_counts_the_lines_of_the_file(tmp_path: Path) -> None:
    path = tmp_path / "messages.csv"
    write_messages_csv(path, 20_000)

    estimate = estimated_records(GenericMessagesConnector(path))

    assert estimate is not None
    assert 20_001 * 0.95 < estimate < 20_001 * 1.05  # the rows and the header line


def test_a_large_import_writes_without_secondary_indexes_and_rebuilds_them(
    engine: sa.Engine, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    path = tmp_path / "messages.csv"
    ids = write_messages_csv(path, 1000)
    connector = Watched(path, engine)

    report = run_import(sessions, connector, batch_size=100, parallel=False, defer_indexes_from=500)

    assert report.status == "succeeded"
    assert report.counts.messages.created == 1000
    if database_backend() == "sqlite":
        assert connector.missing_half_way is not None
        assert {"ix_message_reply_to_id", "ix_thread_channel_id"} <= connector.missing_half_way
    else:  # PostgreSQL keeps its indexes (see the README's import figures)
        assert connector.missing_half_way == set()
    assert missing_names(engine) == set()
    assert schema_differences(engine) == []
    with sessions() as session:
        stored = set(session.scalars(sa.select(Message.external_id)))
        unlinked = session.scalar(
            sa.select(sa.func.count()).where(
                Message.reply_to_external_id.is_not(None), Message.reply_to_id.is_(None)
            )
        )
    assert stored == set(ids)
    assert unlinked == 0


def test_an_import_smaller_than_the_store_keeps_the_indexes(
    engine: sa.Engine, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    first = tmp_path / "first.csv"
    write_messages_csv(first, 1000)
    run_import(sessions, GenericMessagesConnector(first), parallel=False, defer_indexes_from=None)
    small = tmp_path / "small.csv"
    write_messages_csv(small, 600)  # fewer than the 1000 stored, into a new source
    connector = Watched(small, engine)

    run_import(
        sessions, connector, source="other", batch_size=100, parallel=False, defer_indexes_from=500
    )

    assert connector.missing_half_way == set()
    assert connector.missing_half_way is not None


def test_a_reimport_keeps_the_indexes(
    engine: sa.Engine, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    # Its rows are mostly unchanged: rebuilding every index would be work for nothing.
    path = tmp_path / "messages.csv"
    write_messages_csv(path, 1000)
    run_import(sessions, GenericMessagesConnector(path), parallel=False, defer_indexes_from=500)
    connector = Watched(path, engine)

    report = run_import(sessions, connector, batch_size=100, parallel=False, defer_indexes_from=500)

    assert report.counts.messages.unchanged == 1000
    assert connector.missing_half_way == set()


def test_an_import_that_fails_rebuilds_the_indexes_it_dropped(
    engine: sa.Engine, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    path = tmp_path / "messages.csv"
    write_messages_csv(path, 1000)

    class Failing(Watched):
        def batches(self, size: int) -> Iterator[list[object]]:
            for number, batch in enumerate(super().batches(size)):
                if number == 5:
                    raise OSError("the export vanished while being read")
                yield batch

    connector = Failing(path, engine)
    with pytest.raises(OSError, match="vanished"):
        run_import(sessions, connector, batch_size=100, parallel=False, defer_indexes_from=500)

    if database_backend() == "sqlite":
        assert connector.missing_half_way  # they were dropped...
    assert missing_names(engine) == set()  # ...and are back


def test_a_large_first_import_stores_no_dangling_reference_and_gives_back_checked_connections(
    engine: sa.Engine, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    # On SQLite its batches are written without foreign key checks (bulk_connection):
    # the references are right by construction, which SQLite's own check confirms.
    path = tmp_path / "messages.csv"
    ids = write_messages_csv(path, 3000)
    with path.open("a", encoding="utf-8") as handle:
        # A reply to a message later in the file, and one to a message never imported.
        handle.write("late-reply,c1,u1,2025-02-01T00:00:00Z,réponse,zz-last\n")
        handle.write("orphan,c1,u1,2025-02-01T00:00:01Z,answer,not-in-file\n")
        handle.write("zz-last,c1,u2,2025-02-01T00:00:02Z,le parent,\n")

    report = run_import(
        sessions, GenericMessagesConnector(path), batch_size=500, defer_indexes_from=500
    )

    assert report.counts.messages.created == len(ids) + 3
    with sessions() as session:
        if database_backend() == "sqlite":
            assert session.connection().exec_driver_sql("PRAGMA foreign_key_check").all() == []
            assert session.connection().exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        parents: dict[str, int | None] = {}
        for external_id, parent in session.execute(
            sa.select(Message.external_id, Message.reply_to_id).where(
                Message.external_id.in_(["late-reply", "orphan"])
            )
        ):
            parents[external_id] = parent
        last = session.scalar(sa.select(Message.id).where(Message.external_id == "zz-last"))
    assert parents == {"late-reply": last, "orphan": None}
    # Every connection the pool hands out checks foreign keys again.
    with engine.connect() as connection:
        if database_backend() == "sqlite":
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
