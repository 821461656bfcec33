"""An import that dies half-way leaves a consistent store, and a re-run completes it.

Each batch is one transaction (``palabre.connectors.importer``): killing the process
loses at most the batch in flight, never leaves half of one, and running the same
import again stores what is missing and counts the rest as unchanged.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import InstrumentedAttribute, Session, sessionmaker

from palabre.connectors.base import Connector
from palabre.connectors.importer import run_import
from palabre.connectors.models import ImportRun
from palabre.connectors.records import ChannelRecord, IdentityRecord, MessageRecord, Record
from palabre.fabric.models import Channel, Message, Thread
from palabre.identity.models import Identity, Person
from tests.conftest import database_backend
from tests.db.test_indexes import missing_names, schema_differences

ROWS = 150_000
BATCH = 2000


def write_messages_csv(path: Path, rows: int) -> list[str]:
    """Write a generic messages CSV (20 channels, 500 authors, one row in four a reply).

    Returns the message ids in file order.
    """
    ids: list[str] = []
    start = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    with path.open("w", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(["id", "channel", "author", "created_at", "text", "reply_to"])
        root = ""
        for n in range(rows):
            message_id = f"m{n:06d}"
            reply_to = root if n % 4 else ""
            if not reply_to:
                root = message_id
            when = (start + dt.timedelta(seconds=n)).isoformat()
            text = f"Message {n}: la livraison numéro {n % 97} est arrivée, thanks"
            out.writerow([message_id, f"c{n % 20}", f"u{n % 500}", when, text, reply_to])
            ids.append(message_id)
    return ids


def message_count(sessions: sessionmaker[Session]) -> int:
    with sessions() as session:
        return session.scalar(sa.select(sa.func.count()).select_from(Message)) or 0


def orphans(session: Session) -> dict[str, int]:
    """Rows pointing at something that does not exist (all must be zero)."""

    def missing(child: InstrumentedAttribute[Any], parent: InstrumentedAttribute[Any]) -> int:
        query = sa.select(sa.func.count()).where(
            child.is_not(None), ~sa.exists().where(parent == child)
        )
        return session.scalar(query) or 0

    return {
        "message without thread": missing(Message.thread_id, Thread.id),
        "message without channel": missing(Message.channel_id, Channel.id),
        "message without author": missing(Message.author_identity_id, Identity.id),
        "message whose author is unset": session.scalar(
            sa.select(sa.func.count()).where(Message.author_identity_id.is_(None))
        )
        or 0,
        "thread without channel": missing(Thread.channel_id, Channel.id),
        "identity without person": missing(Identity.person_id, Person.id),
    }


@pytest.mark.slow
def test_kill_9_mid_import_leaves_a_consistent_store_that_a_rerun_completes(
    cli_env: dict[str, str],
    engine: sa.Engine,
    sessions: sessionmaker[Session],
    tmp_path: Path,
) -> None:
    path = tmp_path / "messages.csv"
    ids = write_messages_csv(path, ROWS)
    command = [sys.executable, "-m", "palabre", "import", "messages", str(path)]
    command += ["--batch-size", str(BATCH), "--json"]

    # Output goes to files: a pipe nobody reads could block the child.
    with (tmp_path / "out").open("w") as out, (tmp_path / "err").open("w") as err:
        child = subprocess.Popen(command, env=cli_env, stdout=out, stderr=err)
        try:
            deadline = time.monotonic() + 300
            while message_count(sessions) == 0:
                assert child.poll() is None, (tmp_path / "err").read_text()
                assert time.monotonic() < deadline, "no batch was committed in 5 minutes"
                time.sleep(0.02)
            os.kill(child.pid, signal.SIGKILL)
        finally:
            if child.poll() is None:
                child.kill()
            child.wait()
    assert child.returncode == -signal.SIGKILL

    # -- what the killed import left -------------------------------------------------
    if database_backend() == "sqlite":
        with engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
            assert connection.exec_driver_sql("PRAGMA foreign_key_check").all() == []
        # A file this large is written without the secondary indexes (palabre.db.indexes).
        assert "ix_message_reply_to_id" in missing_names(engine)
    with sessions() as session:
        assert orphans(session) == dict.fromkeys(orphans(session), 0)
        stored = list(session.scalars(sa.select(Message.external_id).order_by(Message.external_id)))
    assert 0 < len(stored) < ROWS, "the kill must land in the middle of the import"
    # Batches commit in file order and whole: what is stored is a prefix of the file.
    assert stored == ids[: len(stored)]

    # -- the same import again ------------------------------------------------------
    rerun = subprocess.run(command, env=cli_env, capture_output=True, text=True, timeout=600)
    assert rerun.returncode == 0, rerun.stderr
    report = json.loads(rerun.stdout)
    assert report["counts"]["messages"] == {
        "created": ROWS - len(stored),
        "updated": 0,
        "unchanged": len(stored),
    }
    assert report["rejected"] == 0
    with sessions() as session:
        total, distinct = session.execute(
            sa.select(sa.func.count(), sa.func.count(sa.distinct(Message.external_id)))
        ).one()
        unlinked = session.scalar(
            sa.select(sa.func.count()).where(
                Message.reply_to_external_id.is_not(None), Message.reply_to_id.is_(None)
            )
        )
        assert orphans(session) == dict.fromkeys(orphans(session), 0)
    assert total == distinct == ROWS
    assert unlinked == 0  # replies stored before the kill were linked by the re-run
    # The re-run rebuilt the indexes the killed import had dropped, as migrated.
    assert missing_names(engine) == set()
    assert schema_differences(engine) == []


# -- a failure inside a batch -----------------------------------------------------------


class BrokenSource(Connector):
    """A source that yields two good batches, then fails in the middle of the third.

    ``failure`` chooses how: ``"source"`` raises while reading (the third batch is
    never written), ``"database"`` yields a message the database refuses (text NULL),
    so the third batch fails after its channel and identity rows were inserted.
    """

    kind: ClassVar[str] = "broken"
    default_channel_kind = "community"

    def __init__(self, failure: str) -> None:
        super().__init__("broken-source")
        self.failure = failure

    def check(self) -> None:
        """Nothing to check: there is no file."""

    def total(self) -> int | None:
        return None

    def records(self) -> Iterator[Record]:
        moment = dt.datetime(2025, 3, 1, 9, tzinfo=dt.UTC)
        yield ChannelRecord(external_id="general", name="general")
        for n in range(1, 8):  # with the channel: two batches of four records
            yield MessageRecord(f"m{n}", "general", "alice", moment, f"message {n}")
        yield ChannelRecord(external_id="late", name="late")
        yield IdentityRecord(external_id="zoe", handle="zoe")
        if self.failure == "source":
            yield MessageRecord("m8", "late", "zoe", moment, "read, never written")
            raise OSError("the export vanished while being read")
        yield MessageRecord("m8", "late", "zoe", moment, None)  # type: ignore[arg-type]
        yield MessageRecord("m9", "late", "zoe", moment, "never reached")


@pytest.mark.parametrize("failure", ["source", "database"])
def test_a_failure_inside_a_batch_keeps_earlier_batches_and_records_the_error(
    sessions: sessionmaker[Session], failure: str
) -> None:
    with pytest.raises((OSError, sa.exc.IntegrityError)):
        run_import(sessions, BrokenSource(failure), batch_size=4)

    with sessions() as session:
        messages = set(session.scalars(sa.select(Message.external_id)))
        channels = set(session.scalars(sa.select(Channel.external_id)))
        identities = set(session.scalars(sa.select(Identity.external_id)))
        runs = session.execute(sa.select(ImportRun.status, ImportRun.error)).all()
    assert messages == {f"m{n}" for n in range(1, 8)}
    # The third batch is absent as a whole, including the rows written before the failure.
    assert channels == {"general"}
    assert identities == {"alice"}
    ((status, error),) = runs
    assert status == "failed"
    assert error is not None
    expected = "the export vanished" if failure == "source" else "IntegrityError"
    assert expected in error
