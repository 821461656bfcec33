"""The ``background_job`` table: one row per import or training started from the web."""

from __future__ import annotations

import datetime as dt
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from palabre.db.base import Base, utcnow

#: The states a job's row stores. ``interrupted`` is also what a queued or running row
#: reads as once its heartbeat is too old (see :func:`palabre.jobs.service.effective_state`).
STATES: Final = ("queued", "running", "succeeded", "failed", "interrupted")
ACTIVE_STATES: Final = ("queued", "running")
KINDS: Final = ("import", "training")


class BackgroundJob(Base):
    """An import or a training started from the web and run by one server process.

    ``public_id`` is the random id URLs carry. ``worker`` names the process that runs it
    (``host:pid``), which refreshes ``heartbeat_at`` every few seconds while the job is
    queued or running. ``outcome_id`` is the ``import_run`` (imports) or the
    ``signal_adaptation`` (trainings) the job wrote; ``error`` says why it failed.
    ``parameters`` holds what the job was started with (the upload's file and options,
    the training's minimum of corrections).
    """

    __tablename__ = "background_job"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(sa.String(32), unique=True)
    kind: Mapped[str] = mapped_column(sa.String(16))
    state: Mapped[str] = mapped_column(sa.String(16), default="queued")
    actor: Mapped[str] = mapped_column(sa.String(200))
    parameters: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    started_at: Mapped[dt.datetime | None] = mapped_column()
    finished_at: Mapped[dt.datetime | None] = mapped_column()
    worker: Mapped[str] = mapped_column(sa.String(200))
    heartbeat_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    position: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    total: Mapped[int | None] = mapped_column(sa.BigInteger)
    records: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    outcome_id: Mapped[int | None] = mapped_column()
    error: Mapped[str | None] = mapped_column(sa.Text)

    __table_args__ = (
        sa.Index("ix_background_job_kind_created", "kind", "created_at"),
        sa.CheckConstraint(f"state IN {STATES!r}", name="state"),
        sa.CheckConstraint(f"kind IN {KINDS!r}", name="kind"),
    )


# One training at a time for the whole workspace, whichever process starts it: a second
# queued or running training row breaks this index (migration 0016), on SQLite and
# PostgreSQL alike, so the database arbitrates between processes.
_ONE_TRAINING = sa.text("kind = 'training' AND state IN ('queued', 'running')")
sa.Index(
    "ux_background_job_one_training",
    BackgroundJob.kind,
    unique=True,
    sqlite_where=_ONE_TRAINING,
    postgresql_where=_ONE_TRAINING,
)
