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


def _commit_threads(session: Session) -> list[str]:
    # The name of the thread each commit of ``session`` ran on.
    names: list[str] = []
    sa.event.listen(
        session, "after_commit", lambda _s: names.append(threading.current_thread().name)
    )
    return names


def test_a_request_that_only_read_ends_on_the_event_loop_on_sqlite_only(
    sessions: sessionmaker[Session], drive: Drive
) -> None:
    buffer = AuditBuffer(sessions, max_delay=3600)
    unit = get_db(_request(sessions, buffer))
    session = drive(unit.__anext__())
    assert session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) == 0
    _read(session)  # a record of a read is deferred: it is no write of this request
    threads = _commit_threads(session)
    with pytest.raises(StopAsyncIteration):
        drive(unit.__anext__())
    # SQLite lives in this process: ending a read is no I/O and needs no thread-pool
    # trip. A server's COMMIT is a round trip: it waits in the pool.
    on_loop = session.get_bind().dialect.name == "sqlite"
    assert (threads == ["request-loop"]) is on_loop
    assert len(threads) == 1
    assert buffer.pending == 1
    buffer.close()
    assert _written(sessions) == 1


@pytest.mark.parametrize("how", ["orm", "core"])
def test_a_request_that_wrote_commits_in_the_thread_pool_and_its_change_stays(
    sessions: sessionmaker[Session], drive: Drive, how: str
) -> None:
    buffer = AuditBuffer(sessions, max_delay=3600)
    unit = get_db(_request(sessions, buffer))
    session = drive(unit.__anext__())
    if how == "orm":
        audit.record(session, actor="user:a", action="test.changed", subject_type="test")
    else:
        # A statement past the ORM: the session holds no change, its connection does.
        session.execute(
            sa.insert(AuditEntry).values(
                actor="user:a", action="test.changed", subject_type="test", details={}
            )
        )
    threads = _commit_threads(session)
    with pytest.raises(StopAsyncIteration):
        drive(unit.__anext__())
    assert len(threads) == 1
    assert threads != ["request-loop"]  # waiting for the write lock blocks no other request
    assert _written(sessions) == 1
    buffer.close()
