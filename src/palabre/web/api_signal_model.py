"""JSON API of the signal model page: the model in use and the corrections, the training
runs with their reports, the domain terms, and a retraining started in the background.

Who may call it: :data:`palabre.web.corrections_views.CORRECTION_ROLES`. Changes go
through :mod:`palabre.text.service` (audited) and :mod:`palabre.web.training_worker`.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from palabre.accounts.models import UserAccount
from palabre.text import service
from palabre.text.adaptation import MIN_CORRECTIONS
from palabre.text.overview import TrainingRun, model_overview, training_runs
from palabre.web.access import requires
from palabre.web.api import PREFIX
from palabre.web.corrections_views import CORRECTION_ROLES
from palabre.web.deps import DbSession
from palabre.web.listing import RowId
from palabre.web.schemas import NO_NUL
from palabre.web.training_worker import TrainingJob, latest_training, trainer_of

router = APIRouter(prefix=f"{PREFIX}/signals", tags=["signals"])
Corrector = Annotated[UserAccount, requires(*CORRECTION_ROLES)]

TermSignal = Literal[
    "discontent", "drifting_away", "disappointment", "misunderstanding", "suggestion", "praise"
]


class ShippedModelRead(BaseModel):
    """The shipped weights: the version ``palabre analyze`` stores, the sentence encoder
    blended in (null: off), and why it cannot be used (null: it can)."""

    model_config = ConfigDict(from_attributes=True)

    version: str
    encoder: str | None
    problem: str | None


class SignalFitRead(BaseModel):
    """What one run did for one signal (or ``sentiment``), as ``palabre train`` stored it:
    cross-validated log-loss and accuracy before and after the recalibration, then the
    log-loss before and after the learned part (residual), its ``strength`` (λ) and the
    weights it keeps, and the standard errors of both log-loss gains over the answers;
    null where the layer was not fitted (too few answers) or the report predates them."""

    model_config = ConfigDict(from_attributes=True)

    signal: str
    corrections: int
    positives: int
    loss_before: float | None
    loss_after: float | None
    accuracy_before: float | None
    accuracy_after: float | None
    recalibrated: bool
    residual_loss_before: float | None
    residual_loss_after: float | None
    strength: float | None
    residual: bool
    weights: int
    gain_se: float | None = None
    residual_gain_se: float | None = None


class TrainingRunRead(BaseModel):
    """One ``palabre train`` run (a ``signal_adaptation`` row) and its stored report;
    ``terms`` is null for runs stored before the report held it."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    digest: str
    actor: str
    created_at: dt.datetime
    corrections: int | None
    messages: int | None
    terms: int | None
    recalibrated: list[str]
    learned: list[str]
    fits: list[SignalFitRead]


class LabelCountRead(BaseModel):
    """Stored answers giving ``label`` for ``signal``."""

    model_config = ConfigDict(from_attributes=True)

    signal: str
    label: str
    count: int


class LanguageCountRead(BaseModel):
    """Stored answers about messages in ``language`` (null: not known yet)."""

    model_config = ConfigDict(from_attributes=True)

    language: str | None
    count: int


class RecentCorrectionRead(BaseModel):
    """A stored answer, newest first, on a message the caller may read."""

    model_config = ConfigDict(from_attributes=True)

    message_id: int
    thread_id: int
    signal: str
    label: str
    actor: str
    created_at: dt.datetime
    excerpt: str


class CorrectionsRead(BaseModel):
    """The stored answers; ``since_adaptation``: given after the adaptation in use was
    fitted (all of them when there is none)."""

    model_config = ConfigDict(from_attributes=True)

    total: int
    messages: int
    by_label: list[LabelCountRead]
    by_language: list[LanguageCountRead]
    since_adaptation: int
    recent: list[RecentCorrectionRead]


class TrainingJobRead(BaseModel):
    """A retraining started from the web, by any server process (``interrupted``: the
    process running it stopped before it ended, and it changed nothing)."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    actor: str
    min_corrections: int
    state: Literal["queued", "running", "succeeded", "failed", "interrupted"]
    started_at: dt.datetime
    finished_at: dt.datetime | None
    adaptation_id: int | None
    error: str | None


class SignalModelRead(BaseModel):
    """The signal model of the workspace: the shipped weights, the adaptation in use
    (null: the shipped model as it is), the corrections and the latest retraining."""

    shipped: ShippedModelRead
    adaptation: TrainingRunRead | None
    runs: int
    corrections: CorrectionsRead
    training: TrainingJobRead | None


class DomainTermCreate(BaseModel):
    """A word or phrase of the domain that raises (weight > 0) or lowers a signal."""

    term: str = Field(min_length=1, max_length=200, pattern=NO_NUL)
    signal: TermSignal
    weight: float = Field(default=1.5, ge=-service.MAX_TERM_WEIGHT, le=service.MAX_TERM_WEIGHT)
    language: Literal["fr", "en"] | None = None


class DomainTermRead(BaseModel):
    """A domain term as stored (``language`` null: every language)."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    term: str
    signal: str
    weight: float
    language: str | None
    actor: str
    created_at: dt.datetime


class TrainingCreate(BaseModel):
    """Options of a retraining, as ``palabre train`` takes them."""

    min_corrections: int = Field(default=MIN_CORRECTIONS, ge=5, le=1_000_000)


def _run(run: TrainingRun) -> TrainingRunRead:
    return TrainingRunRead.model_validate(run)


def _job(job: TrainingJob | None) -> TrainingJobRead | None:
    return None if job is None else TrainingJobRead.model_validate(job)


def _actor(user: UserAccount) -> str:
    return f"user:{user.username}"


@router.get("/model", response_model=SignalModelRead)
def signal_model(request: Request, db: DbSession, user: Corrector) -> SignalModelRead:
    """The shipped model, the adaptation in use, the stored answers and the latest
    retraining started from the web (by any server process)."""
    # The run's state first: a run seen over has committed the row the queries then read.
    job = latest_training(db)
    overview = model_overview(db, user.role, encoder=request.app.state.settings.signals_encoder)
    return SignalModelRead(
        shipped=ShippedModelRead.model_validate(overview.shipped),
        adaptation=None if overview.in_use is None else _run(overview.in_use),
        runs=overview.run_count,
        corrections=CorrectionsRead.model_validate(overview.corrections),
        training=_job(job),
    )


@router.get("/adaptations", response_model=list[TrainingRunRead])
def adaptations(
    db: DbSession, user: Corrector, limit: Annotated[int, Query(ge=1, le=500)] = 20
) -> list[TrainingRunRead]:
    """The ``palabre train`` runs, newest first (the first is in use), with their reports."""
    return [_run(run) for run in training_runs(db, limit)]


@router.get("/terms", response_model=list[DomainTermRead])
def list_terms(db: DbSession, user: Corrector) -> list[DomainTermRead]:
    """Every domain term, by signal and term."""
    return [DomainTermRead.model_validate(t) for t in service.list_domain_terms(db)]


@router.post("/terms", response_model=DomainTermRead, status_code=201)
def add_term(db: DbSession, user: Corrector, body: DomainTermCreate) -> DomainTermRead:
    """Declare a domain term (used from the next retraining; audited)."""
    row = service.add_domain_term(
        db, body.term, body.signal, weight=body.weight, language=body.language, actor=_actor(user)
    )
    return DomainTermRead.model_validate(row)


@router.delete("/terms/{term_id}", status_code=204, response_class=Response)
def remove_term(db: DbSession, user: Corrector, term_id: RowId) -> Response:
    """Forget a domain term (the adaptation in use keeps it until the next retraining)."""
    service.remove_domain_term(db, term_id, actor=_actor(user))
    return Response(status_code=204)


@router.post("/training", response_model=TrainingJobRead, status_code=202)
def start_training(
    request: Request, user: Corrector, body: TrainingCreate | None = None
) -> TrainingJobRead:
    """Start ``palabre train`` in the background (409 while a run is going); follow it
    with ``GET /signals/training``."""
    options = body or TrainingCreate()
    job = trainer_of(request.app).start(actor=_actor(user), min_corrections=options.min_corrections)
    return TrainingJobRead.model_validate(job)


@router.get("/training", response_model=TrainingJobRead | None)
def training_state(db: DbSession, user: Corrector) -> TrainingJobRead | None:
    """The latest retraining started from the web, by any server process (null: none yet)."""
    return _job(latest_training(db))
