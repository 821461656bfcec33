"""Fixtures shared by the whole suite.

Every test that needs a database gets its own, migrated from empty by Alembic:
SQLite by default, PostgreSQL when ``PALABRE_TEST_POSTGRES_URL`` names a server
(an admin URL such as ``postgresql+psycopg://postgres@127.0.0.1:5433/postgres``).
``.ci/run`` runs the whole suite once each way.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import settings as hypothesis_settings
from sqlalchemy.orm import Session, sessionmaker

from palabre.config import Settings
from palabre.db import migrate
from palabre.db.engine import make_engine, session_factory

POSTGRES_ADMIN_URL = os.environ.get("PALABRE_TEST_POSTGRES_URL")

# Property-based tests: no per-example deadline (a shared 2-core machine makes timings
# noisy, and speed is measured by benchmarks, not tests); in CI the examples are
# derandomized so that a run can be reproduced exactly.
hypothesis_settings.register_profile("dev", deadline=None)
hypothesis_settings.register_profile("ci", deadline=None, derandomize=True, print_blob=True)
hypothesis_settings.load_profile("ci" if os.environ.get("CI") else "dev")


def database_backend() -> str:
    """``postgresql`` or ``sqlite``: which database this run of the suite uses."""
    return "postgresql" if POSTGRES_ADMIN_URL else "sqlite"


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # Migrating once and copying the file keeps a fresh database per test cheap.
    folder = tmp_path_factory.mktemp("template")
    settings = Settings(data_dir=folder)
    engine = make_engine(settings)
    migrate.upgrade(engine)
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return settings.sqlite_path


@pytest.fixture(scope="session")
def _postgres_template() -> Iterator[str]:
    assert POSTGRES_ADMIN_URL is not None
    admin = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"palabre_template_{uuid.uuid4().hex[:8]}"
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = sa.make_url(POSTGRES_ADMIN_URL).set(database=name)
    engine = sa.create_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    yield name
    with admin.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


@pytest.fixture
def settings(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Settings]:
    """Settings of a fresh, migrated workspace for this test (SQLite or PostgreSQL)."""
    data_dir = tmp_path / "workspace"
    data_dir.mkdir()
    if POSTGRES_ADMIN_URL is None:
        template = request.getfixturevalue("_sqlite_template")
        shutil.copyfile(template, data_dir / "palabre.sqlite3")
        yield Settings(data_dir=data_dir)
        return
    template_name = request.getfixturevalue("_postgres_template")
    admin = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"palabre_test_{uuid.uuid4().hex[:12]}"
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}" TEMPLATE "{template_name}"')
    url = sa.make_url(POSTGRES_ADMIN_URL).set(database=name)
    yield Settings(data_dir=data_dir, database_url=url.render_as_string(hide_password=False))
    with admin.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


@pytest.fixture
def engine(settings: Settings) -> Iterator[sa.Engine]:
    """An engine on this test's database."""
    eng = make_engine(settings)
    yield eng
    eng.dispose()


@pytest.fixture
def sessions(engine: sa.Engine) -> sessionmaker[Session]:
    """A session factory on this test's database (sessions never commit on their own)."""
    return session_factory(engine)


@pytest.fixture
def session(sessions: sessionmaker[Session]) -> Iterator[Session]:
    """One session; the test commits when it means to."""
    with sessions() as s:
        yield s


@pytest.fixture
def cli_env(settings: Settings) -> dict[str, str]:
    """Environment variables that point a ``palabre`` subprocess at this test's workspace."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PALABRE_")}
    env["PALABRE_DATA_DIR"] = str(settings.data_dir)
    if settings.database_url:
        env["PALABRE_DATABASE_URL"] = settings.database_url
    return env
