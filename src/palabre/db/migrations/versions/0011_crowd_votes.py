"""crowd validation: statements, statement votes, pairwise answers

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-27 13:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "statement",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("moderation", sa.String(length=16), nullable=False),
        sa.Column("external_id", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "moderation in ('unmoderated', 'in', 'out')",
            name=op.f("ck_statement_statement_moderation"),
        ),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["person.id"],
            name=op.f("fk_statement_author_id_person"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaign.id"],
            name=op.f("fk_statement_campaign_id_campaign"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_statement")),
        sa.UniqueConstraint(
            "campaign_id", "external_id", name=op.f("uq_statement_campaign_id_external_id")
        ),
    )
    op.create_index(op.f("ix_statement_author_id"), "statement", ["author_id"], unique=False)
    op.create_index(op.f("ix_statement_campaign_id"), "statement", ["campaign_id"], unique=False)

    op.create_table(
        "statement_vote",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("statement_id", sa.Integer(), nullable=False),
        sa.Column("participant", sa.String(length=200), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("value", sa.SmallInteger(), nullable=False),
        sa.Column("voted_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "value in (-1, 0, 1)", name=op.f("ck_statement_vote_statement_vote_value")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
            name=op.f("fk_statement_vote_person_id_person"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["statement_id"],
            ["statement.id"],
            name=op.f("fk_statement_vote_statement_id_statement"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_statement_vote")),
        sa.UniqueConstraint(
            "statement_id", "participant", name=op.f("uq_statement_vote_statement_id_participant")
        ),
    )
    op.create_index(
        op.f("ix_statement_vote_person_id"), "statement_vote", ["person_id"], unique=False
    )
    op.create_index(
        op.f("ix_statement_vote_statement_id"), "statement_vote", ["statement_id"], unique=False
    )

    op.create_table(
        "pairwise_answer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("left_idea_id", sa.Integer(), nullable=False),
        sa.Column("right_idea_id", sa.Integer(), nullable=False),
        sa.Column("choice", sa.String(length=16), nullable=False),
        sa.Column("participant", sa.String(length=200), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "choice in ('left', 'right', 'cannot_decide')",
            name=op.f("ck_pairwise_answer_pairwise_answer_choice"),
        ),
        sa.CheckConstraint(
            "left_idea_id <> right_idea_id",
            name=op.f("ck_pairwise_answer_pairwise_answer_two_ideas"),
        ),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaign.id"],
            name=op.f("fk_pairwise_answer_campaign_id_campaign"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["left_idea_id"],
            ["idea.id"],
            name=op.f("fk_pairwise_answer_left_idea_id_idea"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
            name=op.f("fk_pairwise_answer_person_id_person"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["right_idea_id"],
            ["idea.id"],
            name=op.f("fk_pairwise_answer_right_idea_id_idea"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pairwise_answer")),
    )
    op.create_index(
        op.f("ix_pairwise_answer_campaign_id"), "pairwise_answer", ["campaign_id"], unique=False
    )
    op.create_index(
        op.f("ix_pairwise_answer_person_id"), "pairwise_answer", ["person_id"], unique=False
    )


def downgrade() -> None:
    op.drop_table("pairwise_answer")
    op.drop_table("statement_vote")
    op.drop_table("statement")
