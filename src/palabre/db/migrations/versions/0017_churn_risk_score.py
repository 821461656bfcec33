"""churn risk scores: every customer's probability of leaving, kept by the analysis

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 20:50:00

The at-risk pages scored every customer from their messages at each view (8 s at 1 M
messages). The ``churn_risk`` stage of ``palabre analyze`` now writes the scores once;
the pages rank from this table and explain the customers they list.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "churn_risk_score",
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("probability", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
            name=op.f("fk_churn_risk_score_person_id_person"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("person_id", name=op.f("pk_churn_risk_score")),
    )
    op.create_index("ix_churn_risk_score_probability", "churn_risk_score", ["probability"])


def downgrade() -> None:
    op.drop_index("ix_churn_risk_score_probability", table_name="churn_risk_score")
    op.drop_table("churn_risk_score")
