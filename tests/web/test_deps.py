"""The request's unit of work (palabre.web.deps.get_db) and the audit records of its reads."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from palabre.config import Settings
from palabre.privacy import audit
from palabre.privacy.audit_buffer import AuditBuffer
from palabre.privacy.models import AuditEntry
from palabre.web.deps import get_db


def _request(sessions: sessionmaker[Session], buffer: AuditBuffer) -> Any:
    # get_db reads only the application's state from the request.
    return SimpleNamespace(
        app=SimpleNamespace(
            state=SimpleNamespace(sessions=sessions, audit_buffer=buffer, settings=Settings())
        )
    )


def _read(session: Session) -> None:
    audit.record_read(
        session, actor="user:hr", action="person.viewed", subject_type="person", subject_id=3
    )


def _written(sessions: sessionmaker[Session]) -> int:
    with sessions() as session:
        return int(session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) or 0)


def test_a_request_that_succeeds_hands_its_reads_to_the_buffer_after_its_commit(
    sessions: sessionmaker[Session],
) -> None:
    buffer = AuditBuffer(sessions, max_delay=3600)
    unit = get_db(_request(sessions, buffer))
    session = asyncio.run(unit.__anext__())
    _read(session)
    with pytest.raises(StopAsyncIteration):
        asyncio.run(unit.__anext__())
    assert buffer.pending == 1
    assert _written(sessions) == 0
    buffer.close()
    assert _written(sessions) == 1


def test_a_request_that_fails_writes_no_record_of_its_reads(
    sessions: sessionmaker[Session],
) -> None:
    buffer = AuditBuffer(sessions, max_delay=3600)
    unit = get_db(_request(sessions, buffer))
    session = asyncio.run(unit.__anext__())
    _read(session)
    with pytest.raises(RuntimeError, match="the page failed"):
        asyncio.run(unit.athrow(RuntimeError("the page failed")))
    assert buffer.pending == 0
    buffer.close()
    assert _written(sessions) == 0
