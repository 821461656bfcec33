"""The request's unit of work (palabre.web.deps.get_db) and the audit records of its reads."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable, Iterator
from types import SimpleNamespace
from typing import Any, TypeVar

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from palabre.config import Settings
from palabre.privacy import audit
from palabre.privacy.audit_buffer import AuditBuffer
from palabre.privacy.models import AuditEntry
from palabre.web.deps import get_db

T = TypeVar("T")
Drive = Callable[[Awaitable[Any]], Any]


@pytest.fixture
def drive() -> Iterator[Drive]:
    """Runs awaitables on one event loop of its own thread, as a server runs a request's
    steps on one loop. Not ``asyncio.run`` in the test's thread: the browser tests'
    Playwright keeps a loop running there, and each ``asyncio.run`` would also close the
    unit of work between two steps."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="request-loop", daemon=True)
    thread.start()

    async def _await(awaitable: Awaitable[T]) -> T:
        return await awaitable

    def run(awaitable: Awaitable[T]) -> T:
        return asyncio.run_coroutine_threadsafe(_await(awaitable), loop).result(timeout=60)

    yield run
    loop.call_soon_threadsafe(loop.stop)
    thread.join()
    loop.close()


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
    sessions: sessionmaker[Session], drive: Drive
) -> None:
    buffer = AuditBuffer(sessions, max_delay=3600)
    unit = get_db(_request(sessions, buffer))
    session = drive(unit.__anext__())
    _read(session)
    with pytest.raises(StopAsyncIteration):
        drive(unit.__anext__())
    assert buffer.pending == 1
    assert _written(sessions) == 0
    buffer.close()
    assert _written(sessions) == 1


def test_a_request_that_fails_writes_no_record_of_its_reads(
    sessions: sessionmaker[Session], drive: Drive
) -> None:
    buffer = AuditBuffer(sessions, max_delay=3600)
    unit = get_db(_request(sessions, buffer))
    session = drive(unit.__anext__())
    _read(session)
    with pytest.raises(RuntimeError, match="the page failed"):
        drive(unit.athrow(RuntimeError("the page failed")))
    assert buffer.pending == 0
    buffer.close()
    assert _written(sessions) == 0
