"""innovation: campaigns, ideas, comments, follows, votes, stage history, notifications

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27 12:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "campaign",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("audience", sa.String(length=16), nullable=False),
        sa.Column("audience_team_id", sa.Integer(), nullable=True),
        sa.Column("audience_segment_id", sa.Integer(), nullable=True),
        sa.Column("opens_on", sa.Date(), nullable=True),
        sa.Column("closes_on", sa.Date(), nullable=True),
        sa.Column("stages", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "audience in ('employees', 'customers', 'public', 'segment', 'team')",
            name=op.f("ck_campaign_campaign_audience"),
        ),
        sa.ForeignKeyConstraint(
            ["audience_segment_id"],
            ["segment.id"],
            name=op.f("fk_campaign_audience_segment_id_segment"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["audience_team_id"],
            ["team.id"],
            name=op.f("fk_campaign_audience_team_id_team"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign")),
        sa.UniqueConstraint("name", name=op.f("uq_campaign_name")),
    )
    op.create_table(
        "idea",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("links", sa.JSON(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("stage", sa.String(length=40), nullable=False),
        sa.Column("source_message_id", sa.Integer(), nullable=True),
        sa.Column("merged_into_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"], ["person.id"], name=op.f("fk_idea_author_id_person"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaign.id"],
            name=op.f("fk_idea_campaign_id_campaign"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["merged_into_id"],
            ["idea.id"],
            name=op.f("fk_idea_merged_into_id_idea"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["source_message_id"],
            ["message.id"],
            name=op.f("fk_idea_source_message_id_message"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_idea")),
    )
    op.create_index(op.f("ix_idea_author_id"), "idea", ["author_id"], unique=False)
    op.create_index(op.f("ix_idea_campaign_id"), "idea", ["campaign_id"], unique=False)
    op.create_index(op.f("ix_idea_source_message_id"), "idea", ["source_message_id"], unique=False)

    op.create_table(
        "idea_comment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("idea_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["person.id"],
            name=op.f("fk_idea_comment_author_id_person"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["idea_id"], ["idea.id"], name=op.f("fk_idea_comment_idea_id_idea"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_idea_comment")),
    )
    op.create_index(op.f("ix_idea_comment_idea_id"), "idea_comment", ["idea_id"], unique=False)

    op.create_table(
        "idea_follow",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("idea_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["idea_id"], ["idea.id"], name=op.f("fk_idea_follow_idea_id_idea"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
            name=op.f("fk_idea_follow_person_id_person"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_idea_follow")),
        sa.UniqueConstraint("idea_id", "person_id", name=op.f("uq_idea_follow_idea_id_person_id")),
    )
    op.create_index(op.f("ix_idea_follow_person_id"), "idea_follow", ["person_id"], unique=False)

    op.create_table(
        "idea_stage_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("idea_id", sa.Integer(), nullable=False),
        sa.Column("from_stage", sa.String(length=40), nullable=True),
        sa.Column("to_stage", sa.String(length=40), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["idea_id"],
            ["idea.id"],
            name=op.f("fk_idea_stage_change_idea_id_idea"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_idea_stage_change")),
    )
    op.create_index(
        op.f("ix_idea_stage_change_idea_id"), "idea_stage_change", ["idea_id"], unique=False
    )

    op.create_table(
        "idea_vote",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("idea_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["idea_id"], ["idea.id"], name=op.f("fk_idea_vote_idea_id_idea"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
            name=op.f("fk_idea_vote_person_id_person"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_idea_vote")),
        sa.UniqueConstraint("idea_id", "person_id", name=op.f("uq_idea_vote_idea_id_person_id")),
    )
    op.create_index(op.f("ix_idea_vote_person_id"), "idea_vote", ["person_id"], unique=False)

    op.create_table(
        "notification",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("idea_id", sa.Integer(), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("emailed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["idea_id"], ["idea.id"], name=op.f("fk_notification_idea_id_idea"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
            name=op.f("fk_notification_person_id_person"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification")),
    )
    op.create_index(op.f("ix_notification_person_id"), "notification", ["person_id"], unique=False)

    op.create_table(
        "vote_transfer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("from_idea_id", sa.Integer(), nullable=False),
        sa.Column("to_idea_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "state in ('pending', 'accepted', 'declined', 'automatic')",
            name=op.f("ck_vote_transfer_vote_transfer_state"),
        ),
        sa.ForeignKeyConstraint(
            ["from_idea_id"],
            ["idea.id"],
            name=op.f("fk_vote_transfer_from_idea_id_idea"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
            name=op.f("fk_vote_transfer_person_id_person"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["to_idea_id"],
            ["idea.id"],
            name=op.f("fk_vote_transfer_to_idea_id_idea"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vote_transfer")),
        sa.UniqueConstraint(
            "from_idea_id", "person_id", name=op.f("uq_vote_transfer_from_idea_id_person_id")
        ),
    )
    op.create_index(
        op.f("ix_vote_transfer_person_id"), "vote_transfer", ["person_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_vote_transfer_person_id"), table_name="vote_transfer")

    op.drop_table("vote_transfer")
    op.drop_index(op.f("ix_notification_person_id"), table_name="notification")

    op.drop_table("notification")
    op.drop_index(op.f("ix_idea_vote_person_id"), table_name="idea_vote")

    op.drop_table("idea_vote")
    op.drop_index(op.f("ix_idea_stage_change_idea_id"), table_name="idea_stage_change")

    op.drop_table("idea_stage_change")
    op.drop_index(op.f("ix_idea_follow_person_id"), table_name="idea_follow")

    op.drop_table("idea_follow")
    op.drop_index(op.f("ix_idea_comment_idea_id"), table_name="idea_comment")

    op.drop_table("idea_comment")
    op.drop_index(op.f("ix_idea_source_message_id"), table_name="idea")
    op.drop_index(op.f("ix_idea_campaign_id"), table_name="idea")
    op.drop_index(op.f("ix_idea_author_id"), table_name="idea")

    op.drop_table("idea")
    op.drop_table("campaign")
