"""Use cases of background jobs: queue, start, beat, finish, read and purge them.

The process that starts a job runs it in one of its threads and writes its state to the
``background_job`` row; every process reads the row. A process refreshes the heartbeat of
its queued and running jobs every :data:`HEARTBEAT_SECONDS`; a queued or running job whose
heartbeat is older than :data:`STALE_AFTER` belonged to a process that died or restarted,
and reads as ``interrupted``. Services never commit: the caller owns the transaction.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
import socket
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.orm import Session

from palabre.db.base import utcnow
from palabre.errors import ConflictError
from palabre.jobs.models import ACTIVE_STATES, BackgroundJob
from palabre.privacy import audit

#: How often a process refreshes the heartbeat (and the progress) of its jobs.
HEARTBEAT_SECONDS: Final = 2.0
#: A queued or running job whose heartbeat is older than this reads as interrupted: ten
#: missed beats, enough for a beat that waits behind a long write on SQLite.
STALE_AFTER: Final = dt.timedelta(seconds=30)


def this_process() -> str:
    """The name a job's row gives the process that runs it: ``host:pid``."""
    return f"{socket.gethostname()}:{os.getpid()}"


def new_public_id() -> str:
    """A random id for URLs (64 bits: not guessable, not a count of jobs)."""
    return secrets.token_hex(8)


def effective_state(job: BackgroundJob, now: dt.datetime | None = None) -> str:
    """The job's state as users see it: a queued or running job whose process stopped
    beating more than :data:`STALE_AFTER` ago is ``interrupted``."""
    if job.state in ACTIVE_STATES and job.heartbeat_at < (now or utcnow()) - STALE_AFTER:
        return "interrupted"
    return job.state


def queue_job(
    session: Session,
    *,
    kind: str,
    actor: str,
    parameters: Mapping[str, Any],
    public_id: str | None = None,
    state: str = "queued",
    total: int | None = None,
) -> BackgroundJob:
    """Add a job run by this process (``queued``, or ``running`` when it starts at once)."""
    now = utcnow()
    job = BackgroundJob(
        public_id=public_id or new_public_id(),
        kind=kind,
        state=state,
        actor=actor,
        parameters=dict(parameters),
        created_at=now,
        started_at=now if state == "running" else None,
        worker=this_process(),
        heartbeat_at=now,
        position=0,
        total=total,
        records=0,
    )
    session.add(job)
    session.flush()
    return job


def find_job(session: Session, kind: str, public_id: str) -> BackgroundJob | None:
    """The job of ``kind`` with this public id (None: no such job)."""
    return session.scalar(
        sa.select(BackgroundJob).where(
            BackgroundJob.kind == kind, BackgroundJob.public_id == public_id
        )
    )


def latest_job(session: Session, kind: str) -> BackgroundJob | None:
    """The most recently created job of ``kind`` (None: none yet)."""
    return session.scalar(
        sa.select(BackgroundJob)
        .where(BackgroundJob.kind == kind)
        .order_by(BackgroundJob.id.desc())
        .limit(1)
    )


def active_jobs(session: Session, kind: str) -> list[BackgroundJob]:
    """The jobs of ``kind`` queued or running in a live process, oldest first."""
    threshold = utcnow() - STALE_AFTER
    return list(
        session.scalars(
            sa.select(BackgroundJob)
            .where(
                BackgroundJob.kind == kind,
                BackgroundJob.state.in_(ACTIVE_STATES),
                BackgroundJob.heartbeat_at >= threshold,
            )
            .order_by(BackgroundJob.id)
        )
    )


def interrupt_stale(session: Session, kind: str) -> int:
    """Store ``interrupted`` on the queued or running jobs of ``kind`` whose process stopped
    beating; returns how many. (Their rows read so already; storing it frees the place a
    dead training held in the one-training-at-a-time index.)"""
    now = utcnow()
    result = session.execute(
        sa.update(BackgroundJob)
        .where(
            BackgroundJob.kind == kind,
            BackgroundJob.state.in_(ACTIVE_STATES),
            BackgroundJob.heartbeat_at < now - STALE_AFTER,
        )
        .values(state="interrupted", finished_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def training_conflict(running: BackgroundJob | None) -> ConflictError:
    """The error a second training gets while ``running`` is queued or running."""
    if running is None:  # it ended between the refusal and this read
        return ConflictError("training: another run was starting at the same time; try again")
    started = running.started_at or running.created_at
    return ConflictError(
        f"training: a run started by {running.actor} at "
        f"{started:%Y-%m-%d %H:%M:%S} UTC is not over yet; wait for it to end"
    )


def start_training_job(
    session: Session, *, actor: str, parameters: Mapping[str, Any]
) -> BackgroundJob:
    """Add a running training for this process, or raise :func:`training_conflict` when one
    is queued or running anywhere. Two starts at the same moment are arbitrated by the
    unique index: the flush of the second raises ``IntegrityError``, which the caller
    turns into the conflict after rolling back."""
    interrupt_stale(session, "training")
    running = session.scalar(
        sa.select(BackgroundJob).where(
            BackgroundJob.kind == "training", BackgroundJob.state.in_(ACTIVE_STATES)
        )
    )
    if running is not None:
        raise training_conflict(running)
    return queue_job(session, kind="training", actor=actor, parameters=parameters, state="running")


def mark_running(session: Session, job_id: int, *, total: int | None = None) -> None:
    """The job leaves the queue: it runs from now."""
    now = utcnow()
    session.execute(
        sa.update(BackgroundJob)
        .where(BackgroundJob.id == job_id)
        .values(state="running", started_at=now, heartbeat_at=now, total=total)
        .execution_options(synchronize_session=False)
    )


@dataclass(frozen=True)
class Progress:
    """How far a running import got: its connector's position against its total, and the
    records read."""

    position: int = 0
    total: int | None = None
    records: int = 0


def beat(
    session: Session, job_ids: Iterable[int], progress: Mapping[int, Progress] | None = None
) -> None:
    """Refresh the heartbeat of the jobs ``job_ids`` (still queued or running), with the
    progress of those in ``progress``."""
    now = utcnow()
    ids = list(job_ids)
    progress = progress or {}
    active = BackgroundJob.state.in_(ACTIVE_STATES)
    quiet = [job_id for job_id in ids if job_id not in progress]
    if quiet:
        session.execute(
            sa.update(BackgroundJob)
            .where(BackgroundJob.id.in_(quiet), active)
            .values(heartbeat_at=now)
            .execution_options(synchronize_session=False)
        )
    for job_id, step in progress.items():
        session.execute(
            sa.update(BackgroundJob)
            .where(BackgroundJob.id == job_id, active)
            .values(
                heartbeat_at=now, position=step.position, total=step.total, records=step.records
            )
            .execution_options(synchronize_session=False)
        )


def finish(
    session: Session,
    job_id: int,
    *,
    state: str,
    outcome_id: int | None,
    error: str | None,
    progress: Progress | None = None,
) -> None:
    """Store how the job ended (``succeeded`` or ``failed``), what it wrote or why not."""
    now = utcnow()
    values: dict[str, Any] = {
        "state": state,
        "outcome_id": outcome_id,
        "error": error,
        "finished_at": now,
        "heartbeat_at": now,
    }
    if progress is not None:
        values.update(position=progress.position, total=progress.total, records=progress.records)
    session.execute(
        sa.update(BackgroundJob)
        .where(BackgroundJob.id == job_id)
        .values(**values)
        .execution_options(synchronize_session=False)
    )


@dataclass(frozen=True)
class Purged:
    """What :func:`purge_finished` deleted: how many rows of each kind, and the upload files
    the import rows named (for the caller to remove once its transaction has committed)."""

    by_kind: Mapping[str, int]
    uploads: tuple[str, ...]

    @property
    def jobs(self) -> int:
        """How many rows were deleted."""
        return sum(self.by_kind.values())


def purge_finished(session: Session, *, older_than: dt.datetime, actor: str) -> Purged:
    """Delete the jobs that ended before ``older_than``, except the latest job of each kind.

    A job ended when it succeeded, failed or was interrupted (``finished_at``); a queued
    or running row whose heartbeat is older than ``older_than`` (and than
    :data:`STALE_AFTER`) ended too, when its process died: it reads as interrupted
    everywhere, and nothing will ever store that. A live queued or running job is never
    deleted, however old. The latest job of each kind stays whatever its age, because the
    pages show "the last training" from it (:func:`latest_job`).

    When it deleted something, it writes one ``jobs.purged`` audit record (counts and the
    cutoff, never a row's contents), in the caller's transaction.
    """
    stale = min(older_than, utcnow() - STALE_AFTER)
    ended = sa.func.coalesce(BackgroundJob.finished_at, BackgroundJob.heartbeat_at)
    latest_per_kind = sa.select(sa.func.max(BackgroundJob.id)).group_by(BackgroundJob.kind)
    rows = session.execute(
        sa.delete(BackgroundJob)
        .where(
            ended < older_than,
            sa.or_(BackgroundJob.state.not_in(ACTIVE_STATES), BackgroundJob.heartbeat_at < stale),
            BackgroundJob.id.not_in(latest_per_kind.scalar_subquery()),
        )
        .returning(BackgroundJob.kind, BackgroundJob.parameters)
        .execution_options(synchronize_session=False)
    ).all()
    by_kind: dict[str, int] = {}
    uploads: list[str] = []
    for kind, parameters in rows:
        by_kind[kind] = by_kind.get(kind, 0) + 1
        path = parameters.get("path") if kind == "import" else None
        if isinstance(path, str) and path:
            uploads.append(path)
    purged = Purged(by_kind=by_kind, uploads=tuple(uploads))
    if purged.jobs:
        audit.record(
            session,
            actor=actor,
            action="jobs.purged",
            subject_type="background_job",
            details={
                "jobs": purged.jobs,
                "by_kind": by_kind,
                "uploads": len(uploads),
                "ended_before": older_than.isoformat(),
            },
        )
    return purged
