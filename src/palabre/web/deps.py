"""Request-scoped dependencies: the database session of a request, the settings.

Both are ``async`` functions although they do no asynchronous work: FastAPI runs a
plain ``def`` dependency in its thread pool, and each trip there and back costs the
server some 50 us of CPU (two for a generator, one to enter and one to leave). A
session connects at its first statement, so opening one is no I/O and belongs on the
event loop; only the end of the unit of work (commit or rollback, which talk to the
database) goes to the thread pool, in one trip.

On SQLite even that trip is skipped when the request wrote nothing
(:func:`finishes_in_process`): the database is a library in this process, a read opens
no transaction there (the driver begins one before the first write only), so ending
the unit of work is bookkeeping, no I/O, done on the event loop. A request that
changed something commits in the thread pool, where waiting for the write lock
blocks nobody else.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from palabre.config import Settings
from palabre.privacy.audit import DEFERRED_READS
from palabre.privacy.audit_buffer import AuditBuffer


def _finish(session: Session, buffer: AuditBuffer) -> None:
    # Commit, hand the records of reads to the buffer, close; a failed commit rolls back.
    try:
        session.commit()
        buffer.committed(session)
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def in_process(session: Session) -> bool:
    """Whether ``session``'s database runs in this process (SQLite): its reads wait on
    no server, so they may run on the event loop instead of a thread-pool trip."""
    return session.get_bind().dialect.name == "sqlite"


def finishes_in_process(session: Session, buffer: AuditBuffer) -> bool:
    """Whether committing ``session`` would write nothing and wait on nothing: SQLite, no
    change held by the session, no write transaction open on its connection, and no
    record of reads that the buffer would have to write itself (it is closed)."""
    if not in_process(session) or session.new or session.dirty or session.deleted:
        return False
    if buffer.closed and session.info.get(DEFERRED_READS):
        return False
    if session.get_transaction() is None:
        return True  # never used: nothing to end
    driver = session.connection().connection.driver_connection
    return not bool(getattr(driver, "in_transaction", True))


def _abandon(session: Session) -> None:
    try:
        session.rollback()
    finally:
        session.close()


async def get_db(request: Request) -> AsyncIterator[Session]:
    """The request's unit of work: commits when the route returns, rolls back when it raises.

    Declared with ``scope="function"`` (see :data:`DbSession`), so the commit happens
    before the response is sent: a client never sees success for a change that failed
    to commit. The session defers its audit records of reads: once it has committed
    they go to the application's :class:`~palabre.privacy.audit_buffer.AuditBuffer`
    (a failed request drops them with the rest). With the setting ``audit_reads_delay``
    at 0 they are written in the request's own transaction instead.
    """
    session = request.app.state.sessions()
    buffer: AuditBuffer = request.app.state.audit_buffer
    settings: Settings = request.app.state.settings
    if settings.audit_reads_delay > 0:
        buffer.defer_reads(session)
    try:
        yield session
    except BaseException:
        await run_in_threadpool(_abandon, session)
        raise
    if finishes_in_process(session, buffer):
        _finish(session, buffer)
    else:
        await run_in_threadpool(_finish, session, buffer)


async def get_settings(request: Request) -> Settings:
    """The settings the application was created with."""
    settings: Settings = request.app.state.settings
    return settings


#: Use as a route parameter type: ``db: DbSession``.
DbSession = Annotated[Session, Depends(get_db, scope="function")]
#: Use as a route parameter type: ``settings: AppSettings``.
AppSettings = Annotated[Settings, Depends(get_settings)]
