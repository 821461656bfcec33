"""Who carries an idea: managers assign people to an idea's roles, stage after stage.

The roles are those of :mod:`palabre.innovation.roles` (ideator, expert, validator,
champion). An assignment remembers the idea's stage at the time; releasing a person
keeps the row (``released_at``), so the idea page can show who carried the idea at each
stage. Both actions are audited and tell the person in the app.

A person's **load** is the number of open ideas (not adopted, declined or duplicate,
not merged) for which they hold a role not released: :func:`load_counter` plugs it into
:func:`~palabre.innovation.roles.suggest_roles`, so that a busy person is suggested less.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final

import sqlalchemy as sa
from sqlalchemy.orm import Session

from palabre.db.base import utcnow
from palabre.errors import ConflictError, NotFoundError, ValidationError
from palabre.identity.models import Person
from palabre.innovation import notifications
from palabre.innovation.models import IDEA_ROLES, Campaign, Idea, IdeaRole
from palabre.innovation.roles import Load, RoleSuggestions, suggest_roles
from palabre.innovation.service import ParticipationDeniedError, get_idea, is_manager
from palabre.people.service import Viewer
from palabre.privacy import audit
from palabre.privacy.erasure_keys import erased_person_ids

#: Stages at which an idea no longer needs carrying (they do not count in a load).
CLOSED_STAGES: Final[tuple[str, ...]] = ("adopted", "declined", "duplicate")
#: The suggestion lists of :func:`suggest_roles` and the role each fills.
SUGGESTED_ROLE: Final[dict[str, str]] = {
    "ideator": "ideator",
    "champion": "champion",
    "experts": "expert",
    "validators": "validator",
}


def _manager(viewer: Viewer) -> None:
    if not is_manager(viewer):
        raise ParticipationDeniedError("only innovation managers assign people to ideas")


def current_load(session: Session, person_ids: Sequence[int]) -> dict[int, int]:
    """How many open ideas each person carries (a role not released); absent: none."""
    if not person_ids:
        return {}
    rows = session.execute(
        sa.select(IdeaRole.person_id, sa.func.count(sa.distinct(IdeaRole.idea_id)))
        .join(Idea, Idea.id == IdeaRole.idea_id)
        .where(
            IdeaRole.person_id.in_(sorted(set(person_ids))),
            IdeaRole.released_at.is_(None),
            Idea.stage.not_in(CLOSED_STAGES),
            Idea.merged_into_id.is_(None),
        )
        .group_by(IdeaRole.person_id)
    ).all()
    return {int(person): int(count) for person, count in rows}


def load_counter(session: Session) -> Load:
    """The ``load`` callable of :func:`suggest_roles`, counting ideas carried in the store."""

    def load(person_ids: Sequence[int]) -> Mapping[int, int]:
        return current_load(session, person_ids)

    return load


def find_person(session: Session, ref: str) -> Person:
    """A person by id (``12`` or ``#12``) or by name (exact, then the only partial match)."""
    text = ref.strip().lstrip("#").strip()
    if not text:
        raise ValidationError("person: give a person's id or name")
    if text.isdigit():
        person = session.get(Person, int(text))
        if person is None or person.merged_into_id is not None or person.erased_at is not None:
            raise NotFoundError(f"person: no person {text}")
        return person
    alive = sa.select(Person).where(Person.merged_into_id.is_(None), Person.erased_at.is_(None))
    found = list(session.scalars(alive.where(sa.func.lower(Person.display_name) == text.lower())))
    if not found:
        escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        found = list(
            session.scalars(
                alive.where(
                    sa.func.lower(Person.display_name).like(f"%{escaped}%", escape="\\")
                ).limit(6)
            )
        )
    if not found:
        raise NotFoundError(f"person: nobody named {text!r}")
    if len(found) > 1:
        shown = ", ".join(f"#{p.id} {p.display_name}" for p in found[:5])
        raise ValidationError(f"person: {text!r} names several people ({shown}): give the id")
    return found[0]


def assign(session: Session, viewer: Viewer, idea_id: int, role: str, person_id: int) -> IdeaRole:
    """Assign a person to a role of an idea at its current stage (audited; they are told)."""
    _manager(viewer)
    if role not in IDEA_ROLES:
        raise ValidationError(f"role: {role!r} is not a role ({', '.join(IDEA_ROLES)})")
    idea, _ = get_idea(session, viewer, idea_id)
    if idea.merged_into_id is not None:
        raise ConflictError(f"idea {idea.id} was merged into idea {idea.merged_into_id}")
    person = session.get(Person, person_id)
    if person is None or person.merged_into_id is not None or person.erased_at is not None:
        raise NotFoundError(f"person: no person {person_id}")
    held = session.scalar(
        sa.select(IdeaRole.id).where(
            IdeaRole.idea_id == idea.id,
            IdeaRole.person_id == person.id,
            IdeaRole.role == role,
            IdeaRole.released_at.is_(None),
        )
    )
    if held is not None:
        raise ConflictError(f"person {person.id} is already {role} of idea {idea.id}")
    made = IdeaRole(
        idea_id=idea.id, role=role, person_id=person.id, stage=idea.stage, assigned_by=viewer.actor
    )
    session.add(made)
    session.flush()
    notifications.notify(
        session,
        [person.id],
        "role_assigned",
        idea_id=idea.id,
        details={"title": idea.title, "role": role, "stage": idea.stage},
        skip=viewer.person_id,
    )
    audit.record(
        session,
        actor=viewer.actor,
        action="idea.role.assign",
        subject_type="idea",
        subject_id=idea.id,
        details={"assignment": made.id, "role": role, "person": person.id, "stage": idea.stage},
    )
    return made


def release(session: Session, viewer: Viewer, assignment_id: int) -> IdeaRole:
    """Release a person from their role (the row stays, dated; audited; they are told)."""
    _manager(viewer)
    made = session.get(IdeaRole, assignment_id)
    if made is None:
        raise NotFoundError(f"assignment: no assignment {assignment_id}")
    idea, _ = get_idea(session, viewer, made.idea_id)
    if made.released_at is not None:
        raise ConflictError(f"assignment {assignment_id} was already released")
    made.released_at = utcnow()
    made.released_by = viewer.actor
    notifications.notify(
        session,
        [made.person_id],
        "role_released",
        idea_id=idea.id,
        details={"title": idea.title, "role": made.role, "stage": idea.stage},
        skip=viewer.person_id,
    )
    session.flush()
    audit.record(
        session,
        actor=viewer.actor,
        action="idea.role.release",
        subject_type="idea",
        subject_id=idea.id,
        details={"assignment": made.id, "role": made.role, "person": made.person_id},
    )
    return made


@dataclass(frozen=True)
class Carrier:
    """One assignment as pages and the API show it."""

    id: int
    role: str
    person_id: int
    name: str
    stage: str
    assigned_by: str
    assigned_at: dt.datetime
    released_at: dt.datetime | None


@dataclass(frozen=True)
class StageCarriers:
    """The assignments made while the idea was at one stage, oldest first."""

    stage: str
    carriers: list[Carrier]


def carriers(session: Session, viewer: Viewer, idea_id: int) -> list[StageCarriers]:
    """Who carries (or carried) the idea, grouped by the stage of assignment, funnel order."""
    idea, campaign = get_idea(session, viewer, idea_id)
    return _carriers(session, idea, campaign)


def _as_carrier(made: IdeaRole, name: str | None) -> Carrier:
    return Carrier(
        made.id,
        made.role,
        made.person_id,
        name or f"#{made.person_id}",
        made.stage,
        made.assigned_by,
        made.assigned_at,
        made.released_at,
    )


def carrier(session: Session, made: IdeaRole) -> Carrier:
    """One assignment with the person's name."""
    person = session.get(Person, made.person_id)
    return _as_carrier(made, person.display_name if person else None)


def _carriers(session: Session, idea: Idea, campaign: Campaign) -> list[StageCarriers]:
    rows = session.execute(
        sa.select(IdeaRole, Person.display_name)
        .join(Person, Person.id == IdeaRole.person_id)
        .where(IdeaRole.idea_id == idea.id)
        .order_by(IdeaRole.assigned_at, IdeaRole.id)
    ).all()
    grouped: dict[str, list[Carrier]] = {}
    for made, name in rows:
        grouped.setdefault(made.stage, []).append(_as_carrier(made, name))
    # A stage since removed from the funnel still shows, after the funnel's own.
    order = [s for s in campaign.stages if s in grouped] + [
        s for s in grouped if s not in campaign.stages
    ]
    return [StageCarriers(stage, grouped[stage]) for stage in order]


def suggestions(session: Session, viewer: Viewer, idea_id: int) -> RoleSuggestions:
    """People suggested for each role of the idea, the current load lowering busy people.

    Person-level analytics: the view is audited (``leaders.viewed``, as the leaders page)
    with the people shown.
    """
    _manager(viewer)
    idea, _ = get_idea(session, viewer, idea_id)
    found = suggest_roles(
        session,
        idea.title,
        idea.body,
        load=load_counter(session),
        excluded=erased_person_ids(session),
    )
    audit.record(
        session,
        actor=viewer.actor,
        action="leaders.viewed",
        subject_type="idea",
        subject_id=idea.id,
        details={
            "asked": {"idea": idea.id},
            "people": sorted(
                {s.person.id for found_role in found.roles.values() for s in found_role}
            ),
        },
    )
    return found
