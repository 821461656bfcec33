"""``palabre train`` started from the web: the same training, run in a background thread.

A request only starts the run (:meth:`TrainingWorker.start`); the thread opens its own
transaction and calls :func:`palabre.text.service.train` with the scorer ``palabre
analyze`` uses, as the command does, so the run writes the same ``signal_adaptation``
row and the same ``signal.trained`` audit record (its actor: the account that asked).
One run at a time per server process: a second request while one runs is refused with
a 409. The run's state lives in memory (the page polls it); its outcome lives in the
row it writes, which outlives a restart.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from dataclasses import dataclass, replace
from typing import Literal

from fastapi import FastAPI
from sqlalchemy.orm import Session, sessionmaker

from palabre.db.engine import transaction
from palabre.errors import ConflictError, PalabreError
from palabre.text import service

log = logging.getLogger("palabre.web.training")

TrainingState = Literal["running", "succeeded", "failed"]


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
        """Whether the run is over (succeeded or failed)."""
        return self.state != "running"


class TrainingWorker:
    """Runs one training at a time in a background thread, and remembers the last one."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        encoder: str | None,
        scorer: service.Scorer | None = None,
    ) -> None:
        """``scorer``: what the fit reads about the corrected messages; default, the one
        ``palabre analyze`` uses with ``encoder`` (``PALABRE_SIGNALS_ENCODER``), made when
        a run starts so that an unusable encoder fails that run, not the application."""
        self.sessions = sessions
        self.encoder = encoder
        self.scorer = scorer
        self._last: TrainingJob | None = None
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._thread: threading.Thread | None = None

    def start(self, *, actor: str, min_corrections: int) -> TrainingJob:
        """Start a training (``ConflictError`` while one runs); returns a snapshot of it."""
        with self._lock:
            running = self._last
            if running is not None and not running.done:
                raise ConflictError(
                    f"training: a run started by {running.actor} at "
                    f"{running.started_at:%Y-%m-%d %H:%M:%S} UTC is not over yet; "
                    "wait for it to end"
                )
            job = TrainingJob(
                id=(running.id + 1) if running is not None else 1,
                actor=actor,
                min_corrections=min_corrections,
                started_at=dt.datetime.now(dt.UTC),
            )
            self._last = job
            self._thread = threading.Thread(
                target=self._run, args=(job,), name="palabre-training", daemon=True
            )
            self._thread.start()
            return replace(job)

    def last(self) -> TrainingJob | None:
        """A snapshot of the latest run this process started (None: none yet)."""
        with self._lock:
            return None if self._last is None else replace(self._last)

    def wait(self, timeout: float) -> bool:
        """Block until no run is going; False when ``timeout`` ran out first."""
        with self._idle:
            return self._idle.wait_for(lambda: self._thread is None, timeout=timeout)

    def _run(self, job: TrainingJob) -> None:
        state: TrainingState = "failed"
        adaptation_id: int | None = None
        error: str | None = None
        try:
            with transaction(self.sessions) as session:
                report = service.train(
                    session,
                    self.scorer or service.scorer_for(self.encoder),
                    actor=job.actor,
                    min_corrections=job.min_corrections,
                )
            state, adaptation_id = "succeeded", report.adaptation_id
        except PalabreError as exc:
            error = exc.message
        except Exception as exc:  # a bug must not kill the worker: the page says it failed
            log.exception("training started by %s failed", job.actor)
            error = f"unexpected error: {exc!r}"
        with self._lock:
            job.state, job.adaptation_id, job.error = state, adaptation_id, error
            job.finished_at = dt.datetime.now(dt.UTC)
            self._thread = None
            self._idle.notify_all()


_WORKER_LOCK = threading.Lock()


def trainer_of(app: FastAPI) -> TrainingWorker:
    """The application's training worker, made on first use."""
    with _WORKER_LOCK:
        worker: TrainingWorker | None = getattr(app.state, "training_worker", None)
        if worker is None:
            settings = app.state.settings
            worker = TrainingWorker(app.state.sessions, settings.signals_encoder or None)
            app.state.training_worker = worker
        return worker
