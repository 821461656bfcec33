"""Innovation pages: campaigns, ideas, the submit form with live similar ideas, the funnel
board, ideas from the field and the notifications page.

Innovation managers (``innovation``, ``admin``) create campaigns and move ideas; every
signed-in account sees the campaigns its audience allows and takes part where it may
(:mod:`palabre.innovation.service` decides, documented in docs/ideas.md).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Final, TypedDict

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from palabre.accounts.models import UserAccount
from palabre.errors import PalabreError, ValidationError
from palabre.identity.models import Segment, Team
from palabre.innovation import (
    assignments,
    campaign_edit,
    crowd,
    discovery,
    funnel,
    notifications,
    service,
)
from palabre.innovation.models import AUDIENCES, IDEA_ROLES, Campaign
from palabre.web.access import authenticated, requires
from palabre.web.deps import DbSession
from palabre.web.i18n import N_
from palabre.web.listing import OptionalRowId, RowId, viewer_of
from palabre.web.templating import render
from palabre.web.trends_views import TRENDS_ROLES

router = APIRouter(include_in_schema=False)

#: Who manages campaigns and the funnel.
MANAGERS: Final = ("admin", "innovation")
Manager = Annotated[UserAccount, requires(*MANAGERS)]
Anyone = Annotated[UserAccount, authenticated()]

STAGE_LABELS: Final[dict[str, str]] = {
    "proposed": N_("Proposed"),
    "under_review": N_("Under review"),
    "selected": N_("Selected"),
    "experimenting": N_("Experimenting"),
    "adopted": N_("Adopted"),
    "declined": N_("Declined"),
    "duplicate": N_("Duplicate"),
}
AUDIENCE_LABELS: Final[dict[str, str]] = {
    "employees": N_("Employees"),
    "customers": N_("Customers"),
    "public": N_("Everyone"),
    "segment": N_("A segment"),
    "team": N_("A team"),
}
assert set(AUDIENCE_LABELS) == set(AUDIENCES)
#: The roles a person may carry for an idea.
IDEA_ROLE_LABELS: Final[dict[str, str]] = {
    "ideator": N_("Ideator"),
    "expert": N_("Expert"),
    "validator": N_("Validator"),
    "champion": N_("Champion"),
}
assert set(IDEA_ROLE_LABELS) == set(IDEA_ROLES)


def labels() -> dict[str, object]:
    """The label tables the innovation templates use (custom stages show as typed)."""
    return {
        "stage_labels": STAGE_LABELS,
        "audience_labels": AUDIENCE_LABELS,
        "idea_role_labels": IDEA_ROLE_LABELS,
    }


def _lines(text: str) -> list[str]:
    return [part.strip() for part in text.replace(",", "\n").splitlines() if part.strip()]


def _text(form: object, name: str) -> str:
    value = form.get(name)  # type: ignore[attr-defined]
    return value if isinstance(value, str) else ""


@router.get("/innovation")
def campaigns_page(request: Request, db: DbSession, user: Anyone) -> HTMLResponse:
    """The campaigns the reader may see, open ones first."""
    viewer = viewer_of(user)
    context = {
        "rows": service.list_campaigns(db, viewer),
        "manager": service.is_manager(viewer),
        "trends_reader": user.role in TRENDS_ROLES,
        "unread": notifications.unread_count(db, user.person_id),
        **labels(),
    }
    return render(request, "innovation/campaigns.html", context, user=user)


def _new_campaign_page(
    request: Request,
    db: DbSession,
    user: UserAccount,
    *,
    values: dict[str, str] | None = None,
    error: str | None = None,
    status_code: int = 200,
    campaign: Campaign | None = None,
) -> HTMLResponse:
    context = {
        "campaign": campaign,
        "values": values or {},
        "error": error,
        "audiences": AUDIENCES,
        "teams": db.query(Team).order_by(Team.path).all(),
        "segments": db.query(Segment).order_by(Segment.name).all(),
        **labels(),
    }
    return render(
        request, "innovation/new_campaign.html", context, status_code=status_code, user=user
    )


@router.get("/innovation/campaigns/new")
def new_campaign(request: Request, db: DbSession, user: Manager) -> HTMLResponse:
    """The form that creates a campaign."""
    return _new_campaign_page(request, db, user)


def _date(value: str, field: str) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise ValidationError(f"{field}: {value!r} is not a date (YYYY-MM-DD)") from exc


@router.post("/innovation/campaigns", response_model=None)
async def create_campaign(request: Request, db: DbSession, user: Manager) -> Response:
    """Create a campaign from the form; a bad field shows the form again, saying which."""
    form = await request.form()
    names = ("name", "question", "audience", "team", "segment", "opens", "closes", "stages")
    values = {name: _text(form, name) for name in names}
    try:
        made = service.create_campaign(db, **_campaign_fields(values), actor=viewer_of(user).actor)
    except PalabreError as error:
        return _new_campaign_page(
            request, db, user, values=values, error=error.message, status_code=422
        )
    return RedirectResponse(f"/innovation/campaigns/{made.id}", status_code=303)


class _CampaignFields(TypedDict):
    name: str
    question: str
    audience: str
    team_id: int | None
    segment_id: int | None
    opens_on: dt.date | None
    closes_on: dt.date | None
    stages: list[str] | None


def _campaign_fields(values: dict[str, str]) -> _CampaignFields:
    """The campaign form's texts as the arguments of creating or editing a campaign."""
    return {
        "name": values["name"],
        "question": values["question"],
        "audience": values["audience"],
        "team_id": int(values["team"]) if values["team"].isdigit() else None,
        "segment_id": int(values["segment"]) if values["segment"].isdigit() else None,
        "opens_on": _date(values["opens"], "opens"),
        "closes_on": _date(values["closes"], "closes"),
        "stages": _lines(values["stages"]) or None,
    }


def _form_values(campaign: Campaign) -> dict[str, str]:
    """The campaign as the form shows it (the same names the form posts)."""
    return {
        "name": campaign.name,
        "question": campaign.question,
        "audience": campaign.audience,
        "team": str(campaign.audience_team_id or ""),
        "segment": str(campaign.audience_segment_id or ""),
        "opens": campaign.opens_on.isoformat() if campaign.opens_on else "",
        "closes": campaign.closes_on.isoformat() if campaign.closes_on else "",
        "stages": "\n".join(campaign.stages),
    }


@router.get("/innovation/campaigns/{campaign_id}/edit")
def edit_campaign_form(
    request: Request, db: DbSession, campaign_id: RowId, user: Manager
) -> HTMLResponse:
    """The form that edits a campaign, filled with what it holds now."""
    campaign = service.get_campaign(db, viewer_of(user), campaign_id)
    return _new_campaign_page(request, db, user, values=_form_values(campaign), campaign=campaign)


@router.post("/innovation/campaigns/{campaign_id}/edit", response_model=None)
async def edit_campaign(
    request: Request, db: DbSession, campaign_id: RowId, user: Manager
) -> Response:
    """Save the edited campaign; a bad field shows the form again, saying which, and
    changes nothing."""
    campaign = service.get_campaign(db, viewer_of(user), campaign_id)
    form = await request.form()
    values = {name: _text(form, name) for name in _form_values(campaign)}
    try:
        campaign_edit.update_campaign(
            db, campaign, **_campaign_fields(values), actor=viewer_of(user).actor
        )
    except PalabreError as error:
        return _new_campaign_page(
            request,
            db,
            user,
            values=values,
            error=error.message,
            status_code=422,
            campaign=campaign,
        )
    return RedirectResponse(f"/innovation/campaigns/{campaign.id}", status_code=303)


@router.get("/innovation/campaigns/{campaign_id}")
def campaign_page(
    request: Request,
    db: DbSession,
    campaign_id: RowId,
    user: Anyone,
    stage: Annotated[str, Query(max_length=40)] = "",
) -> HTMLResponse:
    """A campaign: its question, audience, dates and ideas (most supported first)."""
    viewer = viewer_of(user)
    campaign, rows = service.campaign_ideas(db, viewer, campaign_id, stage=stage or None)
    context = {
        "campaign": campaign,
        "rows": rows,
        "stage": stage,
        "open": service.is_open(campaign),
        "may_take_part": service.may_take_part(db, viewer, campaign),
        "manager": service.is_manager(viewer),
        "scores": crowd.pairwise_scores(db, viewer, campaign_id),
        **labels(),
    }
    return render(request, "innovation/campaign.html", context, user=user)


def _submit_page(
    request: Request,
    db: DbSession,
    user: UserAccount,
    campaign_id: int,
    *,
    values: dict[str, str] | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    viewer = viewer_of(user)
    campaign = service.get_campaign(db, viewer, campaign_id)
    context = {
        "campaign": campaign,
        "values": values or {},
        "error": error,
        "open": service.is_open(campaign),
        "may_take_part": service.may_take_part(db, viewer, campaign),
        **labels(),
    }
    return render(request, "innovation/submit.html", context, status_code=status_code, user=user)


@router.get("/innovation/campaigns/{campaign_id}/submit")
def submit_form(request: Request, db: DbSession, campaign_id: RowId, user: Anyone) -> HTMLResponse:
    """The form that proposes an idea; similar ideas appear while the title is typed."""
    return _submit_page(request, db, user, campaign_id)


@router.post("/innovation/campaigns/{campaign_id}/submit", response_model=None)
async def submit(request: Request, db: DbSession, campaign_id: RowId, user: Anyone) -> Response:
    """Propose the idea; a bad field shows the form again with what was typed."""
    form = await request.form()
    values = {name: _text(form, name) for name in ("title", "body", "tags", "links")}
    try:
        idea = service.submit_idea(
            db,
            viewer_of(user),
            campaign_id,
            title=values["title"],
            body=values["body"],
            tags=_lines(values["tags"]),
            links=[line for line in values["links"].splitlines() if line.strip()],
        )
    except ValidationError as error:
        return _submit_page(
            request, db, user, campaign_id, values=values, error=error.message, status_code=422
        )
    return RedirectResponse(f"/ideas/{idea.id}", status_code=303)


@router.get("/innovation/similar")
def similar(
    request: Request,
    db: DbSession,
    user: Anyone,
    title: Annotated[str, Query(max_length=300)] = "",
    campaign: OptionalRowId = None,
) -> HTMLResponse:
    """The htmx fragment under the title field: existing ideas that look like the title."""
    found = discovery.similar_ideas(db, viewer_of(user), title, campaign_id=campaign)
    context = {"found": found, "title": title, **labels()}
    return render(request, "innovation/_similar.html", context, user=user)


@router.get("/innovation/campaigns/{campaign_id}/board")
def board(request: Request, db: DbSession, campaign_id: RowId, user: Manager) -> HTMLResponse:
    """The manager's funnel board: one column per stage."""
    campaign, columns = service.funnel_board(db, viewer_of(user), campaign_id)
    context = {"campaign": campaign, "columns": columns, **labels()}
    return render(request, "innovation/board.html", context, user=user)


@router.get("/ideas/{idea_id}")
def idea_page(request: Request, db: DbSession, idea_id: RowId, user: Anyone) -> HTMLResponse:
    """An idea: body, links, supporters, comments, stage history, follow and support."""
    viewer = viewer_of(user)
    page = funnel.idea_page(db, viewer, idea_id)
    manager = service.is_manager(viewer)
    context = {
        "page": page,
        "may_take_part": service.may_take_part(db, viewer, page.campaign)
        and user.person_id is not None,
        "manager": manager,
        "carriers": assignments.carriers(db, viewer, idea_id),
        "suggested": (
            assignments.suggestions(db, viewer, idea_id)
            if manager and page.merged_into is None
            else None
        ),
        "suggested_role": assignments.SUGGESTED_ROLE,
        "roles": IDEA_ROLES,
        **labels(),
    }
    return render(request, "innovation/idea.html", context, user=user)


def _back(idea_id: int) -> RedirectResponse:
    return RedirectResponse(f"/ideas/{idea_id}", status_code=303)


@router.post("/ideas/{idea_id}/comments", response_model=None)
async def comment(request: Request, db: DbSession, idea_id: RowId, user: Anyone) -> Response:
    """Add a comment."""
    form = await request.form()
    service.comment_on_idea(db, viewer_of(user), idea_id, _text(form, "body"))
    return _back(idea_id)


@router.post("/ideas/{idea_id}/follow", response_model=None)
async def follow(request: Request, db: DbSession, idea_id: RowId, user: Anyone) -> Response:
    """Follow (``follow=1``) or stop following (``follow=0``) an idea."""
    form = await request.form()
    service.follow_idea(db, viewer_of(user), idea_id, follow=_text(form, "follow") != "0")
    return _back(idea_id)


@router.post("/ideas/{idea_id}/vote", response_model=None)
async def vote(request: Request, db: DbSession, idea_id: RowId, user: Anyone) -> Response:
    """Support (``support=1``) or withdraw the support (``support=0``)."""
    form = await request.form()
    service.vote_for_idea(db, viewer_of(user), idea_id, support=_text(form, "support") != "0")
    return _back(idea_id)


@router.post("/ideas/{idea_id}/stage", response_model=None)
async def stage(request: Request, db: DbSession, idea_id: RowId, user: Manager) -> Response:
    """Move the idea to another stage, with an optional note."""
    form = await request.form()
    funnel.move_stage(
        db, viewer_of(user), idea_id, _text(form, "stage"), note=_text(form, "note") or None
    )
    return _back(idea_id)


@router.post("/ideas/{idea_id}/merge", response_model=None)
async def merge(request: Request, db: DbSession, idea_id: RowId, user: Manager) -> Response:
    """Merge this idea into the idea whose number is given (``into``)."""
    form = await request.form()
    into = _text(form, "into").lstrip("#").strip()
    if not into.isdigit():
        raise ValidationError("into: give the number of the idea to merge into")
    funnel.merge_ideas(db, viewer_of(user), idea_id, int(into), note=_text(form, "note") or None)
    return _back(idea_id)


@router.post("/ideas/{idea_id}/roles", response_model=None)
async def assign_role(request: Request, db: DbSession, idea_id: RowId, user: Manager) -> Response:
    """Assign a person (``person``: id or name) to a role (``role``) of the idea."""
    form = await request.form()
    person = assignments.find_person(db, _text(form, "person"))
    assignments.assign(db, viewer_of(user), idea_id, _text(form, "role"), person.id)
    return _back(idea_id)


@router.post("/ideas/roles/{assignment_id}/release", response_model=None)
def release_role(db: DbSession, assignment_id: RowId, user: Manager) -> Response:
    """Release the person of an assignment from their role (the history keeps it)."""
    made = assignments.release(db, viewer_of(user), assignment_id)
    return _back(made.idea_id)


@router.post("/ideas/transfers/{transfer_id}", response_model=None)
async def answer_transfer(
    request: Request, db: DbSession, transfer_id: RowId, user: Anyone
) -> Response:
    """Accept (``accept=1``) or decline (``accept=0``) moving one's vote to the merged idea."""
    form = await request.form()
    transfer = funnel.answer_transfer(
        db, viewer_of(user), transfer_id, accept=_text(form, "accept") == "1"
    )
    return _back(transfer.to_idea_id if transfer.state == "accepted" else transfer.from_idea_id)


@router.get("/notifications")
def notifications_page(request: Request, db: DbSession, user: Anyone) -> HTMLResponse:
    """The reader's notifications, newest first, and the vote transfers awaiting an answer."""
    context = {
        "notes": notifications.list_notifications(db, user.person_id),
        "transfers": {t.id for t in funnel.pending_transfers(db, user.person_id)},
        "linked": user.person_id is not None,
        **labels(),
    }
    return render(request, "innovation/notifications.html", context, user=user)


@router.post("/notifications/read", response_model=None)
def read_all(db: DbSession, user: Anyone) -> Response:
    """Mark every notification read."""
    notifications.mark_all_read(db, user.person_id)
    return RedirectResponse("/notifications", status_code=303)


@router.get("/innovation/field")
def field(
    request: Request,
    db: DbSession,
    user: Manager,
    min_probability: Annotated[float, Query(ge=0.0, le=1.0)] = discovery.DEFAULT_MIN_PROBABILITY,
) -> HTMLResponse:
    """Ideas from the field: suggestion-like messages, each one click from becoming an idea."""
    viewer = viewer_of(user)
    context = {
        "found": discovery.field_candidates(db, viewer, min_probability=min_probability),
        "campaigns": [r.campaign for r in service.list_campaigns(db, viewer)],
        "min_probability": min_probability,
    }
    return render(request, "innovation/field.html", context, user=user)


@router.post("/innovation/field/{message_id}", response_model=None)
async def adopt(request: Request, db: DbSession, message_id: RowId, user: Manager) -> Response:
    """Turn the message into an idea of the chosen campaign."""
    form = await request.form()
    campaign = _text(form, "campaign")
    if not campaign.isdigit():
        raise ValidationError("campaign: choose the campaign the idea goes to")
    idea = discovery.idea_from_message(
        db, viewer_of(user), int(campaign), message_id, title=_text(form, "title") or None
    )
    return _back(idea.id)
