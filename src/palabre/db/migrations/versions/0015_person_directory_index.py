"""the directory's order as an index: live people by name, case folded, the nameless last

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-27 18:10:00

The people directory sorts by ``lower(display_name)``, the nameless last, then by id.
Without an index every page sorted every live person (1.2 ms of SQLite per page for
2,500 people); with this one a page walks 25 index entries.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    live = sa.text("merged_into_id IS NULL")
    op.create_index(
        "ix_person_directory",
        "person",
        [sa.text("(display_name IS NULL)"), sa.text("lower(display_name)"), "id"],
        sqlite_where=live,
        postgresql_where=live,
    )


def downgrade() -> None:
    op.drop_index("ix_person_directory", table_name="person")
