"""The generic messages format: CSV or JSONL, one message a row.

Columns (documented in ``docs/formats.md``): ``id``, ``channel``, ``author``,
``created_at`` and ``text`` are required; ``thread_id``, ``reply_to``,
``author_email``, ``author_name``, ``language``, ``title``, ``url``, ``edited_at``
and ``channel_kind`` are optional. ``--map old=new`` renames columns.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

from palabre.connectors.base import Connector
from palabre.connectors.bulk import sqlite_text, sqlite_time
from palabre.connectors.digests import plain_message_digest
from palabre.connectors.records import (
    CHANNEL_KINDS,
    ChannelKind,
    ChannelRecord,
    IdentityRecord,
    MessageColumns,
    Record,
    Rejection,
)
from palabre.connectors.tabular import RowProblem, TabularReader, open_rows
from palabre.errors import ImportFormatError

REQUIRED = frozenset({"id", "channel", "author", "created_at", "text"})
OPTIONAL = frozenset(
    {
        "thread_id",
        "reply_to",
        "author_email",
        "author_name",
        "language",
        "title",
        "url",
        "edited_at",
        "channel_kind",
    }
)
#: how many distinct authors / channels are remembered to avoid re-declaring them (for
#: authors, per generation: see ``_chunks``; generations of 100,000 declared the
#: 125,000 authors of the 5 M benchmark file 334,000 times)
_SEEN_LIMIT = 200_000
#: the columns the connector reads, in the order it unpacks them
_CELLS = (
    "id",
    "channel",
    "author",
    "created_at",
    "text",
    "thread_id",
    "reply_to",
    "edited_at",
    "language",
    "url",
    "title",
    "author_name",
    "author_email",
    "channel_kind",
)
#: messages read at a time when :meth:`GenericMessagesConnector.records` is asked for
_RECORDS_CHUNK = 1000


#: a calendar day in the usual ISO 8601 spelling, and the valid hours:minutes and seconds
_DAY = re.compile(r"[0-9]{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])")
_HOURS_MINUTES = frozenset(f"{h:02d}:{m:02d}" for h in range(24) for m in range(60))
_SECONDS = frozenset(f"{s:02d}" for s in range(60))
#: days remembered as valid or not by :func:`utc_texts` (about 270 years)
_DAYS_KEPT = 100_000


def utc_texts(text: str, days: dict[str, bool]) -> tuple[str, str] | None:
    """``(digest form, SQLite storage text)`` of a UTC time, without making a datetime.

    For the usual spelling only: ``2025-03-01T09:30:00``, optionally with 3 or 6 digits
    of fractions of a second, then ``Z``, ``+00:00`` or nothing; ``T`` or a space.
    None for any other text, which :func:`parse_timestamp` then reads (and rejects
    when it must). The digest form is what orjson writes for the parsed datetime, so a
    message's digest is the same either way; the storage text is what
    :func:`~palabre.connectors.bulk.sqlite_time` gives. ``days`` remembers which
    calendar days exist (2025-02-30 does not), each checked once; the clock is checked
    against the sets of valid parts.
    """
    if text.endswith("+00:00"):
        body = text[:-6]
    elif text.endswith("Z"):
        body = text[:-1]
    else:
        body = text
    size = len(body)
    if size == 19:
        micro = "000000"
    elif (size == 26 or size == 23) and body[19] == ".":
        micro = body[20:]
        if not (micro.isascii() and micro.isdigit()):
            return None
        if size == 23:
            micro += "000"
    else:
        return None
    if (
        (body[10] != "T" and body[10] != " ")
        or body[16] != ":"
        or body[11:16] not in _HOURS_MINUTES
        or body[17:19] not in _SECONDS
    ):
        return None
    day = body[:10]
    valid = days.get(day)
    if valid is None:
        valid = _is_day(day)
        if len(days) >= _DAYS_KEPT:
            days.clear()
        days[day] = valid
    if not valid:
        return None
    clock = body[11:19]
    # orjson writes the fraction only when there is one, always with six digits.
    shown = clock + "+00:00" if micro == "000000" else clock + "." + micro + "+00:00"
    return day + "T" + shown, day + " " + clock + "." + micro


def _is_day(text: str) -> bool:
    """Whether ``text`` is a calendar day written ``YYYY-MM-DD``."""
    if _DAY.fullmatch(text) is None:
        return False
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _bad_time(where: str, error: Exception, field: str, message_id: str) -> Rejection:
    """The rejection of a message whose ``field`` cell is not a time."""
    return Rejection(where, str(error), field=field, external_id=message_id)


def parse_timestamp(text: str) -> dt.datetime:
    """Parse ISO 8601 (``2025-03-01T09:30:00+01:00``, ``...Z``, a date alone) or epoch seconds.

    A time without a zone is taken as UTC. Raises ValueError with a readable message.
    """
    value = text.strip()
    if not value:
        raise ValueError("empty date")
    if value.replace(".", "", 1).isdigit():
        return dt.datetime.fromtimestamp(float(value), tz=dt.UTC)
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(
            f"'{value}' is not an ISO 8601 date and time (e.g. 2025-03-01T09:30:00Z)"
        ) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed


class GenericMessagesConnector(Connector):
    """Messages from a CSV or JSONL file in palabre's generic format."""

    kind: ClassVar[str] = "messages"
    description: ClassVar[str] = "generic messages, CSV or JSONL (see docs/formats.md)"
    default_channel_kind: ClassVar[ChannelKind] = "community"
    parallel_safe: ClassVar[bool] = True

    def __init__(self, path: Path | str, **options: object) -> None:
        super().__init__(path, **options)
        column_map = options.get("column_map") or {}
        assert isinstance(column_map, dict)
        self.column_map: dict[str, str] = column_map
        delimiter = options.get("delimiter")
        self.delimiter = str(delimiter) if delimiter else None
        self.encoding = str(options.get("encoding") or "utf-8")
        channel_kind = options.get("channel_kind")
        if channel_kind is not None and channel_kind not in CHANNEL_KINDS:
            raise ImportFormatError(
                str(path), f"unknown channel kind '{channel_kind}'", field="channel_kind"
            )
        self.channel_kind: str | None = str(channel_kind) if channel_kind else None
        self._reader: TabularReader | None = None

    def _open(self) -> TabularReader:
        return open_rows(
            self.path,
            required=REQUIRED,
            optional=OPTIONAL,
            column_map=self.column_map,
            delimiter=self.delimiter,
            encoding=self.encoding,
        )

    def check(self) -> None:
        """The file exists, is text, and has the required columns."""
        super().check()
        if self.path.is_dir():
            raise ImportFormatError(str(self.path), "is a folder; give a .csv or .jsonl file")
        with self._open():
            pass

    def records(self) -> Iterator[Record]:
        """Yield identities and channels as first met, then the messages that use them."""
        for others, columns in self._chunks(_RECORDS_CHUNK):
            yield from others
            yield from columns.records()

    def batches(self, size: int) -> Iterator[list[object]]:
        """Lists of the channels, identities and rejections met, then a
        :class:`MessageColumns` of up to ``size`` messages (see :meth:`Connector.batches`)."""
        for others, columns in self._chunks(size):
            batch: list[object] = list(others)
            if len(columns):
                batch.append(columns)
            yield batch

    def _chunks(self, size: int) -> Iterator[tuple[list[Record], MessageColumns]]:
        """Read the file: ``(records, messages)`` for every ``size`` messages read.

        ``records`` are the channels and identities first met (before the messages that
        use them) and the rejections; the last chunk may be smaller, even empty.
        """
        # Authors met lately, in two generations: when the young one is full it becomes
        # the old one, and an author found only there moves back. A plain set that stops
        # growing at the limit re-declared every message of the authors past it (5 M
        # messages, 125,000 authors: 410,000 identity records for the writer to compare).
        seen_authors: set[str] = set()
        old_authors: set[str] = set()
        seen_channels: set[str] = set()
        # Times go out as SQLite's storage text when the importer asks (see
        # Connector.times_as_text); the usual spelling is turned into it by slicing.
        as_text = self.times_as_text
        days: dict[str, bool] = {}
        path = self.path
        prefix = f"{path}:"
        others: list[Record] = []
        # One tuple per message, turned into columns per chunk (zip in C is cheaper
        # than a dozen appends per row).
        rows: list[tuple[object, ...]] = []
        add = rows.append
        with self._open() as reader:
            # This loop runs once per message of files with millions of them: cells come
            # by position (a column the file lacks reads as ""), no dict per row.
            for item in reader.cells(_CELLS):
                if type(item) is RowProblem:
                    others.append(item.rejection(path))
                    continue
                line, cells = item  # type: ignore[misc]
                (
                    message_id,
                    channel,
                    author,
                    created_text,
                    text,
                    thread_cell,
                    reply_cell,
                    edited_text,
                    language,
                    url,
                    title,
                    author_name,
                    author_email,
                    kind_cell,
                ) = cells
                message_id = message_id.strip()
                channel = channel.strip()
                author = author.strip()
                created_text = created_text.strip()
                if not (message_id and channel and author and created_text):
                    empty = next(
                        name
                        for name, value in (
                            ("author", author),
                            ("channel", channel),
                            ("created_at", created_text),
                            ("id", message_id),
                        )
                        if not value
                    )
                    others.append(
                        Rejection(
                            prefix + str(line),
                            f"the required cell '{empty}' is empty",
                            field=empty,
                            external_id=message_id or None,
                        )
                    )
                    continue
                texts = utc_texts(created_text, days) if as_text else None
                created_at: dt.datetime | str
                digest_time: dt.datetime | str
                if texts is not None:
                    digest_time, created_at = texts
                else:
                    try:
                        digest_time = parse_timestamp(created_text)
                    except (ValueError, OverflowError, OSError) as exc:
                        others.append(_bad_time(prefix + str(line), exc, "created_at", message_id))
                        continue
                    created_at = digest_time
                    if as_text:
                        created_at = sqlite_text(digest_time)
                edited_at = None
                if edited_text and not edited_text.isspace():
                    try:
                        edited_at = parse_timestamp(edited_text)
                    except (ValueError, OverflowError, OSError) as exc:
                        others.append(_bad_time(prefix + str(line), exc, "edited_at", message_id))
                        continue
                if channel not in seen_channels:
                    kind = kind_cell.strip() or self.channel_kind
                    if kind and kind not in CHANNEL_KINDS:
                        others.append(
                            Rejection(
                                prefix + str(line),
                                f"unknown channel kind '{kind}' "
                                f"(one of {', '.join(CHANNEL_KINDS)})",
                                field="channel_kind",
                                external_id=message_id,
                            )
                        )
                        continue
                    if len(seen_channels) < _SEEN_LIMIT:
                        seen_channels.add(channel)
                    others.append(
                        ChannelRecord(
                            external_id=channel,
                            name=channel,
                            kind=kind or self.default_channel_kind,  # type: ignore[arg-type]
                        )
                    )
                if author not in seen_authors:
                    if author not in old_authors:
                        others.append(
                            IdentityRecord(
                                external_id=author,
                                handle=author,
                                display_name=author_name.strip() or None,
                                email=author_email.strip() or None,
                            )
                        )
                    seen_authors.add(author)
                    if len(seen_authors) >= _SEEN_LIMIT:
                        old_authors = seen_authors
                        seen_authors = set()
                reply_to = reply_cell.strip() or None
                # A reply without a thread id joins its parent's thread: exact for one
                # level of replies; deeper trees should give thread_id. A message of no
                # thread starts its own.
                thread = thread_cell.strip() or reply_to or message_id
                language = language.strip() or None
                url = url.strip() or None
                title = title.strip() or None
                add(
                    (
                        message_id,
                        channel,
                        author,
                        created_at,
                        text,
                        thread,
                        reply_to,
                        sqlite_time(edited_at) if as_text else edited_at,
                        language,
                        url,
                        title,
                        plain_message_digest(
                            channel,
                            author,
                            thread,
                            reply_to,
                            digest_time,
                            edited_at,
                            text,
                            language,
                            url,
                            title,
                        ),
                        line,
                    )
                )
                if len(rows) >= size:
                    self.position = reader.position
                    yield others, MessageColumns.from_rows(str(path), rows, times_as_text=as_text)
                    others = []
                    rows = []
                    add = rows.append
            self.position = reader.position
            yield others, MessageColumns.from_rows(str(path), rows, times_as_text=as_text)
