"""SQLite's text search index of messages, filled after the rows arrive.

``message_fts`` (migrations 0004 and 0009) indexes every message up to a watermark,
``message_fts_state.indexed_through``. Imports write messages without touching it (a
trigram index written row by row cost an import two thirds of its time);
:func:`catch_up` then indexes the rows above the watermark in a few large statements:
``palabre analyze`` runs it first, and so does an import started from the web app.

Searching never waits for it: :func:`pending_above` tells a search the watermark, and
the rows above it are tested one by one (``palabre.fabric.browse``), so the results are
the same before and after the index catches up. PostgreSQL keeps its trigram indexes
up to date itself: there, nothing is ever pending.
"""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.orm import Session

from palabre.db import prepared
from palabre.fabric.models import Message

#: rows indexed per statement: bounds the memory FTS5 buffers before it writes
CATCH_UP_CHUNK = 100_000

_STATE = sa.table("message_fts_state", sa.column("indexed_through", sa.Integer))


_PENDING = sa.select(
    _STATE.c.indexed_through.label("through"),
    sa.exists().where(Message.id > sa.func.coalesce(_STATE.c.indexed_through, 0)).label("above"),
)


def _deferred(session: Session) -> bool:
    return session.get_bind().dialect.name == "sqlite"


def indexed_through(session: Session) -> int | None:
    """The highest message id the index is known to hold (None: no deferred index here)."""
    if not _deferred(session):
        return None
    return int(session.scalar(sa.select(_STATE.c.indexed_through)) or 0)


def pending_above(session: Session) -> int | None:
    """The watermark when some messages above it are not indexed yet, else None.

    None also on PostgreSQL, whose indexes never lag.
    """
    if not _deferred(session):
        return None
    # One statement, built once: every search on SQLite asks.
    found = prepared.rows(session, _PENDING).first()
    through = int(found.through or 0) if found is not None else 0
    if found is None:
        above = session.scalar(sa.select(Message.id).limit(1)) is not None
    else:
        above = bool(found.above)
    return through if above else None


def pending_count(session: Session) -> int:
    """How many messages wait for the search index (0 on PostgreSQL)."""
    through = indexed_through(session)
    if through is None:
        return 0
    return int(session.scalar(sa.select(sa.func.count()).where(Message.id > through)) or 0)


def catch_up(
    session: Session,
    *,
    chunk: int = CATCH_UP_CHUNK,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Index every message above the watermark, in the session's transaction.

    Returns how many messages were indexed. ``progress(done, total)`` follows it.
    Two runs at once cannot index a row twice: the watermark is read again by the
    statement that writes, and SQLite lets one writer at a time run it.
    """
    if chunk < 1:
        raise ValueError(f"chunk must be at least 1, got {chunk}")
    if not _deferred(session):
        return 0
    total = pending_count(session)
    done = 0
    while True:
        through = indexed_through(session) or 0
        # The id of the chunk-th pending row (ids have gaps where rows were deleted),
        # or the last one.
        upto = session.scalar(
            sa.select(Message.id)
            .where(Message.id > through)
            .order_by(Message.id)
            .limit(1)
            .offset(chunk - 1)
        )
        if upto is None:
            upto = session.scalar(sa.select(sa.func.max(Message.id)).where(Message.id > through))
            if upto is None:
                break
        rows = int(
            session.scalar(
                sa.select(sa.func.count()).where(Message.id > through, Message.id <= upto)
            )
            or 0
        )
        conn = session.connection()
        conn.exec_driver_sql(
            "INSERT INTO message_fts(rowid, text, title) "
            "SELECT id, text, title FROM message "
            "WHERE id > (SELECT indexed_through FROM message_fts_state) AND id <= ?",
            (int(upto),),
        )
        conn.exec_driver_sql(
            "UPDATE message_fts_state SET indexed_through = ? WHERE indexed_through < ?",
            (int(upto), int(upto)),
        )
        done += rows
        if progress is not None:
            progress(min(done, total), max(total, done))
    return done


__all__ = ["CATCH_UP_CHUNK", "catch_up", "indexed_through", "pending_above", "pending_count"]
