"""Segments: named groups of people defined by a rule, with materialised membership.

Use cases over a caller-owned :class:`~sqlalchemy.orm.Session`: nothing here commits
(DESIGN.md rule 3), and every change writes an audit entry in the same session (rule 4).

Who is evaluated
----------------
Only *live* persons (``merged_into_id`` is null) are members. A person merged into
another counts through its survivor: the survivor is evaluated once, on the values of
its whole merge tree combined as follows:

* the survivor's own attributes win; the persons merged into it fill the keys it lacks,
  nearer merges first (breadth-first from the survivor, lower person id first on a tie);
* within one person, a key stated by several sources takes the most recently observed
  value (ties: the source name in alphabetical order);
* the builtin keys ``kind``, ``locale`` and ``name`` come from the survivor, a gap
  (``unknown`` kind, no locale, no name) being filled the same way. They win over
  attributes of the same name, as in :func:`palabre.identity.rules.person_values`.

A segment's ``kind`` (``customer``, ``employee``, ``any``) selects on that combined kind.

An *erased* person (palabre.privacy.erasure) has no attribute left to evaluate: they
keep the memberships they had when erased, even when a rule is edited later, so that
a segment's history (its volumes, its signal shares) does not change; they join no
segment made afterwards.

Memory
------
A refresh streams live persons by id, one page at a time, loads the attributes of that
page's merge trees only, and compares with the stored members of the same id range, so
memory does not grow with the number of persons. :func:`refresh_all` evaluates every
segment in one pass.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal, TypeVar, cast, get_args

import sqlalchemy as sa
from sqlalchemy.orm import Session

from palabre.connectors.records import AttributeValue
from palabre.db.base import table_of, utcnow
from palabre.errors import ConflictError, NotFoundError, ValidationError
from palabre.identity.models import Person, PersonAttribute, Segment, SegmentMember
from palabre.identity.rules import Rule, parse_rule
from palabre.privacy.audit import record

SegmentKind = Literal["customer", "employee", "any"]
SEGMENT_KINDS: Final[tuple[str, ...]] = get_args(SegmentKind)

#: the longest segment name (the column's size)
MAX_NAME_LENGTH: Final = 200

#: live persons evaluated per page; also keeps IN (...) lists under the parameter limits
PAGE_SIZE: Final = 900

_SYSTEM_ACTOR: Final = "system"
_INTEGER = re.compile(r"-?[0-9]+")
_person = table_of(Person)
_attribute = table_of(PersonAttribute)
_member = table_of(SegmentMember)

_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class RefreshResult:
    """What a refresh changed: persons added, persons removed, members now."""

    added: int
    removed: int
    total: int


@dataclass(frozen=True, slots=True)
class MemberView:
    """One member of a segment, as listed by ``palabre segments show``."""

    person_id: int
    display_name: str | None
    kind: str
    locale: str | None
    source: str | None
    external_id: str | None


# -- reading stored values -----------------------------------------------------


def stored_value(
    value_type: str,
    value_text: str,
    value_number: float | None,
    value_date: dt.date | None,
) -> AttributeValue:
    """The typed Python value of a stored attribute (the inverse of the people writer).

    Integers come back as ``int`` (their text has no decimal point), booleans as
    ``bool``, dates as ``date``, date-times as aware ``datetime``. A row that does not
    read as its declared type (edited by hand) is taken as its text: never raises.
    """
    try:
        if value_type == "number":
            text = value_text.strip()
            if _INTEGER.fullmatch(text):
                return int(text)
            return float(value_number) if value_number is not None else float(text)
        if value_type == "bool":
            return value_text.strip().lower() == "true"
        if value_type == "date":
            return value_date if value_date is not None else dt.date.fromisoformat(value_text)
        if value_type == "datetime":
            moment = dt.datetime.fromisoformat(value_text)
            return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
    except ValueError:
        pass
    return value_text


# -- use cases -----------------------------------------------------------------


def _clean_name(name: str) -> str:
    cleaned = name.strip()
    if not cleaned:
        raise ValidationError("a segment needs a name")
    if len(cleaned) > MAX_NAME_LENGTH:
        raise ValidationError(
            f"a segment name has at most {MAX_NAME_LENGTH} characters ({len(cleaned)} given)"
        )
    return cleaned


def _check_kind(kind: str) -> SegmentKind:
    if kind in SEGMENT_KINDS:
        return cast(SegmentKind, kind)
    raise ValidationError(f"unknown segment kind '{kind}' (customer, employee or any)")


def _check_unique(session: Session, name: str, *, except_id: int | None = None) -> None:
    # Names differing only by case would be two segments nobody can tell apart in a list.
    wanted = name.casefold()
    for segment_id, existing in session.execute(sa.select(Segment.id, Segment.name)):
        if segment_id != except_id and existing.casefold() == wanted:
            raise ConflictError(f"a segment named '{existing}' already exists")


def create_segment(
    session: Session,
    *,
    name: str,
    rule: str,
    kind: str = "customer",
    description: str | None = None,
    actor: str,
) -> Segment:
    """Create a segment and compute its members right away.

    The rule is parsed first: a :class:`~palabre.errors.RuleSyntaxError` shows where it
    went wrong and nothing is written. The rule is stored in its canonical form.
    A name already used (ignoring case) raises :class:`ConflictError`.
    """
    parsed = parse_rule(rule)
    segment_kind = _check_kind(kind)
    cleaned = _clean_name(name)
    _check_unique(session, cleaned)
    segment = Segment(
        name=cleaned,
        kind=segment_kind,
        rule=str(parsed),
        description=(description or "").strip() or None,
        member_count=0,
    )
    session.add(segment)
    session.flush()
    result = _refresh_many(session, [segment])[segment.id]
    record(
        session,
        actor=actor,
        action="segment.created",
        subject_type="segment",
        subject_id=segment.id,
        details={
            "name": segment.name,
            "kind": segment.kind,
            "rule": segment.rule,
            "members": result.total,
        },
    )
    return segment


def update_segment(
    session: Session,
    segment: Segment,
    *,
    name: str | None = None,
    rule: str | None = None,
    kind: str | None = None,
    description: str | None = None,
    actor: str,
) -> RefreshResult | None:
    """Rename a segment, change its rule, kind or description; ``None`` leaves a field as is.

    An empty ``description`` removes it. A new rule or kind recomputes the members and
    returns what changed (else ``None``). Everything is checked before anything changes.
    """
    parsed = parse_rule(rule) if rule is not None else None
    new_kind = _check_kind(kind) if kind is not None else None
    new_name = _clean_name(name) if name is not None else None
    if new_name is not None:
        _check_unique(session, new_name, except_id=segment.id)
    changes: dict[str, list[Any]] = {}

    def change(field: str, value: str | None) -> None:
        old = getattr(segment, field)
        if old != value:
            changes[field] = [old, value]
            setattr(segment, field, value)

    if new_name is not None:
        change("name", new_name)
    if parsed is not None:
        change("rule", str(parsed))
    if new_kind is not None:
        change("kind", new_kind)
    if description is not None:
        change("description", description.strip() or None)
    if not changes:
        return None
    session.flush()
    result = None
    if "rule" in changes or "kind" in changes:
        result = _refresh_many(session, [segment])[segment.id]
    details: dict[str, Any] = {"name": segment.name, "changes": changes}
    if result is not None:
        details.update(added=result.added, removed=result.removed, members=result.total)
    record(
        session,
        actor=actor,
        action="segment.updated",
        subject_type="segment",
        subject_id=segment.id,
        details=details,
    )
    return result


def delete_segment(session: Session, segment: Segment, *, actor: str) -> None:
    """Delete a segment and its membership."""
    details = {
        "name": segment.name,
        "kind": segment.kind,
        "rule": segment.rule,
        "members": segment.member_count,
    }
    segment_id = segment.id
    # Explicit rather than relying on ON DELETE CASCADE, which SQLite honours only
    # when its foreign-key pragma is on.
    session.execute(_member.delete().where(_member.c.segment_id == segment_id))
    session.delete(segment)
    session.flush()
    record(
        session,
        actor=actor,
        action="segment.deleted",
        subject_type="segment",
        subject_id=segment_id,
        details=details,
    )


def list_segments(session: Session) -> list[Segment]:
    """Every segment, by name."""
    return list(session.scalars(sa.select(Segment).order_by(Segment.name, Segment.id)))


def get_segment(session: Session, name_or_id: str | int) -> Segment:
    """A segment by its exact name, else by its name ignoring case, else by its id."""
    if isinstance(name_or_id, str):
        text = name_or_id.strip()
        found = session.scalars(sa.select(Segment).where(Segment.name == text)).first()
        if found is not None:
            return found
        folded = [s for s in list_segments(session) if s.name.casefold() == text.casefold()]
        if len(folded) == 1:
            return folded[0]
        if not text.isdigit():
            raise NotFoundError(f"no segment named '{text}' (see 'palabre segments list')")
        name_or_id = int(text)
    by_id = session.get(Segment, name_or_id)
    if by_id is None:
        raise NotFoundError(f"no segment with id {name_or_id} (see 'palabre segments list')")
    return by_id


def segment_members(
    session: Session, segment: Segment, *, limit: int = 50, offset: int = 0
) -> list[MemberView]:
    """Members as last computed, by person id."""
    if limit < 0 or offset < 0:
        raise ValidationError("limit and offset cannot be negative")
    rows = session.execute(
        sa.select(
            Person.id,
            Person.display_name,
            Person.kind,
            Person.locale,
            Person.source,
            Person.external_id,
        )
        .join(SegmentMember, SegmentMember.person_id == Person.id)
        .where(SegmentMember.segment_id == segment.id)
        .order_by(Person.id)
        .limit(limit)
        .offset(offset)
    )
    return [MemberView(*row) for row in rows]


def refresh_segment(
    session: Session, segment: Segment, *, actor: str | None = None
) -> RefreshResult:
    """Recompute a segment's members from its rule and record what changed."""
    result = _refresh_many(session, [segment])[segment.id]
    _audit_refresh(session, segment, result, actor)
    return result


def refresh_all(session: Session, *, actor: str | None = None) -> dict[str, RefreshResult]:
    """Recompute every segment in one pass over the persons; results by segment name."""
    segments = list_segments(session)
    results = _refresh_many(session, segments)
    for segment in segments:
        _audit_refresh(session, segment, results[segment.id], actor)
    return {segment.name: results[segment.id] for segment in segments}


def _audit_refresh(
    session: Session, segment: Segment, result: RefreshResult, actor: str | None
) -> None:
    record(
        session,
        actor=actor or _SYSTEM_ACTOR,
        action="segment.refreshed",
        subject_type="segment",
        subject_id=segment.id,
        details={
            "name": segment.name,
            "added": result.added,
            "removed": result.removed,
            "members": result.total,
        },
    )


# -- computing membership ------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Live:
    id: int
    kind: str
    display_name: str | None
    locale: str | None
    erased: bool = False


@dataclass
class _Plan:
    segment: Segment
    rule: Rule
    added: int = 0
    removed: int = 0
    total: int = 0


def _chunks(items: Sequence[_T], size: int = PAGE_SIZE) -> Iterator[Sequence[_T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _pages(session: Session, kinds: set[str] | None) -> Iterator[list[_Live]]:
    """Live persons by id, a page at a time (keyset paging: no OFFSET scans)."""
    last = None
    while True:
        query = sa.select(
            _person.c.id,
            _person.c.kind,
            _person.c.display_name,
            _person.c.locale,
            _person.c.erased_at.is_not(None),
        ).where(_person.c.merged_into_id.is_(None))
        if kinds is not None:
            query = query.where(_person.c.kind.in_(sorted(kinds)))
        if last is not None:
            query = query.where(_person.c.id > last)
        page = [
            _Live(int(pid), kind, name, locale, bool(erased))
            for pid, kind, name, locale, erased in session.execute(
                query.order_by(_person.c.id).limit(PAGE_SIZE)
            )
        ]
        if not page:
            return
        yield page
        last = page[-1].id


def _merge_trees(session: Session, roots: Sequence[int]) -> dict[int, list[int]]:
    """``root -> persons merged into it`` (directly or not), nearest first."""
    trees: dict[int, list[int]] = {root: [] for root in roots}
    owner = {root: root for root in roots}
    frontier = list(roots)
    while frontier:
        children: list[tuple[int, int]] = []
        for chunk in _chunks(frontier):
            children.extend(
                (int(pid), int(parent))
                for pid, parent in session.execute(
                    sa.select(_person.c.id, _person.c.merged_into_id)
                    .where(_person.c.merged_into_id.in_(chunk))
                    .order_by(_person.c.id)
                )
            )
        frontier = []
        for pid, parent in sorted(children, key=lambda pair: (owner[pair[1]], pair[0])):
            if pid in owner:  # a cycle can only come from hand-edited data: stop there
                continue
            owner[pid] = owner[parent]
            trees[owner[pid]].append(pid)
            frontier.append(pid)
    return trees


def _person_fields(session: Session, ids: Sequence[int]) -> dict[int, _Live]:
    found: dict[int, _Live] = {}
    for chunk in _chunks(ids):
        rows = session.execute(
            sa.select(_person.c.id, _person.c.kind, _person.c.display_name, _person.c.locale).where(
                _person.c.id.in_(chunk)
            )
        )
        for pid, kind, name, locale in rows:
            found[int(pid)] = _Live(int(pid), kind, name, locale)
    return found


def _attributes(session: Session, ids: Sequence[int]) -> dict[int, dict[str, AttributeValue]]:
    """Each person's own attributes; a key from several sources: latest observation wins."""
    rows_by_person: dict[int, list[Any]] = defaultdict(list)
    for chunk in _chunks(ids):
        result = session.execute(
            sa.select(
                _attribute.c.person_id,
                _attribute.c.key,
                _attribute.c.value_type,
                _attribute.c.value_text,
                _attribute.c.value_number,
                _attribute.c.value_date,
                _attribute.c.observed_at,
                _attribute.c.source,
            ).where(_attribute.c.person_id.in_(chunk))
        )
        for row in result:
            rows_by_person[int(row[0])].append(row)
    values: dict[int, dict[str, AttributeValue]] = {}
    for pid, rows in rows_by_person.items():
        own: dict[str, AttributeValue] = {}
        # Newest last, so that it overwrites; equal times: the first source name wins.
        rows.sort(key=lambda r: (_timestamp(r[6]), _reverse_text(r[7])))
        for _pid, key, value_type, text, number, date, _at, _source in rows:
            own[key] = stored_value(value_type, text, number, date)
        values[pid] = own
    return values


def _timestamp(value: object) -> float:
    if isinstance(value, dt.datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=dt.UTC)
        return moment.timestamp()
    return float("-inf")


def _reverse_text(text: str) -> tuple[int, ...]:
    # Sorting by the negated code points puts "a" after "b": with the later row
    # overwriting, the alphabetically first source wins a tie.
    return tuple(-ord(char) for char in text)


def _combined_values(
    live: _Live,
    merged: Sequence[int],
    fields: dict[int, _Live],
    attributes: dict[int, dict[str, AttributeValue]],
) -> tuple[str, dict[str, AttributeValue]]:
    """The survivor's kind and rule values, the merged persons filling the gaps."""
    values: dict[str, AttributeValue] = dict(attributes.get(live.id, {}))
    kind, locale, name = live.kind, live.locale, live.display_name
    for pid in merged:
        for key, value in attributes.get(pid, {}).items():
            values.setdefault(key, value)
        other = fields.get(pid)
        if other is not None:
            kind = other.kind if kind == "unknown" else kind
            locale = locale or other.locale
            name = name or other.display_name
    values["kind"] = kind
    values["locale"] = locale
    values["name"] = name
    return kind, values


def _selects(segment_kind: str, person_kind: str) -> bool:
    return segment_kind == "any" or segment_kind == person_kind


def _refresh_many(session: Session, segments: Sequence[Segment]) -> dict[int, RefreshResult]:
    """Recompute the members of ``segments`` in one pass; no audit (callers write it)."""
    if not segments:
        return {}
    session.flush()
    plans = [_Plan(segment, parse_rule(segment.rule)) for segment in segments]
    wanted_kinds = {segment.kind for segment in segments}
    # A survivor of unknown kind may take the kind of a person merged into it.
    kinds = None if "any" in wanted_kinds else wanted_kinds | {"unknown"}
    low: int | None = None
    for page in _pages(session, kinds):
        trees = _merge_trees(session, [live.id for live in page])
        merged_ids = [pid for members in trees.values() for pid in members]
        fields = _person_fields(session, merged_ids)
        attributes = _attributes(session, [live.id for live in page] + merged_ids)
        matched: list[set[int]] = [set() for _ in plans]
        kept = _erased_memberships(session, [live.id for live in page if live.erased])
        for index, plan in enumerate(plans):
            matched[index].update(kept.get(plan.segment.id, ()))
        for live in page:
            if live.erased:
                continue
            kind, values = _combined_values(live, trees[live.id], fields, attributes)
            for index, plan in enumerate(plans):
                if _selects(plan.segment.kind, kind) and plan.rule.evaluate(values):
                    matched[index].add(live.id)
        high = page[-1].id
        for plan, members in zip(plans, matched, strict=True):
            _store(session, plan, members, low, high)
        low = high
    for plan in plans:  # members above the last live person: all stale
        _store(session, plan, set(), low, None)
    now = utcnow()
    for plan in plans:
        plan.segment.member_count = plan.total
        plan.segment.computed_at = now
    session.flush()
    return {plan.segment.id: RefreshResult(plan.added, plan.removed, plan.total) for plan in plans}


def _erased_memberships(session: Session, erased: Sequence[int]) -> dict[int, set[int]]:
    """``segment -> erased persons`` among ``erased``: the memberships they keep."""
    kept: dict[int, set[int]] = {}
    for chunk in _chunks(erased):
        rows = session.execute(
            sa.select(_member.c.segment_id, _member.c.person_id).where(
                _member.c.person_id.in_(chunk)
            )
        )
        for segment_id, person_id in rows:
            kept.setdefault(int(segment_id), set()).add(int(person_id))
    return kept


def _store(
    session: Session, plan: _Plan, members: set[int], low: int | None, high: int | None
) -> None:
    """Make the stored members with ``low < person_id <= high`` equal ``members``."""
    segment_id = plan.segment.id
    query = sa.select(_member.c.person_id).where(_member.c.segment_id == segment_id)
    if low is not None:
        query = query.where(_member.c.person_id > low)
    if high is not None:
        query = query.where(_member.c.person_id <= high)
    stored = {int(pid) for pid in session.scalars(query)}
    added = sorted(members - stored)
    removed = sorted(stored - members)
    if added:
        session.execute(
            _member.insert(), [{"segment_id": segment_id, "person_id": pid} for pid in added]
        )
    for chunk in _chunks(removed):
        session.execute(
            _member.delete().where(
                _member.c.segment_id == segment_id, _member.c.person_id.in_(chunk)
            )
        )
    plan.added += len(added)
    plan.removed += len(removed)
    plan.total += len(members)
