"""A person's data: download it (the person themself, or an administrator) and erase it
(an administrator, after confirming). The rules are in :mod:`palabre.privacy.erasure`
and :mod:`palabre.privacy.subject_access`; docs/privacy.md explains them.
"""

from __future__ import annotations

from typing import Annotated, Final

import orjson
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from palabre.accounts.models import UserAccount
from palabre.errors import NotFoundError, ValidationError
from palabre.identity.models import Person
from palabre.people.service import root_id
from palabre.privacy import erasure, subject_access
from palabre.web.access import authenticated, requires
from palabre.web.api import PREFIX
from palabre.web.deps import DbSession
from palabre.web.i18n import N_
from palabre.web.listing import RowId
from palabre.web.templating import render

router = APIRouter(include_in_schema=False)
api_router = APIRouter(prefix=PREFIX, tags=["people"])

#: What an erasure does to each kind of row, in the order the page lists them.
ERASURE_ROWS: Final[tuple[tuple[str, str, str], ...]] = (
    ("persons", N_("Records of the person (merged ones too)"), N_("kept, anonymous")),
    (
        "identities",
        N_("Accounts on channels"),
        N_("ids replaced by a digest; names, e-mails removed"),
    ),
    (
        "messages",
        N_("Messages they wrote"),
        N_("text, title and links removed; counts and signals kept"),
    ),
    ("attributes", N_("CRM and HR attributes"), N_("removed")),
    ("profile_fields", N_("Profile fields"), N_("removed")),
    ("accounts", N_("Sign-in accounts"), N_("removed")),
    ("corrections", N_("Analysts' corrections of their messages"), N_("removed")),
    ("follows", N_("Ideas followed"), N_("removed")),
    ("notifications", N_("Notifications"), N_("removed")),
    ("idea_roles", N_("Roles on ideas"), N_("removed")),
    ("reactions", N_("Reactions given"), N_("kept, anonymous")),
    ("votes", N_("Votes and answers"), N_("kept, anonymous")),
    ("team_memberships", N_("Team memberships"), N_("kept, anonymous")),
    ("segment_memberships", N_("Segment memberships"), N_("kept, anonymous")),
    ("ideas", N_("Ideas contributed"), N_("kept as written, unsigned")),
    ("comments", N_("Comments on ideas"), N_("kept as written, unsigned")),
    ("statements", N_("Statements contributed"), N_("kept as written, unsigned")),
)


def _exportable(db: Session, user: UserAccount, person_id: int) -> None:
    """An administrator exports anyone's data; anyone else only their own.

    Someone else's id is answered as not found, as a profile one may not see is: the
    answer says nothing about who is in the workspace.
    """
    if user.role == "admin":
        return
    own = root_id(db, user.person_id)
    if own is None or root_id(db, person_id) != own:
        raise NotFoundError(f"no person {person_id} whose data you may export")


def _download(db: Session, user: UserAccount, person_id: int, via: str) -> Response:
    _exportable(db, user, person_id)
    document = subject_access.export_person(db, person_id, actor=f"user:{user.username}", via=via)
    body = orjson.dumps(document, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS)
    name = f"palabre-person-{document['person_id']}.json"
    return Response(
        body,
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/people/{person_id}/export")
def export_page(
    db: DbSession, person_id: RowId, user: Annotated[UserAccount, authenticated()]
) -> Response:
    """Download everything the workspace holds about a person, as JSON (audited)."""
    return _download(db, user, person_id, "page")


def _erase_page(
    request: Request,
    db: Session,
    user: UserAccount,
    report: erasure.ErasureReport,
    *,
    done: bool,
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    person = db.get(Person, report.person_id)
    context = {
        "report": report,
        "counts": report.counts.as_dict(),
        "rows": ERASURE_ROWS,
        "name": None if done or person is None else person.display_name,
        "done": done,
        "error": error,
    }
    return render(request, "people/erase.html", context, status_code=status_code, user=user)


@router.get("/people/{person_id}/erase")
def erase_page(
    request: Request,
    db: DbSession,
    person_id: RowId,
    user: Annotated[UserAccount, requires("admin")],
) -> HTMLResponse:
    """What erasing a person would change, and the form that confirms it."""
    return _erase_page(request, db, user, erasure.erasure_plan(db, person_id), done=False)


@router.post("/people/{person_id}/erase")
async def erase_person(
    request: Request,
    db: DbSession,
    person_id: RowId,
    user: Annotated[UserAccount, requires("admin")],
) -> HTMLResponse:
    """Erase a person once the administrator typed their id to confirm (audited)."""
    form = await request.form()
    confirm = form.get("confirm")
    if not isinstance(confirm, str) or confirm.strip().lstrip("#") != str(person_id):
        plan = erasure.erasure_plan(db, person_id)
        return _erase_page(
            request,
            db,
            user,
            plan,
            done=False,
            error=N_("Type the person's number to confirm: nothing was erased."),
            status_code=422,
        )
    report = erasure.erase_person(db, person_id, actor=f"user:{user.username}")
    return _erase_page(request, db, user, report, done=True)


@router.post("/me/erasure-request")
def request_erasure(db: DbSession, user: Annotated[UserAccount, authenticated()]) -> Response:
    """A person asks for their data to be erased; an administrator acts (audited)."""
    if user.person_id is None:
        raise ValidationError(
            "your account is not linked to a person: there is no data of yours to erase"
        )
    made = erasure.request_erasure(db, user.person_id, actor=f"user:{user.username}")
    return RedirectResponse(f"/people/{made.person_id}?erasure=requested", status_code=303)


# -- JSON API -----------------------------------------------------------------------------


class ErasureRequest(BaseModel):
    """The body of an erasure: the person's id again, so that a wrong URL erases nobody."""

    confirm: int = Field(description="the person's id, repeated")
    dry_run: bool = Field(default=False, description="only say what would change")


class ErasureRead(BaseModel):
    """What an erasure changed (or would change, for a dry run)."""

    person_id: int
    person_ids: list[int]
    erased_at: str | None
    dry_run: bool
    counts: dict[str, int]


@api_router.get("/people/{person_id}/export", response_model=None)
def export_api(
    db: DbSession, person_id: RowId, user: Annotated[UserAccount, authenticated()]
) -> Response:
    """Everything the workspace holds about a person (the caller's own data; an
    administrator: anyone's), as a JSON document. Audited."""
    return _download(db, user, person_id, "api")


@api_router.post("/people/{person_id}/erase", response_model=ErasureRead)
def erase_api(
    db: DbSession,
    person_id: RowId,
    body: ErasureRequest,
    user: Annotated[UserAccount, requires("admin")],
) -> ErasureRead:
    """Erase a person (``confirm`` repeats the id); send the session's CSRF token in
    ``X-CSRF-Token``. Cannot be undone; ``dry_run`` only reports. Audited."""
    if body.confirm != person_id:
        raise ValidationError(f"confirm: give the person's id, {person_id}, to erase them")
    if body.dry_run:
        report = erasure.erasure_plan(db, person_id)
    else:
        report = erasure.erase_person(db, person_id, actor=f"user:{user.username}")
    return ErasureRead(
        person_id=report.person_id,
        person_ids=list(report.person_ids),
        erased_at=report.erased_at.isoformat() if report.erased_at else None,
        dry_run=body.dry_run,
        counts=report.counts.as_dict(),
    )
