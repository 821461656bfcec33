"""Request-scoped dependencies: the database session of a request, the settings.

Both are ``async`` functions although they do no asynchronous work: FastAPI runs a
plain ``def`` dependency in its thread pool, and each trip there and back costs the
server some 50 us of CPU (two for a generator, one to enter and one to leave). A
session connects at its first statement, so opening one is no I/O and belongs on the
event loop; only the end of the unit of work (commit or rollback, which talk to the
database) goes to the thread pool, in one trip.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from palabre.config import Settings
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
    await run_in_threadpool(_finish, session, buffer)


async def get_settings(request: Request) -> Settings:
    """The settings the application was created with."""
    settings: Settings = request.app.state.settings
    return settings


#: Use as a route parameter type: ``db: DbSession``.
DbSession = Annotated[Session, Depends(get_db, scope="function")]
#: Use as a route parameter type: ``settings: AppSettings``.
AppSettings = Annotated[Settings, Depends(get_settings)]
