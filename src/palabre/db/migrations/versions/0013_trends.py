"""trends: the emerging topics found by the analysis run

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-27 13:00:00

The table is replaced whole by each run of the ``trends`` stage.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "trend",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("terms", sa.JSON(), nullable=False),
        sa.Column("languages", sa.JSON(), nullable=False),
        sa.Column("first_flagged", sa.Date(), nullable=False),
        sa.Column("last_flagged", sa.Date(), nullable=False),
        sa.Column("level", sa.String(length=8), nullable=False),
        sa.Column("first_strong", sa.Date(), nullable=True),
        sa.Column("days_flagged", sa.Integer(), nullable=False),
        sa.Column("peak_count_week", sa.Integer(), nullable=False),
        sa.Column("peak_score", sa.Float(), nullable=False),
        sa.Column("examples", sa.JSON(), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("level in ('weak', 'strong')", name=op.f("ck_trend_trend_level")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trend")),
    )
    op.create_index(op.f("ix_trend_first_flagged"), "trend", ["first_flagged"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_trend_first_flagged"), table_name="trend")
    op.drop_table("trend")
