"""The schema comes from Alembic migrations and matches the models, on both databases."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from palabre.db import migrate
from palabre.db.base import Base, import_all_models
from palabre.errors import DatabaseError
from palabre.fabric.models import schema_comparison


def test_migrated_database_matches_the_models(engine: sa.Engine) -> None:
    import_all_models()
    with engine.connect() as connection:
        opts = {"compare_type": True, **schema_comparison(engine.dialect.name)}
        context = MigrationContext.configure(connection, opts=opts)
        assert compare_metadata(context, Base.metadata) == []


def test_database_is_at_head_after_upgrade(engine: sa.Engine) -> None:
    assert migrate.current_revision(engine) == migrate.head_revision()
    migrate.ensure_current(engine)


def test_downgrade_to_base_then_upgrade_again(engine: sa.Engine) -> None:
    migrate.downgrade(engine, "base")
    assert migrate.current_revision(engine) is None
    assert "message" not in sa.inspect(engine).get_table_names()
    migrate.upgrade(engine)
    assert "message" in sa.inspect(engine).get_table_names()


def test_an_empty_database_is_refused_with_advice(engine: sa.Engine) -> None:
    migrate.downgrade(engine, "base")
    with pytest.raises(DatabaseError, match="palabre db upgrade"):
        migrate.ensure_current(engine)
