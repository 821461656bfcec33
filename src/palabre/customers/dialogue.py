"""The customer community: palabre's own space where customers post and the company answers.

The community is ordinary fabric: one channel (source ``palabre``, kind ``community``,
public) created on first use, threads and messages with source ``palabre``, written by
the ``palabre`` identity of the poster's person. So the conversations browser, the
analysis pipeline, the segment watch and the answer inbox see community posts exactly
like imported ones. An account with no person gets one on its first post (a customer
for the ``customer`` role, an employee for every other role), linked and audited.

Every function takes the caller's session and never commits.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from dataclasses import dataclass
from typing import Final

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased

from palabre.accounts.models import UserAccount
from palabre.db.base import utcnow
from palabre.errors import NotFoundError, ValidationError
from palabre.fabric.browse import Page, page_bounds
from palabre.fabric.models import Channel, Message, Thread
from palabre.identity.models import Identity, Person
from palabre.privacy import audit

SOURCE: Final = "palabre"
COMMUNITY_EXTERNAL_ID: Final = "community"
COMMUNITY_NAME: Final = "Community"
MAX_TITLE: Final = 300
MAX_TEXT: Final = 10_000


def actor_of(account: UserAccount) -> str:
    """The audit actor of a web action by ``account``."""
    return f"user:{account.username}"


def clean_text(value: str, field: str, limit: int) -> str:
    """``value`` stripped, or a 422 naming ``field`` when empty or longer than ``limit``."""
    text = value.replace("\x00", "").strip()
    if not text:
        raise ValidationError(f"{field}: write something")
    if len(text) > limit:
        raise ValidationError(f"{field}: at most {limit} characters ({len(text)} given)")
    return text


def ensure_person(session: Session, account: UserAccount) -> Person:
    """The person ``account`` belongs to; created and linked (audited) when it has none."""
    if account.person_id is not None:
        person = session.get(Person, account.person_id)
        # Follow merges: a merged person posts as the person it was merged into.
        while person is not None and person.merged_into_id is not None:
            person = session.get(Person, person.merged_into_id)
        if person is not None:
            return person
    kind = "customer" if account.role == "customer" else "employee"
    person = Person(kind=kind, display_name=account.display_name or account.username)
    session.add(person)
    session.flush()
    account.person_id = person.id
    audit.record(
        session,
        actor=actor_of(account),
        action="account.person_created",
        subject_type="user_account",
        subject_id=account.id,
        details={"person_id": person.id, "kind": kind},
    )
    return person


def ensure_identity(session: Session, person: Person) -> Identity:
    """The ``palabre`` identity of ``person`` (the author of what they post in palabre)."""
    external_id = f"person:{person.id}"
    identity = session.scalar(
        sa.select(Identity).where(Identity.source == SOURCE, Identity.external_id == external_id)
    )
    if identity is None:
        identity = Identity(
            person_id=person.id,
            original_person_id=person.id,
            source=SOURCE,
            channel_kind="community",
            external_id=external_id,
            display_name=person.display_name,
        )
        session.add(identity)
        session.flush()
    return identity


def find_community(session: Session) -> Channel | None:
    """The community channel, or None before anyone used it."""
    return session.scalar(
        sa.select(Channel).where(
            Channel.source == SOURCE, Channel.external_id == COMMUNITY_EXTERNAL_ID
        )
    )


def ensure_community(session: Session, actor: str) -> Channel:
    """The community channel, created (and audited) on first use."""
    channel = find_community(session)
    if channel is None:
        channel = Channel(
            source=SOURCE,
            source_kind="community",
            external_id=COMMUNITY_EXTERNAL_ID,
            name=COMMUNITY_NAME,
            kind="community",
            visibility="public",
            created_at=utcnow(),
        )
        session.add(channel)
        session.flush()
        audit.record(
            session,
            actor=actor,
            action="community.channel_created",
            subject_type="channel",
            subject_id=channel.id,
        )
    return channel


def write_message(
    session: Session,
    identity: Identity,
    thread: Thread,
    text: str,
    *,
    title: str | None = None,
    reply_to: Message | None = None,
) -> Message:
    """Store a message written in palabre (source ``palabre``) in ``thread``."""
    digest = hashlib.md5(f"{title or ''}\x00{text}".encode(), usedforsecurity=False).hexdigest()
    message = Message(
        source=SOURCE,
        external_id=f"palabre:{uuid.uuid4().hex}",
        channel_id=thread.channel_id,
        thread_id=thread.id,
        author_identity_id=identity.id,
        reply_to_external_id=reply_to.external_id if reply_to is not None else None,
        reply_to_id=reply_to.id if reply_to is not None else None,
        created_at=utcnow(),
        title=title,
        text=text,
        content_hash=digest,
    )
    session.add(message)
    session.flush()
    return message


def start_thread(session: Session, account: UserAccount, title: str, text: str) -> Thread:
    """Open a thread in the community with its first post (audited)."""
    title = clean_text(title, "title", MAX_TITLE)
    text = clean_text(text, "text", MAX_TEXT)
    actor = actor_of(account)
    channel = ensure_community(session, actor)
    identity = ensure_identity(session, ensure_person(session, account))
    thread = Thread(
        channel_id=channel.id,
        source=SOURCE,
        external_id=f"palabre:{uuid.uuid4().hex}",
        title=title,
        created_at=utcnow(),
    )
    session.add(thread)
    session.flush()
    message = write_message(session, identity, thread, text, title=title)
    audit.record(
        session,
        actor=actor,
        action="community.thread_started",
        subject_type="thread",
        subject_id=thread.id,
        details={"message_id": message.id},
    )
    return thread


def community_thread(session: Session, thread_id: int) -> Thread:
    """A thread of the community (404 for any other thread: it is not the community's)."""
    channel = find_community(session)
    thread = session.get(Thread, thread_id)
    if channel is None or thread is None or thread.channel_id != channel.id:
        raise NotFoundError(f"no community thread {thread_id}")
    return thread


def reply(
    session: Session,
    account: UserAccount,
    thread_id: int,
    text: str,
    *,
    reply_to_id: int | None = None,
) -> Message:
    """Post a reply in a community thread (to its opening post unless ``reply_to_id``)."""
    text = clean_text(text, "text", MAX_TEXT)
    thread = community_thread(session, thread_id)
    parent = session.scalar(
        sa.select(Message)
        .where(Message.thread_id == thread.id)
        .where(Message.id == reply_to_id if reply_to_id is not None else sa.true())
        .order_by(Message.created_at, Message.id)
        .limit(1)
    )
    if reply_to_id is not None and parent is None:
        raise ValidationError(f"reply_to: no message {reply_to_id} in this thread")
    identity = ensure_identity(session, ensure_person(session, account))
    message = write_message(session, identity, thread, text, reply_to=parent)
    audit.record(
        session,
        actor=actor_of(account),
        action="community.replied",
        subject_type="thread",
        subject_id=thread.id,
        details={"message_id": message.id},
    )
    return message


# -- reading ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Post:
    """A community message as readers see it; ``staff``: written by an employee."""

    id: int
    author: str
    staff: bool
    created_at: dt.datetime
    title: str | None
    text: str
    reply_to_id: int | None


@dataclass(frozen=True)
class ThreadItem:
    """A community thread in the list."""

    id: int
    title: str
    author: str
    started_at: dt.datetime
    last_activity: dt.datetime
    replies: int
    answered_by_staff: bool


def _name(person: Person | None, identity: Identity | None) -> str:
    if person is not None and person.display_name:
        return person.display_name
    if identity is not None:
        return identity.display_name or identity.handle or identity.external_id
    return "?"


def list_threads(session: Session, *, page: int = 1, per_page: int = 25) -> Page[ThreadItem]:
    """The community's threads, the most recently active first."""
    page, per_page = page_bounds(page, per_page)
    channel = find_community(session)
    if channel is None:
        return Page([], 0, page, per_page)
    staff = aliased(Person)
    staff_identity = aliased(Identity)
    staff_message = aliased(Message)
    stats = (
        sa.select(
            Message.thread_id.label("thread_id"),
            sa.func.count().label("messages"),
            sa.func.min(Message.created_at).label("first"),
            sa.func.max(Message.created_at).label("last"),
        )
        .where(Message.channel_id == channel.id)
        .group_by(Message.thread_id)
        .subquery()
    )
    total = session.scalar(sa.select(sa.func.count()).select_from(stats)) or 0
    answered = (
        sa.select(staff_message.id)
        .join(staff_identity, staff_identity.id == staff_message.author_identity_id)
        .join(staff, staff.id == staff_identity.person_id)
        .where(staff_message.thread_id == Thread.id, staff.kind == "employee")
        .exists()
    )
    rows = session.execute(
        sa.select(Thread, stats.c.messages, stats.c.first, stats.c.last, answered)
        .join(stats, stats.c.thread_id == Thread.id)
        .order_by(stats.c.last.desc(), Thread.id.desc())
        .offset((page - 1) * per_page)
        .limit(per_page)
    ).all()
    openers = _openers(session, [thread.id for thread, *_ in rows])
    items = [
        ThreadItem(
            id=thread.id,
            title=thread.title or "",
            author=openers.get(thread.id, "?"),
            started_at=_aware(first),
            last_activity=_aware(last),
            replies=max(0, int(count) - 1),
            answered_by_staff=bool(is_answered),
        )
        for thread, count, first, last, is_answered in rows
    ]
    return Page(items, int(total), page, per_page)


def _aware(value: object) -> dt.datetime:
    # min()/max() bypass the column type: SQLite hands back naive UTC text.
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    assert isinstance(value, dt.datetime)
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def _openers(session: Session, thread_ids: list[int]) -> dict[int, str]:
    if not thread_ids:
        return {}
    rows = session.execute(
        sa.select(Message.thread_id, Person, Identity)
        .outerjoin(Identity, Identity.id == Message.author_identity_id)
        .outerjoin(Person, Person.id == Identity.person_id)
        .where(Message.thread_id.in_(thread_ids))
        .order_by(Message.thread_id, Message.created_at.desc(), Message.id.desc())
    )
    # Later rows (earlier messages) overwrite: the first message's author stays.
    return {thread_id: _name(person, identity) for thread_id, person, identity in rows}


def thread_posts(session: Session, thread_id: int) -> tuple[Thread, list[Post]]:
    """A community thread and its posts in order."""
    thread = community_thread(session, thread_id)
    rows = session.execute(
        sa.select(Message, Identity, Person)
        .outerjoin(Identity, Identity.id == Message.author_identity_id)
        .outerjoin(Person, Person.id == Identity.person_id)
        .where(Message.thread_id == thread.id)
        .order_by(Message.created_at, Message.id)
    )
    posts = [
        Post(
            id=message.id,
            author=_name(person, identity),
            staff=person is not None and person.kind == "employee",
            created_at=message.created_at,
            title=message.title,
            text=message.text,
            reply_to_id=message.reply_to_id,
        )
        for message, identity, person in rows
    ]
    return thread, posts
