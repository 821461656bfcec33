"""Alembic environment: runs migrations on the connection palabre hands over."""

from __future__ import annotations

from alembic import context

from palabre.db.base import Base, import_all_models

import_all_models()
target_metadata = Base.metadata

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - palabre always passes a connection
    raise RuntimeError("run migrations through `palabre db upgrade`")

context.configure(
    connection=connection,
    target_metadata=target_metadata,
    # SQLite cannot ALTER most things: batch mode recreates tables when needed.
    render_as_batch=True,
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
