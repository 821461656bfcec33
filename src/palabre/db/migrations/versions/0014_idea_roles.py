"""people who carry an idea: role assignments per stage

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-27 13:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "idea_role",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("idea_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(length=40), nullable=False),
        sa.Column("assigned_by", sa.String(length=200), nullable=False),
        sa.Column("assigned_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("released_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("released_by", sa.String(length=200), nullable=True),
        sa.CheckConstraint(
            "role in ('ideator', 'expert', 'validator', 'champion')",
            name=op.f("ck_idea_role_idea_role_role"),
        ),
        sa.ForeignKeyConstraint(
            ["idea_id"], ["idea.id"], name=op.f("fk_idea_role_idea_id_idea"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
            name=op.f("fk_idea_role_person_id_person"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_idea_role")),
    )
    op.create_index(op.f("ix_idea_role_idea_id"), "idea_role", ["idea_id"], unique=False)
    op.create_index(op.f("ix_idea_role_person_id"), "idea_role", ["person_id"], unique=False)


def downgrade() -> None:
    op.drop_table("idea_role")
