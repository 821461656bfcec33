"""Reading the social fabric: who may read which channel, channels, threads, search.

The access rule is one function of the reader's role (:func:`channel_rule`), applied
inside every query, so that a list, a count, a search and a person's timeline can
never disagree about what a role may read:

* customer-facing channels (community, social, support, e-mail): ``admin``,
  ``analyst``, ``innovation``, ``manager``;
* internal channels (chat, intranet): every employee role (all but ``customer``);
* private and direct conversations, whatever their kind: ``admin`` only;
* survey channels: nobody (individual answers are only ever shown in aggregate).

Every function takes the session of the caller's transaction and never commits.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Final, Generic, TypeVar
from urllib.parse import urlsplit

import sqlalchemy as sa
from sqlalchemy.orm import Session

from palabre.errors import NotFoundError
from palabre.fabric import search_index
from palabre.fabric.models import Channel, Message, Reaction, Thread
from palabre.identity.models import Identity, Person

CUSTOMER_CHANNEL_KINDS: Final = ("community", "social", "support", "email")
INTERNAL_CHANNEL_KINDS: Final = ("chat", "intranet")
CUSTOMER_CHANNEL_ROLES: Final = frozenset({"admin", "analyst", "innovation", "manager"})
INTERNAL_CHANNEL_ROLES: Final = frozenset(
    {"admin", "analyst", "innovation", "hr", "manager", "member"}
)
#: Roles that may read private and direct conversations.
RESTRICTED_CHANNEL_ROLES: Final = frozenset({"admin"})
#: Roles for whom the conversations browser exists at all.
BROWSER_ROLES: Final = ("admin", "analyst", "innovation", "hr", "manager", "member")

MAX_PER_PAGE: Final = 100
#: A search counts its hits up to this many (ten pages); past it the total reads "250+":
#: checking the text of every hit of a common word, page after page, costs more than
#: the page itself, and nobody reads 40,000 hits without refining the search.
SEARCH_COUNT_LIMIT: Final = 250
#: The SQLite search index (migration 0004) finds strings of this many characters or more.
_TRIGRAM: Final = 3
SAFE_URL_SCHEMES: Final = frozenset({"http", "https", "mailto"})

_T = TypeVar("_T")


def readable_kinds(role: str) -> tuple[str, ...]:
    """The channel kinds ``role`` may read (public conversations)."""
    kinds: tuple[str, ...] = ()
    if role in CUSTOMER_CHANNEL_ROLES:
        kinds += CUSTOMER_CHANNEL_KINDS
    if role in INTERNAL_CHANNEL_ROLES:
        kinds += INTERNAL_CHANNEL_KINDS
    return kinds


def may_read_channel(role: str, kind: str, visibility: str) -> bool:
    """Whether ``role`` may read a channel of this kind and visibility."""
    if kind not in readable_kinds(role):
        return False
    return visibility == "public" or role in RESTRICTED_CHANNEL_ROLES


def channel_rule(role: str) -> sa.ColumnElement[bool]:
    """The SQL condition on :class:`Channel` that :func:`may_read_channel` states."""
    kinds = readable_kinds(role)
    if not kinds:
        return sa.false()
    if role in RESTRICTED_CHANNEL_ROLES:
        return Channel.kind.in_(kinds)
    return sa.and_(Channel.kind.in_(kinds), Channel.visibility == "public")


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


def escape_like(text: str) -> str:
    """``text`` with LIKE's wildcards (``%``, ``_``) and the escape character escaped."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _sqlite_lower(value: object) -> str | None:
    return value.lower() if isinstance(value, str) else None


def contains_text(session: Session, column: Any, needle: str) -> sa.ColumnElement[bool]:
    """``column`` contains ``needle``, ignoring case (accented letters too), on both databases.

    PostgreSQL's ILIKE folds every letter; SQLite's LIKE and lower() fold ASCII only, so
    on SQLite the comparison uses Python's ``str.lower`` registered on the connection.
    """
    # PostgreSQL refuses NUL in a text value: it can match nothing anyway.
    pattern = "%" + escape_like(needle.replace("\x00", "").lower()) + "%"
    if session.get_bind().dialect.name == "sqlite":
        raw = session.connection().connection.driver_connection
        raw.create_function("palabre_lower", 1, _sqlite_lower, deterministic=True)  # type: ignore[union-attr]
        return sa.func.palabre_lower(column).like(pattern, escape="\\")
    return sa.cast(column, sa.Text).ilike(pattern, escape="\\")


@dataclass(frozen=True)
class Page(Generic[_T]):
    """One page of a longer list: its items and where it sits in the whole."""

    items: list[_T]
    total: int
    page: int
    per_page: int
    #: False when ``total`` is a lower bound: counting stopped there (see SEARCH_COUNT_LIMIT).
    exact: bool = True

    @property
    def pages(self) -> int:
        """How many pages the whole list makes (at least one)."""
        return max(1, -(-self.total // self.per_page))

    @property
    def has_previous(self) -> bool:
        """Whether a page comes before this one."""
        return self.page > 1

    @property
    def has_next(self) -> bool:
        """Whether a page comes after this one."""
        return self.page < self.pages


def page_bounds(page: int, per_page: int) -> tuple[int, int]:
    """``(page, per_page)`` brought into range: page from 1, at most :data:`MAX_PER_PAGE`."""
    return max(1, page), min(max(1, per_page), MAX_PER_PAGE)


@dataclass(frozen=True)
class Author:
    """Who wrote a message, as the reader sees it."""

    identity_id: int | None
    name: str
    handle: str | None
    person_id: int | None
    person_kind: str | None


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


@dataclass(frozen=True)
class ThreadView:
    """A whole thread: its channel, its messages in order and as a reply tree."""

    id: int
    title: str
    url: str | None
    channel: ChannelSummary
    messages: list[MessageView]
    roots: list[MessageView]


@dataclass(frozen=True)
class SearchQuery:
    """What to look for; every criterion is optional and they combine with AND."""

    text: str | None = None
    author: str | None = None
    channel_id: int | None = None
    since: dt.datetime | None = None
    until: dt.datetime | None = None

    @property
    def is_empty(self) -> bool:
        """Whether no criterion is given."""
        return not (self.text or self.author or self.channel_id or self.since or self.until)


#: What a :class:`MessageView` is made of: columns of the message, of its author's
#: identity and of that identity's person. Plain rows, not ORM objects: a page of 25
#: messages with their authors costs a fraction of loading 75 mapped instances.
_VIEW_COLUMNS: Final = (
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


def _with_authors(select: sa.Select[Any]) -> sa.Select[Any]:
    """``select`` (from messages) joined to each message's author, when it has one."""
    return select.outerjoin(Identity, Identity.id == Message.author_identity_id).outerjoin(
        Person, Person.id == Identity.person_id
    )


def _author(row: sa.Row[Any]) -> Author:
    if row.identity_id is None:
        return Author(None, "?", None, None, None)
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


def _message_view(row: sa.Row[Any]) -> MessageView:
    """The view of a row of :data:`_VIEW_COLUMNS`."""
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


def _title(thread_title: str | None, first: MessageView | None) -> str:
    # A thread named by its source, else by its opening message's title or words.
    if thread_title:
        return thread_title
    if first is None:
        return ""
    return first.title or _excerpt(first.text)


def _excerpt(text: str | None, limit: int = 90) -> str:
    words = " ".join((text or "").split())
    return words if len(words) <= limit else words[: limit - 1].rstrip() + "…"


def _summary(
    channel: Channel, threads: int = 0, messages: int = 0, last: Any = None
) -> ChannelSummary:
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
        last_activity=_aware(last),
    )


def _aware(value: Any) -> dt.datetime | None:
    # Aggregates (max) bypass the column type: SQLite hands back naive UTC or text.
    if value is None:
        return None
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    assert isinstance(value, dt.datetime)
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def list_channels(session: Session, role: str) -> list[ChannelSummary]:
    """The channels ``role`` may read, most recently active first, with their counts."""
    messages = (
        sa.select(
            Message.channel_id.label("channel_id"),
            sa.func.count().label("messages"),
            sa.func.count(sa.distinct(Message.thread_id)).label("threads"),
            sa.func.max(Message.created_at).label("last"),
        )
        .group_by(Message.channel_id)
        .subquery()
    )
    rows = session.execute(
        sa.select(Channel, messages.c.threads, messages.c.messages, messages.c.last)
        .outerjoin(messages, messages.c.channel_id == Channel.id)
        .where(channel_rule(role))
        .order_by(messages.c.last.desc().nulls_last(), Channel.name, Channel.id)
    )
    return [_summary(channel, threads, count, last) for channel, threads, count, last in rows]


def channel_choices(session: Session, role: str) -> list[ChannelSummary]:
    """The channels ``role`` may read, by name, without counts (for a filter's choices)."""
    channels = session.scalars(
        sa.select(Channel).where(channel_rule(role)).order_by(Channel.name, Channel.id)
    )
    return [_summary(channel) for channel in channels]


def _readable_channel(session: Session, role: str, channel_id: int) -> Channel:
    channel = session.scalar(sa.select(Channel).where(Channel.id == channel_id, channel_rule(role)))
    if channel is None:
        # Not found and not readable look the same: a reader learns nothing of hidden channels.
        raise NotFoundError(f"no channel {channel_id} that you may read")
    return channel


def channel_threads(
    session: Session, role: str, channel_id: int, *, page: int = 1, per_page: int = 25
) -> tuple[ChannelSummary, Page[ThreadSummary]]:
    """A channel and one page of its threads, the most recently active first."""
    page, per_page = page_bounds(page, per_page)
    channel = _readable_channel(session, role, channel_id)
    stats = (
        sa.select(
            Message.thread_id.label("thread_id"),
            sa.func.count().label("messages"),
            sa.func.min(Message.created_at).label("first"),
            sa.func.max(Message.created_at).label("last"),
        )
        .where(Message.channel_id == channel_id)
        .group_by(Message.thread_id)
        .subquery()
    )
    total = int(session.scalar(sa.select(sa.func.count()).select_from(stats)) or 0)
    rows = session.execute(
        sa.select(Thread, stats.c.messages, stats.c.first, stats.c.last)
        .join(stats, stats.c.thread_id == Thread.id)
        .order_by(stats.c.last.desc(), Thread.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    threads = _thread_summaries(session, [tuple(row) for row in rows])
    totals = session.execute(
        sa.select(sa.func.count(), sa.func.max(Message.created_at)).where(
            Message.channel_id == channel_id
        )
    ).one()
    summary = _summary(channel, total, totals[0], totals[1])
    return summary, Page(threads, total, page, per_page)


def _thread_summaries(
    session: Session, rows: Sequence[tuple[Thread, Any, Any, Any]]
) -> list[ThreadSummary]:
    """Summaries of ``(thread, messages, first, last)`` rows, titled from their root."""
    roots = _first_messages(session, [thread.id for thread, *_ in rows])
    threads = []
    for thread, count, first, last in rows:
        root = roots.get(thread.id)
        title = (
            thread.title or (root.title if root else None) or _excerpt(root.text if root else "")
        )
        threads.append(
            ThreadSummary(
                id=thread.id,
                channel_id=thread.channel_id,
                title=title,
                url=safe_url(thread.url),
                messages=int(count),
                started_at=_aware(first),
                last_activity=_aware(last),
                author=root.author if root else None,
            )
        )
    return threads


#: how many of the newest messages :func:`latest_threads` looks through for its threads
LATEST_WINDOW: Final = 500


def latest_threads(session: Session, role: str, *, limit: int = 6) -> list[ThreadSummary]:
    """The threads ``role`` may read with the latest messages, the most recent first.

    Found among the :data:`LATEST_WINDOW` newest readable messages (an index walk, not
    a sort of every thread): a busy thread shows once, with its own counts.
    """
    newest = (
        sa.select(Message.thread_id, Message.created_at)
        .join(Channel, Channel.id == Message.channel_id)
        .where(channel_rule(role))
        .order_by(Message.created_at.desc(), Message.id.desc())
        .limit(LATEST_WINDOW)
        .subquery()
    )
    recent = session.execute(
        sa.select(newest.c.thread_id, sa.func.max(newest.c.created_at).label("last"))
        .group_by(newest.c.thread_id)
        .order_by(sa.desc("last"), newest.c.thread_id.desc())
        .limit(limit)
    ).all()
    ids = [int(thread_id) for thread_id, _ in recent]
    if not ids:
        return []
    stats = {
        int(thread_id): (count, first, last)
        for thread_id, count, first, last in session.execute(
            sa.select(
                Message.thread_id,
                sa.func.count(),
                sa.func.min(Message.created_at),
                sa.func.max(Message.created_at),
            )
            .where(Message.thread_id.in_(ids))
            .group_by(Message.thread_id)
        )
    }
    threads = {t.id: t for t in session.scalars(sa.select(Thread).where(Thread.id.in_(ids)))}
    rows = [(threads[i], *stats[i]) for i in ids if i in threads and i in stats]
    return _thread_summaries(session, rows)


def _root_order() -> tuple[Any, ...]:
    # The opening message: one that answers nothing, else the earliest.
    return (
        sa.case((Message.reply_to_external_id.is_(None), 0), else_=1),
        Message.created_at,
        Message.id,
    )


def _first_messages(session: Session, thread_ids: Sequence[int]) -> dict[int, MessageView]:
    if not thread_ids:
        return {}
    ranked = (
        sa.select(
            Message.id.label("id"),
            sa.func.row_number()
            .over(partition_by=Message.thread_id, order_by=_root_order())
            .label("rank"),
        )
        .where(Message.thread_id.in_(thread_ids))
        .subquery()
    )
    rows = session.execute(
        _with_authors(
            sa.select(*_VIEW_COLUMNS)
            .select_from(Message)
            .join(ranked, sa.and_(ranked.c.id == Message.id, ranked.c.rank == 1))
        )
    )
    return {row.thread_id: _message_view(row) for row in rows}


def get_thread(session: Session, role: str, thread_id: int) -> ThreadView:
    """A thread with every message in order, replies nested under what they answer."""
    found = session.execute(
        sa.select(Thread, Channel)
        .join(Channel, Channel.id == Thread.channel_id)
        .where(Thread.id == thread_id, channel_rule(role))
    ).one_or_none()
    if found is None:
        raise NotFoundError(f"no thread {thread_id} that you may read")
    thread, channel = found
    rows = session.execute(
        _with_authors(sa.select(*_VIEW_COLUMNS).select_from(Message))
        .where(Message.thread_id == thread_id)
        .order_by(Message.created_at, Message.id)
    )
    messages = [_message_view(row) for row in rows]
    counts = _reaction_counts(session, [m.id for m in messages])
    for message in messages:
        message.reactions = counts.get(message.id, [])
    roots = _nest(messages)
    first = roots[0] if roots else None
    title = (
        thread.title or (first.title if first else None) or _excerpt(first.text if first else "")
    )
    return ThreadView(
        id=thread.id,
        title=title,
        url=safe_url(thread.url),
        channel=_summary(channel),
        messages=messages,
        roots=roots,
    )


def _nest(messages: list[MessageView]) -> list[MessageView]:
    # A reply whose parent is not in this thread (or not imported yet) stays at the top.
    by_id = {m.id: m for m in messages}
    roots = []
    for message in messages:
        parent = by_id.get(message.reply_to_id) if message.reply_to_id is not None else None
        if parent is not None and parent is not message:
            parent.replies.append(message)
        else:
            roots.append(message)
    return roots


def _reaction_counts(
    session: Session, message_ids: Sequence[int]
) -> dict[int, list[ReactionCount]]:
    counts: dict[int, list[ReactionCount]] = defaultdict(list)
    if not message_ids:
        return counts
    rows = session.execute(
        sa.select(Reaction.message_id, Reaction.emoji, sa.func.count())
        .where(Reaction.message_id.in_(message_ids))
        .group_by(Reaction.message_id, Reaction.emoji)
        .order_by(Reaction.message_id, sa.func.count().desc(), Reaction.emoji)
    )
    for message_id, emoji, count in rows:
        counts[message_id].append(ReactionCount(emoji, int(count)))
    return counts


@dataclass(frozen=True)
class _TextCriterion:
    """A text criterion: its exact test, and its phrase for SQLite's index (or None)."""

    condition: sa.ColumnElement[bool]
    phrase: str | None


def _readable(
    role: str, where: Sequence[sa.ColumnElement[bool]]
) -> tuple[sa.Select[Any], sa.Select[Any]]:
    """The messages ``role`` may read that meet ``where``: ``(listed, counted)``."""
    base = _with_authors(
        sa.select(
            *_VIEW_COLUMNS,
            Thread.title.label("thread_title"),
            Channel.name.label("channel_name"),
            Channel.kind.label("channel_kind"),
        )
        .select_from(Message)
        .join(Channel, Channel.id == Message.channel_id)
        .join(Thread, Thread.id == Message.thread_id)
    ).where(channel_rule(role), *where)
    # Counted without the thread (every message has one); both databases drop the outer
    # joins when no condition reads them.
    counted = (
        sa.select(Message.id)
        .join(Channel, Channel.id == Message.channel_id)
        .outerjoin(Identity, Identity.id == Message.author_identity_id)
        .outerjoin(Person, Person.id == Identity.person_id)
        .where(channel_rule(role), *where)
    )
    return base, counted


@lru_cache(maxsize=16)
def _by_person(role: str) -> tuple[sa.Select[Any], sa.Select[Any]]:
    # Built once per role: a timeline is on every profile page, and building these
    # statements costs SQLAlchemy more than running them costs the database.
    return _readable(role, [Identity.person_id == sa.bindparam("person_id")])


def _hits(
    session: Session,
    role: str,
    where: Sequence[sa.ColumnElement[bool]],
    page: int,
    per_page: int,
    *,
    count_limit: int | None = None,
    text: _TextCriterion | None = None,
    prebuilt: tuple[sa.Select[Any], sa.Select[Any]] | None = None,
    params: dict[str, Any] | None = None,
) -> Page[MessageView]:
    """One page of the messages ``role`` may read that meet every condition of ``where``
    (and ``text``).

    ``count_limit``: count up to this many (the page is then marked inexact). A million
    messages that match cost as much to count as to read, on every page of a search.
    With a phrase for SQLite's search index, the index's hits are counted (up to the
    limit); when they are few they are listed and tested one by one, when they are many
    walking the messages newest first finds a page sooner than sorting them all.
    ``prebuilt``: :func:`_readable`'s statements for ``where``, built earlier with bind
    parameters that ``params`` fill.
    """
    page, per_page = page_bounds(page, per_page)
    base, counted = prebuilt or _readable(role, where)
    listed = base
    unchecked = None  # a count of the index's hits whose text was not tested again
    if text is not None:
        listed = base.where(text.condition)
        tail = None if text.phrase is None else search_index.pending_above(session)
        if text.phrase is None:
            counted = counted.where(text.condition)
        elif tail is not None:
            # Messages above the index's watermark are not in it yet: test them one by
            # one, with the index's hits below it (the same results once it catches up).
            fts = sa.table("message_fts", sa.column("rowid"))
            match = sa.text("message_fts MATCH :phrase").bindparams(phrase=text.phrase)
            indexed_hits = Message.id.in_(sa.select(fts.c.rowid).where(match))
            candidates = sa.or_(Message.id > tail, indexed_hits)
            counted = counted.where(candidates, text.condition)
            listed = listed.where(candidates)
        else:
            # Joins, not IN (...): SQLite then walks the index's hits and stops at the limit.
            fts = sa.table("message_fts", sa.column("rowid"))
            match = sa.text("message_fts MATCH :phrase").bindparams(phrase=text.phrase)
            limit = count_limit or SEARCH_COUNT_LIMIT
            hits = sa.select(fts.c.rowid).where(match).limit(limit + 1)
            few = int(session.scalar(sa.select(sa.func.count()).select_from(hits.subquery())) or 0)
            counted = counted.join(fts, fts.c.rowid == Message.id).where(match)
            if few <= limit:
                counted = counted.where(text.condition)
                listed = listed.join(fts, fts.c.rowid == Message.id).where(match)
            else:
                # Many: count the readable hits up to the limit without reading each text
                # again (the index folds case as the exact test does); tested only when
                # the count ends below the limit and is shown as exact.
                unchecked = counted.where(text.condition)
    total = _count_up_to(session, counted, count_limit, params)
    if unchecked is not None and count_limit is not None and total <= count_limit:
        total = _count_up_to(session, unchecked, count_limit, params)
    exact = count_limit is None or total <= count_limit
    if not exact:
        total = count_limit or 0
    rows = session.execute(
        listed.order_by(Message.created_at.desc(), Message.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page),
        params,
    )
    items = []
    for row in rows:
        view = _message_view(row)
        view.thread_title = row.thread_title or row.title or None
        view.channel_name = row.channel_name
        view.channel_kind = row.channel_kind
        items.append(view)
    return Page(items, total, page, per_page, exact)


def _count_up_to(
    session: Session, rows: sa.Select[Any], limit: int | None, params: dict[str, Any] | None
) -> int:
    """How many rows ``rows`` gives, counting no further than ``limit + 1``."""
    if limit is not None:
        rows = rows.limit(limit + 1)
    statement = sa.select(sa.func.count()).select_from(rows.subquery())
    return int(session.scalar(statement, params) or 0)


def _text_phrase(session: Session, needle: str) -> str | None:
    """``needle`` as a phrase for SQLite's search index ``message_fts`` (migrations 0004, 0009);
    None when no such index serves (PostgreSQL's ILIKE uses its own trigram indexes)
    or cannot (the trigram index finds three characters or more).

    The index folds case as Unicode does, like the exact test that the rows still pass
    (:func:`contains_text`), so it never leaves out a message that matches.
    """
    needle = needle.replace("\x00", "")
    if session.get_bind().dialect.name != "sqlite" or len(needle) < _TRIGRAM:
        return None
    return '"' + needle.replace('"', '""') + '"'


def search_messages(
    session: Session, role: str, query: SearchQuery, *, page: int = 1, per_page: int = 25
) -> Page[MessageView]:
    """Messages ``role`` may read that match every criterion of ``query``, newest first.

    ``text`` is looked for in the message and its title, ``author`` in the author's
    names and handle, both ignoring case; ``since`` is inclusive, ``until`` exclusive.
    The total stops at :data:`SEARCH_COUNT_LIMIT` (``exact`` False past it).
    """
    where: list[sa.ColumnElement[bool]] = []
    text = None
    if query.text:
        condition = sa.or_(
            contains_text(session, Message.text, query.text),
            contains_text(session, Message.title, query.text),
        )
        text = _TextCriterion(condition, _text_phrase(session, query.text))
    if query.author:
        where.append(
            sa.or_(
                contains_text(session, Identity.display_name, query.author),
                contains_text(session, Identity.handle, query.author),
                contains_text(session, Person.display_name, query.author),
            )
        )
    if query.channel_id is not None:
        where.append(Message.channel_id == query.channel_id)
    if query.since is not None:
        where.append(Message.created_at >= query.since)
    if query.until is not None:
        where.append(Message.created_at < query.until)
    return _hits(
        session,
        role,
        where,
        page,
        per_page,
        count_limit=SEARCH_COUNT_LIMIT,
        text=text,
    )


def messages_by_person(
    session: Session, role: str, person_id: int, *, page: int = 1, per_page: int = 20
) -> Page[MessageView]:
    """What a person wrote, across every channel ``role`` may read, newest first.

    Merging a person moves its identities to the survivor, so the survivor's page
    holds the messages of everyone merged into it.
    """
    return _hits(
        session,
        role,
        (),
        page,
        per_page,
        prebuilt=_by_person(role),
        params={"person_id": person_id},
    )
