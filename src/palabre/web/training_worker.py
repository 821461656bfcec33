"""``palabre train`` started from the web: the same training, run in a background thread.

A request only starts the run (:meth:`TrainingWorker.start`); the thread opens its own
transaction and calls :func:`palabre.text.service.train` with the scorer ``palabre
analyze`` uses, as the command does, so the run writes the same ``signal_adaptation``
row and the same ``signal.trained`` audit record (its actor: the account that asked).

The run's state lives in its ``background_job`` row (:mod:`palabre.jobs`), which every
server process reads: the page's poll may reach any of ``palabre serve --workers N``,
and a restart forgets nothing. One run at a time for the whole workspace: the database
refuses a second queued or running training row (a partial unique index), so a second
request, from any process, is refused with a 409. The process that started the run
refreshes its heartbeat; a run whose process stopped reads as interrupted (it changed
nothing: the training writes everything in one transaction) and no longer blocks the next.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from dataclasses import dataclass
from typing import Literal, cast

import sqlalchemy as sa
from fastapi import FastAPI
from sqlalchemy.orm import Session, sessionmaker

from palabre.db.engine import transaction
from palabre.errors import PalabreError
from palabre.jobs import service as jobs
from palabre.jobs.heartbeat import Heartbeat
from palabre.jobs.models import BackgroundJob
from palabre.jobs.retention import Retention
from palabre.text import service

log = logging.getLogger("palabre.web.training")

TrainingState = Literal["queued", "running", "succeeded", "failed", "interrupted"]


@dataclass
class TrainingJob:
    """One retraining asked from the web: who asked, when, and how it ended."""

    id: int
    actor: str
    min_corrections: int
    started_at: dt.datetime
    state: TrainingState = "running"
    adaptation_id: int | None = None
    error: str | None = None
    finished_at: dt.datetime | None = None

    @property
    def done(self) -> bool:
        """Whether the run is over (succeeded, failed or interrupted)."""
        return self.state not in ("queued", "running")


def _training_job(row: BackgroundJob) -> TrainingJob:
    return TrainingJob(
        id=row.id,
        actor=row.actor,
        min_corrections=int(row.parameters.get("min_corrections", 0)),
        started_at=row.started_at or row.created_at,
        state=cast(TrainingState, jobs.effective_state(row)),
        adaptation_id=row.outcome_id,
        error=row.error,
        finished_at=row.finished_at,
    )


def latest_training(session: Session) -> TrainingJob | None:
    """The latest retraining started from the web, by any server process (None: none yet)."""
    row = jobs.latest_job(session, "training")
    return None if row is None else _training_job(row)


class TrainingWorker:
    """Runs the trainings this process starts in a background thread (one at a time in
    the workspace, as the database arbitrates)."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        encoder: str | None,
        scorer: service.Scorer | None = None,
        retention: Retention | None = None,
    ) -> None:
        """``scorer``: what the fit reads about the corrected messages; default, the one
        ``palabre analyze`` uses with ``encoder`` (``PALABRE_SIGNALS_ENCODER``), made when
        a run starts so that an unusable encoder fails that run, not the application.
        ``retention``: applied each time a run starts (None: never)."""
        self.sessions = sessions
        self.encoder = encoder
        self.scorer = scorer
        self.retention = retention
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._thread: threading.Thread | None = None

    def start(self, *, actor: str, min_corrections: int) -> TrainingJob:
        """Start a training (``ConflictError`` while one is going, started by any process);
        returns a snapshot of it."""
        parameters = {"min_corrections": min_corrections}
        try:
            with transaction(self.sessions) as session:
                row = jobs.start_training_job(session, actor=actor, parameters=parameters)
                job = _training_job(row)
        except sa.exc.IntegrityError:
            # Another process inserted its run between our check and our insert: the
            # unique index refused ours. Name the run that won.
            with self.sessions() as session:
                running = session.scalar(
                    sa.select(BackgroundJob).where(
                        BackgroundJob.kind == "training",
                        BackgroundJob.state.in_(("queued", "running")),
                    )
                )
                raise jobs.training_conflict(running) from None
        if self.retention is not None:
            # As for imports (ImportWorker.submit): a new row is the moment to purge old ones.
            self.retention.apply_quietly(self.sessions)
        with self._lock:
            self._thread = threading.Thread(
                target=self._run, args=(job,), name="palabre-training", daemon=True
            )
            self._thread.start()
        return job

    def last(self) -> TrainingJob | None:
        """The latest retraining of the workspace, started by any process (None: none yet)."""
        with self.sessions() as session:
            return latest_training(session)

    def wait(self, timeout: float) -> bool:
        """Block until no run started by this worker is going; False when ``timeout`` ran
        out first."""
        with self._idle:
            return self._idle.wait_for(lambda: self._thread is None, timeout=timeout)

    def _beat(self, job_id: int) -> None:
        with transaction(self.sessions) as session:
            jobs.beat(session, [job_id])

    def _run(self, job: TrainingJob) -> None:
        heartbeat = Heartbeat(
            lambda: self._beat(job.id), jobs.HEARTBEAT_SECONDS, "palabre-training-heartbeat"
        )
        heartbeat.start()
        try:
            self._train(job)
        finally:
            heartbeat.stop()
            with self._lock:
                self._thread = None
                self._idle.notify_all()

    def _train(self, job: TrainingJob) -> None:
        error: str | None = None
        try:
            with transaction(self.sessions) as session:
                report = service.train(
                    session,
                    self.scorer or service.scorer_for(self.encoder),
                    actor=job.actor,
                    min_corrections=job.min_corrections,
                )
                # In the training's own transaction: the run's row says succeeded exactly
                # when its adaptation is there.
                jobs.finish(
                    session, job.id, state="succeeded", outcome_id=report.adaptation_id, error=None
                )
            return
        except PalabreError as exc:
            error = exc.message
        except Exception as exc:  # a bug must not kill the worker: the page says it failed
            log.exception("training started by %s failed", job.actor)
            error = f"unexpected error: {exc!r}"
        with transaction(self.sessions) as session:
            jobs.finish(session, job.id, state="failed", outcome_id=None, error=error)


_WORKER_LOCK = threading.Lock()


def trainer_of(app: FastAPI) -> TrainingWorker:
    """The application's training worker, made on first use."""
    with _WORKER_LOCK:
        worker: TrainingWorker | None = getattr(app.state, "training_worker", None)
        if worker is None:
            settings = app.state.settings
            worker = TrainingWorker(
                app.state.sessions,
                settings.signals_encoder or None,
                retention=Retention.of(settings),
            )
            app.state.training_worker = worker
        return worker
