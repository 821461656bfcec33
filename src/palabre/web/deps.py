"""Request-scoped dependencies: the database session of a request, the settings."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from palabre.config import Settings
from palabre.privacy.audit_buffer import AuditBuffer


def get_db(request: Request) -> Iterator[Session]:
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
        session.commit()
        buffer.committed(session)
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def get_settings(request: Request) -> Settings:
    """The settings the application was created with."""
    settings: Settings = request.app.state.settings
    return settings


#: Use as a route parameter type: ``db: DbSession``.
DbSession = Annotated[Session, Depends(get_db, scope="function")]
#: Use as a route parameter type: ``settings: AppSettings``.
AppSettings = Annotated[Settings, Depends(get_settings)]
