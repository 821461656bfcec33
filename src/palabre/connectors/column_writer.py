"""Write a :class:`~palabre.connectors.records.MessageColumns` batch straight from its columns.

The first import of a large generic file into SQLite is the case this is for: the
source holds no message yet, so every row is an insert, and SQLite gives the new rows
the ids max + 1, + 2... (the import holds the write lock), so a reply gets its parent's
id in its own row. The insert rows are zipped from the columns: no record object and
no attribute lookup per message. Any other case (PostgreSQL, a re-import, ids repeated
inside the batch) goes through the writer's record path, on the same messages as
:class:`~palabre.connectors.records.MessageRecord` objects.
"""

from __future__ import annotations

from itertools import repeat
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy.orm import Session

from palabre.connectors.bulk import sqlite_time
from palabre.connectors.records import MessageColumns, Rejection
from palabre.db.base import utcnow

if TYPE_CHECKING:
    from palabre.connectors.writer import BatchWriter


def write_message_columns(
    writer: BatchWriter, session: Session, columns: MessageColumns
) -> list[Rejection]:
    """Write the messages of ``columns`` in the session's transaction; return rejections.

    Same results as the record path: duplicates of earlier batches are rejected with
    their ``file:line``, replies are linked to a parent stored before or read earlier,
    the others are left for :meth:`BatchWriter.resolve_replies`.
    """
    size = len(columns)
    ids = columns.external_id
    if (
        not size
        or session.get_bind().dialect.name != "sqlite"
        or not writer.fresh_source(session)
        or len(set(ids)) != size
    ):
        return writer.write_message_records(session, columns.records())
    writer.ensure_channels(session, set(columns.channel))
    authors: set[str | None] = set(columns.author)
    authors.discard(None)
    author_ids = writer.ensure_identities(session, cast("set[str]", authors))
    if writer.erased_identities and not writer.erased_identities.isdisjoint(author_ids.values()):
        # An erased person wrote some of them: the record path leaves those out.
        return writer.write_message_records(session, columns.records())
    thread_ids = _ensure_threads(writer, session, columns)

    before = writer.max_message_id(session)
    first = before + 1
    # The ids the insert will give, checked after it rather than assumed.
    expected = dict(zip(ids, range(first, first + size), strict=True))
    targets: set[str | None] = set(columns.reply_to)
    targets.discard(None)
    stored = writer.stored_message_ids(
        session, [target for target in targets if target is not None and target not in expected]
    )
    parent_ids: list[int | None] = []
    add_parent = parent_ids.append
    linked = 0
    for own, external_id, target in zip(
        range(first, first + size), ids, columns.reply_to, strict=True
    ):
        if target is None:
            add_parent(None)
            continue
        parent = stored.get(target)
        if parent is None and target != external_id:
            # Only a parent earlier in this insert: its row exists when this one is
            # checked against the foreign key.
            candidate = expected.get(target)
            if candidate is not None and candidate < own:
                parent = candidate
        if parent is None:
            writer.pend_reply(external_id)
        else:
            linked += 1
        add_parent(parent)

    if columns.times_as_text:
        created: list[Any] = columns.created_at
        edited: list[Any] = columns.edited_at
    else:
        created = list(map(sqlite_time, columns.created_at))
        edited = list(map(sqlite_time, columns.edited_at))
    channels = writer.channel_ids
    rows = list(
        zip(
            repeat(writer.source, size),
            ids,
            map(channels.__getitem__, columns.channel),
            map(thread_ids.__getitem__, columns.thread),
            map(author_ids.get, cast("list[str]", columns.author)),
            columns.reply_to,
            parent_ids,
            created,
            edited,
            columns.title,
            columns.text,
            columns.language,
            columns.url,
            repeat(None, size),  # attachments: the generic format has none
            columns.digest,
            repeat(writer.run_id, size),
            repeat(sqlite_time(utcnow()), size),
            strict=True,
        )
    )
    rejections: list[Rejection] = []
    # A repeated id skipped by the insert shifts the ids of the rows after it: links
    # made on the expected ids are put right before the commit.
    session.connection().exec_driver_sql("PRAGMA defer_foreign_keys = ON")
    inserted = writer.message_inserter(session).run(session, rows, ignore_conflicts=True)
    if inserted != size:
        # The input repeats ids of earlier batches: those rows were kept as they were.
        records = columns.records()
        repeated = writer.stored_before(session, records, before)
        rejections.extend(
            writer.duplicate(record) for record in records if record.external_id in repeated
        )
        linked = writer.relink(session, [r for r in records if r.external_id not in repeated])
    elif writer.max_message_id(session) != before + size:
        linked = writer.relink(session, columns.records())
    else:
        writer.remember_message_ids(expected)
    writer.replies_linked += linked
    writer.counts.messages.created += inserted
    return rejections


def _ensure_threads(
    writer: BatchWriter, session: Session, columns: MessageColumns
) -> dict[str, int]:
    """The ids of the threads of ``columns``, creating those the cache does not hold
    (one the cache forgot is stored already: the insert skips it and reads its id)."""
    threads = columns.thread
    ids = columns.external_id
    size = len(threads)
    # The first message of each thread in the batch: reversed, the first one wins.
    first_of = dict(zip(reversed(threads), range(size - 1, -1, -1), strict=True))
    thread_ids = writer.cached_thread_ids(first_of)
    wanted = [key for key in first_of if key not in thread_ids]
    if not wanted:
        return thread_ids
    position: dict[str, int] | None = None
    channels = writer.channel_ids
    rows: list[dict[str, Any]] = []
    for key in wanted:
        # The root describes its thread (title, url, start time): prefer it to a reply
        # of the same batch that came first in the file. A root usually comes first:
        # the positions of all ids are only indexed when one does not.
        index = first_of[key]
        if ids[index] != key:
            if position is None:
                position = dict(zip(ids, range(size), strict=True))
            root = position.get(key)
            if root is not None and threads[root] == key:
                index = root
        is_root = ids[index] == key
        rows.append(
            {
                "source": writer.source,
                "external_id": key,
                "channel_id": channels[columns.channel[index]],
                "title": columns.title[index] if is_root else None,
                "url": columns.url[index] if is_root else None,
                "created_at": columns.created_at[index],
            }
        )
    thread_ids.update(writer.insert_threads(session, rows, ignore_conflicts=True))
    return thread_ids
