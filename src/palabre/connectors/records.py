"""Canonical records: the one shape every source is translated into.

Connectors only translate (DESIGN.md rule 2): they read a source and yield these
records, in an order where a record's dependencies usually come first (channels
and identities before the messages that use them). The importer tolerates
forward references: an unknown author, channel or thread is created on the fly
with what the message tells about it, and a reply whose parent is not imported
yet is linked once the parent arrives.

Every record names its object by ``external_id``: the id the source itself uses.
Together with the import's *source* name (``slack``, ``mbox``, or what the user
chose with ``--source``) it is the key that makes a re-import idempotent.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Literal

PersonKind = Literal["customer", "employee", "partner", "unknown"]
PERSON_KINDS: tuple[str, ...] = ("customer", "employee", "partner", "unknown")

ChannelKind = Literal["community", "social", "support", "email", "chat", "intranet", "survey"]
CHANNEL_KINDS: tuple[str, ...] = (
    "community",
    "social",
    "support",
    "email",
    "chat",
    "intranet",
    "survey",
)

Visibility = Literal["public", "private", "direct"]
VISIBILITIES: tuple[str, ...] = ("public", "private", "direct")

AttributeValue = str | int | float | bool | dt.date | dt.datetime | None


@dataclass(frozen=True, slots=True)
class ChannelRecord:
    """A place where messages are posted: a Slack channel, a forum category, a mailing list."""

    external_id: str
    name: str
    kind: ChannelKind = "chat"
    visibility: Visibility = "public"
    topic: str | None = None
    created_at: dt.datetime | None = None
    url: str | None = None


@dataclass(frozen=True, slots=True)
class IdentityRecord:
    """One account of one person on one source (a Slack user, an e-mail sender).

    ``person_kind`` and ``locale`` describe the person behind the account when the
    source knows them; they are used only when the importer creates that person.
    """

    external_id: str
    handle: str | None = None
    display_name: str | None = None
    email: str | None = None
    person_kind: PersonKind = "unknown"
    locale: str | None = None
    is_bot: bool = False
    url: str | None = None


@dataclass(frozen=True, slots=True)
class ThreadRecord:
    """A conversation: a Slack thread, a Discourse topic, an e-mail thread.

    Declaring a thread is optional: a message naming an undeclared thread creates it.
    """

    external_id: str
    channel_external_id: str
    title: str | None = None
    created_at: dt.datetime | None = None
    url: str | None = None


@dataclass(frozen=True, slots=True)
class Reaction:
    """An emoji or a like; ``author_external_id`` is None when the source only counts them."""

    emoji: str
    author_external_id: str | None = None
    created_at: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file kept as a reference (never downloaded)."""

    name: str
    url: str | None = None
    mimetype: str | None = None
    size: int | None = None


# Not frozen: a frozen dataclass sets each field through object.__setattr__, which
# triples the cost of building one; messages are built millions of times per import.
@dataclass(slots=True)
class MessageRecord:
    """One message. Times are timezone-aware (UTC is advised; the importer converts).

    ``thread_external_id`` defaults to the message's own id (a message that starts a
    thread). ``reply_to_external_id`` names the direct parent when the source knows it.
    ``mentions`` are identity external ids on the same source. ``location`` says where
    the message was read (``file:line``) so that a rejection can point the user there;
    it is not part of the message and not compared.
    """

    external_id: str
    channel_external_id: str
    author_external_id: str | None
    created_at: dt.datetime
    text: str
    thread_external_id: str | None = None
    reply_to_external_id: str | None = None
    edited_at: dt.datetime | None = None
    language: str | None = None
    url: str | None = None
    title: str | None = None
    reactions: tuple[Reaction, ...] = ()
    mentions: tuple[str, ...] = ()
    attachments: tuple[Attachment, ...] = ()
    location: str | None = field(default=None, compare=False, repr=False)
    #: the content digest, when the reading process computed it already (see parallel.py)
    digest: str | None = field(default=None, compare=False, repr=False)


@dataclass(slots=True)
class MessageColumns:
    """Many plain messages at once, one list per column (all lists the same length).

    A connector whose messages have no reactions, mentions or attachments (the generic
    CSV/JSONL format) may hand a batch of them this way instead of one
    :class:`MessageRecord` each: a reading process then sends a few lists through the
    pipe instead of thousands of objects, and the writer builds its insert rows straight
    from the columns. ``thread`` is the thread key (the thread id, else the message's
    own id), ``digest`` what :func:`~palabre.connectors.digests.message_digest` gives,
    ``lines`` where each message was read in ``path``. Times are aware datetimes, or
    SQLite's storage text when :attr:`times_as_text` says so (see ``parallel.py``).
    """

    path: str
    external_id: list[str] = field(default_factory=list)
    channel: list[str] = field(default_factory=list)
    author: list[str | None] = field(default_factory=list)
    created_at: list[dt.datetime | str] = field(default_factory=list)
    text: list[str] = field(default_factory=list)
    thread: list[str] = field(default_factory=list)
    reply_to: list[str | None] = field(default_factory=list)
    edited_at: list[dt.datetime | str | None] = field(default_factory=list)
    language: list[str | None] = field(default_factory=list)
    url: list[str | None] = field(default_factory=list)
    title: list[str | None] = field(default_factory=list)
    digest: list[str] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)
    #: True when the times are SQLite's storage text already (see ``parallel.py``)
    times_as_text: bool = False

    def __len__(self) -> int:
        return len(self.external_id)

    @classmethod
    def from_rows(
        cls, path: str, rows: list[tuple[Any, ...]], *, times_as_text: bool = False
    ) -> MessageColumns:
        """Columns from tuples in field order (``external_id`` ... ``lines``)."""
        if not rows:
            return cls(path, times_as_text=times_as_text)
        columns: list[Any] = [list(column) for column in zip(*rows, strict=True)]
        made = cls(path, *columns)
        made.times_as_text = times_as_text
        return made

    def location(self, index: int) -> str:
        """Where message ``index`` was read (``file:line``), as a rejection names it."""
        return f"{self.path}:{self.lines[index]}"

    def records(self) -> list[MessageRecord]:
        """The same messages as :class:`MessageRecord` objects (with digest and location)."""
        return [
            MessageRecord(
                external_id=external_id,
                channel_external_id=channel,
                author_external_id=author,
                created_at=created_at,  # text when times_as_text: the writer takes both
                text=text,
                thread_external_id=thread,
                reply_to_external_id=reply_to,
                edited_at=edited_at,
                language=language,
                url=url,
                title=title,
                location=f"{self.path}:{line}",
                digest=digest,
            )
            for (
                external_id,
                channel,
                author,
                created_at,
                text,
                thread,
                reply_to,
                edited_at,
                language,
                url,
                title,
                digest,
                line,
            ) in zip(
                self.external_id,
                self.channel,
                self.author,
                self.created_at,
                self.text,
                self.thread,
                self.reply_to,
                self.edited_at,
                self.language,
                self.url,
                self.title,
                self.digest,
                self.lines,
                strict=True,
            )
        ]


@dataclass(frozen=True, slots=True)
class PersonIdentity:
    """An identity that a CRM / HR row declares for a person (a deterministic link)."""

    source: str
    external_id: str
    handle: str | None = None
    email: str | None = None


@dataclass(frozen=True, slots=True)
class PersonRecord:
    """A person as a CRM or HR export describes them.

    ``attributes`` are typed values (text, number, boolean, date); ``team_path`` is a
    team tree path such as ``("Sales", "Geneva")``.
    """

    external_id: str
    display_name: str | None = None
    kind: PersonKind = "unknown"
    locale: str | None = None
    emails: tuple[str, ...] = ()
    identities: tuple[PersonIdentity, ...] = ()
    attributes: tuple[tuple[str, AttributeValue], ...] = ()
    team_path: tuple[str, ...] = ()
    team_role: str | None = None
    team_since: dt.date | None = None
    team_until: dt.date | None = None
    observed_at: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class Rejection:
    """An entry the connector could not translate; the import goes on and reports it.

    ``location`` names the file and line or entry (``export.csv:17``,
    ``general/2025-01-10.json[3]``); ``field`` the offending field when there is one.
    """

    location: str
    reason: str
    field: str | None = None
    external_id: str | None = None


Record = ChannelRecord | IdentityRecord | ThreadRecord | MessageRecord | PersonRecord | Rejection


@dataclass(slots=True)
class SourceInfo:
    """What a connector tells about its input before yielding records."""

    kind: str
    path: str
    estimated_size: int | None = None
    extra: dict[str, str] = field(default_factory=dict)
