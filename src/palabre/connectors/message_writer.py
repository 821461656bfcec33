"""The batch writer's messages as records: new ones inserted in bulk, edited ones
rewritten, unchanged ones marked as seen, with their reactions and mentions.

Column batches of the generic connector take :mod:`.column_writer` first.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from palabre.connectors.bulk import BulkInsert, chunks, rows_by_keys, utc
from palabre.connectors.digests import message_digest
from palabre.connectors.records import MessageRecord, Rejection
from palabre.connectors.reply_links import ReplyLinker
from palabre.db.base import table_of, utcnow
from palabre.fabric.models import Mention, Message, Reaction
from palabre.privacy.erasure_keys import ERASED_CONTENT

_message = table_of(Message)
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
#: built once (see bulk.keyed_select for why)
_MARK_SEEN = (
    _message.update()
    .where(_message.c.id.in_(sa.bindparam("ids", expanding=True)))
    .values(import_run_id=sa.bindparam("run_id"))
)


class MessageWriter(ReplyLinker):
    """Messages (records) of one import."""

    def _without_erased(self, batch: list[MessageRecord]) -> list[MessageRecord]:
        """The messages of ``batch`` whose author was not erased; the others are counted.

        An erased person's messages are neither written again nor imported anew: the
        erasure holds for every later import of the same source.
        """
        erased = self.erased_identities
        kept = [
            m
            for m in batch
            if not m.author_external_id or self.identity_id(m.author_external_id) not in erased
        ]
        self.counts.erased += len(batch) - len(kept)
        return kept

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
        if self.erased_identities:
            batch = self._without_erased(batch)
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
        for row in rows_by_keys(
            session,
            _message,
            ("external_id", "id", "content_hash", "import_run_id", "reply_to_id"),
            self.source,
            [] if fresh else unique,
        ):
            existing[row[0]] = (int(row[1]), row[2], row[3], row[4])

        inserts: list[tuple[Any, ...]] = []
        insert_records: list[MessageRecord] = []
        updated_ids: list[int] = []
        unchanged_ids: list[int] = []
        # An insert's ids are known before it runs: a reply gets its parent's id in the
        # row itself instead of an UPDATE after the import. SQLite gives max + 1, + 2...
        # (checked after the insert); PostgreSQL's ids are taken from the sequence first
        # and written in the rows. An UPDATE there was the import's main cost: the row is
        # written again with every index entry, its text's trigrams included.
        sqlite = session.get_bind().dialect.name == "sqlite"
        new_records = [m for m in batch if m.external_id not in existing]
        # Only the messages to insert look their parent up (a re-import skips it). On
        # PostgreSQL a parent already stored is preferred to one of this batch: a row of
        # the batch whose id was stored by an earlier batch is skipped by the insert, and
        # a link to its reserved id would break the foreign key at once (SQLite defers
        # the check until the links are put right).
        parents = (
            self._parent_ids(session, new_records)
            if sqlite
            else self.stored_message_ids(
                session,
                dict.fromkeys(
                    m.reply_to_external_id for m in new_records if m.reply_to_external_id
                ),
            )
        )
        reserved = [] if sqlite else self._reserve_ids(session, len(new_records))
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
            if old is not None and old[1] == ERASED_CONTENT:
                # Erased, though its author is not (a hand-made erasure): it stays so.
                self.counts.erased += 1
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
                # Only a parent stored before, or earlier in this insert: its row exists
                # when this one is checked against the foreign key.
                in_batch[m.external_id] = (
                    before + len(inserts) + 1 if sqlite else reserved[len(inserts)]
                )
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
                        *(() if sqlite else (in_batch[m.external_id],)),
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
            if sqlite:
                # A repeated id skipped by the insert shifts the ids of the rows after
                # it: links made on the expected ids are put right before the commit.
                session.connection().exec_driver_sql("PRAGMA defer_foreign_keys = ON")
            inserter = self.message_inserter(session, with_ids=not sqlite)
            inserted = inserter.run(session, inserts, ignore_conflicts=fresh)
            if inserted != len(inserts):
                # The input repeats ids of earlier batches: those rows (ids up to
                # ``before``) were kept as they were; report the repeats.
                repeated = self.stored_before(session, insert_records, before)
                rejections.extend(
                    _duplicate(m) for m in insert_records if m.external_id in repeated
                )
                insert_records = [m for m in insert_records if m.external_id not in repeated]
                key = 1 if sqlite else 2  # the external id's place in the row
                inserts = [row for row in inserts if row[key] not in repeated]
                linked_here = self.relink(session, insert_records)
                in_batch = {}
            elif sqlite and in_batch:
                # The ids were foreseen as max + 1, + 2...: check rather than assume.
                top = int(session.scalar(sa.select(sa.func.max(_message.c.id))) or 0)
                if top != before + len(inserts):
                    linked_here = self.relink(session, insert_records)
                    in_batch = {}
            self.replies_linked += linked_here
            self._message_ids.update(in_batch)
            with_children = [m for m in insert_records if m.reactions or m.mentions]
            if with_children:
                # The ids are known when the insert went as foreseen; looked up otherwise.
                ids: dict[str, int] = dict(in_batch)
                looked_up = [m.external_id for m in with_children if m.external_id not in ids]
                found = rows_by_keys(
                    session, _message, ("external_id", "id"), self.source, looked_up
                )
                ids.update((external_id, int(mid)) for external_id, mid in found)
                for m in with_children:
                    self._write_reactions_mentions(session, ids[m.external_id], m)
        for chunk in chunks(unchanged_ids):
            # Mark them as seen by this run: a later copy in the same file is then a duplicate.
            session.execute(_MARK_SEEN, {"run_id": self.run_id, "ids": list(chunk)})
        self._flush_children(session)
        self.counts.messages.created += len(inserts)
        self.counts.messages.updated += len(updated_ids)
        self.counts.messages.unchanged += len(unchanged_ids)
        return rejections

    def stored_before(
        self, session: Session, records: Sequence[MessageRecord], before: int
    ) -> set[str]:
        """The ids among ``records`` already stored with a row id up to ``before``."""
        found = rows_by_keys(
            session, _message, ("external_id", "id"), self.source, [m.external_id for m in records]
        )
        return {external_id for external_id, row_id in found if row_id <= before}

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

    def message_inserter(self, session: Session, with_ids: bool = False) -> BulkInsert:
        """The bulk insert of message rows (tuples in ``_MESSAGE_COLUMNS`` order, after
        the row id ``with_ids``; values in the driver's form)."""
        return self._bulk(
            session,
            _message,
            ("id", *_MESSAGE_COLUMNS) if with_ids else _MESSAGE_COLUMNS,
            prepared=("created_at", "edited_at", "imported_at", "attachments"),
        )

    @staticmethod
    def _reserve_ids(session: Session, count: int) -> list[int]:
        """``count`` new message ids from PostgreSQL's sequence (unique, increasing, and
        never given to anyone else, even if this transaction rolls back)."""
        if not count:
            return []
        rows = session.execute(
            sa.text(
                "SELECT nextval(pg_get_serial_sequence('message', 'id')) "
                "FROM generate_series(1, :count)"
            ),
            {"count": count},
        )
        return [int(row[0]) for row in rows]

    @staticmethod
    def duplicate(record: MessageRecord) -> Rejection:
        """The rejection of a message whose id an earlier record of the import has."""
        return _duplicate(record)


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
