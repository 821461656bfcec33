"""Customer voice → Signal model: what the analysts' corrections did, the domain terms,
and "Retrain now" (``palabre train`` in the background).

For the roles that correct signals (:data:`palabre.web.corrections_views.CORRECTION_ROLES`).
The figures come from :mod:`palabre.text.overview`; every change goes through the same
service functions as ``palabre signals terms`` and ``palabre train``, which audit it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Final

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from palabre.accounts.models import UserAccount
from palabre.errors import PalabreError, ValidationError
from palabre.text import service
from palabre.text.adaptation import FOLDS, MIN_CORRECTIONS
from palabre.text.lexicon import SIGNALS
from palabre.text.overview import TrainingRun, model_overview, training_run
from palabre.web.access import requires
from palabre.web.corrections_views import CORRECTION_ROLES
from palabre.web.customers_views import SIGNAL_LABELS
from palabre.web.deps import DbSession
from palabre.web.i18n import N_
from palabre.web.listing import RowId
from palabre.web.schemas import NO_NUL
from palabre.web.templating import render
from palabre.web.training_worker import TrainingJob, latest_training, trainer_of

router = APIRouter(prefix="/customers/model", include_in_schema=False)

Corrector = Annotated[UserAccount, requires(*CORRECTION_ROLES)]
PAGE: Final = "/customers/model"

#: How the page names what a correction can say, and sentiment beside the signals.
ANSWER_LABELS: Final[dict[str, str]] = {
    "yes": N_("Yes"),
    "no": N_("No"),
    "negative": N_("Negative"),
    "neutral": N_("Neutral"),
    "positive": N_("Positive"),
}
NAMES: Final[dict[str, str]] = {**SIGNAL_LABELS, service.SENTIMENT: N_("Sentiment")}


def actor_of(user: UserAccount) -> str:
    """How the audit log and the stored rows name an account acting from the web."""
    return f"user:{user.username}"


@dataclass(frozen=True)
class TermForm:
    """What the "add a term" form showed or received (kept when shown again with an error)."""

    term: str = ""
    signal: str = "discontent"
    weight: str = "1.5"
    language: str = ""


def _page(
    request: Request,
    db: Session,
    user: UserAccount,
    *,
    form: TermForm | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    # The run's state first: a run seen over has committed its row, which the queries
    # below then read; one seen running is polled until the page loads again.
    job = latest_training(db)
    overview = model_overview(db, user.role, encoder=request.app.state.settings.signals_encoder)
    context = {
        "overview": overview,
        "terms": service.list_domain_terms(db),
        "job": job,
        "job_run": _job_run(db, job),
        "names": NAMES,
        "answer_labels": ANSWER_LABELS,
        "signals": SIGNALS,
        "form": form or TermForm(),
        "error": error,
        "notice": request.query_params.get("done", ""),
        "folds": FOLDS,
        "min_corrections": MIN_CORRECTIONS,
    }
    return render(request, "customers/model.html", context, status_code=status_code, user=user)


def _job_run(db: Session, job: TrainingJob | None) -> TrainingRun | None:
    if job is None or job.adaptation_id is None:
        return None
    return training_run(db, job.adaptation_id)


@router.get("")
def model_page(request: Request, db: DbSession, user: Corrector) -> HTMLResponse:
    """The shipped model, the adaptation in use, the corrections, the training runs and
    the domain terms, with the forms that change them."""
    return _page(request, db, user)


@router.post("/terms")
def add_term(
    request: Request,
    db: DbSession,
    user: Corrector,
    term: Annotated[str, Form(max_length=400, pattern=NO_NUL)],
    signal: Annotated[str, Form(max_length=40, pattern=NO_NUL)],
    weight: Annotated[str, Form(max_length=40, pattern=NO_NUL)] = "1.5",
    language: Annotated[str, Form(max_length=16, pattern=NO_NUL)] = "",
) -> Response:
    """Declare a domain term (``palabre signals terms add``), then back to the page."""
    form = TermForm(term=term, signal=signal, weight=weight, language=language)
    try:
        value = _weight(weight)
        service.add_domain_term(
            db, term, signal, weight=value, language=language or None, actor=actor_of(user)
        )
    except PalabreError as exc:
        db.rollback()
        return _page(request, db, user, form=form, error=exc.message, status_code=exc.http_status)
    return RedirectResponse(f"{PAGE}?done=term-added#terms", status_code=303)


def _weight(text: str) -> float:
    try:
        # A French reader may write the decimal comma.
        return float(text.strip().replace(",", "."))
    except ValueError:
        raise ValidationError(f"weight: {text!r} is not a number") from None


@router.post("/terms/{term_id}/remove")
def remove_term(db: DbSession, term_id: RowId, user: Corrector) -> Response:
    """Forget a domain term (``palabre signals terms remove``), then back to the page."""
    service.remove_domain_term(db, term_id, actor=actor_of(user))
    return RedirectResponse(f"{PAGE}?done=term-removed#terms", status_code=303)


@router.post("/training")
def retrain(request: Request, db: DbSession, user: Corrector) -> Response:
    """Start ``palabre train`` in the background (refused while a run is going)."""
    try:
        trainer_of(request.app).start(actor=actor_of(user), min_corrections=MIN_CORRECTIONS)
    except PalabreError as exc:
        return _page(request, db, user, error=exc.message, status_code=exc.http_status)
    return RedirectResponse(f"{PAGE}#training", status_code=303)


@router.get("/training")
def training_fragment(request: Request, db: DbSession, user: Corrector) -> Response:
    """The retraining's state, polled every second by the page while it runs; once it is
    over, htmx is told to load the page again (with the new run in the history)."""
    job = latest_training(db)
    context = {"job": job, "job_run": _job_run(db, job), "names": NAMES}
    response = render(request, "customers/_training.html", context, user=user)
    if job is not None and job.done and request.headers.get("hx-request") == "true":
        response.headers["HX-Refresh"] = "true"
    return response
