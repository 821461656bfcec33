"""People pages: the directory, a person's profile, and editing one's own profile.

Who sees whom is decided by :mod:`palabre.people.service` (documented in docs/web.md):
these routes parse the request, call it and render.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Final

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from palabre.accounts.models import UserAccount
from palabre.errors import ValidationError
from palabre.fabric.browse import Page
from palabre.people import service
from palabre.people.models import VISIBILITIES
from palabre.people.service import PROFILE_FIELDS, FieldChange, Profile
from palabre.privacy import erasure
from palabre.web.access import authenticated, requires
from palabre.web.deps import DbSession
from palabre.web.i18n import N_
from palabre.web.listing import RowId, optional_int, pager, viewer_of
from palabre.web.templating import render
from palabre.web.versioned import cached

router = APIRouter(include_in_schema=False)

#: The roles that have a directory (a customer only has their own profile).
DIRECTORY_ROLES: Final = ("admin", "analyst", "innovation", "hr", "manager", "member")

FIELD_LABELS: Final[dict[str, str]] = {
    "headline": N_("Headline"),
    "bio": N_("About"),
    "skills": N_("Skills"),
    "languages": N_("Languages spoken"),
    "location": N_("Location"),
    "phone": N_("Phone"),
}
FIELD_HINTS: Final[dict[str, str]] = {
    "headline": N_("One line: what you do."),
    "bio": N_("A few sentences about your work and interests."),
    "skills": N_("Separated by commas or one a line."),
    "languages": N_("Separated by commas or one a line."),
    "location": N_("Office, city or region."),
    "phone": N_("Digits, spaces, + ( ) - and dots."),
}
VISIBILITY_LABELS: Final[dict[str, str]] = {
    "public": N_("Everyone who may see my profile"),
    "colleagues": N_("Colleagues (employees)"),
    "managers": N_("Managers and HR"),
    "private": N_("Only me"),
}
VISIBILITY_SHORT: Final[dict[str, str]] = {
    "public": N_("Public"),
    "colleagues": N_("Colleagues"),
    "managers": N_("Managers"),
    "private": N_("Private"),
}
KIND_LABELS: Final[dict[str, str]] = {
    "employee": N_("Employee"),
    "customer": N_("Customer"),
    "partner": N_("Partner"),
    "unknown": N_("Unknown"),
}
CHANNEL_KIND_LABELS: Final[dict[str, str]] = {
    "community": N_("Community"),
    "social": N_("Social media"),
    "support": N_("Support"),
    "email": N_("E-mail"),
    "chat": N_("Chat"),
    "intranet": N_("Intranet"),
    "survey": N_("Survey"),
}
assert set(VISIBILITY_LABELS) == set(VISIBILITIES)


@dataclass(frozen=True)
class TeamChoice:
    """A team in the directory's filter (kept across requests: not an ORM object)."""

    id: int
    path: str


def labels() -> dict[str, object]:
    """The label tables every people and conversations template uses."""
    return {
        "field_labels": FIELD_LABELS,
        "visibility_labels": VISIBILITY_LABELS,
        "visibility_short": VISIBILITY_SHORT,
        "kind_labels": KIND_LABELS,
        "channel_kind_labels": CHANNEL_KIND_LABELS,
    }


@router.get("/people")
def directory(
    request: Request,
    db: DbSession,
    user: Annotated[UserAccount, requires(*DIRECTORY_ROLES)],
    q: Annotated[str, Query(max_length=200)] = "",
    kind: Annotated[str, Query(max_length=20)] = "",
    team: Annotated[str, Query(max_length=20)] = "",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> HTMLResponse:
    """The people the reader may see, searchable by name, filtered by kind and team."""
    viewer = viewer_of(user)
    team_id = optional_int(team, "team")
    text = q.strip() or None
    total = None
    if text is None and not kind and team_id is None:
        # Counting everyone a role may see walks thousands of index entries on every
        # page of the directory: the count is kept per data version, as the teams are.
        kinds = service.visible_kinds(user.role)
        total = cached(
            request,
            db,
            ("people", "total", kinds),
            lambda: service.directory_total(db, viewer),
        )
    found = service.list_people(
        db,
        viewer,
        text=text,
        kind=kind or None,
        team_id=team_id,
        page=page,
        total=total,
    )
    context = {
        "found": found,
        "pager": pager(request, found),
        "q": q,
        "kind": kind,
        "team_id": team_id,
        "kinds": service.visible_kinds(user.role),
        "teams": cached(
            request,
            db,
            ("people", "teams"),
            lambda: tuple(TeamChoice(team.id, team.path) for team in service.list_teams(db)),
        ),
        **labels(),
    }
    return render(request, "people/directory.html", context, user=user)


def _profile_context(
    request: Request, user: UserAccount, profile: Profile, contributions: Page[object]
) -> dict[str, object]:
    return {
        "profile": profile,
        "contributions": contributions,
        "pager": pager(request, contributions),
        "field_kinds": {spec.key: spec.kind for spec in PROFILE_FIELDS},
        "linkable_kinds": service.visible_kinds(user.role),
        **labels(),
    }


@router.get("/people/{person_id}", response_model=None)
def profile_page(
    request: Request,
    db: DbSession,
    person_id: RowId,
    user: Annotated[UserAccount, authenticated()],
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    """A person's profile, identities, teams and contributions (viewing is audited)."""
    viewer = viewer_of(user)
    # Viewing is audited: the audit rows are written at the commit, once the page is
    # rendered, not by the first query after them. On SQLite a write holds the single
    # write lock until the commit: taken early, every profile being read at the same
    # time would queue behind this one's queries and rendering.
    with db.no_autoflush:
        # Opened once: who the person is after merges and whether the reader may see them.
        person = service.open_person(db, viewer, person_id)
        if person.id != person_id:
            # A merged person's page is its survivor's page.
            return RedirectResponse(f"/people/{person.id}", status_code=303)
        profile = service.get_profile(db, viewer, person_id, opened=person)
        contributions = service.person_contributions(
            db, viewer, person_id, page=page, opened=person
        )
        context = _profile_context(request, user, profile, contributions)  # type: ignore[arg-type]
        if profile.is_self:
            context["erasure_requested"] = erasure.pending_request_of(db, person.id)
        return render(request, "people/profile.html", context, user=user)


def _edit_page(
    request: Request,
    db: DbSession,
    user: UserAccount,
    *,
    values: dict[str, str] | None = None,
    chosen: dict[str, str] | None = None,
    error: str | None = None,
    saved: bool = False,
    status_code: int = 200,
) -> HTMLResponse:
    profile = None
    if user.person_id is not None:
        profile = service.get_profile(db, viewer_of(user), user.person_id)
    if values is None and profile is not None:
        values = {
            f.key: "\n".join(f.value) if isinstance(f.value, list) else f.value
            for f in profile.fields
        }
        chosen = {f.key: f.visibility for f in profile.fields}
    context = {
        "profile": profile,
        "specs": PROFILE_FIELDS,
        "values": values or {},
        "chosen": chosen or {},
        "default_visibility": service.DEFAULT_VISIBILITY,
        "visibilities": VISIBILITIES,
        "field_hints": FIELD_HINTS,
        "error": error,
        "saved": saved,
        **labels(),
    }
    return render(request, "people/edit.html", context, status_code=status_code, user=user)


@router.get("/me/profile")
def edit_profile(
    request: Request,
    db: DbSession,
    user: Annotated[UserAccount, authenticated()],
    saved: Annotated[int, Query(ge=0, le=1)] = 0,
) -> HTMLResponse:
    """The form where a person edits their profile and chooses each field's audience."""
    return _edit_page(request, db, user, saved=bool(saved))


@router.post("/me/profile", response_model=None)
async def save_profile(
    request: Request,
    db: DbSession,
    user: Annotated[UserAccount, authenticated()],
) -> Response:
    """Save the profile form: every field at once; a bad field changes nothing."""
    form = await request.form()
    values: dict[str, str] = {}
    chosen: dict[str, str] = {}
    for spec in PROFILE_FIELDS:
        value = form.get(f"value_{spec.key}")
        visibility = form.get(f"visibility_{spec.key}")
        values[spec.key] = value if isinstance(value, str) else ""
        chosen[spec.key] = visibility if isinstance(visibility, str) else ""
    if user.person_id is None:
        raise ValidationError(
            "your account is not linked to a person: ask an administrator to link it"
        )
    changes = {key: FieldChange(values[key], chosen[key] or None) for key in values}
    try:
        service.update_profile(db, viewer_of(user), user.person_id, changes)
    except ValidationError as error:
        # Show the form again with what was typed, and say which field is wrong.
        return _edit_page(
            request,
            db,
            user,
            values=values,
            chosen=chosen,
            error=error.message,
            status_code=422,
        )
    return RedirectResponse("/me/profile?saved=1", status_code=303)
