"""root causes: topics, message topics, topic drivers

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-27 13:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "topic",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("terms", sa.JSON(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_topic")),
    )
    op.create_table(
        "message_topic",
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("topic_id", sa.Integer(), nullable=True),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("content_hash", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["message.id"],
            name=op.f("fk_message_topic_message_id_message"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["topic_id"],
            ["topic.id"],
            name=op.f("fk_message_topic_topic_id_topic"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("message_id", name=op.f("pk_message_topic")),
    )
    op.create_index(op.f("ix_message_topic_topic_id"), "message_topic", ["topic_id"], unique=False)
    op.create_table(
        "topic_driver",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("segment_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.Date(), nullable=False),
        sa.Column("signal", sa.String(length=32), nullable=False),
        sa.Column("topic_id", sa.Integer(), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("topic_volume", sa.Integer(), nullable=False),
        sa.Column("share", sa.Float(), nullable=False),
        sa.Column("volume", sa.Integer(), nullable=False),
        sa.Column("segment_count", sa.Integer(), nullable=False),
        sa.Column("segment_share", sa.Float(), nullable=False),
        sa.Column("baseline_count", sa.Integer(), nullable=False),
        sa.Column("baseline_volume", sa.Integer(), nullable=False),
        sa.Column("lift", sa.Float(), nullable=True),
        sa.Column("p_value", sa.Float(), nullable=True),
        sa.Column("significant", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["segment_id"],
            ["segment.id"],
            name=op.f("fk_topic_driver_segment_id_segment"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["topic_id"],
            ["topic.id"],
            name=op.f("fk_topic_driver_topic_id_topic"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_topic_driver")),
    )
    op.create_index(
        "ix_topic_driver_segment_period_signal",
        "topic_driver",
        ["segment_id", "period", "signal"],
        unique=False,
    )
    op.create_index(op.f("ix_topic_driver_topic_id"), "topic_driver", ["topic_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_topic_driver_topic_id"), table_name="topic_driver")
    op.drop_index("ix_topic_driver_segment_period_signal", table_name="topic_driver")
    op.drop_table("topic_driver")
    op.drop_index(op.f("ix_message_topic_topic_id"), table_name="message_topic")
    op.drop_table("message_topic")
    op.drop_table("topic")
