"""analysis pipeline results: message signals, stage watermarks, segment days

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_SIGNALS = (
    "discontent",
    "drifting_away",
    "disappointment",
    "misunderstanding",
    "suggestion",
    "praise",
)


def upgrade() -> None:
    op.create_table(
        "message_signal",
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(length=16), nullable=False),
        sa.Column("sentiment_label", sa.String(length=16), nullable=False),
        sa.Column("sentiment_score", sa.Float(), nullable=False),
        *(sa.Column(name, sa.Float(), nullable=False) for name in _SIGNALS),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("content_hash", sa.String(length=32), nullable=False),
        sa.Column("model_version", sa.String(length=64), nullable=False),
        sa.Column("scored_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "sentiment_label in ('negative', 'neutral', 'positive')",
            name=op.f("ck_message_signal_sentiment_label"),
        ),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["message.id"],
            name=op.f("fk_message_signal_message_id_message"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("message_id", name=op.f("pk_message_signal")),
    )
    op.create_index(
        op.f("ix_message_signal_scored_at"), "message_signal", ["scored_at"], unique=False
    )
    op.create_table(
        "analysis_watermark",
        sa.Column("stage", sa.String(length=64), nullable=False),
        sa.Column("last_message_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.String(length=64), nullable=False),
        sa.Column("scored_through", sa.DateTime(timezone=True), nullable=True),
        sa.Column("inputs_digest", sa.String(length=64), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("stage", name=op.f("pk_analysis_watermark")),
    )
    op.create_table(
        "segment_day",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("segment_id", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.Integer(), nullable=True),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("volume", sa.Integer(), nullable=False),
        *(sa.Column(f"n_{name}", sa.Integer(), nullable=False) for name in _SIGNALS),
        sa.Column("n_negative", sa.Integer(), nullable=False),
        sa.Column("n_positive", sa.Integer(), nullable=False),
        sa.Column("sentiment_sum", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["channel_id"],
            ["channel.id"],
            name=op.f("fk_segment_day_channel_id_channel"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["segment_id"],
            ["segment.id"],
            name=op.f("fk_segment_day_segment_id_segment"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_segment_day")),
    )
    op.create_index(op.f("ix_segment_day_channel_id"), "segment_day", ["channel_id"], unique=False)
    op.create_index(op.f("ix_segment_day_day"), "segment_day", ["day"], unique=False)
    op.create_index(
        "ix_segment_day_segment_day", "segment_day", ["segment_id", "day"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_segment_day_segment_day", table_name="segment_day")
    op.drop_index(op.f("ix_segment_day_day"), table_name="segment_day")
    op.drop_index(op.f("ix_segment_day_channel_id"), table_name="segment_day")
    op.drop_table("segment_day")
    op.drop_table("analysis_watermark")
    op.drop_index(op.f("ix_message_signal_scored_at"), table_name="message_signal")
    op.drop_table("message_signal")
