"""What a reader sees of channels, threads and messages, made from plain rows.

Pages read messages as plain rows of :data:`VIEW_COLUMNS` (the message, its author's
identity and that identity's person), never as ORM objects: a page of 25 messages with
their authors costs a fraction of loading 75 mapped instances.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Final
from urllib.parse import urlsplit

import sqlalchemy as sa

from palabre.fabric.models import Message
from palabre.identity.models import Identity, Person
from palabre.privacy.erasure_keys import ERASED_PREFIX

SAFE_URL_SCHEMES: Final = frozenset({"http", "https", "mailto"})


def safe_url(url: str | None) -> str | None:
    """``url`` when it is a web or mail link; None otherwise (``javascript:`` and the like).

    Links come from imported data: a crafted ``javascript:`` link must never become
    something a reader can click.
    """
    if not url:
        return None
    try:
        scheme = urlsplit(url.strip()).scheme.lower()
    except ValueError:
        return None
    return url.strip() if scheme in SAFE_URL_SCHEMES else None


@dataclass(frozen=True)
class Author:
    """Who wrote a message, as the reader sees it."""

    identity_id: int | None
    name: str
    handle: str | None
    person_id: int | None
    person_kind: str | None
    #: the author's data was erased (palabre.privacy.erasure): no name, no link
    erased: bool = False


@dataclass(frozen=True)
class ChannelSummary:
    """A channel with its size and last activity."""

    id: int
    name: str
    kind: str
    visibility: str
    source: str
    topic: str | None
    url: str | None
    threads: int = 0
    messages: int = 0
    last_activity: dt.datetime | None = None


@dataclass(frozen=True)
class ThreadSummary:
    """A thread in a channel's list: its title (or opening words) and activity."""

    id: int
    channel_id: int
    title: str
    url: str | None
    messages: int
    started_at: dt.datetime | None
    last_activity: dt.datetime | None
    author: Author | None

    @property
    def replies(self) -> int:
        """Messages after the first."""
        return max(0, self.messages - 1)


@dataclass(frozen=True)
class ReactionCount:
    """How many times one emoji was given to a message."""

    emoji: str
    count: int


@dataclass(frozen=True)
class AttachmentLink:
    """A file attached to a message, as a reference (``url`` None when not a web link)."""

    name: str
    url: str | None
    mimetype: str | None
    size: int | None


@dataclass
class MessageView:
    """A message as a reader sees it; ``replies`` holds its answers in a thread view."""

    id: int
    thread_id: int
    channel_id: int
    reply_to_id: int | None
    author: Author
    created_at: dt.datetime
    edited_at: dt.datetime | None
    title: str | None
    text: str
    language: str | None
    url: str | None
    attachments: list[AttachmentLink] = field(default_factory=list)
    reactions: list[ReactionCount] = field(default_factory=list)
    replies: list[MessageView] = field(default_factory=list)
    thread_title: str | None = None
    channel_name: str | None = None
    channel_kind: str | None = None

    @property
    def erased(self) -> bool:
        """Its author's data was erased: its words are gone (palabre.privacy.erasure)."""
        return self.author.erased


@dataclass(frozen=True)
class ThreadView:
    """A whole thread: its channel, its messages in order and as a reply tree."""

    id: int
    title: str
    url: str | None
    channel: ChannelSummary
    messages: list[MessageView]
    roots: list[MessageView]


#: What a :class:`MessageView` is made of: columns of the message, of its author's
#: identity and of that identity's person.
VIEW_COLUMNS: Final = (
    Message.id,
    Message.thread_id,
    Message.channel_id,
    Message.reply_to_id,
    Message.created_at,
    Message.edited_at,
    Message.title,
    Message.text,
    Message.language,
    Message.url,
    Message.attachments,
    Identity.id.label("identity_id"),
    Identity.display_name.label("identity_name"),
    Identity.handle.label("identity_handle"),
    Identity.external_id.label("identity_external_id"),
    Person.id.label("person_id"),
    Person.display_name.label("person_name"),
    Person.kind.label("person_kind"),
)


def with_authors(select: sa.Select[Any]) -> sa.Select[Any]:
    """``select`` (from messages) joined to each message's author, when it has one."""
    return select.outerjoin(Identity, Identity.id == Message.author_identity_id).outerjoin(
        Person, Person.id == Identity.person_id
    )


def _author(row: sa.Row[Any]) -> Author:
    if row.identity_id is None:
        return Author(None, "?", None, None, None)
    if row.identity_external_id.startswith(ERASED_PREFIX):
        # Pages say "erased person" in the reader's language; never the digest.
        return Author(row.identity_id, "", None, None, row.person_kind, erased=True)
    name = row.person_name or row.identity_name or row.identity_handle or row.identity_external_id
    return Author(
        identity_id=row.identity_id,
        name=name,
        handle=row.identity_handle,
        person_id=row.person_id,
        person_kind=row.person_kind,
    )


def _text_or_none(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _attachments(value: object) -> list[AttachmentLink]:
    links = []
    for item in value if isinstance(value, list) else []:
        if isinstance(item, dict):
            size = item.get("size")
            links.append(
                AttachmentLink(
                    name=str(item.get("name") or item.get("url") or "?"),
                    url=safe_url(_text_or_none(item.get("url"))),
                    mimetype=item.get("mimetype")
                    if isinstance(item.get("mimetype"), str)
                    else None,
                    size=size if isinstance(size, int) else None,
                )
            )
    return links


def message_view(row: sa.Row[Any]) -> MessageView:
    """The view of a row of :data:`VIEW_COLUMNS`."""
    return MessageView(
        id=row.id,
        thread_id=row.thread_id,
        channel_id=row.channel_id,
        reply_to_id=row.reply_to_id,
        author=_author(row),
        created_at=row.created_at,
        edited_at=row.edited_at,
        title=row.title,
        text=row.text,
        language=row.language,
        url=safe_url(row.url),
        attachments=_attachments(row.attachments),
    )


def excerpt(text: str | None, limit: int = 90) -> str:
    """The opening words of ``text``, on one line, at most ``limit`` characters."""
    words = " ".join((text or "").split())
    return words if len(words) <= limit else words[: limit - 1].rstrip() + "…"


def thread_title(own_title: str | None, first: MessageView | None) -> str:
    """A thread named by its source, else by its opening message's title or words."""
    if own_title:
        return own_title
    if first is None:
        return ""
    return first.title or excerpt(first.text)


def channel_summary(
    channel: Any, threads: int = 0, messages: int = 0, last: Any = None
) -> ChannelSummary:
    """The summary of a channel (a :class:`Channel` or anything with its attributes)."""
    return ChannelSummary(
        id=channel.id,
        name=channel.name,
        kind=channel.kind,
        visibility=channel.visibility,
        source=channel.source,
        topic=channel.topic,
        url=safe_url(channel.url),
        threads=int(threads or 0),
        messages=int(messages or 0),
        last_activity=aware(last),
    )


def aware(value: Any) -> dt.datetime | None:
    """A timestamp as an aware UTC datetime (aggregates bypass the column type: SQLite
    hands back naive UTC or text)."""
    if value is None:
        return None
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    assert isinstance(value, dt.datetime)
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)
