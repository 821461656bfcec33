"""Digital identity: the people directory, profiles and their edits, who may see what.

Who may open whose page (one rule, used by the directory, the profile and the API):

* every employee role (all but ``customer``) sees the employees;
* ``admin``, ``analyst`` and ``innovation`` also see customers, partners and unknown
  persons (customer voice and idea campaigns are about them);
* a ``customer`` sees no directory, only their own profile;
* everyone sees their own profile (the person their account is linked to).

Each profile field has an audience chosen by its owner: ``public`` (whoever may open
the profile), ``colleagues`` (employee roles), ``managers`` (``manager``, ``hr``,
``admin``) or ``private`` (the person alone). Looking at another person's profile or
contributions writes an audit entry; so does every change of a profile.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Final, Literal

import sqlalchemy as sa
from sqlalchemy.orm import Session

from palabre.db import prepared
from palabre.db.base import utcnow
from palabre.errors import NotFoundError, PalabreError, ValidationError
from palabre.fabric.browse import (
    MessageView,
    Page,
    contains_text,
    escape_like,
    messages_by_person,
    page_bounds,
)
from palabre.fabric.browse import safe_url as _safe_url
from palabre.identity.models import Identity, Person, Team, TeamMembership
from palabre.people.models import VISIBILITIES, ProfileField
from palabre.privacy import audit

PERSON_KINDS: Final = ("employee", "customer", "partner", "unknown")
EMPLOYEE_ROLES: Final = frozenset({"admin", "analyst", "innovation", "hr", "manager", "member"})
#: Roles that may also open customers', partners' and unknown persons' pages.
ALL_KINDS_ROLES: Final = frozenset({"admin", "analyst", "innovation"})
MANAGER_ROLES: Final = frozenset({"admin", "hr", "manager"})
#: Roles that may edit someone else's profile.
PROFILE_EDITOR_ROLES: Final = frozenset({"admin"})

FieldKind = Literal["text", "long", "list", "phone"]
_PHONE = re.compile(r"^\+?[0-9][0-9 ().\-/]{2,38}$")
_MAX_MERGE_DEPTH = 64


@dataclass(frozen=True)
class FieldSpec:
    """A profile field: its key, how its value is typed, and how long it may be."""

    key: str
    kind: FieldKind
    max_length: int
    max_items: int = 1


#: The profile fields, in the order pages show them.
PROFILE_FIELDS: Final[tuple[FieldSpec, ...]] = (
    FieldSpec("headline", "text", 200),
    FieldSpec("bio", "long", 4000),
    FieldSpec("skills", "list", 80, max_items=40),
    FieldSpec("languages", "list", 60, max_items=12),
    FieldSpec("location", "text", 200),
    FieldSpec("phone", "phone", 40),
)
FIELD_SPECS: Final[dict[str, FieldSpec]] = {spec.key: spec for spec in PROFILE_FIELDS}
DEFAULT_VISIBILITY: Final = "colleagues"


class ProfileEditDeniedError(PalabreError):
    """Someone tried to change a profile that is not theirs (and is not an admin)."""

    http_status = 403


@dataclass(frozen=True)
class Viewer:
    """Who is asking: the audit actor, the account's role and the person it is linked to."""

    actor: str
    role: str
    person_id: int | None = None


def visible_kinds(role: str) -> tuple[str, ...]:
    """The kinds of person whose pages ``role`` may open (besides one's own)."""
    if role in ALL_KINDS_ROLES:
        return PERSON_KINDS
    if role in EMPLOYEE_ROLES:
        return ("employee",)
    return ()


def audiences(role: str, *, is_self: bool) -> frozenset[str]:
    """The field visibilities a reader of ``role`` may read (all of them on their own page)."""
    if is_self:
        return frozenset(VISIBILITIES)
    readable = {"public"}
    if role in EMPLOYEE_ROLES:
        readable.add("colleagues")
    if role in MANAGER_ROLES:
        readable.add("managers")
    return frozenset(readable)


def may_view_person(viewer: Viewer, person_id: int, kind: str, *, own_id: int | None) -> bool:
    """Whether ``viewer`` may open the page of a person of ``kind`` (``own_id``: their root)."""
    return person_id == own_id or kind in visible_kinds(viewer.role)


# Statements run on most pages are built once: SQLAlchemy takes several times longer to
# build a statement than SQLite takes to run a lookup by primary key.
_MERGED_INTO: Final = sa.select(Person.merged_into_id).where(Person.id == sa.bindparam("id"))


def root_id(session: Session, person_id: int | None) -> int | None:
    """The person that ``person_id`` was merged into, at the end of the chain (itself if none)."""
    current = person_id
    for _ in range(_MAX_MERGE_DEPTH):
        if current is None:
            return None
        parent = prepared.scalar(session, _MERGED_INTO, {"id": current})
        if parent is None:
            return current
        current = parent
    return current


# --- the directory -----------------------------------------------------------------


@dataclass(frozen=True)
class PersonRow:
    """A person in the directory: name, kind, headline (when the reader may see it), teams."""

    id: int
    display_name: str | None
    kind: str
    headline: str | None
    teams: list[str]


def _current(today: dt.date | sa.BindParameter[dt.date]) -> sa.ColumnElement[bool]:
    return sa.or_(TeamMembership.until.is_(None), TeamMembership.until >= today)


def list_people(
    session: Session,
    viewer: Viewer,
    *,
    text: str | None = None,
    kind: str | None = None,
    team_id: int | None = None,
    page: int = 1,
    per_page: int = 25,
    total: int | None = None,
) -> Page[PersonRow]:
    """One page of the people ``viewer`` may see, by name; filters combine with AND.

    ``text`` is looked for in the name (ignoring case); ``team_id`` keeps the current
    members of that team and of the teams under it. ``total``: what
    :func:`directory_total` gives for ``viewer``, when the caller keeps it; used only
    without filters (the count is then not run again).
    """
    page, per_page = page_bounds(page, per_page)
    kinds = visible_kinds(viewer.role)
    if kind is not None:
        if kind not in PERSON_KINDS:
            raise ValidationError(f"kind: {kind!r} is not one of {', '.join(PERSON_KINDS)}")
        kinds = tuple(k for k in kinds if k == kind)
    where: list[sa.ColumnElement[bool]] = []
    if text:
        where.append(contains_text(session, Person.display_name, text))
    if team_id is not None:
        team = session.get(Team, team_id)
        if team is None:
            raise NotFoundError(f"team: no team {team_id}")
        under = sa.select(Team.id).where(
            sa.or_(Team.id == team.id, Team.path.like(escape_like(team.path) + "/%", escape="\\"))
        )
        where.append(
            Person.id.in_(
                sa.select(TeamMembership.person_id).where(
                    TeamMembership.team_id.in_(under),
                    _current(dt.date.today()),
                )
            )
        )
    counted, listed = _directory_statements(kinds)
    if where:
        # Filters make statements of their own; without any, those built once serve.
        counted, listed = counted.where(*where), _paged(listed.where(*where))
    else:
        listed = _directory_page(kinds)
    if where or total is None:
        total = int(prepared.scalar(session, counted) or 0)
    people = prepared.rows(
        session, listed, {"limit": per_page, "offset": (page - 1) * per_page}
    ).all()
    ids = [person.id for person in people]
    teams = _current_teams(session, ids)
    headlines = _headlines(session, viewer, ids)
    rows = [
        PersonRow(p.id, p.display_name, p.kind, headlines.get(p.id), teams.get(p.id, []))
        for p in people
    ]
    return Page(rows, total, page, per_page)


def directory_total(session: Session, viewer: Viewer) -> int:
    """How many people the unfiltered directory lists for ``viewer``."""
    counted, _ = _directory_statements(visible_kinds(viewer.role))
    return int(prepared.scalar(session, counted) or 0)


@lru_cache(maxsize=16)
def _directory_statements(
    kinds: tuple[str, ...],
) -> tuple[sa.Select[int], sa.Select[int, str | None, str]]:
    """The directory's count and list of the live people of ``kinds``, built once per kinds
    (filters are added to them)."""
    where = (
        Person.merged_into_id.is_(None),
        Person.erased_at.is_(None),
        prepared.among_constants(Person.kind, kinds) if kinds else sa.false(),
    )
    counted = sa.select(sa.func.count()).select_from(Person).where(*where)
    listed = (
        sa.select(Person.id, Person.display_name, Person.kind)
        .where(*where)
        # The order of the index ix_person_directory: (display_name IS NULL) sorts the
        # nameless last as NULLS LAST would, in an order an index can hold.
        .order_by(Person.display_name.is_(None), sa.func.lower(Person.display_name), Person.id)
    )
    return counted, listed


def _paged(listed: sa.Select[int, str | None, str]) -> sa.Select[int, str | None, str]:
    return listed.limit(sa.bindparam("limit")).offset(sa.bindparam("offset"))


@lru_cache(maxsize=16)
def _directory_page(kinds: tuple[str, ...]) -> sa.Select[int, str | None, str]:
    """One page (``:limit`` from ``:offset``) of the unfiltered directory of ``kinds``."""
    return _paged(_directory_statements(kinds)[1])


_CURRENT_TEAMS: Final = (
    sa.select(TeamMembership.person_id, Team.path)
    .join(Team, Team.id == TeamMembership.team_id)
    .where(
        TeamMembership.person_id.in_(sa.bindparam("ids", expanding=True)),
        _current(sa.bindparam("today", type_=sa.Date())),
    )
    .order_by(TeamMembership.person_id, Team.path)
)
_HEADLINES: Final = sa.select(
    ProfileField.person_id, ProfileField.value, ProfileField.visibility
).where(
    ProfileField.person_id.in_(sa.bindparam("ids", expanding=True)),
    ProfileField.key == "headline",
)


def _current_teams(session: Session, person_ids: Sequence[int]) -> dict[int, list[str]]:
    teams: dict[int, list[str]] = defaultdict(list)
    if not person_ids:
        return teams
    rows = prepared.rows(
        session, _CURRENT_TEAMS, {"ids": list(person_ids), "today": dt.date.today()}
    )
    for person_id, path in rows:
        teams[person_id].append(path)
    return teams


def _headlines(session: Session, viewer: Viewer, person_ids: Sequence[int]) -> dict[int, str]:
    if not person_ids:
        return {}
    own = root_id(session, viewer.person_id)
    rows = prepared.rows(session, _HEADLINES, {"ids": list(person_ids)})
    return {
        person_id: value
        for person_id, value, visibility in rows
        if visibility in audiences(viewer.role, is_self=person_id == own)
    }


def list_teams(session: Session) -> list[Team]:
    """Every team, by path (for the directory's filter)."""
    return list(session.scalars(sa.select(Team).order_by(Team.path)))


# --- profiles ----------------------------------------------------------------------


@dataclass(frozen=True)
class FieldValue:
    """A profile field as shown: a text, or a list for list fields, and its audience."""

    key: str
    kind: FieldKind
    value: str | list[str]
    visibility: str


@dataclass(frozen=True)
class IdentityView:
    """An account of the person on one source; ``merged_from`` names the person it came with."""

    id: int
    source: str
    channel_kind: str
    handle: str | None
    display_name: str | None
    email: str | None
    url: str | None
    is_bot: bool
    merged_from: int | None


@dataclass(frozen=True)
class MembershipView:
    """The person in a team over a period."""

    team_id: int
    team_name: str
    team_path: str
    role: str | None
    since: dt.date | None
    until: dt.date | None
    current: bool


@dataclass(frozen=True)
class Profile:
    """A person's page as ``viewer`` may see it."""

    id: int
    display_name: str | None
    kind: str
    locale: str | None
    is_self: bool
    may_edit: bool
    fields: list[FieldValue]
    identities: list[IdentityView]
    teams: list[MembershipView]
    merged_person_ids: list[int]


def _stored_fields(session: Session, person_id: int) -> dict[str, ProfileField]:
    rows = session.scalars(sa.select(ProfileField).where(ProfileField.person_id == person_id))
    return {row.key: row for row in rows}


def _typed(spec: FieldSpec, stored: str) -> str | list[str]:
    return [item for item in stored.split("\n") if item] if spec.kind == "list" else stored


@dataclass(frozen=True)
class OpenedPerson:
    """A person whose page a viewer may open (see :func:`open_person`): who, and whether
    it is the viewer themself."""

    id: int
    kind: str
    display_name: str | None
    locale: str | None
    is_self: bool


_PERSON_ROW: Final = sa.select(
    Person.id,
    Person.kind,
    Person.display_name,
    Person.locale,
    Person.merged_into_id,
    Person.erased_at,
).where(Person.id == sa.bindparam("id"))


def _live_person_row(session: Session, person_id: int) -> sa.Row[Any] | None:
    """The row of ``person_id``, or of the person it was merged into (at the end of the
    chain); None when there is none.

    A person who was not merged (nearly every page) is read in one statement, instead
    of asking :func:`root_id` first and reading the person next.
    """
    row = prepared.rows(session, _PERSON_ROW, {"id": person_id}).first()
    if row is None or row.merged_into_id is None:
        return row
    target = root_id(session, row.merged_into_id)
    return prepared.rows(session, _PERSON_ROW, {"id": target}).first() if target else None


def open_person(session: Session, viewer: Viewer, person_id: int) -> OpenedPerson:
    """The person (after merges) whose page ``viewer`` asks for, if ``viewer`` may see it.

    A person the viewer may not see is reported as not found, like one that does not
    exist: the answer reveals nothing about who is in the workspace. A page opens the
    person once and hands the result to :func:`get_profile` and
    :func:`person_contributions`.
    """
    person = _live_person_row(session, person_id)
    own = root_id(session, viewer.person_id)
    if (
        person is None
        # An erased person has no page: nothing is left to show (palabre.privacy.erasure).
        or person.erased_at is not None
        or not may_view_person(viewer, person.id, person.kind, own_id=own)
    ):
        raise NotFoundError(f"no person {person_id} that you may see")
    return OpenedPerson(
        person.id, person.kind, person.display_name, person.locale, person.id == own
    )


def record_view(
    session: Session, viewer: Viewer, person_id: int, parts: Sequence[str], via: str
) -> None:
    """Audit that ``viewer`` looked at ``parts`` of another person's data (DESIGN.md).

    A read: the web application writes it in a batch once the request has succeeded
    (:func:`palabre.privacy.audit.record_read`).
    """
    audit.record_read(
        session,
        actor=viewer.actor,
        action="person.viewed",
        subject_type="person",
        subject_id=person_id,
        details={"parts": list(parts), "via": via},
    )


# What a profile page reads, built once (see _MERGED_INTO).
_PERSON: Final[sa.BindParameter[int]] = sa.bindparam("person_id", type_=sa.Integer())
_FIELDS: Final = sa.select(ProfileField).where(ProfileField.person_id == _PERSON)
# Read as plain rows (palabre.db.prepared): a page changes none of them.
_FIELD_VALUES: Final = sa.select(
    ProfileField.key, ProfileField.value, ProfileField.visibility
).where(ProfileField.person_id == _PERSON)
_IDENTITIES: Final = (
    sa.select(
        Identity.id,
        Identity.source,
        Identity.channel_kind,
        Identity.handle,
        Identity.display_name,
        Identity.email,
        Identity.url,
        Identity.is_bot,
        Identity.original_person_id,
    )
    .where(Identity.person_id == _PERSON)
    .order_by(Identity.source, Identity.id)
)
_MEMBERSHIPS: Final = (
    sa.select(
        Team.id.label("team_id"),
        Team.name.label("team_name"),
        Team.path.label("team_path"),
        TeamMembership.role,
        TeamMembership.since,
        TeamMembership.until,
    )
    .join(Team, Team.id == TeamMembership.team_id)
    .where(TeamMembership.person_id == _PERSON)
    .order_by(TeamMembership.until.is_not(None), TeamMembership.since.desc(), Team.path)
)
_MERGED: Final = sa.select(Person.id).where(Person.merged_into_id == _PERSON)


def get_profile(
    session: Session,
    viewer: Viewer,
    person_id: int,
    *,
    via: str = "page",
    opened: OpenedPerson | None = None,
) -> Profile:
    """The profile of ``person_id`` (its root after merges) with what ``viewer`` may read.

    ``opened``: what :func:`open_person` gave for it, when the caller has asked already.
    Looking at someone else's profile is audited (``person.viewed``).
    """
    person = opened or open_person(session, viewer, person_id)
    is_self = person.is_self
    readable = audiences(viewer.role, is_self=is_self)
    stored = {
        row.key: row for row in prepared.rows(session, _FIELD_VALUES, {"person_id": person.id})
    }
    fields = [
        FieldValue(
            spec.key, spec.kind, _typed(spec, stored[spec.key].value), stored[spec.key].visibility
        )
        for spec in PROFILE_FIELDS
        if spec.key in stored and stored[spec.key].visibility in readable
    ]
    identities = [
        IdentityView(
            id=i.id,
            source=i.source,
            channel_kind=i.channel_kind,
            handle=i.handle,
            display_name=i.display_name,
            email=i.email,
            url=_safe_url(i.url),
            is_bot=i.is_bot,
            merged_from=i.original_person_id if i.original_person_id != person.id else None,
        )
        for i in prepared.rows(session, _IDENTITIES, {"person_id": person.id})
    ]
    today = dt.date.today()
    teams = [
        MembershipView(
            team_id=row.team_id,
            team_name=row.team_name,
            team_path=row.team_path,
            role=row.role,
            since=row.since,
            until=row.until,
            current=row.until is None or row.until >= today,
        )
        for row in prepared.rows(session, _MEMBERSHIPS, {"person_id": person.id})
    ]
    merged = sorted(prepared.rows(session, _MERGED, {"person_id": person.id}).scalars())
    if not is_self:
        record_view(session, viewer, person.id, ("profile", "identities", "teams"), via)
    return Profile(
        id=person.id,
        display_name=person.display_name,
        kind=person.kind,
        locale=person.locale,
        is_self=is_self,
        may_edit=is_self or viewer.role in PROFILE_EDITOR_ROLES,
        fields=fields,
        identities=identities,
        teams=teams,
        merged_person_ids=list(merged),
    )


def person_contributions(
    session: Session,
    viewer: Viewer,
    person_id: int,
    *,
    page: int = 1,
    per_page: int = 20,
    via: str = "page",
    opened: OpenedPerson | None = None,
) -> Page[MessageView]:
    """What the person wrote, newest first, in the channels ``viewer`` may read (audited).

    ``opened``: what :func:`open_person` gave for it, when the caller has asked already.
    """
    person = opened or open_person(session, viewer, person_id)
    found = messages_by_person(session, viewer.role, person.id, page=page, per_page=per_page)
    if not person.is_self:
        record_view(session, viewer, person.id, ("contributions",), via)
    return found


# --- editing -------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldChange:
    """A new value (None or empty: remove the field) and audience (None: keep it) for a field."""

    value: str | list[str] | None
    visibility: str | None = None


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _normalise(spec: FieldSpec, value: str | list[str] | None) -> str:
    where = f"profile field '{spec.key}'"
    if value is None:
        return ""
    # Control characters (NUL above all, which PostgreSQL refuses) are never meant.
    if isinstance(value, str):
        value = _CONTROL.sub("", value)
    elif isinstance(value, list):
        value = [_CONTROL.sub("", item) if isinstance(item, str) else item for item in value]
    if spec.kind == "list":
        raw = value if isinstance(value, list) else re.split(r"[\n,;]", value)
        items: list[str] = []
        seen: set[str] = set()
        for item in raw:
            if not isinstance(item, str):
                raise ValidationError(f"{where}: every item must be a text")
            cleaned = " ".join(item.split())
            if len(cleaned) > spec.max_length:
                raise ValidationError(
                    f"{where}: '{cleaned[:30]}…' is longer than {spec.max_length} characters"
                )
            if cleaned and cleaned.casefold() not in seen:
                seen.add(cleaned.casefold())
                items.append(cleaned)
        if len(items) > spec.max_items:
            raise ValidationError(f"{where}: at most {spec.max_items} items, got {len(items)}")
        return "\n".join(items)
    if not isinstance(value, str):
        raise ValidationError(f"{where}: expected a text")
    if spec.kind == "long":
        text = "\n".join(line.rstrip() for line in value.replace("\r\n", "\n").split("\n")).strip()
    else:
        text = " ".join(value.split())
    if len(text) > spec.max_length:
        raise ValidationError(f"{where}: longer than {spec.max_length} characters ({len(text)})")
    if spec.kind == "phone" and text and not _PHONE.match(text):
        raise ValidationError(
            f"{where}: '{text}' is not a phone number (digits, spaces, + ( ) - .)"
        )
    return text


def update_profile(
    session: Session, editor: Viewer, person_id: int, changes: Mapping[str, FieldChange]
) -> list[str]:
    """Apply ``changes`` to the profile of ``person_id``; returns the keys that changed.

    Only the person themself (or an admin) may edit. Every change is validated before
    anything is written, so a bad field leaves the profile as it was. The audit entry
    names the fields and audiences changed, not the values: the audit log outlives
    profiles and must not keep a copy of what a person later removes.
    """
    target = root_id(session, person_id)
    person = session.get(Person, target) if target is not None else None
    own = root_id(session, editor.person_id)
    if person is None:
        raise NotFoundError(f"no person {person_id}")
    if person.id != own and editor.role not in PROFILE_EDITOR_ROLES:
        raise ProfileEditDeniedError("only the person themself (or an admin) may edit a profile")
    unknown = sorted(set(changes) - set(FIELD_SPECS))
    if unknown:
        raise ValidationError(
            f"unknown profile field(s) {', '.join(unknown)}; fields are: {', '.join(FIELD_SPECS)}"
        )
    prepared: dict[str, tuple[str, str | None]] = {}
    for key, change in changes.items():
        if change.visibility is not None and change.visibility not in VISIBILITIES:
            raise ValidationError(
                f"profile field '{key}': visibility {change.visibility!r} is not one of "
                f"{', '.join(VISIBILITIES)}"
            )
        prepared[key] = (_normalise(FIELD_SPECS[key], change.value), change.visibility)

    existing = {row.key: row for row in session.scalars(_FIELDS, {"person_id": person.id})}
    changed: dict[str, str] = {}
    removed: list[str] = []
    for key, (value, visibility) in prepared.items():
        row = existing.get(key)
        if not value:
            if row is not None:
                session.delete(row)
                removed.append(key)
            continue
        if row is None:
            session.add(
                ProfileField(
                    person_id=person.id,
                    key=key,
                    value=value,
                    visibility=visibility or DEFAULT_VISIBILITY,
                    updated_by=editor.actor,
                )
            )
            changed[key] = visibility or DEFAULT_VISIBILITY
        elif row.value != value or (visibility is not None and row.visibility != visibility):
            row.value = value
            row.visibility = visibility or row.visibility
            row.updated_by = editor.actor
            row.updated_at = utcnow()
            changed[key] = row.visibility
    if changed or removed:
        audit.record(
            session,
            actor=editor.actor,
            action="profile.updated",
            subject_type="person",
            subject_id=person.id,
            details={"fields": dict(sorted(changed.items())), "removed": sorted(removed)},
        )
        session.flush()
    return sorted([*changed, *removed])
