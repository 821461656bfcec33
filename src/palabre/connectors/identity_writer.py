"""The batch writer's identities: each new one with its person, placeholders for unknown authors."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy.orm import Session

from palabre.connectors.bulk import insert_returning_ids
from palabre.connectors.channel_writer import ChannelWriter
from palabre.connectors.records import IdentityRecord
from palabre.db.base import table_of, utcnow
from palabre.identity.models import Identity, Person

_identity = table_of(Identity)
_person = table_of(Person)
#: columns a bulk insert receives already in the driver's form
_STAMPS = ("created_at", "updated_at")


class IdentityWriter(ChannelWriter):
    """Identities (and their persons) of one import."""

    def _load_identities(self, session: Session, keys: Sequence[str]) -> dict[str, tuple[Any, ...]]:
        return self._load_by_key(
            session,
            _identity,
            ("id", "person_id", "handle", "display_name", "email", "is_bot", "url"),
            keys,
        )

    def _create_identities(
        self, session: Session, records: Sequence[IdentityRecord], person_ids: Sequence[int] | None
    ) -> dict[str, int]:
        """Create identities; each gets a new person unless ``person_ids`` gives one.

        Returns their ids by external id.
        """
        if not records:
            return {}
        # Times in the driver's form (text on SQLite): no bind processing per row.
        now = self._time_param(session)(utcnow())
        if person_ids is None:
            persons = [
                {
                    "kind": r.person_kind,
                    "display_name": r.display_name or r.handle,
                    "locale": r.locale,
                    "created_at": now,
                    "updated_at": now,
                }
                for r in records
            ]
            person_ids = insert_returning_ids(session, _person, persons, prepared=_STAMPS)
        rows = [
            {
                "person_id": pid,
                "original_person_id": pid,
                "source": self.source,
                "channel_kind": self.source_kind,
                "external_id": r.external_id,
                "handle": r.handle,
                "display_name": r.display_name,
                "email": r.email.strip().lower() if r.email else None,
                "is_bot": r.is_bot,
                "url": r.url,
                "created_at": now,
                "updated_at": now,
            }
            for r, pid in zip(records, person_ids, strict=True)
        ]
        ids = insert_returning_ids(session, _identity, rows, prepared=_STAMPS)
        created = {str(row["external_id"]): number for number, row in zip(ids, rows, strict=True)}
        self._identities.update(created)
        self.touched_persons.update(person_ids)
        return created

    def _write_identities(self, session: Session, records: Sequence[IdentityRecord]) -> None:
        latest = {r.external_id: r for r in records}
        existing = self._load_identities(session, list(latest))
        erased = self.erased_ids_by_key(
            session, _identity, [key for key in latest if key not in existing]
        )
        new: list[IdentityRecord] = []
        for key, record in latest.items():
            row = existing.get(key)
            if row is None:
                if key in erased:
                    # An erased person's account: nothing it says is written again.
                    self._identities.put(key, erased[key])
                    self.erased_identities.add(erased[key])
                    self.counts.erased += 1
                else:
                    new.append(record)
                continue
            identity_id, person_id = int(row[0]), int(row[1])
            self._identities.put(key, identity_id)
            values = {
                "handle": record.handle,
                "display_name": record.display_name,
                "email": record.email.strip().lower() if record.email else None,
                "is_bot": record.is_bot,
                "url": record.url,
            }
            old = dict(
                zip(("handle", "display_name", "email", "is_bot", "url"), row[2:], strict=True)
            )
            # A placeholder made for an unknown author only knows its id: fill it, keep the rest.
            values = {k: (v if v is not None else old[k]) for k, v in values.items()}
            if old == values:
                self.counts.identities.unchanged += 1
                continue
            session.execute(
                _identity.update()
                .where(_identity.c.id == identity_id)
                .values(**values, updated_at=utcnow())
            )
            self._fill_person(session, person_id, record)
            self.touched_persons.add(person_id)
            self.counts.identities.updated += 1
        self._create_identities(session, new, None)
        self.counts.identities.created += len(new)

    def _fill_person(self, session: Session, person_id: int, record: IdentityRecord) -> None:
        # A person created from a bare placeholder learns its name and kind later.
        session.execute(
            _person.update()
            .where(_person.c.id == person_id, _person.c.display_name.is_(None))
            .values(display_name=record.display_name or record.handle)
        )
        if record.person_kind != "unknown":
            session.execute(
                _person.update()
                .where(_person.c.id == person_id, _person.c.kind == "unknown")
                .values(kind=record.person_kind)
            )

    def ensure_identities(self, session: Session, keys: Iterable[str]) -> dict[str, int]:
        """The identity ids of ``keys`` (this source's external ids), from the cache,
        the database, or a placeholder identity created for an unknown one."""
        wanted = set(keys)
        ids = self._identities.found(wanted)
        if len(ids) == len(wanted):
            return ids
        missing = sorted(key for key in wanted if key not in ids)
        existing = self._ids_by_key(session, _identity, missing)
        # An account of an erased person is found by its digest: no new person is made
        # for it, and its messages are left out (palabre.privacy.erasure).
        erased = self.erased_ids_by_key(
            session, _identity, [key for key in missing if key not in existing]
        )
        self.erased_identities.update(erased.values())
        existing.update(erased)
        self._identities.update(existing)
        ids.update(existing)
        placeholders = [IdentityRecord(external_id=key) for key in missing if key not in existing]
        ids.update(self._create_identities(session, placeholders, None))
        self.counts.identities.created += len(placeholders)
        return ids

    def identity_id(self, key: str) -> int:
        value = self._identities.get(key)
        assert value is not None, f"identity {key!r} was not ensured"
        return value
