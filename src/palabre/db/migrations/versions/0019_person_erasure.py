"""person.erased_at: a person whose data was erased keeps an anonymous row

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07 23:00:00

``palabre people erase`` (palabre.privacy.erasure) removes everything that names a
person and keeps an anonymous row, so that the counts, votes and signals they took
part in keep adding up; ``erased_at`` marks that row. A nullable column: adding it
rewrites no table on SQLite or PostgreSQL.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("person", sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True))
    # Only the erased rows (few): imports and rankings ask for them.
    op.create_index(
        "ix_person_erased",
        "person",
        ["erased_at"],
        sqlite_where=sa.text("erased_at IS NOT NULL"),
        postgresql_where=sa.text("erased_at IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_person_erased", table_name="person")
    # A plain ALTER TABLE ... DROP COLUMN (SQLite 3.35 and later): a batch operation
    # would copy the table and lose its expression index ix_person_directory.
    op.drop_column("person", "erased_at")
