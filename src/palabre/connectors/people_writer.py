"""Write people from CRM / HR exports: persons, attributes, teams, declared identities.

People files are far smaller than message files, so this part favours clarity
over raw speed, while still loading what it compares with one query per batch.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from palabre.connectors.bulk import rows_by_keys
from palabre.connectors.records import AttributeValue, PersonRecord, Rejection
from palabre.db.base import table_of, utcnow
from palabre.identity.models import Identity, Person, PersonAttribute, Team, TeamMembership
from palabre.privacy.erasure_keys import erased_key

if TYPE_CHECKING:
    from palabre.connectors.writer import BatchWriter

_person = table_of(Person)
_identity = table_of(Identity)
_attribute = table_of(PersonAttribute)
_team = table_of(Team)
_membership = table_of(TeamMembership)


def typed_value(value: AttributeValue) -> dict[str, Any]:
    """Split a typed attribute value into the columns that store it."""
    if isinstance(value, bool):
        return {
            "value_type": "bool",
            "value_text": "true" if value else "false",
            "value_number": 1.0 if value else 0.0,
            "value_date": None,
        }
    if isinstance(value, int | float):
        return {
            "value_type": "number",
            "value_text": repr(value) if isinstance(value, float) else str(value),
            "value_number": float(value),
            "value_date": None,
        }
    if isinstance(value, dt.datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=dt.UTC)
        return {
            "value_type": "datetime",
            "value_text": aware.astimezone(dt.UTC).isoformat(),
            "value_number": None,
            "value_date": aware.date(),
        }
    if isinstance(value, dt.date):
        return {
            "value_type": "date",
            "value_text": value.isoformat(),
            "value_number": None,
            "value_date": value,
        }
    return {
        "value_type": "text",
        "value_text": str(value),
        "value_number": None,
        "value_date": None,
    }


def _ensure_team(writer: BatchWriter, session: Session, path: tuple[str, ...]) -> int:
    parent_id: int | None = None
    team_id = 0
    for depth in range(1, len(path) + 1):
        key = "/".join(path[:depth])
        cached = writer._teams.get(key)
        if cached is None:
            found = session.scalar(sa.select(_team.c.id).where(_team.c.path == key))
            if found is None:
                found = session.execute(
                    _team.insert().returning(_team.c.id),
                    {
                        "name": path[depth - 1],
                        "parent_id": parent_id,
                        "path": key,
                        "created_at": utcnow(),
                    },
                ).scalar_one()
            cached = int(found)
            writer._teams[key] = cached
        team_id = cached
        parent_id = cached
    return team_id


def write_people(
    writer: BatchWriter, session: Session, records: Sequence[PersonRecord]
) -> list[Rejection]:
    """Upsert the persons of one batch, with their attributes, teams and identities."""
    rejections: list[Rejection] = []
    latest: dict[str, PersonRecord] = {}
    for record in records:
        if record.external_id in latest:
            rejections.append(
                Rejection(
                    location=f"person {record.external_id}",
                    field="id",
                    reason=f"duplicate id '{record.external_id}' in this batch",
                    external_id=record.external_id,
                )
            )
            continue
        latest[record.external_id] = record
    keys = list(latest)
    existing: dict[str, tuple[int, str | None, str, str | None]] = {}
    rows = rows_by_keys(
        session,
        _person,
        ("external_id", "id", "display_name", "kind", "locale"),
        writer.source,
        keys,
    )
    for row in rows:
        existing[row[0]] = (int(row[1]), row[2], row[3], row[4])
    # A CRM row of an erased person is not imported again (palabre.privacy.erasure).
    erased = writer.erased_ids_by_key(session, _person, [k for k in keys if k not in existing])
    for key in erased:
        del latest[key]
    writer.counts.erased += len(erased)

    now = utcnow()
    person_ids: dict[str, int] = {}
    changed: set[str] = set()
    for key, record in latest.items():
        old = existing.get(key)
        values = {"display_name": record.display_name, "kind": record.kind, "locale": record.locale}
        if old is None:
            pid = session.execute(
                _person.insert().returning(_person.c.id),
                {
                    **values,
                    "source": writer.source,
                    "external_id": key,
                    "created_at": now,
                    "updated_at": now,
                },
            ).scalar_one()
            person_ids[key] = int(pid)
            writer.counts.people.created += 1
            continue
        person_ids[key] = old[0]
        if (old[1], old[2], old[3]) != (values["display_name"], values["kind"], values["locale"]):
            session.execute(
                _person.update().where(_person.c.id == old[0]).values(**values, updated_at=now)
            )
            changed.add(key)

    # Attributes: load what the batch's persons have from this source, compare, upsert.
    ids = list(person_ids.values())
    current: dict[tuple[int, str], tuple[int, str, str]] = {}
    rows = rows_by_keys(
        session,
        _attribute,
        ("person_id", "key", "id", "value_type", "value_text"),
        writer.source,
        ids,
        key="person_id",
    )
    for row in rows:
        current[(int(row[0]), row[1])] = (int(row[2]), row[3], row[4])
    inserts: list[dict[str, Any]] = []
    for key, record in latest.items():
        pid = person_ids[key]
        observed = record.observed_at or now
        seen_keys: set[str] = set()
        for attr_key, attr_value in record.attributes:
            if attr_value is None:
                continue
            seen_keys.add(attr_key)
            typed = typed_value(attr_value)
            old_attr = current.get((pid, attr_key))
            if old_attr is None:
                inserts.append(
                    {
                        "person_id": pid,
                        "key": attr_key,
                        "source": writer.source,
                        "observed_at": observed,
                        **typed,
                    }
                )
                if key in existing:
                    changed.add(key)
            elif (old_attr[1], old_attr[2]) != (typed["value_type"], typed["value_text"]):
                session.execute(
                    _attribute.update()
                    .where(_attribute.c.id == old_attr[0])
                    .values(observed_at=observed, **typed)
                )
                changed.add(key)
        # An attribute the source no longer states is removed: the export is the truth.
        stale = [v[0] for (p, k), v in current.items() if p == pid and k not in seen_keys]
        if stale:
            session.execute(_attribute.delete().where(_attribute.c.id.in_(stale)))
            changed.add(key)
    if inserts:
        session.execute(_attribute.insert(), inserts)

    for key, record in latest.items():
        pid = person_ids[key]
        if record.team_path:
            team_id = _ensure_team(writer, session, record.team_path)
            found = session.execute(
                sa.select(_membership.c.id, _membership.c.role, _membership.c.until).where(
                    _membership.c.person_id == pid,
                    _membership.c.team_id == team_id,
                    _membership.c.since.is_(None)
                    if record.team_since is None
                    else _membership.c.since == record.team_since,
                )
            ).first()
            if found is None:
                session.execute(
                    _membership.insert(),
                    {
                        "person_id": pid,
                        "team_id": team_id,
                        "role": record.team_role,
                        "since": record.team_since,
                        "until": record.team_until,
                        "source": writer.source,
                    },
                )
                if key in existing:
                    changed.add(key)
            elif (found[1], found[2]) != (record.team_role, record.team_until):
                session.execute(
                    _membership.update()
                    .where(_membership.c.id == found[0])
                    .values(role=record.team_role, until=record.team_until)
                )
                changed.add(key)
        if _write_declared_identities(writer, session, pid, record) and key in existing:
            changed.add(key)

    for key in latest:
        if key in existing:
            if key in changed:
                writer.counts.people.updated += 1
            else:
                writer.counts.people.unchanged += 1
    writer.touched_persons.update(person_ids.values())
    return rejections


def _write_declared_identities(
    writer: BatchWriter, session: Session, person_id: int, record: PersonRecord
) -> bool:
    """Attach the e-mails and accounts a CRM row declares; return True if anything changed."""
    declared: list[tuple[str, str, str | None, str | None, str]] = []
    for email in record.emails:
        address = email.strip().lower()
        if address:
            declared.append((writer.source, f"email:{address}", None, address, "email"))
    for ident in record.identities:
        declared_email = ident.email.strip().lower() if ident.email else None
        declared.append(
            (ident.source, ident.external_id, ident.handle, declared_email, ident.source)
        )
    changed = False
    now = utcnow()
    for source, external_id, handle, address_or_none, channel_kind in declared:
        row = session.execute(
            sa.select(_identity.c.id, _identity.c.person_id).where(
                _identity.c.source == source, _identity.c.external_id == external_id
            )
        ).first()
        if row is None and writer.any_erased(session) and _was_erased(session, source, external_id):
            # An erased person's account, which a CRM row still lists: left erased.
            writer.counts.erased += 1
            continue
        if row is None:
            session.execute(
                _identity.insert(),
                {
                    "person_id": person_id,
                    "original_person_id": person_id,
                    "source": source,
                    "channel_kind": channel_kind,
                    "external_id": external_id,
                    "handle": handle,
                    "email": address_or_none,
                    "is_bot": False,
                    "created_at": now,
                    "updated_at": now,
                },
            )
            writer.counts.identities.created += 1
            changed = True
        elif int(row[1]) != person_id:
            # The account was seen before under a person of its own: the CRM says it is
            # this person. The merge is done (and audited, reversibly) after the import.
            writer.declared_links.append(
                (person_id, int(row[1]), {"source": source, "external_id": external_id})
            )
    return changed


def _was_erased(session: Session, source: str, external_id: str) -> bool:
    digest = erased_key(source, external_id)
    found = session.execute(
        sa.select(_identity.c.id).where(
            _identity.c.source == source, _identity.c.external_id == digest
        )
    ).first()
    return found is not None
