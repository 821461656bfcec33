"""JSON API of people: the directory, profiles, contributions and profile edits."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from palabre.accounts.models import UserAccount
from palabre.fabric.schemas import MessageRead
from palabre.people import service
from palabre.people.schemas import (
    ContributionPageRead,
    PersonListItemRead,
    PersonPageRead,
    PersonRead,
    ProfileUpdate,
    ProfileUpdateResult,
)
from palabre.web.access import authenticated, requires
from palabre.web.api import PREFIX
from palabre.web.deps import DbSession
from palabre.web.listing import OptionalRowId, RowId, viewer_of
from palabre.web.people_views import DIRECTORY_ROLES

router = APIRouter(prefix=PREFIX, tags=["people"])

PageNumber = Annotated[int, Query(ge=1, le=100_000)]
PerPage = Annotated[int, Query(ge=1, le=100)]


@router.get("/people", response_model=PersonPageRead)
def list_people(
    db: DbSession,
    user: Annotated[UserAccount, requires(*DIRECTORY_ROLES)],
    q: Annotated[str | None, Query(max_length=200, description="part of the name")] = None,
    kind: Annotated[str | None, Query(max_length=20)] = None,
    team: OptionalRowId = None,
    page: PageNumber = 1,
    per_page: PerPage = 25,
) -> PersonPageRead:
    """The people the caller may see (employees; customers too for admin, analyst,
    innovation), by name."""
    found = service.list_people(
        db, viewer_of(user), text=q or None, kind=kind, team_id=team, page=page, per_page=per_page
    )
    return PersonPageRead(
        items=[PersonListItemRead.model_validate(row) for row in found.items],
        total=found.total,
        page=found.page,
        per_page=found.per_page,
    )


@router.get("/people/{person_id}", response_model=PersonRead)
def get_person(
    db: DbSession, person_id: RowId, user: Annotated[UserAccount, authenticated()]
) -> PersonRead:
    """A person's profile (the survivor's, for a merged person), as the caller may see it.

    Reading someone else's profile is audited."""
    profile = service.get_profile(db, viewer_of(user), person_id, via="api")
    return PersonRead.model_validate(profile)


@router.get("/people/{person_id}/contributions", response_model=ContributionPageRead)
def contributions(
    db: DbSession,
    person_id: RowId,
    user: Annotated[UserAccount, authenticated()],
    page: PageNumber = 1,
    per_page: PerPage = 20,
) -> ContributionPageRead:
    """What the person wrote, newest first, in the channels the caller may read (audited)."""
    found = service.person_contributions(
        db, viewer_of(user), person_id, page=page, per_page=per_page, via="api"
    )
    return ContributionPageRead(
        items=[MessageRead.model_validate(m) for m in found.items],
        total=found.total,
        page=found.page,
        per_page=found.per_page,
    )


@router.patch("/people/{person_id}/profile", response_model=ProfileUpdateResult)
def update_profile(
    db: DbSession,
    person_id: RowId,
    body: ProfileUpdate,
    user: Annotated[UserAccount, authenticated()],
) -> ProfileUpdateResult:
    """Change profile fields (the person themself, or an admin); send the session's
    CSRF token in ``X-CSRF-Token``. A bad field changes nothing (422)."""
    viewer = viewer_of(user)
    changes = {
        key: service.FieldChange(update.value, update.visibility)
        for key, update in body.fields.items()
    }
    changed = service.update_profile(db, viewer, person_id, changes)
    profile = service.get_profile(db, viewer, person_id, via="api")
    return ProfileUpdateResult(changed=changed, profile=PersonRead.model_validate(profile))
