"""The engine's pool on PostgreSQL: a connection that rested is tested before it is used.

Testing every checkout (SQLAlchemy's ``pool_pre_ping``) costs a round trip to the
server on every page; palabre tests only a connection that has rested
(``PING_AFTER_IDLE`` seconds), the one a restart or an idle timeout may have closed.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from palabre.db import engine as db_engine
from tests.conftest import POSTGRES_ADMIN_URL, database_backend

pytestmark = pytest.mark.skipif(
    database_backend() != "postgresql", reason="a pool of server connections: PostgreSQL only"
)


def _backend(engine: sa.Engine) -> int:
    with engine.connect() as connection:
        return int(connection.exec_driver_sql("SELECT pg_backend_pid()").scalar_one())


def _terminate(pid: int) -> None:
    # What a server restart does to the pooled connection, for that one backend.
    assert POSTGRES_ADMIN_URL is not None
    admin = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql("SELECT pg_terminate_backend(%s)", (pid,))
    admin.dispose()


def test_a_connection_the_server_closed_while_it_rested_is_replaced_unseen(
    engine: sa.Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(db_engine, "PING_AFTER_IDLE", 0.0)  # every connection has rested
    first = _backend(engine)
    _terminate(first)
    # The checkout finds it dead and takes a new one: the caller sees no error.
    assert _backend(engine) != first


def test_a_connection_used_a_moment_ago_is_not_tested_again(
    engine: sa.Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(db_engine, "PING_AFTER_IDLE", 3600.0)
    first = _backend(engine)
    _terminate(first)
    # No test at checkout: the dead connection fails its statement (what pre-ping
    # would have spared), and the pool, seeing a disconnection, starts afresh.
    with pytest.raises(sa.exc.OperationalError):
        _backend(engine)
    assert _backend(engine) != first
