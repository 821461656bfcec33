"""Engines and sessions for SQLite (default, WAL) and PostgreSQL (psycopg 3)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

from palabre.config import Settings
from palabre.errors import DatabaseError


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets the web app read while an import writes; foreign keys are off by
    # default in SQLite and we rely on them; NORMAL sync is safe under WAL
    # (a crash loses at most the last transactions, never consistency).
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    # 64 MiB of page cache (the default is 2 MiB): index pages of large tables stay
    # in memory during imports, which keeps inserts fast as the tables grow.
    cursor.execute("PRAGMA cache_size=-65536")
    # Checkpoint the WAL every ~40 MB instead of every 4 MB: pages an import rewrites
    # batch after batch (index pages) are then copied to the database once, not
    # at every commit. journal_size_limit gives the disk space back afterwards.
    cursor.execute("PRAGMA wal_autocheckpoint=10000")
    cursor.execute("PRAGMA journal_size_limit=67108864")
    cursor.close()


#: Connections a process may open: as many as the web server's worker threads (40), so
#: that requests waiting for a thread never hold every connection while the threads wait
#: for one (SQLAlchemy's default, 15, stalls the server 30 s under 50 concurrent clients).
_POOL: dict[str, Any] = {"pool_size": 10, "max_overflow": 30}


#: Seconds a pooled PostgreSQL connection may rest before its next checkout tests it.
PING_AFTER_IDLE = 10.0
_LAST_USED = "palabre.last_used"


def _mark_used(_dbapi_connection: Any, record: Any, *_args: Any) -> None:
    record.info[_LAST_USED] = time.monotonic()


def _ping_if_idle(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
    # A connection that rested may have been closed by the server (a restart, an idle
    # timeout): it is tested first, and replaced when dead (the pool takes a new one on
    # DisconnectionError). One that was in use a moment ago is not: testing every
    # checkout (pool_pre_ping) costs a round trip, and the server's CPU, on every page.
    if time.monotonic() - record.info.get(_LAST_USED, 0.0) < PING_AFTER_IDLE:
        return
    try:
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("SELECT 1")
        finally:
            cursor.close()
    except Exception as exc:
        raise sa.exc.DisconnectionError(f"a pooled connection was dead: {exc}") from exc


def make_engine(settings: Settings) -> sa.Engine:
    """Create the engine for the configured database (creating the data folder for SQLite)."""
    url = settings.resolved_database_url()
    try:
        parsed = sa.make_url(url)
    except sa.exc.ArgumentError as exc:
        raise DatabaseError(f"PALABRE_DATABASE_URL is not a database URL: {url!r}") from exc
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:":
            from pathlib import Path

            Path(database).parent.mkdir(parents=True, exist_ok=True)
        in_memory = not database or database == ":memory:"  # one connection: no pool
        engine = sa.create_engine(parsed, echo=settings.sql_echo, **({} if in_memory else _POOL))
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if parsed.get_backend_name() == "postgresql":
        if parsed.drivername == "postgresql":
            parsed = parsed.set(drivername="postgresql+psycopg")
        engine = sa.create_engine(parsed, echo=settings.sql_echo, **_POOL)
        event.listen(engine, "connect", _mark_used)
        event.listen(engine, "checkin", _mark_used)
        event.listen(engine, "checkout", _ping_if_idle)
        return engine
    raise DatabaseError(
        f"unsupported database '{parsed.get_backend_name()}': palabre runs on SQLite and PostgreSQL"
    )


def session_factory(engine: sa.Engine) -> sessionmaker[Session]:
    """A session factory; sessions never commit on their own (the caller is the boundary)."""
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commit when the block ends normally, roll back on any error."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
