"""Write batches of canonical records into the store, fast and idempotently.

The writer uses SQLAlchemy Core with set-based statements (one ``SELECT ... IN``
and one ``executemany`` per table and batch) because the ORM's per-object work
would cap imports far below the 50,000 messages/s the project aims at.

Idempotency: every object is keyed by ``(source, external_id)``. A message whose
content digest is unchanged is counted *unchanged* and not rewritten; a changed one
is *updated* (its reactions and mentions replaced). Each message remembers the last
import run that saw it, which is how a duplicate id inside one file is caught even
when the two copies land in different batches.

Memory stays bounded whatever the input size: the id caches are LRU-bounded and
anything not in them is looked up in the database, one query per batch.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.orm import Session

from palabre.connectors.bulk import (
    LRU,
    BulkInsert,
    aware_time,
    chunks,
    insert_returning_ids,
    sqlite_time,
    utc,
)
from palabre.connectors.column_writer import write_message_columns
from palabre.connectors.counts import Counts, Tally
from palabre.connectors.digests import message_digest
from palabre.connectors.records import (
    ChannelRecord,
    IdentityRecord,
    MessageColumns,
    MessageRecord,
    PersonRecord,
    Rejection,
    ThreadRecord,
)
from palabre.db.base import table_of, utcnow
from palabre.fabric.models import Channel, Mention, Message, Reaction, Thread
from palabre.identity.models import Identity, Person

#: how many ids the writer keeps in memory per kind of object
CACHE_SIZE = 200_000
#: threads remembered: a thread's messages mostly come close together, and one missed
#: is looked up; half the other caches, as a 5 M import (1.4 M threads) neared 300 MB
THREAD_CACHE_SIZE = 100_000
#: recent messages remembered for linking replies (most follow their parent closely; an
#: older parent is looked up): smaller than the other caches, which bound the memory
MESSAGE_CACHE_SIZE = 60_000
#: replies left unlinked that the writer remembers by id, to link them at the end with
#: statements proportional to their number; past it, the end scans the source's replies
PENDING_REPLIES_LIMIT = 200_000

_channel = table_of(Channel)
_thread = table_of(Thread)
_message = table_of(Message)
_identity = table_of(Identity)
_person = table_of(Person)
_reaction = table_of(Reaction)
_mention = table_of(Mention)


_MESSAGE_COLUMNS = (
    "source",
    "external_id",
    "channel_id",
    "thread_id",
    "author_identity_id",
    "reply_to_external_id",
    "reply_to_id",
    "created_at",
    "edited_at",
    "title",
    "text",
    "language",
    "url",
    "attachments",
    "content_hash",
    "import_run_id",
    "imported_at",
)
_RECORD_KINDS = (
    ChannelRecord,
    IdentityRecord,
    ThreadRecord,
    MessageRecord,
    PersonRecord,
    Rejection,
)
#: columns a bulk insert receives already in the driver's form
_STAMPS = ("created_at", "updated_at")
_THREAD_COLUMNS = ("source", "external_id", "channel_id", "title", "url", "created_at")


class BatchWriter:
    """Write records of one import (one source) into the database, batch by batch."""

    def __init__(self, *, source: str, source_kind: str, default_channel_kind: str, run_id: int):
        self.source = source
        self.source_kind = source_kind
        self.default_channel_kind = default_channel_kind
        self.run_id = run_id
        self.counts = Counts()
        self.rejections: list[Rejection] = []
        self._channels: dict[str, int] = {}
        self._identities: LRU[str, int] = LRU(CACHE_SIZE)
        self._threads: LRU[str, int] = LRU(THREAD_CACHE_SIZE)
        self._teams: dict[str, int] = {}
        self._inserters: dict[tuple[str, tuple[str, ...]], BulkInsert] = {}
        self._fresh: bool | None = None
        #: ids of this source's messages met lately (external id -> id): most replies
        #: follow their parent closely, and are linked as they are inserted
        self._message_ids: LRU[str, int] = LRU(MESSAGE_CACHE_SIZE)
        #: replies linked to their parent when inserted (SQLite), and replies left for
        #: :meth:`resolve_replies` (a parent later in the input, or not in the store)
        self.replies_linked = 0
        self._replies_pending = False
        #: external ids of the replies left unlinked (up to PENDING_REPLIES_LIMIT)
        self._pending_replies: list[str] = []
        #: persons touched by this import, for the automatic identity rules afterwards
        self.touched_persons: set[int] = set()
        #: (CRM person, other person, evidence): accounts a CRM row declares as its own
        self.declared_links: list[tuple[int, int, dict[str, str]]] = []

    # -- entry point -----------------------------------------------------------------

    def write(self, session: Session, batch: Sequence[object]) -> list[Rejection]:
        """Write one batch in the session's transaction; return the rejections it produced."""
        # One pass sorting by exact type (six isinstance passes cost more on big batches).
        sorted_: dict[type, list[Any]] = {kind: [] for kind in _RECORD_KINDS}
        for record in batch:
            kind = type(record)
            if kind not in sorted_:
                kind = next((k for k in _RECORD_KINDS if isinstance(record, k)), kind)
            sorted_.setdefault(kind, []).append(record)
        channels: list[ChannelRecord] = sorted_[ChannelRecord]
        identities: list[IdentityRecord] = sorted_[IdentityRecord]
        threads: list[ThreadRecord] = sorted_[ThreadRecord]
        messages: list[MessageRecord] = sorted_[MessageRecord]
        people: list[PersonRecord] = sorted_[PersonRecord]
        rejections: list[Rejection] = sorted_[Rejection]
        if channels:
            self._write_channels(session, channels)
        if identities:
            self._write_identities(session, identities)
        if people:
            rejections += self._write_people(session, people)
        if threads or messages:
            self.ensure_channels(session, [m.channel_external_id for m in messages])
            self.ensure_channels(session, [t.channel_external_id for t in threads])
        if threads:
            self._write_threads(session, threads)
        if messages:
            rejections += self.write_message_records(session, messages)
        for columns in sorted_.get(MessageColumns, ()):
            rejections += write_message_columns(self, session, columns)
        return rejections

    # -- channels --------------------------------------------------------------------

    def _load_by_key(
        self, session: Session, table: sa.Table, columns: Sequence[str], keys: Sequence[str]
    ) -> dict[str, tuple[Any, ...]]:
        """Rows of ``table`` of this source whose external id is in ``keys``: id -> columns."""
        found: dict[str, tuple[Any, ...]] = {}
        selected = [table.c.external_id, *(table.c[name] for name in columns)]
        for chunk in chunks(list(keys)):
            rows = session.execute(
                sa.select(*selected).where(
                    table.c.source == self.source, table.c.external_id.in_(chunk)
                )
            )
            for row in rows:
                found[row[0]] = tuple(row[1:])
        return found

    def _load_channels(self, session: Session, keys: Sequence[str]) -> dict[str, tuple[Any, ...]]:
        return self._load_by_key(
            session,
            _channel,
            ("id", "name", "kind", "visibility", "topic", "url", "created_at"),
            keys,
        )

    def _write_channels(self, session: Session, records: Sequence[ChannelRecord]) -> None:
        latest = {r.external_id: r for r in records}
        existing = self._load_channels(session, list(latest))
        for key, record in latest.items():
            values = {
                "name": record.name,
                "kind": record.kind,
                "visibility": record.visibility,
                "topic": record.topic,
                "url": record.url,
                "created_at": utc(record.created_at),
            }
            row = existing.get(key)
            if row is None:
                result = session.execute(
                    _channel.insert().returning(_channel.c.id),
                    {
                        **values,
                        "source": self.source,
                        "source_kind": self.source_kind,
                        "external_id": key,
                        "imported_at": utcnow(),
                    },
                )
                self._channels[key] = int(result.scalar_one())
                self.counts.channels.created += 1
                continue
            self._channels[key] = int(row[0])
            old = dict(
                zip(
                    ("name", "kind", "visibility", "topic", "url", "created_at"),
                    row[1:],
                    strict=True,
                )
            )
            if old == values:
                self.counts.channels.unchanged += 1
            else:
                session.execute(_channel.update().where(_channel.c.id == row[0]).values(**values))
                self.counts.channels.updated += 1

    def ensure_channels(self, session: Session, keys: Iterable[str]) -> None:
        missing = sorted({k for k in keys if k not in self._channels})
        if not missing:
            return
        existing = self._load_channels(session, missing)
        for key in missing:
            if key in existing:
                self._channels[key] = int(existing[key][0])
                continue
            # A message names a channel the source never declared: create it plainly.
            result = session.execute(
                _channel.insert().returning(_channel.c.id),
                {
                    "source": self.source,
                    "source_kind": self.source_kind,
                    "external_id": key,
                    "name": key,
                    "kind": self.default_channel_kind,
                    "visibility": "public",
                    "imported_at": utcnow(),
                },
            )
            self._channels[key] = int(result.scalar_one())
            self.counts.channels.created += 1

    # -- identities ------------------------------------------------------------------

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
        new: list[IdentityRecord] = []
        for key, record in latest.items():
            row = existing.get(key)
            if row is None:
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
        existing = self._load_identities(session, missing)
        placeholders: list[IdentityRecord] = []
        for key in missing:
            row = existing.get(key)
            if row is not None:
                ids[key] = int(row[0])
                self._identities.put(key, ids[key])
            else:
                placeholders.append(IdentityRecord(external_id=key))
        ids.update(self._create_identities(session, placeholders, None))
        self.counts.identities.created += len(placeholders)
        return ids

    # -- threads ---------------------------------------------------------------------

    def _load_threads(self, session: Session, keys: Sequence[str]) -> dict[str, tuple[Any, ...]]:
        return self._load_by_key(
            session, _thread, ("id", "channel_id", "title", "url", "created_at"), keys
        )

    def _write_threads(self, session: Session, records: Sequence[ThreadRecord]) -> None:
        latest = {r.external_id: r for r in records}
        existing = self._load_threads(session, list(latest))
        new_rows: list[dict[str, Any]] = []
        for key, record in latest.items():
            values = {
                "channel_id": self._channels[record.channel_external_id],
                "title": record.title,
                "url": record.url,
                "created_at": utc(record.created_at),
            }
            row = existing.get(key)
            if row is None:
                new_rows.append({**values, "source": self.source, "external_id": key})
                continue
            self._threads.put(key, int(row[0]))
            old = dict(zip(("channel_id", "title", "url", "created_at"), row[1:], strict=True))
            if old == values:
                self.counts.threads.unchanged += 1
            else:
                session.execute(_thread.update().where(_thread.c.id == row[0]).values(**values))
                self.counts.threads.updated += 1
        self.insert_threads(session, new_rows)

    def _bulk(
        self,
        session: Session,
        table: sa.Table,
        columns: Sequence[str],
        prepared: Sequence[str] = (),
    ) -> BulkInsert:
        key = (table.name, tuple(columns))
        inserter = self._inserters.get(key)
        if inserter is None:
            inserter = BulkInsert(table, columns, session.get_bind().dialect, prepared)
            self._inserters[key] = inserter
        return inserter

    def _time_param(self, session: Session) -> Callable[[dt.datetime | None], Any]:
        """How a timestamp is passed to this database's driver by :class:`BulkInsert`."""
        if session.get_bind().dialect.name == "sqlite":
            return sqlite_time
        return aware_time

    def _json_param(self, session: Session) -> Callable[[Any], Any]:
        """How a JSON value is passed to this database's driver by :class:`BulkInsert`."""
        processor = _message.c.attachments.type._cached_bind_processor(session.get_bind().dialect)
        if session.get_bind().dialect.name == "sqlite":
            return lambda value: orjson.dumps(value).decode()
        return processor if processor is not None else (lambda value: value)

    def fresh_source(self, session: Session) -> bool:
        """True when the source held no message when this import started.

        Then every thread or message this import meets is new, unless the input
        repeats itself: lookups before inserting are skipped (inserts that ignore
        conflicts detect the repeats instead), which saves a query per batch and table.
        """
        if self._fresh is None:
            found = session.scalar(
                sa.select(_message.c.id).where(_message.c.source == self.source).limit(1)
            )
            self._fresh = found is None
        return self._fresh

    def insert_threads(
        self, session: Session, rows: list[dict[str, Any]], *, ignore_conflicts: bool = False
    ) -> dict[str, int]:
        """Insert thread rows (a repeat is skipped with ``ignore_conflicts``); return the
        ids of their external ids."""
        if not rows:
            return {}
        as_time = self._time_param(session)
        params = [
            (
                row["source"],
                row["external_id"],
                row["channel_id"],
                row["title"],
                row["url"],
                as_time(row["created_at"]),
            )
            for row in rows
        ]
        sqlite = session.get_bind().dialect.name == "sqlite"
        before = self._max_id(session, _thread) if sqlite else 0
        # executemany, then the ids: RETURNING with guaranteed order makes SQLite fall
        # back to one statement per row.
        inserted = self._bulk(session, _thread, _THREAD_COLUMNS, prepared=("created_at",)).run(
            session, params, ignore_conflicts=ignore_conflicts
        )
        self.counts.threads.created += inserted
        if sqlite and inserted == len(rows) and self._max_id(session, _thread) == before + inserted:
            # SQLite gave max + 1, + 2... in order (this import holds the write lock), as
            # checked just now: no need to read the ids back.
            placed = {
                row["external_id"]: number for number, row in enumerate(rows, start=before + 1)
            }
            self._threads.update(placed)
            return placed
        keys = [row["external_id"] for row in rows]
        placed = {}
        for chunk in chunks(keys):
            found = session.execute(
                sa.select(_thread.c.external_id, _thread.c.id).where(
                    _thread.c.source == self.source, _thread.c.external_id.in_(chunk)
                )
            )
            placed.update((external_id, int(thread_id)) for external_id, thread_id in found)
        self._threads.update(placed)
        return placed

    @staticmethod
    def _max_id(session: Session, table: sa.Table) -> int:
        return int(session.scalar(sa.select(sa.func.max(table.c.id))) or 0)

    def _ensure_threads(self, session: Session, messages: Sequence[MessageRecord]) -> None:
        first_of: dict[str, MessageRecord] = {}
        for m in messages:
            key = m.thread_external_id or m.external_id
            # The root describes its thread (title, url, start time): prefer it to a reply
            # of the same batch that came first in the file, which would leave the thread
            # untitled and starting at the reply's time.
            if key not in first_of or m.external_id == key:
                first_of[key] = m
        # The cache is asked once per thread of the batch, not once per message.
        known = self._threads
        wanted = {key: m for key, m in first_of.items() if key not in known}
        if not wanted:
            return
        fresh = self.fresh_source(session)
        existing = {} if fresh else self._load_threads(session, list(wanted))
        new_rows: list[dict[str, Any]] = []
        for key, first in wanted.items():
            row = existing.get(key)
            if row is not None:
                self._threads.put(key, int(row[0]))
                continue
            is_root = key == first.external_id
            new_rows.append(
                {
                    "source": self.source,
                    "external_id": key,
                    "channel_id": self._channels[first.channel_external_id],
                    "title": first.title if is_root else None,
                    "url": first.url if is_root else None,
                    "created_at": first.created_at,
                }
            )
        self.insert_threads(session, new_rows, ignore_conflicts=fresh)

    # -- messages --------------------------------------------------------------------

    def write_message_records(
        self, session: Session, records: Sequence[MessageRecord]
    ) -> list[Rejection]:
        rejections: list[Rejection] = []
        # Inside one batch the first copy of an id wins; later copies are duplicates.
        unique: dict[str, MessageRecord] = {}
        for record in records:
            if record.external_id in unique:
                rejections.append(_duplicate(record))
            else:
                unique[record.external_id] = record
        batch = list(unique.values())
        authors: set[str] = set()
        for m in batch:
            if m.author_external_id:
                authors.add(m.author_external_id)
            authors.update(m.mentions)
            authors.update(r.author_external_id for r in m.reactions if r.author_external_id)
        self.ensure_identities(session, authors)
        self._ensure_threads(session, batch)
        # Ids of this batch's authors and threads in plain dicts: one cache lookup per
        # author or thread instead of one per message (the caches keep what was just
        # ensured: see LRU.__contains__).
        author_ids = {key: self.identity_id(key) for key in authors}
        thread_ids = {
            key: self.thread_id(key)
            for key in {m.thread_external_id or m.external_id for m in batch}
        }

        existing: dict[str, tuple[int, str, int | None, int | None]] = {}
        fresh = self.fresh_source(session)
        for chunk in [] if fresh else chunks(list(unique)):
            rows = session.execute(
                sa.select(
                    _message.c.external_id,
                    _message.c.id,
                    _message.c.content_hash,
                    _message.c.import_run_id,
                    _message.c.reply_to_id,
                ).where(_message.c.source == self.source, _message.c.external_id.in_(chunk))
            )
            for row in rows:
                existing[row[0]] = (int(row[1]), row[2], row[3], row[4])

        inserts: list[tuple[Any, ...]] = []
        insert_records: list[MessageRecord] = []
        updated_ids: list[int] = []
        unchanged_ids: list[int] = []
        # On SQLite an insert's ids are known before it runs (see _link_parents): a reply
        # gets its parent's id in the row itself instead of an UPDATE after the import.
        linking = session.get_bind().dialect.name == "sqlite"
        # Only the messages to insert look their parent up (a re-import skips it).
        parents = (
            self._parent_ids(session, [m for m in batch if m.external_id not in existing])
            if linking
            else {}
        )
        before = 0
        if linking or fresh:
            before = int(session.scalar(sa.select(sa.func.max(_message.c.id))) or 0)
        in_batch: dict[str, int] = {}
        linked_here = 0
        # Values go to the driver as they are stored (see BulkInsert): times are
        # formatted here once, in the form this database keeps them.
        as_time = self._time_param(session)
        now = as_time(utcnow())
        # JSON as the driver takes it: text for SQLite, a wrapped value for psycopg.
        as_json = self._json_param(session)
        channels = self._channels
        source = self.source
        run_id = self.run_id
        for m in batch:
            thread_key = m.thread_external_id or m.external_id
            digest = m.digest or message_digest(m, thread_key)
            old = existing.get(m.external_id)
            if old is not None and old[2] == run_id:
                rejections.append(_duplicate(m))
                continue
            if old is not None and old[1] == digest:
                unchanged_ids.append(old[0])
                if m.reply_to_external_id is not None and old[3] is None:
                    # Stored unlinked by an earlier run (its parent came later, or an
                    # import stopped in between): its parent may be stored now.
                    self.pend_reply(m.external_id)
                continue
            attachments = (
                [
                    {"name": a.name, "url": a.url, "mimetype": a.mimetype, "size": a.size}
                    for a in m.attachments
                ]
                if m.attachments
                else None
            )
            author = author_ids[m.author_external_id] if m.author_external_id else None
            if old is None:
                parent_id = None
                if linking:
                    # Only a parent stored before, or earlier in this insert: its row
                    # exists when this one is checked against the foreign key.
                    in_batch[m.external_id] = before + len(inserts) + 1
                    target = m.reply_to_external_id
                    if target is not None and target != m.external_id:
                        parent_id = parents.get(target)
                        if parent_id is None and target in in_batch:
                            parent_id = in_batch[target]
                        if parent_id is not None:
                            linked_here += 1
                if m.reply_to_external_id is not None and parent_id is None:
                    self.pend_reply(m.external_id)
                inserts.append(
                    (
                        source,
                        m.external_id,
                        channels[m.channel_external_id],
                        thread_ids[thread_key],
                        author,
                        m.reply_to_external_id,
                        parent_id,
                        as_time(m.created_at),
                        as_time(m.edited_at),
                        m.title,
                        m.text,
                        m.language,
                        m.url,
                        as_json(attachments) if attachments is not None else None,
                        digest,
                        run_id,
                        now,
                    )
                )
                insert_records.append(m)
                continue
            # An edited message: rewrite it, and its reactions and mentions below.
            session.execute(
                _message.update()
                .where(_message.c.id == old[0])
                .values(
                    channel_id=channels[m.channel_external_id],
                    thread_id=thread_ids[thread_key],
                    author_identity_id=author,
                    reply_to_external_id=m.reply_to_external_id,
                    reply_to_id=None,
                    created_at=_as_datetime(m.created_at),
                    edited_at=_as_datetime(m.edited_at),
                    title=m.title,
                    text=m.text,
                    language=m.language,
                    url=m.url,
                    attachments=attachments,
                    content_hash=digest,
                    import_run_id=run_id,
                    imported_at=utcnow(),
                )
            )
            session.execute(_reaction.delete().where(_reaction.c.message_id == old[0]))
            session.execute(_mention.delete().where(_mention.c.message_id == old[0]))
            updated_ids.append(old[0])
            if m.reply_to_external_id is not None:
                self.pend_reply(m.external_id)
            self._write_reactions_mentions(session, old[0], m)
        if inserts:
            if linking:
                # A repeated id skipped by the insert shifts the ids of the rows after
                # it: links made on the expected ids are put right before the commit.
                session.connection().exec_driver_sql("PRAGMA defer_foreign_keys = ON")
            inserted = self.message_inserter(session).run(session, inserts, ignore_conflicts=fresh)
            if inserted != len(inserts):
                # The input repeats ids of earlier batches: those rows (ids up to
                # ``before``) were kept as they were; report the repeats.
                repeated = self.stored_before(session, insert_records, before)
                rejections.extend(
                    _duplicate(m) for m in insert_records if m.external_id in repeated
                )
                insert_records = [m for m in insert_records if m.external_id not in repeated]
                inserts = [row for row in inserts if row[1] not in repeated]
                if linking:
                    linked_here = self.relink(session, insert_records)
                    in_batch = {}
            elif linking and in_batch:
                # The ids were foreseen as max + 1, + 2...: check rather than assume.
                top = int(session.scalar(sa.select(sa.func.max(_message.c.id))) or 0)
                if top != before + len(inserts):
                    linked_here = self.relink(session, insert_records)
                    in_batch = {}
            self.replies_linked += linked_here
            self._message_ids.update(in_batch)
            with_children = [m for m in insert_records if m.reactions or m.mentions]
            if with_children:
                ids: dict[str, int] = {}
                for chunk in chunks([m.external_id for m in with_children]):
                    found = session.execute(
                        sa.select(_message.c.external_id, _message.c.id).where(
                            _message.c.source == self.source, _message.c.external_id.in_(chunk)
                        )
                    )
                    ids.update((external_id, int(mid)) for external_id, mid in found)
                for m in with_children:
                    self._write_reactions_mentions(session, ids[m.external_id], m)
        for chunk in chunks(unchanged_ids):
            # Mark them as seen by this run: a later copy in the same file is then a duplicate.
            session.execute(
                _message.update().where(_message.c.id.in_(chunk)).values(import_run_id=self.run_id)
            )
        self._flush_children(session)
        self.counts.messages.created += len(inserts)
        self.counts.messages.updated += len(updated_ids)
        self.counts.messages.unchanged += len(unchanged_ids)
        return rejections

    def stored_before(
        self, session: Session, records: Sequence[MessageRecord], before: int
    ) -> set[str]:
        """The ids among ``records`` already stored with a row id up to ``before``."""
        repeated: set[str] = set()
        for chunk in chunks([m.external_id for m in records]):
            rows = session.execute(
                sa.select(_message.c.external_id).where(
                    _message.c.source == self.source,
                    _message.c.external_id.in_(chunk),
                    _message.c.id <= before,
                )
            )
            repeated.update(row[0] for row in rows)
        return repeated

    _pending_reactions: list[dict[str, Any]]
    _pending_mentions: list[dict[str, Any]]

    def _write_reactions_mentions(
        self, session: Session, message_id: int, m: MessageRecord
    ) -> None:
        if not hasattr(self, "_pending_reactions"):
            self._pending_reactions = []
            self._pending_mentions = []
        for r in m.reactions:
            self._pending_reactions.append(
                {
                    "message_id": message_id,
                    "identity_id": (
                        self.identity_id(r.author_external_id) if r.author_external_id else None
                    ),
                    "emoji": r.emoji,
                    "created_at": utc(r.created_at),
                }
            )
        for mention in dict.fromkeys(m.mentions):
            self._pending_mentions.append(
                {"message_id": message_id, "identity_id": self.identity_id(mention)}
            )

    def _flush_children(self, session: Session) -> None:
        reactions = getattr(self, "_pending_reactions", [])
        mentions = getattr(self, "_pending_mentions", [])
        if reactions:
            session.execute(_reaction.insert(), reactions)
            self.counts.reactions += len(reactions)
        if mentions:
            session.execute(_mention.insert(), mentions)
            self.counts.mentions += len(mentions)
        self._pending_reactions = []
        self._pending_mentions = []

    @property
    def channel_ids(self) -> dict[str, int]:
        """Ids of the channels met so far, by external id (see :meth:`ensure_channels`)."""
        return self._channels

    def cached_thread_ids(self, keys: Iterable[str]) -> dict[str, int]:
        """The ids of the threads of ``keys`` that the cache holds (see :meth:`LRU.found`)."""
        return self._threads.found(keys)

    def remember_message_ids(self, ids: dict[str, int]) -> None:
        """Cache the ids of messages just stored, for the replies that follow them."""
        self._message_ids.update(ids)

    def message_inserter(self, session: Session) -> BulkInsert:
        """The bulk insert of message rows (tuples in ``_MESSAGE_COLUMNS`` order, values
        in the driver's form)."""
        return self._bulk(
            session,
            _message,
            _MESSAGE_COLUMNS,
            prepared=("created_at", "edited_at", "imported_at", "attachments"),
        )

    @staticmethod
    def duplicate(record: MessageRecord) -> Rejection:
        """The rejection of a message whose id an earlier record of the import has."""
        return _duplicate(record)

    def identity_id(self, key: str) -> int:
        value = self._identities.get(key)
        assert value is not None, f"identity {key!r} was not ensured"
        return value

    def thread_id(self, key: str) -> int:
        value = self._threads.get(key)
        assert value is not None, f"thread {key!r} was not ensured"
        return value

    def _parent_ids(self, session: Session, batch: Sequence[MessageRecord]) -> dict[str, int]:
        """Ids of the stored parents the replies of ``batch`` name (recent ones from the
        cache, the others looked up)."""
        in_batch = {m.external_id for m in batch}
        return self.stored_message_ids(
            session,
            dict.fromkeys(
                m.reply_to_external_id
                for m in batch
                if m.reply_to_external_id is not None and m.reply_to_external_id not in in_batch
            ),
        )

    def stored_message_ids(self, session: Session, keys: Iterable[str]) -> dict[str, int]:
        """Ids of this source's stored messages among ``keys`` (recent ones from the cache,
        the others looked up); a key not stored is absent."""
        found: dict[str, int] = {}
        missing: list[str] = []
        for target in keys:
            known = self._message_ids.get(target)
            if known is None:
                missing.append(target)
            else:
                found[target] = known
        for chunk in chunks(list(dict.fromkeys(missing))):
            rows = session.execute(
                sa.select(_message.c.external_id, _message.c.id).where(
                    _message.c.source == self.source, _message.c.external_id.in_(chunk)
                )
            )
            for external_id, message_id in rows:
                found[external_id] = int(message_id)
                self._message_ids.put(external_id, int(message_id))
        return found

    def relink(self, session: Session, records: Sequence[MessageRecord]) -> int:
        """Set the parent of the replies just inserted from the ids actually stored.

        Used when the insert skipped repeated rows, so the ids it gave are not the ones
        expected. Returns how many replies have a parent.
        """
        replies = [m for m in records if m.reply_to_external_id is not None]
        if not replies:
            return 0
        keys = {m.external_id for m in replies} | {
            m.reply_to_external_id for m in replies if m.reply_to_external_id is not None
        }
        ids: dict[str, int] = {}
        for chunk in chunks(list(keys)):
            rows = session.execute(
                sa.select(_message.c.external_id, _message.c.id).where(
                    _message.c.source == self.source, _message.c.external_id.in_(chunk)
                )
            )
            ids.update((external_id, int(message_id)) for external_id, message_id in rows)
        updates = []
        linked = 0
        for m in replies:
            target = m.reply_to_external_id
            parent = ids.get(target) if target is not None and target != m.external_id else None
            linked += parent is not None
            if parent is None:
                self.pend_reply(m.external_id)
            updates.append({"row_id": ids[m.external_id], "parent": parent})
        session.execute(
            _message.update()
            .where(_message.c.id == sa.bindparam("row_id"))
            .values(reply_to_id=sa.bindparam("parent")),
            updates,
        )
        return linked

    def release_caches(self) -> None:
        """Forget the cached ids (after the last batch: lookups would refill them)."""
        self._identities = LRU(CACHE_SIZE)
        self._threads = LRU(THREAD_CACHE_SIZE)
        self._message_ids = LRU(MESSAGE_CACHE_SIZE)

    def pend_reply(self, external_id: str) -> None:
        """Remember a reply stored without its parent, for :meth:`resolve_replies`."""
        self._replies_pending = True
        if len(self._pending_replies) <= PENDING_REPLIES_LIMIT:
            self._pending_replies.append(external_id)

    def resolve_replies(self, session: Session) -> int:
        """Link replies to parents stored since (the parent may come after the reply).

        Returns every reply this import linked, when inserted or here. The statements
        touch the replies this import left unlinked, by id, not the whole source (at
        5 M messages a full UPDATE held one transaction for minutes); past
        ``PENDING_REPLIES_LIMIT`` such replies it falls back to one statement over the
        source's unlinked replies.
        """
        if not self._replies_pending:
            return self.replies_linked
        parent = _message.alias("parent")
        parent_id = (
            sa.select(parent.c.id)
            .where(
                parent.c.source == _message.c.source,
                parent.c.external_id == _message.c.reply_to_external_id,
            )
            .scalar_subquery()
        )
        # Only rows whose parent is stored: without this, every reply to a message
        # outside the store (an e-mail of another list, a toot of another server) was
        # rewritten to NULL on each import and counted as linked.
        has_parent = (
            sa.exists()
            .where(
                parent.c.source == _message.c.source,
                parent.c.external_id == _message.c.reply_to_external_id,
            )
            .correlate(_message)
        )
        unlinked = _message.update().where(
            _message.c.source == self.source,
            _message.c.reply_to_id.is_(None),
            _message.c.reply_to_external_id.is_not(None),
            has_parent,
        )
        linked = 0
        if len(self._pending_replies) > PENDING_REPLIES_LIMIT:
            result = session.execute(unlinked.values(reply_to_id=parent_id))
            linked = int(result.rowcount or 0)  # type: ignore[attr-defined]
        else:
            for chunk in chunks(sorted(set(self._pending_replies))):
                result = session.execute(
                    unlinked.where(_message.c.external_id.in_(chunk)).values(reply_to_id=parent_id)
                )
                linked += int(result.rowcount or 0)  # type: ignore[attr-defined]
        return self.replies_linked + linked

    # -- people (CRM / HR) -----------------------------------------------------------

    def _write_people(self, session: Session, records: Sequence[PersonRecord]) -> list[Rejection]:
        from palabre.connectors.people_writer import write_people

        return write_people(self, session, records)


def _as_datetime(value: dt.datetime | str | None) -> dt.datetime | None:
    """An aware time from a record, whose times may come as SQLite text (parallel.py)."""
    if isinstance(value, str):
        return dt.datetime.fromisoformat(value).replace(tzinfo=dt.UTC)
    return utc(value)


def _duplicate(record: MessageRecord) -> Rejection:
    return Rejection(
        # Where the connector read it (file:line) when it says so: the user opens that.
        location=record.location or f"message {record.external_id}",
        field="id",
        reason=f"duplicate id '{record.external_id}': an earlier record of this import has it",
        external_id=record.external_id,
    )


__all__ = ["LRU", "BatchWriter", "Counts", "Tally", "message_digest"]
