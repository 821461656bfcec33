"""profile fields of people (digital identity)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "profile_field",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("visibility", sa.String(length=16), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=200), nullable=False),
        sa.CheckConstraint(
            "visibility in ('public', 'colleagues', 'managers', 'private')",
            name=op.f("ck_profile_field_profile_visibility"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
            name=op.f("fk_profile_field_person_id_person"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_profile_field")),
        sa.UniqueConstraint("person_id", "key", name=op.f("uq_profile_field_person_id_key")),
    )
    with op.batch_alter_table("profile_field", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_profile_field_person_id"), ["person_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("profile_field", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_profile_field_person_id"))

    op.drop_table("profile_field")
