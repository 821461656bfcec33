"""Records of reads written in batches (palabre.privacy.audit_buffer), on a real database."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from palabre.db.engine import session_factory
from palabre.privacy import audit
from palabre.privacy.audit_buffer import AuditBuffer
from palabre.privacy.models import AuditEntry


def _entries(sessions: sessionmaker[Session]) -> list[AuditEntry]:
    with sessions() as session:
        return list(session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id)))


def _read(session: Session, subject: int, actor: str = "user:hr") -> None:
    audit.record_read(
        session,
        actor=actor,
        action="person.viewed",
        subject_type="person",
        subject_id=subject,
        details={"parts": ["profile"], "via": "page"},
    )


def _until(condition: Callable[[], bool], seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def test_a_session_that_does_not_defer_writes_the_read_in_its_transaction(
    sessions: sessionmaker[Session],
) -> None:
    with sessions() as session:
        _read(session, 7)
        session.commit()
    (entry,) = _entries(sessions)
    assert (entry.actor, entry.subject_id, entry.details) == (
        "user:hr",
        "7",
        {"parts": ["profile"], "via": "page"},
    )


def test_a_deferred_read_joins_the_buffer_at_the_commit_and_keeps_the_time_it_was_read(
    sessions: sessionmaker[Session],
) -> None:
    buffer = AuditBuffer(sessions, max_delay=3600)
    with sessions() as session:
        buffer.defer_reads(session)
        _read(session, 7)
        session.commit()
        assert buffer.pending == 0  # not before the request's commit
        buffer.committed(session)
    assert buffer.pending == 1
    assert _entries(sessions) == []  # the request wrote nothing
    time.sleep(0.05)
    assert buffer.flush() == 1
    (entry,) = _entries(sessions)
    assert (entry.actor, entry.action, entry.subject_type, entry.subject_id) == (
        "user:hr",
        "person.viewed",
        "person",
        "7",
    )
    age = time.time() - entry.at.timestamp()
    assert age >= 0.05  # the time of the read, not of the write
    buffer.close()


def test_records_are_written_by_themselves_within_the_delay(
    sessions: sessionmaker[Session],
) -> None:
    buffer = AuditBuffer(sessions, max_delay=0.2)
    with sessions() as session:
        buffer.defer_reads(session)
        _read(session, 1)
        _read(session, 2)
        session.commit()
        buffer.committed(session)
    assert _until(lambda: len(_entries(sessions)) == 2)
    assert buffer.pending == 0
    buffer.close()
    assert [e.subject_id for e in _entries(sessions)] == ["1", "2"]


def test_a_full_buffer_is_written_at_once_without_waiting_for_the_delay(
    sessions: sessionmaker[Session],
) -> None:
    buffer = AuditBuffer(sessions, max_entries=3, max_delay=3600)
    for subject in (1, 2):
        with sessions() as session:
            buffer.defer_reads(session)
            _read(session, subject)
            session.commit()
            buffer.committed(session)
    time.sleep(0.3)
    assert buffer.pending == 2  # under the threshold: they wait
    with sessions() as session:
        buffer.defer_reads(session)
        _read(session, 3)
        session.commit()
        buffer.committed(session)
    assert _until(lambda: len(_entries(sessions)) == 3)
    buffer.close()


def test_close_writes_every_record_left_and_later_ones_are_written_at_once(
    sessions: sessionmaker[Session],
) -> None:
    buffer = AuditBuffer(sessions, max_delay=3600)
    for subject in range(5):
        with sessions() as session:
            buffer.defer_reads(session)
            _read(session, subject, actor=f"user:{subject}")
            session.commit()
            buffer.committed(session)
    assert _entries(sessions) == []
    buffer.close()
    assert [e.actor for e in _entries(sessions)] == [f"user:{n}" for n in range(5)]
    with sessions() as session:
        buffer.defer_reads(session)
        _read(session, 9)
        session.commit()
        buffer.committed(session)
    assert len(_entries(sessions)) == 6
    assert buffer.pending == 0


def test_records_that_cannot_be_written_are_kept_and_written_once_the_database_can(
    tmp_path: Path, sessions: sessionmaker[Session]
) -> None:
    # A real database without the audit table yet: every write fails.
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'bare.sqlite3'}")
    bare = session_factory(engine)
    buffer = AuditBuffer(bare, max_delay=3600)
    with sessions() as session:
        buffer.defer_reads(session)
        _read(session, 1)
        _read(session, 2)
        session.commit()
        buffer.committed(session)
    with pytest.raises(sa.exc.OperationalError):
        buffer.flush()
    assert buffer.pending == 2
    AuditEntry.__table__.create(engine)
    assert buffer.flush() == 2
    buffer.close()
    with bare() as session:
        assert session.scalars(sa.select(AuditEntry.subject_id)).all() == ["1", "2"]
    engine.dispose()
