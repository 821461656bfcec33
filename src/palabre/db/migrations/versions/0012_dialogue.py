"""dialogue: the answer inbox's state of each customer message acted upon

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-27 12:10:00

The customer community needs no table: its channel (source ``palabre``, kind
``community``), threads and posts are ordinary fabric rows, created on first use.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "inbox_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("assigned_to_id", sa.Integer(), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("answer_message_id", sa.Integer(), nullable=True),
        sa.Column("source_url", sa.Text(), nullable=True),
        sa.Column("dismissed_reason", sa.Text(), nullable=True),
        sa.Column("updated_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "state in ('needs_answer', 'answered', 'dismissed')",
            name=op.f("ck_inbox_item_inbox_state"),
        ),
        sa.ForeignKeyConstraint(
            ["answer_message_id"],
            ["message.id"],
            name=op.f("fk_inbox_item_answer_message_id_message"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["assigned_to_id"],
            ["user_account.id"],
            name=op.f("fk_inbox_item_assigned_to_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["message.id"],
            name=op.f("fk_inbox_item_message_id_message"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbox_item")),
        sa.UniqueConstraint("message_id", name=op.f("uq_inbox_item_message_id")),
    )
    op.create_index(op.f("ix_inbox_item_assigned_to_id"), "inbox_item", ["assigned_to_id"])
    op.create_index("ix_inbox_item_state", "inbox_item", ["state"])


def downgrade() -> None:
    op.drop_index("ix_inbox_item_state", table_name="inbox_item")
    op.drop_index(op.f("ix_inbox_item_assigned_to_id"), table_name="inbox_item")
    op.drop_table("inbox_item")
