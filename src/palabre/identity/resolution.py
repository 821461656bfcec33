"""Identity resolution: one human seen on several channels becomes one person.

Use cases over a caller-owned :class:`~sqlalchemy.orm.Session`: nothing here commits
(DESIGN.md rule 3), and every change writes an audit entry in the same session (rule 4).

What a merge changes, and what it does not
------------------------------------------
Merging person M into survivor S:

* moves the identities of M, and of every person previously merged into M, to S
  (``Identity.person_id``); ``Identity.original_person_id`` never changes;
* sets ``M.merged_into_id = S`` (the merges form a tree whose roots are the live persons);
* records a :class:`PersonMerge` row and an audit entry.

Nothing else moves: attributes, team memberships, segment memberships and messages stay
on the person they were recorded for, and queries resolve them through ``merged_into_id``.
Keeping the rows in place is what makes a merge exactly reversible.

The invariant kept by merge and unmerge is: *an identity sits on the root of its original
person* (follow ``merged_into_id`` from ``original_person_id`` to the end). Unmerging M
detaches M's subtree and moves back every identity whose original person is in it, so
after a merge and its unmerge every ``person_id`` is what it was.

Decisions
---------
A :class:`MatchDecision` pair holds the latest human answer about two persons: ``same``
(a manual or mapping-file merge) or ``distinct`` (a rejected candidate, or an unmerge).
Automatic rules never merge two groups between which a ``distinct`` answer exists;
a manual merge refuses it too unless forced.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import Session

from palabre.db.base import utcnow
from palabre.errors import ConflictError, ImportFormatError, NotFoundError, ValidationError
from palabre.identity.analysis import PersonView, find_candidates
from palabre.identity.models import (
    Identity,
    MatchDecision,
    Person,
    PersonMerge,
    Team,
    TeamMembership,
)
from palabre.privacy.audit import record

# Rules that stand for a human's explicit statement: they record a "same" decision.
HUMAN_RULES = frozenset({"manual", "mapping-file"})
MAPPING_COLUMNS = ("source", "external_id", "person")

# Keeps IN (...) lists well under the bound-parameter limits of SQLite and psycopg.
_CHUNK = 900

# Bulk updates refresh only the rows they touched in the session ("fetch", via RETURNING)
# instead of evaluating the criteria against every identity loaded in the session, which
# made an auto-merge after a large import quadratic.
_SYNC_FETCH: dict[str, Any] = {"synchronize_session": "fetch"}

_T = TypeVar("_T")


def _chunks(items: Sequence[_T], size: int = _CHUNK) -> Iterator[Sequence[_T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _ordered(a: int, b: int) -> tuple[int, int]:
    return (a, b) if a < b else (b, a)


def _get_person(session: Session, person_id: int) -> Person:
    person = session.get(Person, person_id)
    if person is None:
        raise NotFoundError(f"no person with id {person_id}")
    return person


def _refuse_erased(*persons: Person) -> None:
    """An erased person's records are anonymous for good: merging them with someone, or
    splitting them again, would tie data back to a person (palabre.privacy.erasure)."""
    for person in persons:
        if person.erased_at is not None:
            raise ConflictError(f"person {person.id} was erased: it cannot be merged or unmerged")


def _has_crm_id(person: Person) -> bool:
    return person.source is not None and person.external_id is not None


def _kinds_conflict(a: Person, b: Person) -> bool:
    return a.kind != b.kind and "unknown" not in (a.kind, b.kind)


def _parent_map(session: Session) -> dict[int, int]:
    """``merged person -> the person it was merged into``, for every merged person."""
    rows = session.execute(
        sa.select(Person.id, Person.merged_into_id).where(Person.merged_into_id.is_not(None))
    )
    return {pid: parent for pid, parent in rows if parent is not None}


def _find_root(parents: dict[int, int], person_id: int) -> int:
    seen: set[int] = set()
    current = person_id
    while current in parents:
        if current in seen:  # a cycle can only come from hand-edited data; stop, do not hang
            break
        seen.add(current)
        current = parents[current]
    return current


def root_of(session: Session, person_id: int) -> int:
    """The live person a person resolves to (itself when it was never merged)."""
    current = _get_person(session, person_id)
    seen = {current.id}
    while current.merged_into_id is not None and current.merged_into_id not in seen:
        seen.add(current.merged_into_id)
        current = _get_person(session, current.merged_into_id)
    return current.id


def subtree(session: Session, root_id: int) -> list[int]:
    """The person and every person merged into it, directly or through others."""
    found = [root_id]
    seen = {root_id}
    frontier = [root_id]
    while frontier:
        children: list[int] = []
        for chunk in _chunks(frontier):
            children.extend(
                session.scalars(sa.select(Person.id).where(Person.merged_into_id.in_(chunk)))
            )
        frontier = [c for c in children if c not in seen]
        seen.update(frontier)
        found.extend(frontier)
    return found


class _DistinctGuard:
    """Answers "was any member of group A declared distinct from any member of group B?".

    Built once from the (few) ``distinct`` decisions; groups are tracked by their root
    and kept up to date as merges happen during a run.
    """

    def __init__(self, session: Session, parents: dict[int, int]) -> None:
        rows = session.execute(
            sa.select(MatchDecision.person_a_id, MatchDecision.person_b_id).where(
                MatchDecision.decision == "distinct"
            )
        )
        self._pairs: list[tuple[int, int]] = [(a, b) for a, b in rows]
        self._parents = parents

    def blocked(self, root_a: int, root_b: int) -> bool:
        wanted = {root_a, root_b}
        for a, b in self._pairs:
            ra, rb = _find_root(self._parents, a), _find_root(self._parents, b)
            if ra != rb and {ra, rb} == wanted:
                return True
        return False

    def merged(self, survivor: int, merged: int) -> None:
        self._parents[merged] = survivor


def _set_decision(session: Session, a: int, b: int, decision: str, actor: str) -> MatchDecision:
    low, high = _ordered(a, b)
    existing = session.scalars(
        sa.select(MatchDecision).where(
            sa.or_(
                sa.and_(MatchDecision.person_a_id == low, MatchDecision.person_b_id == high),
                sa.and_(MatchDecision.person_a_id == high, MatchDecision.person_b_id == low),
            )
        )
    ).first()
    if existing is None:
        existing = MatchDecision(person_a_id=low, person_b_id=high, decision=decision, actor=actor)
        session.add(existing)
    else:
        existing.decision = decision
        existing.actor = actor
        existing.created_at = utcnow()
    return existing


def _distinct_between(session: Session, group_a: Sequence[int], group_b: Sequence[int]) -> bool:
    set_b = set(group_b)
    for chunk in _chunks(list(group_a)):
        rows = session.execute(
            sa.select(MatchDecision.person_a_id, MatchDecision.person_b_id).where(
                MatchDecision.decision == "distinct",
                sa.or_(MatchDecision.person_a_id.in_(chunk), MatchDecision.person_b_id.in_(chunk)),
            )
        )
        chunk_set = set(chunk)
        for a, b in rows:
            if (a in chunk_set and b in set_b) or (b in chunk_set and a in set_b):
                return True
    return False


def _merge(
    session: Session,
    survivor: Person,
    merged: Person,
    *,
    actor: str,
    rule: str,
    evidence: dict[str, Any],
) -> PersonMerge:
    """Carry out a merge whose checks were done by the caller."""
    members = subtree(session, merged.id)
    moved = 0
    for chunk in _chunks(members):
        result = session.execute(
            sa.update(Identity).where(Identity.person_id.in_(chunk)).values(person_id=survivor.id),
            execution_options=_SYNC_FETCH,
        )
        moved += int(getattr(result, "rowcount", 0) or 0)
    merged.merged_into_id = survivor.id
    merge = PersonMerge(
        survivor_id=survivor.id, merged_id=merged.id, rule=rule, evidence=evidence, actor=actor
    )
    session.add(merge)
    if rule in HUMAN_RULES:
        _set_decision(session, survivor.id, merged.id, "same", actor)
    session.flush()
    record(
        session,
        actor=actor,
        action="person.merge",
        subject_type="person",
        subject_id=merged.id,
        details={
            "survivor_id": survivor.id,
            "merged_id": merged.id,
            "merge_id": merge.id,
            "rule": rule,
            "evidence": evidence,
            "identities_moved": moved,
        },
    )
    return merge


def merge_persons(
    session: Session,
    survivor_id: int,
    merged_id: int,
    *,
    actor: str,
    rule: str = "manual",
    evidence: dict[str, Any] | None = None,
    force: bool = False,
) -> PersonMerge:
    """Merge person ``merged_id`` into ``survivor_id`` and return the merge record.

    Both must be live persons (not merged away): merging into a person that was
    merged away raises :class:`ConflictError` naming the person to use instead,
    rather than silently following the chain, so that what happens is what was asked.
    A customer and an employee (both kinds known and different), or two persons
    declared distinct, are refused unless ``force`` is true.
    """
    if survivor_id == merged_id:
        raise ConflictError(f"cannot merge person {survivor_id} into itself")
    survivor = _get_person(session, survivor_id)
    merged = _get_person(session, merged_id)
    _refuse_erased(survivor, merged)
    if merged.merged_into_id is not None:
        raise ConflictError(
            f"person {merged_id} is already merged into person {root_of(session, merged_id)}"
        )
    if survivor.merged_into_id is not None:
        root = root_of(session, survivor_id)
        raise ConflictError(
            f"person {survivor_id} was merged into person {root}: merge into {root} instead"
        )
    if not force and _kinds_conflict(survivor, merged):
        raise ConflictError(
            f"person {survivor_id} is a {survivor.kind} and person {merged_id} a {merged.kind}"
            " (use --force if they really are the same human)"
        )
    if not force and _distinct_between(
        session, subtree(session, survivor_id), subtree(session, merged_id)
    ):
        raise ConflictError(
            f"persons {survivor_id} and {merged_id} were declared distinct"
            " (use --force to merge them anyway)"
        )
    return _merge(session, survivor, merged, actor=actor, rule=rule, evidence=evidence or {})


def _undo(session: Session, child: Person, *, actor: str) -> PersonMerge | None:
    parent_id = child.merged_into_id
    assert parent_id is not None
    merge = session.scalars(
        sa.select(PersonMerge)
        .where(
            PersonMerge.merged_id == child.id,
            PersonMerge.survivor_id == parent_id,
            PersonMerge.undone_at.is_(None),
        )
        .order_by(PersonMerge.id.desc())
    ).first()
    members = subtree(session, child.id)
    child.merged_into_id = None
    moved = 0
    for chunk in _chunks(members):
        result = session.execute(
            sa.update(Identity)
            .where(Identity.original_person_id.in_(chunk))
            .values(person_id=child.id),
            execution_options=_SYNC_FETCH,
        )
        moved += int(getattr(result, "rowcount", 0) or 0)
    if merge is not None:
        merge.undone_at = utcnow()
    _set_decision(session, parent_id, child.id, "distinct", actor)
    session.flush()
    record(
        session,
        actor=actor,
        action="person.unmerge",
        subject_type="person",
        subject_id=child.id,
        details={
            "survivor_id": parent_id,
            "merged_id": child.id,
            "merge_id": None if merge is None else merge.id,
            "identities_moved": moved,
        },
    )
    return merge


def unmerge(session: Session, person_id: int, *, actor: str) -> list[PersonMerge]:
    """Undo merges and return the merge records undone (``undone_at`` set).

    If the person was merged into another, that one merge is undone (persons merged
    into it stay with it). Otherwise every merge *into* it is undone. Either way the
    pair is recorded as ``distinct`` so that automatic rules do not merge it again.
    """
    person = _get_person(session, person_id)
    _refuse_erased(person)
    if person.merged_into_id is not None:
        children = [person]
    else:
        children = list(
            session.scalars(
                sa.select(Person).where(Person.merged_into_id == person_id).order_by(Person.id)
            )
        )
        if not children:
            raise ConflictError(f"person {person_id} is not merged with anyone")
    undone: list[PersonMerge] = []
    for child in children:
        merge = _undo(session, child, actor=actor)
        if merge is not None:
            undone.append(merge)
    return undone


def _email_key() -> sa.ColumnElement[str]:
    return sa.func.lower(sa.func.trim(Identity.email))


def _shared_email_groups(session: Session, person_ids: Sequence[int] | None) -> dict[str, set[int]]:
    """``lower(email) -> person ids`` for addresses found on more than one person
    (touching ``person_ids``, when given: on one of them now or originally)."""
    key = _email_key()
    # One pass over the identities finds the shared addresses, which are few. Asking
    # it once per chunk of the persons an import touched cost one such pass per 900
    # persons: minutes after an import of 5 M messages by 125,000 authors.
    keys = sorted(
        session.scalars(
            sa.select(key)
            .where(Identity.email.is_not(None), key != "")
            .group_by(key)
            .having(sa.func.count(sa.distinct(Identity.person_id)) > 1)
        )
    )
    wanted = None if person_ids is None else set(person_ids)
    groups: dict[str, set[int]] = defaultdict(set)
    touching: set[str] = set()
    for key_chunk in _chunks(keys):
        rows = session.execute(
            sa.select(key, Identity.person_id, Identity.original_person_id)
            .where(key.in_(key_chunk))
            .distinct()
        )
        for email, pid, original in rows:
            groups[email].add(pid)
            if wanted is not None and (pid in wanted or original in wanted):
                touching.add(email)
    if wanted is None:
        return groups
    return {email: members for email, members in groups.items() if email in touching}


def auto_merge(
    session: Session, *, actor: str, person_ids: Iterable[int] | None = None
) -> list[PersonMerge]:
    """Apply the automatic rules and return the merges made, in a deterministic order.

    Rule ``same-email``: persons whose identities share an e-mail address (compared
    case-insensitively, surrounding spaces ignored) are merged. The survivor is the
    person with a CRM id, else the lowest id. A group holding two persons with CRM ids
    is left alone (the CRM is the system of record: it says they are two), and so are
    a customer and an employee, and any pair declared ``distinct``. ``person_ids``
    limits the run to addresses touching those persons (incremental runs after an import).
    """
    ids = None if person_ids is None else sorted(set(person_ids))
    if ids is not None and not ids:
        return []
    groups = _shared_email_groups(session, ids)
    if not groups:
        return []
    involved = sorted({pid for members in groups.values() for pid in members})
    persons: dict[int, Person] = {}
    for chunk in _chunks(involved):
        persons.update(
            (p.id, p) for p in session.scalars(sa.select(Person).where(Person.id.in_(chunk)))
        )
    parents = _parent_map(session)
    guard = _DistinctGuard(session, parents)

    merges: list[PersonMerge] = []
    for email in sorted(groups):
        roots = sorted({_find_root(parents, pid) for pid in groups[email]})
        if len(roots) < 2:
            continue
        for root in roots:
            if root not in persons:
                persons[root] = _get_person(session, root)
        with_crm = [r for r in roots if _has_crm_id(persons[r])]
        if len(with_crm) > 1:
            continue
        survivor = with_crm[0] if with_crm else roots[0]
        for other in roots:
            if other == survivor:
                continue
            if _kinds_conflict(persons[survivor], persons[other]):
                continue
            if guard.blocked(survivor, other):
                continue
            merges.append(
                _merge(
                    session,
                    persons[survivor],
                    persons[other],
                    actor=actor,
                    rule="same-email",
                    evidence={"email": email},
                )
            )
            guard.merged(survivor, other)
    return merges


@dataclass(frozen=True, slots=True)
class _MappingRow:
    line: int
    source: str
    external_id: str
    person: str


def _read_mapping(path: Path) -> list[_MappingRow]:
    name = str(path)
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            header = reader.fieldnames
            if header is None:
                raise ImportFormatError(name, "the file is empty", line=1)
            present = {h.strip() for h in header if h}
            for column in MAPPING_COLUMNS:
                if column not in present:
                    raise ImportFormatError(
                        name,
                        "missing column",
                        line=1,
                        field=column,
                        hint="the header must be: source,external_id,person",
                    )
            rows: list[_MappingRow] = []
            for raw in reader:
                line = reader.line_num
                values = {(k or "").strip(): v for k, v in raw.items() if k is not None}
                if None in raw:
                    raise ImportFormatError(name, "more fields than the header has", line=line)
                if not any((v or "").strip() for v in values.values()):
                    continue  # blank line
                cleaned: dict[str, str] = {}
                for column in MAPPING_COLUMNS:
                    value = (values.get(column) or "").strip()
                    if not value:
                        raise ImportFormatError(name, "empty value", line=line, field=column)
                    cleaned[column] = value
                rows.append(_MappingRow(line=line, **cleaned))
            return rows
    except OSError as exc:
        raise ImportFormatError(name, f"cannot read the file: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise ImportFormatError(name, "not UTF-8 text", hint="save the file as UTF-8") from exc
    except csv.Error as exc:
        raise ImportFormatError(name, f"not valid CSV: {exc}") from exc


def _mapping_target(session: Session, name: str, row: _MappingRow) -> Person:
    text = row.person
    if text.isdigit():
        person = session.get(Person, int(text))
        if person is None:
            raise ImportFormatError(
                name, f"no person with id {text}", line=row.line, field="person"
            )
        return person
    if ":" in text:
        # Split on the first colon only: CRM ids may contain colons, source names do not.
        source, external_id = (part.strip() for part in text.split(":", 1))
        if source and external_id:
            found = session.scalars(
                sa.select(Person).where(Person.source == source, Person.external_id == external_id)
            ).first()
            if found is None:
                raise ImportFormatError(
                    name,
                    f"no person with CRM id {external_id!r} from {source!r}",
                    line=row.line,
                    field="person",
                )
            return found
    raise ImportFormatError(
        name,
        f"{text!r} is neither a person id nor 'crm-source:crm-id'",
        line=row.line,
        field="person",
    )


def apply_mapping_file(session: Session, path: str | Path, *, actor: str) -> list[PersonMerge]:
    """Merge persons as an explicit mapping CSV says (rule ``mapping-file``).

    Columns ``source,external_id,person``: the identity ``(source, external_id)`` belongs
    to ``person`` (a person id, or ``crm-source:crm-id`` naming a person by its CRM id);
    the person holding that identity is merged into it. The whole file is checked
    first, against a simulation of the merges it asks for, so that a bad row raises
    :class:`ImportFormatError` (file, line, field) before anything changes.
    Rows already true are no-ops, so a file can be applied again.
    """
    file_path = Path(path)
    name = str(path)
    rows = _read_mapping(file_path)
    parents = _parent_map(session)
    guard = _DistinctGuard(session, parents)
    seen: dict[tuple[str, str], tuple[int, int]] = {}
    plan: list[tuple[_MappingRow, int, int]] = []
    for row in rows:
        identity = session.scalars(
            sa.select(Identity).where(
                Identity.source == row.source, Identity.external_id == row.external_id
            )
        ).first()
        if identity is None:
            raise ImportFormatError(
                name,
                f"no identity {row.external_id!r} from source {row.source!r}",
                line=row.line,
                field="external_id",
            )
        target = _mapping_target(session, name, row)
        ident_key = (row.source, row.external_id)
        earlier = seen.get(ident_key)
        if earlier is not None and earlier[1] != target.id:
            raise ImportFormatError(
                name,
                f"this identity was mapped to person {earlier[1]} on line {earlier[0]}",
                line=row.line,
                field="person",
            )
        seen[ident_key] = (row.line, target.id)
        survivor_id = _find_root(parents, target.id)
        merged_id = _find_root(parents, _find_root(parents, identity.person_id))
        if survivor_id == merged_id:
            continue
        survivor, merged = _get_person(session, survivor_id), _get_person(session, merged_id)
        if _kinds_conflict(survivor, merged):
            raise ImportFormatError(
                name,
                f"person {survivor_id} is a {survivor.kind} and person {merged_id}"
                f" (holding this identity) a {merged.kind}",
                line=row.line,
                field="person",
                hint="merge them by hand with 'palabre people merge --force' if they are one",
            )
        if guard.blocked(survivor_id, merged_id):
            raise ImportFormatError(
                name,
                f"persons {survivor_id} and {merged_id} were declared distinct",
                line=row.line,
                field="person",
            )
        guard.merged(survivor_id, merged_id)
        plan.append((row, survivor_id, merged_id))

    merges: list[PersonMerge] = []
    for row, survivor_id, merged_id in plan:
        evidence = {
            "file": file_path.name,
            "line": row.line,
            "source": row.source,
            "external_id": row.external_id,
            "person": row.person,
        }
        merges.append(
            _merge(
                session,
                _get_person(session, survivor_id),
                _get_person(session, merged_id),
                actor=actor,
                rule="mapping-file",
                evidence=evidence,
            )
        )
    record(
        session,
        actor=actor,
        action="person.mapping_file",
        subject_type="file",
        subject_id=file_path.name,
        details={"rows": len(rows), "merges": [m.id for m in merges]},
    )
    return merges


@dataclass(frozen=True, slots=True)
class MatchProposal:
    """A candidate match ready to show: both persons, the score and the evidence."""

    person_a: PersonView
    person_b: PersonView
    score: float
    evidence: tuple[str, ...]


def _load_views(
    session: Session, parents: dict[int, int]
) -> tuple[list[PersonView], dict[int, str]]:
    """Every live person as a :class:`PersonView`, in four queries, and team labels."""
    base: dict[int, tuple[str | None, str]] = {
        pid: (name, kind)
        for pid, name, kind in session.execute(
            sa.select(Person.id, Person.display_name, Person.kind).where(
                Person.merged_into_id.is_(None), Person.erased_at.is_(None)
            )
        )
    }
    handles: dict[int, list[str]] = defaultdict(list)
    emails: dict[int, list[str]] = defaultdict(list)
    aliases: dict[int, list[str]] = defaultdict(list)
    identity_rows = session.execute(
        sa.select(Identity.person_id, Identity.handle, Identity.email, Identity.display_name).where(
            Identity.is_bot.is_(False)
        )
    )
    for pid, handle, email, name in identity_rows:
        root = _find_root(parents, pid)
        if handle and handle not in handles[root]:
            handles[root].append(handle)
        if email and email not in emails[root]:
            emails[root].append(email)
        if name and name not in aliases[root]:
            aliases[root].append(name)
    today = dt.datetime.now(dt.UTC).date()
    teams: dict[int, set[int]] = defaultdict(set)
    memberships = session.execute(
        sa.select(TeamMembership.person_id, TeamMembership.team_id).where(
            sa.or_(TeamMembership.until.is_(None), TeamMembership.until >= today)
        )
    )
    for pid, team_id in memberships:
        teams[_find_root(parents, pid)].add(team_id)
    # Unpacking each row keeps the key and value types that dict(rows) would lose for mypy.
    labels = {tid: path for tid, path in session.execute(sa.select(Team.id, Team.path))}  # noqa: C416
    views = [
        PersonView(
            id=pid,
            display_name=name,
            kind=kind,
            handles=tuple(handles.get(pid, ())),
            emails=tuple(emails.get(pid, ())),
            team_ids=tuple(sorted(teams.get(pid, ()))),
            aliases=tuple(a for a in aliases.get(pid, ()) if a != name),
        )
        for pid, (name, kind) in sorted(base.items())
    ]
    return views, labels


def candidate_matches(
    session: Session, *, limit: int = 50, min_score: float = 0.5
) -> list[MatchProposal]:
    """The best candidate matches between live persons, excluding pairs a human decided."""
    if limit < 1:
        raise ValidationError("the limit must be at least 1")
    if not 0.0 <= min_score <= 1.0:
        raise ValidationError("the minimum score must be between 0 and 1")
    parents = _parent_map(session)
    views, labels = _load_views(session, parents)
    decided: set[tuple[int, int]] = set()
    for a, b in session.execute(sa.select(MatchDecision.person_a_id, MatchDecision.person_b_id)):
        ra, rb = _find_root(parents, a), _find_root(parents, b)
        if ra != rb:
            decided.add(_ordered(ra, rb))
    by_id = {v.id: v for v in views}
    found = find_candidates(
        views, min_score=min_score, limit=limit, team_labels=labels, exclude=decided
    )
    return [MatchProposal(by_id[c.person_a], by_id[c.person_b], c.score, c.evidence) for c in found]


def reject_match(session: Session, a: int, b: int, *, actor: str) -> MatchDecision:
    """Record that persons ``a`` and ``b`` are different humans (never proposed or merged again)."""
    if a == b:
        raise ConflictError(f"person {a} cannot be distinct from itself")
    _get_person(session, a)
    _get_person(session, b)
    decision = _set_decision(session, a, b, "distinct", actor)
    session.flush()
    record(
        session,
        actor=actor,
        action="person.match_rejected",
        subject_type="person",
        subject_id=min(a, b),
        details={"person_a_id": min(a, b), "person_b_id": max(a, b)},
    )
    return decision


@dataclass(frozen=True, slots=True)
class IdentitySummary:
    """One identity as shown by ``palabre people show``."""

    id: int
    source: str
    channel_kind: str
    external_id: str
    handle: str | None
    display_name: str | None
    email: str | None
    is_bot: bool
    person_id: int
    original_person_id: int


@dataclass(frozen=True, slots=True)
class PersonSummary:
    """A person, where it resolves to, who was merged into it, and its identities."""

    id: int
    kind: str
    display_name: str | None
    locale: str | None
    source: str | None
    external_id: str | None
    merged_into_id: int | None
    root_id: int
    merged_person_ids: list[int] = field(default_factory=list)
    identities: list[IdentitySummary] = field(default_factory=list)
    erased_at: dt.datetime | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON output."""
        return asdict(self)


def person_summary(session: Session, person_id: int) -> PersonSummary:
    """What the CLI shows about a person: its fields, merges and identities.

    The identities listed are those it holds now and those originally created for it
    (which sit on its root while it is merged).
    """
    person = _get_person(session, person_id)
    identities = session.scalars(
        sa.select(Identity)
        .where(sa.or_(Identity.person_id == person_id, Identity.original_person_id == person_id))
        .order_by(Identity.id)
    )
    return PersonSummary(
        id=person.id,
        kind=person.kind,
        display_name=person.display_name,
        locale=person.locale,
        source=person.source,
        external_id=person.external_id,
        merged_into_id=person.merged_into_id,
        root_id=root_of(session, person_id),
        merged_person_ids=subtree(session, person_id)[1:],
        erased_at=person.erased_at,
        identities=[
            IdentitySummary(
                id=i.id,
                source=i.source,
                channel_kind=i.channel_kind,
                external_id=i.external_id,
                handle=i.handle,
                display_name=i.display_name,
                email=i.email,
                is_bot=i.is_bot,
                person_id=i.person_id,
                original_person_id=i.original_person_id,
            )
            for i in identities
        ],
    )
