"""background jobs: the state of imports and trainings started from the web

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 11:46:53

With several server processes (``palabre serve --workers N``) a job's state kept in the
memory of the process running it was invisible to the others, which answer half of the
page's polls. The row is what every process reads. The partial unique index lets one
training be queued or running at a time for the whole workspace.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from palabre.db.base import UTCDateTime

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

_ONE_TRAINING = "kind = 'training' AND state IN ('queued', 'running')"


def upgrade() -> None:
    op.create_table(
        "background_job",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("parameters", sa.JSON(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("started_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("finished_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("worker", sa.String(length=200), nullable=False),
        sa.Column("heartbeat_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("position", sa.BigInteger(), nullable=False),
        sa.Column("total", sa.BigInteger(), nullable=True),
        sa.Column("records", sa.BigInteger(), nullable=False),
        sa.Column("outcome_id", sa.Integer(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.CheckConstraint("kind IN ('import', 'training')", name=op.f("ck_background_job_kind")),
        sa.CheckConstraint(
            "state IN ('queued', 'running', 'succeeded', 'failed', 'interrupted')",
            name=op.f("ck_background_job_state"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_background_job")),
        sa.UniqueConstraint("public_id", name=op.f("uq_background_job_public_id")),
    )
    op.create_index("ix_background_job_kind_created", "background_job", ["kind", "created_at"])
    op.create_index(
        "ux_background_job_one_training",
        "background_job",
        ["kind"],
        unique=True,
        sqlite_where=sa.text(_ONE_TRAINING),
        postgresql_where=sa.text(_ONE_TRAINING),
    )


def downgrade() -> None:
    op.drop_index("ux_background_job_one_training", table_name="background_job")
    op.drop_index("ix_background_job_kind_created", table_name="background_job")
    op.drop_table("background_job")
