"""analysts' signal corrections, domain terms and the workspace adaptation of the model

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-27 12:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "signal_correction",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("signal", sa.String(length=32), nullable=False),
        sa.Column("label", sa.String(length=16), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["message.id"],
            name=op.f("fk_signal_correction_message_id_message"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signal_correction")),
        sa.UniqueConstraint(
            "message_id", "signal", name=op.f("uq_signal_correction_message_id_signal")
        ),
    )
    op.create_index(op.f("ix_signal_correction_message_id"), "signal_correction", ["message_id"])
    op.create_table(
        "domain_term",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("term", sa.String(length=200), nullable=False),
        sa.Column("language", sa.String(length=16), nullable=True),
        sa.Column("signal", sa.String(length=32), nullable=False),
        sa.Column("weight", sa.Float(), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_domain_term")),
        sa.UniqueConstraint(
            "term", "language", "signal", name=op.f("uq_domain_term_term_language_signal")
        ),
    )
    op.create_table(
        "signal_adaptation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(length=32), nullable=False),
        sa.Column("parameters", sa.JSON(), nullable=False),
        sa.Column("report", sa.JSON(), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signal_adaptation")),
    )


def downgrade() -> None:
    op.drop_table("signal_adaptation")
    op.drop_table("domain_term")
    op.drop_index(op.f("ix_signal_correction_message_id"), table_name="signal_correction")
    op.drop_table("signal_correction")
