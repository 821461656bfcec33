"""Crowd validation pages: vote on statements one at a time, moderate them, the opinion map,
and the pairwise vote between two ideas.

Who may do what is decided by :mod:`palabre.innovation.crowd` (docs/opinions.md,
docs/pairwise.md): participants vote where the campaign's audience lets them take
part; managers (``innovation``, ``admin``) moderate and see the opinion map.
"""

from __future__ import annotations

import secrets
from typing import Annotated

import numpy as np
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from palabre.accounts.models import UserAccount
from palabre.errors import ValidationError
from palabre.innovation import crowd, service
from palabre.web.access import authenticated, requires
from palabre.web.deps import DbSession
from palabre.web.innovation_views import MANAGERS, labels
from palabre.web.listing import RowId, viewer_of
from palabre.web.templating import render

router = APIRouter(include_in_schema=False)

Manager = Annotated[UserAccount, requires(*MANAGERS)]
Anyone = Annotated[UserAccount, authenticated()]


def _text(form: object, name: str) -> str:
    value = form.get(name)  # type: ignore[attr-defined]
    return value if isinstance(value, str) else ""


def _statements_page(
    request: Request,
    db: DbSession,
    user: UserAccount,
    campaign_id: int,
    *,
    error: str | None = None,
    added: bool = False,
    status_code: int = 200,
) -> HTMLResponse:
    viewer = viewer_of(user)
    state = crowd.next_statement(db, viewer, campaign_id)
    manager = service.is_manager(viewer)
    context = {
        "campaign": state.campaign,
        "state": state,
        "may_take_part": service.may_take_part(db, viewer, state.campaign)
        and user.person_id is not None,
        "may_add": manager
        or (service.may_take_part(db, viewer, state.campaign) and user.person_id is not None),
        "open": service.is_open(state.campaign),
        "manager": manager,
        "pending": crowd.statements_to_moderate(db, viewer, campaign_id) if manager else [],
        "error": error,
        "added": added,
        **labels(),
    }
    return render(
        request, "innovation/statements.html", context, status_code=status_code, user=user
    )


@router.get("/innovation/campaigns/{campaign_id}/statements")
def statements_page(
    request: Request, db: DbSession, campaign_id: RowId, user: Anyone
) -> HTMLResponse:
    """One statement at a time to vote on; a form to add one's own; managers moderate."""
    added = request.query_params.get("added") == "1"
    return _statements_page(request, db, user, campaign_id, added=added)


@router.post("/innovation/campaigns/{campaign_id}/statements", response_model=None)
async def add_statement(
    request: Request, db: DbSession, campaign_id: RowId, user: Anyone
) -> Response:
    """Add a statement; a participant's waits for moderation."""
    form = await request.form()
    try:
        crowd.add_statement(db, viewer_of(user), campaign_id, _text(form, "text"))
    except ValidationError as error:
        return _statements_page(
            request, db, user, campaign_id, error=error.message, status_code=422
        )
    return RedirectResponse(
        f"/innovation/campaigns/{campaign_id}/statements?added=1", status_code=303
    )


@router.post("/innovation/statements/{statement_id}/vote", response_model=None)
async def vote(request: Request, db: DbSession, statement_id: RowId, user: Anyone) -> Response:
    """Vote ``agree``, ``disagree`` or ``pass``; back to the next statement."""
    form = await request.form()
    choice = _text(form, "vote")
    if choice not in crowd.VOTE_VALUES:
        raise ValidationError("vote: choose agree, disagree or pass")
    crowd.vote_on_statement(db, viewer_of(user), statement_id, crowd.VOTE_VALUES[choice])
    campaign_id = _text(form, "campaign")
    target = (
        f"/innovation/campaigns/{int(campaign_id)}/statements"
        if campaign_id.isdigit()
        else "/innovation"
    )
    return RedirectResponse(target, status_code=303)


@router.post("/innovation/statements/{statement_id}/moderate", response_model=None)
async def moderate(request: Request, db: DbSession, statement_id: RowId, user: Manager) -> Response:
    """Accept (``in``) or reject (``out``) a statement."""
    form = await request.form()
    statement = crowd.moderate_statement(
        db, viewer_of(user), statement_id, _text(form, "moderation")
    )
    return RedirectResponse(
        f"/innovation/campaigns/{statement.campaign_id}/statements", status_code=303
    )


@router.get("/innovation/campaigns/{campaign_id}/opinions")
def opinions_page(
    request: Request, db: DbSession, campaign_id: RowId, user: Manager
) -> HTMLResponse:
    """The opinion map: groups, their representative statements, consensus and divisive."""
    found = crowd.opinion_map(db, viewer_of(user), campaign_id)
    context = {"map": found, "campaign": found.campaign, "minimum": crowd.MIN_GROUP_SIZE}
    return render(request, "innovation/opinions.html", context, user=user)


@router.get("/innovation/campaigns/{campaign_id}/pairwise")
def pairwise_page(
    request: Request, db: DbSession, campaign_id: RowId, user: Anyone
) -> HTMLResponse:
    """Two ideas of the campaign, chosen adaptively; pick one or "can't decide"."""
    viewer = viewer_of(user)
    # A fresh seed per request: the pair is drawn, not fixed (the draw is adaptive).
    rng = np.random.default_rng(secrets.randbits(64))
    campaign, pair = crowd.choose_pair(db, viewer, campaign_id, rng)
    context = {
        "campaign": campaign,
        "pair": pair,
        "open": service.is_open(campaign),
        "may_take_part": service.may_take_part(db, viewer, campaign) and user.person_id is not None,
        "answered": request.query_params.get("answered") == "1",
        **labels(),
    }
    return render(request, "innovation/pairwise.html", context, user=user)


@router.post("/innovation/campaigns/{campaign_id}/pairwise", response_model=None)
async def answer(request: Request, db: DbSession, campaign_id: RowId, user: Anyone) -> Response:
    """Record the answer (``left``, ``right`` or ``cannot_decide``) and show the next pair."""
    form = await request.form()
    left, right = _text(form, "left"), _text(form, "right")
    if not (left.isdigit() and right.isdigit()):
        raise ValidationError("left, right: the pair's two idea numbers are missing")
    crowd.answer_pair(
        db, viewer_of(user), campaign_id, int(left), int(right), _text(form, "choice")
    )
    return RedirectResponse(
        f"/innovation/campaigns/{campaign_id}/pairwise?answered=1", status_code=303
    )
