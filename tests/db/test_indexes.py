"""Indexes a large import drops come back, exactly as the migrations made them.

``palabre.db.indexes`` drops the message and thread secondary indexes for a large
SQLite import and rebuilds them from the models; an import killed in between leaves
them missing until the next import, ``palabre db upgrade``, ``palabre analyze`` or the
web application's start rebuilds them. Checked on both databases.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from palabre.cli.main import app as cli_app
from palabre.config import Settings
from palabre.db import indexes
from palabre.db.base import Base, import_all_models
from palabre.fabric.models import schema_comparison
from palabre.web.app import create_app

MESSAGE_SECONDARY = {
    "ix_message_author_identity_id",
    "ix_message_channel_created",
    "ix_message_created_at",
    "ix_message_reply_to_id",
    "ix_message_thread_created",
}


def schema_differences(engine: sa.Engine) -> list[object]:
    """What separates the database from the models (and so from the migrations)."""
    import_all_models()
    with engine.connect() as connection:
        opts = {"compare_type": True, **schema_comparison(engine.dialect.name)}
        context = MigrationContext.configure(connection, opts=opts)
        return list(compare_metadata(context, Base.metadata))


def missing_names(engine: sa.Engine) -> set[str]:
    with engine.connect() as connection:
        return {str(index.name) for index in indexes.missing(connection)}


def drop_message_and_thread_indexes(engine: sa.Engine) -> list[str]:
    with engine.begin() as connection:
        return indexes.drop_secondary(connection, ("message", "thread"))


def test_drop_secondary_drops_the_non_unique_indexes_of_the_tables_named_only(
    engine: sa.Engine,
) -> None:
    dropped = drop_message_and_thread_indexes(engine)

    expected = MESSAGE_SECONDARY | {"ix_thread_channel_id"}
    if engine.dialect.name == "postgresql":
        expected |= {"ix_message_text_trgm", "ix_message_title_trgm"}
    assert set(dropped) == expected
    assert missing_names(engine) == expected
    # The unique keys the importer relies on to skip repeated rows stay.
    with engine.connect() as connection:
        uniques = sa.inspect(connection).get_unique_constraints("message")
    assert [sorted(u["column_names"]) for u in uniques] == [["external_id", "source"]]


def test_restore_missing_rebuilds_them_as_the_migrations_made_them(engine: sa.Engine) -> None:
    dropped = drop_message_and_thread_indexes(engine)
    assert schema_differences(engine) != []

    with engine.begin() as connection:
        rebuilt = indexes.restore_missing(connection)

    assert sorted(rebuilt) == sorted(dropped)
    assert missing_names(engine) == set()
    assert schema_differences(engine) == []
    with engine.begin() as connection:
        assert indexes.restore_missing(connection) == []  # nothing left to do


def test_db_upgrade_rebuilds_missing_indexes(settings: Settings, engine: sa.Engine) -> None:
    dropped = drop_message_and_thread_indexes(engine)
    flags = ["--data-dir", str(settings.data_dir)]
    if settings.database_url:
        flags += ["--database-url", settings.database_url]

    result = CliRunner().invoke(cli_app, [*flags, "db", "upgrade"])

    assert result.exit_code == 0, result.output
    assert "rebuilt" in result.output
    assert all(name in result.output for name in dropped)
    assert missing_names(engine) == set()


def test_the_web_application_rebuilds_missing_indexes_when_it_starts(
    settings: Settings, engine: sa.Engine
) -> None:
    drop_message_and_thread_indexes(engine)

    with TestClient(create_app(settings)):  # the context runs the start-up
        pass

    assert missing_names(engine) == set()
    assert schema_differences(engine) == []


def test_analyze_rebuilds_missing_indexes(settings: Settings, engine: sa.Engine) -> None:
    drop_message_and_thread_indexes(engine)
    flags = ["--data-dir", str(settings.data_dir)]
    if settings.database_url:
        flags += ["--database-url", settings.database_url]

    result = CliRunner().invoke(cli_app, [*flags, "analyze"])

    assert result.exit_code == 0, result.output
    assert missing_names(engine) == set()
