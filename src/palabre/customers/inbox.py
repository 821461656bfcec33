"""The answer inbox: customer messages that need an answer, the most urgent first, and the
actions on them (answer, dismiss, assign) and the response-time KPIs per segment.

A message is a **customer question** when its author's person is a customer (not a
bot), it sits in a customer-facing channel the reader may read, and it opens its thread
or asks something (contains ``?``). It **needs an answer** while no employee wrote in
its thread after it and nobody answered or dismissed it from palabre.

Priority (docs/dialogue.md)::

    risk     = 1 - (1 - discontent) (1 - drifting_away) (1 - misunderstanding)
    reach    = replies to the author's messages + reactions to them + mentions of the author
    priority = (0.1 + risk) x (1 + log2(1 + reach)) x (1 + waiting_hours / 24)

Risk is the probability that at least one of the three signals holds (0 for a
message not analysed yet); the 0.1 floor keeps a calm message from vanishing to zero
however long it waits. Reach grows by the logarithm: a customer heard by 1,000 is more
urgent than one heard by 10, not a hundred times more. Waiting time adds one unit per day.
"""

from __future__ import annotations

import datetime as dt
import math
import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased

from palabre.accounts.models import UserAccount
from palabre.customers.dialogue import (
    MAX_TEXT,
    SOURCE,
    actor_of,
    clean_text,
    ensure_identity,
    ensure_person,
    write_message,
)
from palabre.customers.dialogue_models import InboxItem
from palabre.db.base import utcnow
from palabre.errors import ConflictError, NotFoundError, ValidationError
from palabre.fabric.browse import CUSTOMER_CHANNEL_KINDS, Page, channel_rule, page_bounds, safe_url
from palabre.fabric.interaction_version import KeptByVersion
from palabre.fabric.models import Channel, Mention, Message, Reaction, Thread
from palabre.identity.models import Identity, Person, Segment, SegmentMember
from palabre.pipeline.models import MessageSignal
from palabre.privacy import audit

#: Roles that see the inbox and answer from it (pages, API): as the segment watch.
INBOX_ROLES: Final = ("admin", "analyst", "manager")
RISK_FLOOR: Final = 0.1
MAX_REASON: Final = 500
#: The delay the "answered within" KPI counts.
ANSWER_TARGET: Final = dt.timedelta(hours=24)


def risk_of(discontent: float, drifting_away: float, misunderstanding: float) -> float:
    """The probability that at least one of the three signals holds (as if independent)."""
    return 1.0 - (1.0 - discontent) * (1.0 - drifting_away) * (1.0 - misunderstanding)


def priority(risk: float, reach: int, waiting_hours: float) -> float:
    """Risk x reach x waiting time, as the module's docstring states."""
    return (RISK_FLOOR + risk) * (1.0 + math.log2(1.0 + max(0, reach))) * (1.0 + waiting_hours / 24)


# -- which messages are customer questions ------------------------------------------------

_author_identity = aliased(Identity)
_author = aliased(Person)


def _employee_after() -> sa.Exists:
    # An employee wrote in the thread after the message: it has been answered.
    later = aliased(Message)
    identity = aliased(Identity)
    person = aliased(Person)
    return (
        sa.select(later.id)
        .join(identity, identity.id == later.author_identity_id)
        .join(person, person.id == identity.person_id)
        .where(
            later.thread_id == Message.thread_id,
            later.created_at > Message.created_at,
            person.kind == "employee",
        )
        .exists()
    )


def _first_answer_at() -> sa.ScalarSelect[dt.datetime]:
    later = aliased(Message)
    identity = aliased(Identity)
    person = aliased(Person)
    return (
        sa.select(sa.func.min(later.created_at))
        .join(identity, identity.id == later.author_identity_id)
        .join(person, person.id == identity.person_id)
        .where(
            later.thread_id == Message.thread_id,
            later.created_at > Message.created_at,
            person.kind == "employee",
        )
        .scalar_subquery()
    )


def _questions(role: str) -> sa.Select[Message, Channel, Person]:
    """Customer questions the reader ``role`` may read (answered or not)."""
    earlier = aliased(Message)
    opens_thread = ~(
        sa.select(earlier.id)
        .where(
            earlier.thread_id == Message.thread_id,
            sa.or_(
                earlier.created_at < Message.created_at,
                sa.and_(earlier.created_at == Message.created_at, earlier.id < Message.id),
            ),
        )
        .exists()
    )
    return (
        sa.select(Message, Channel, _author)
        .join(Channel, Channel.id == Message.channel_id)
        .join(_author_identity, _author_identity.id == Message.author_identity_id)
        .join(_author, _author.id == _author_identity.person_id)
        .where(
            Channel.kind.in_(CUSTOMER_CHANNEL_KINDS),
            channel_rule(role),
            _author.kind == "customer",
            _author_identity.is_bot.is_(False),
            sa.or_(opens_thread, Message.text.contains("?")),
        )
    )


# -- the inbox ------------------------------------------------------------------------------


@dataclass(frozen=True)
class InboxEntry:
    """A message that needs an answer, with what makes it urgent."""

    message_id: int
    thread_id: int
    thread_title: str | None
    channel_id: int
    channel_name: str
    community: bool
    author: str
    person_id: int
    created_at: dt.datetime
    text: str
    url: str | None
    signals: dict[str, float]
    risk: float
    reach: int
    waiting_hours: float
    priority: float
    assigned_to: str | None


#: Each person's reach, kept per process while the interactions stay the same: counting
#: it over the whole history took 1.2 s for the 1,572 authors of a 30-day inbox at one
#: million messages, at every view (palabre.fabric.interaction_version).
_kept_reach: KeptByVersion[dict[int, int]] = KeptByVersion(size=1, max_age=600.0)


def reach_of(session: Session, person_ids: Iterable[int]) -> dict[int, int]:
    """Replies to, reactions to and mentions of each person's identities (all channels)."""
    wanted = sorted(set(person_ids))
    if not wanted:
        return {}
    known = _kept_reach.get(session, "reach", dict)
    missing = [person_id for person_id in wanted if person_id not in known]
    if missing:
        # The counts of one version never change: threads that fill it at once agree.
        known.update(_count_reach(session, missing))
    return {person_id: known[person_id] for person_id in wanted}


def _count_reach(session: Session, wanted: list[int]) -> dict[int, int]:
    reach: dict[int, int] = defaultdict(int)
    author = aliased(Identity)
    replier = aliased(Identity)
    parent = aliased(Message)
    chunks = [wanted[i : i + 500] for i in range(0, len(wanted), 500)]
    for chunk in chunks:
        replies = session.execute(
            sa.select(author.person_id, sa.func.count())
            .select_from(Message)
            .join(parent, parent.id == Message.reply_to_id)
            .join(author, author.id == parent.author_identity_id)
            .outerjoin(replier, replier.id == Message.author_identity_id)
            .where(
                author.person_id.in_(chunk),
                # Answering oneself reaches nobody.
                sa.or_(replier.person_id.is_(None), replier.person_id != author.person_id),
            )
            .group_by(author.person_id)
        )
        reactions = session.execute(
            sa.select(author.person_id, sa.func.count())
            .select_from(Reaction)
            .join(Message, Message.id == Reaction.message_id)
            .join(author, author.id == Message.author_identity_id)
            .where(author.person_id.in_(chunk))
            .group_by(author.person_id)
        )
        mentions = session.execute(
            sa.select(author.person_id, sa.func.count())
            .select_from(Mention)
            .join(author, author.id == Mention.identity_id)
            .where(author.person_id.in_(chunk))
            .group_by(author.person_id)
        )
        for rows in (replies, reactions, mentions):
            for person_id, count in rows:
                reach[person_id] += int(count)
    return {person_id: reach.get(person_id, 0) for person_id in wanted}


def _aware(value: dt.datetime) -> dt.datetime:
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value


def _segment_filter(segment_id: int | None) -> sa.ColumnElement[bool]:
    if segment_id is None:
        return sa.true()
    return _author.id.in_(
        sa.select(SegmentMember.person_id).where(SegmentMember.segment_id == segment_id)
    )


def _candidates(
    role: str,
    now: dt.datetime,
    segment_id: int | None,
    channel_id: int | None,
    since: dt.datetime | None = None,
) -> sa.Select[int, int, dt.datetime, float, float, float]:
    """The narrow rows of the messages that need an answer: what their priority needs."""
    query = (
        _questions(role)
        .with_only_columns(
            Message.id,
            _author.id,
            Message.created_at,
            MessageSignal.discontent,
            MessageSignal.drifting_away,
            MessageSignal.misunderstanding,
        )
        .outerjoin(MessageSignal, MessageSignal.message_id == Message.id)
        .outerjoin(InboxItem, InboxItem.message_id == Message.id)
        .where(
            ~_employee_after(),
            sa.or_(InboxItem.id.is_(None), InboxItem.state == "needs_answer"),
            # Nobody is left to answer, and nothing to read (palabre.privacy.erasure).
            _author.erased_at.is_(None),
            Message.created_at <= now,
            _segment_filter(segment_id),
        )
    )
    if channel_id is not None:
        query = query.where(Message.channel_id == channel_id)
    if since is not None:
        query = query.where(Message.created_at >= since)
    return query


@dataclass(frozen=True)
class _Ranked:
    message_id: int
    person_id: int
    created_at: dt.datetime
    signals: dict[str, float]
    risk: float
    reach: int
    waiting_hours: float
    priority: float


def _details(session: Session, message_ids: list[int]) -> dict[int, Any]:
    """What the page shows of each of ``message_ids``, read only for them."""
    rows = session.execute(
        sa.select(
            Message.id,
            Message.thread_id,
            Message.text,
            Message.url,
            Thread.title.label("thread_title"),
            Channel.id.label("channel_id"),
            Channel.name.label("channel_name"),
            Channel.source.label("channel_source"),
            _author.display_name.label("author"),
            UserAccount.username.label("assignee"),
        )
        .join(Thread, Thread.id == Message.thread_id)
        .join(Channel, Channel.id == Message.channel_id)
        .join(_author_identity, _author_identity.id == Message.author_identity_id)
        .join(_author, _author.id == _author_identity.person_id)
        .outerjoin(InboxItem, InboxItem.message_id == Message.id)
        .outerjoin(UserAccount, UserAccount.id == InboxItem.assigned_to_id)
        .where(Message.id.in_(message_ids))
    )
    return {row.id: row for row in rows}


def needs_answer(
    session: Session,
    role: str,
    *,
    as_of: dt.datetime | None = None,
    segment_id: int | None = None,
    channel_id: int | None = None,
    since: dt.datetime | None = None,
    page: int = 1,
    per_page: int = 25,
) -> Page[InboxEntry]:
    """The customer messages that need an answer, the highest priority first; with
    ``since``, only those posted from then on (the page's period).

    Every candidate is ranked from a narrow row (its id, author, date and three signal
    values); only the page's messages are then read whole. Loading each candidate as
    objects with its channel, author and thread cost 1.6 s on the default demo (14,774
    questions waiting) and 26-42 s at 1 M messages, for 25 shown.
    """
    page, per_page = page_bounds(page, per_page)
    now = as_of or utcnow()
    rows = session.execute(_candidates(role, now, segment_id, channel_id, since)).all()
    reach = reach_of(session, (person_id for _id, person_id, *_rest in rows))
    ranked = []
    for message_id, person_id, created_at, discontent, drifting_away, misunderstanding in rows:
        signals = {
            "discontent": discontent or 0.0,
            "drifting_away": drifting_away or 0.0,
            "misunderstanding": misunderstanding or 0.0,
        }
        risk = risk_of(**signals)
        created_at = _aware(created_at)
        waited = max(0.0, (now - created_at).total_seconds() / 3600)
        heard = reach.get(person_id, 0)
        ranked.append(
            _Ranked(
                message_id,
                person_id,
                created_at,
                signals,
                risk,
                heard,
                waited,
                priority(risk, heard, waited),
            )
        )
    ranked.sort(key=lambda r: (-r.priority, r.created_at, r.message_id))
    start = (page - 1) * per_page
    chosen = ranked[start : start + per_page]
    details = _details(session, [r.message_id for r in chosen])
    entries = []
    for r in chosen:
        row = details[r.message_id]
        entries.append(
            InboxEntry(
                message_id=r.message_id,
                thread_id=row.thread_id,
                thread_title=row.thread_title,
                channel_id=row.channel_id,
                channel_name=row.channel_name,
                community=row.channel_source == SOURCE,
                author=row.author or f"#{r.person_id}",
                person_id=r.person_id,
                created_at=r.created_at,
                text=row.text,
                url=safe_url(row.url),
                signals=r.signals,
                risk=r.risk,
                reach=r.reach,
                waiting_hours=r.waiting_hours,
                priority=r.priority,
                assigned_to=row.assignee,
            )
        )
    return Page(entries, len(ranked), page, per_page)


# -- actions --------------------------------------------------------------------------------


def _question(session: Session, role: str, message_id: int) -> tuple[Message, Channel]:
    row = session.execute(_questions(role).where(Message.id == message_id)).first()
    if row is None:
        raise NotFoundError(f"no customer message {message_id} in the inbox that you may read")
    return row[0], row[1]


def answered_item(session: Session, role: str, message_id: int) -> InboxItem | None:
    """The answered item of a message ``role`` may read (None otherwise): the page's notice
    after an answer, with the link to the source where it must be posted too."""
    readable = session.execute(_questions(role).where(Message.id == message_id)).first()
    if readable is None:
        return None
    return session.scalar(
        sa.select(InboxItem).where(
            InboxItem.message_id == message_id, InboxItem.state == "answered"
        )
    )


def _item(session: Session, message_id: int, actor: str) -> InboxItem:
    item = session.scalar(sa.select(InboxItem).where(InboxItem.message_id == message_id))
    if item is None:
        item = InboxItem(message_id=message_id, state="needs_answer", updated_by=actor)
        session.add(item)
    return item


def answer(session: Session, account: UserAccount, message_id: int, text: str) -> InboxItem:
    """Answer a customer message from palabre (audited).

    The answer is a palabre message by the employee's person in the question's thread:
    in the community, customers read it there; for an imported channel it is recorded
    in palabre (the source is not written to) and the item keeps the link to the message
    at the source, where the answer is to be posted.
    """
    text = clean_text(text, "text", MAX_TEXT)
    question, channel = _question(session, account.role, message_id)
    actor = actor_of(account)
    item = _item(session, message_id, actor)
    if item.state == "answered":
        raise ConflictError(f"message {message_id} was already answered from palabre")
    person = ensure_person(session, account)
    if person.kind != "employee":
        raise ValidationError("only an employee answers customers: your account's person is not")
    thread = session.get(Thread, question.thread_id)
    assert thread is not None  # the foreign key guarantees it
    reply = write_message(
        session, ensure_identity(session, person), thread, text, reply_to=question
    )
    community = channel.source == SOURCE
    item.state = "answered"
    item.answered_at = reply.created_at
    item.answer_message_id = reply.id
    item.source_url = None if community else safe_url(question.url)
    item.dismissed_reason = None
    item.updated_by = actor
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="inbox.answered",
        subject_type="message",
        subject_id=message_id,
        details={
            "answer_message_id": reply.id,
            "where": "community" if community else "recorded",
            "source_url": item.source_url,
        },
    )
    return item


def dismiss(session: Session, account: UserAccount, message_id: int, reason: str) -> InboxItem:
    """Take a message out of the inbox without answering, saying why (audited)."""
    reason = clean_text(reason, "reason", MAX_REASON)
    _question(session, account.role, message_id)
    actor = actor_of(account)
    item = _item(session, message_id, actor)
    if item.state == "answered":
        raise ConflictError(f"message {message_id} was already answered from palabre")
    item.state = "dismissed"
    item.dismissed_reason = reason
    item.updated_by = actor
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="inbox.dismissed",
        subject_type="message",
        subject_id=message_id,
        details={"reason": reason},
    )
    return item


def assign(
    session: Session, account: UserAccount, message_id: int, assignee: UserAccount | None
) -> InboxItem:
    """Give a message to someone to answer (None: to nobody), audited."""
    _question(session, account.role, message_id)
    if assignee is not None and assignee.role not in INBOX_ROLES:
        raise ValidationError(f"assignee: {assignee.username!r} has no access to the inbox")
    actor = actor_of(account)
    item = _item(session, message_id, actor)
    item.assigned_to_id = assignee.id if assignee is not None else None
    item.updated_by = actor
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="inbox.assigned",
        subject_type="message",
        subject_id=message_id,
        details={"assignee": assignee.username if assignee is not None else None},
    )
    return item


# -- response-time KPIs ----------------------------------------------------------------


@dataclass(frozen=True)
class ResponseKpis:
    """How fast one segment's questions get a first answer (hours)."""

    segment_id: int | None
    segment: str
    questions: int
    answered: int
    open: int
    dismissed: int
    median_hours: float | None
    p90_hours: float | None
    within_24h: float | None


def nearest_rank(values: list[float], share: float) -> float:
    """The nearest-rank percentile: the smallest value with ``share`` of values at or below."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def summarise(
    segment_id: int | None,
    name: str,
    delays: list[float | None],
    dismissed: int,
) -> ResponseKpis:
    """The KPIs of one group: ``delays`` holds each question's hours to its first answer
    (None: still open); dismissed questions are counted apart and left out of the rest."""
    answered = [d for d in delays if d is not None]
    target = ANSWER_TARGET.total_seconds() / 3600
    return ResponseKpis(
        segment_id=segment_id,
        segment=name,
        questions=len(delays),
        answered=len(answered),
        open=len(delays) - len(answered),
        dismissed=dismissed,
        median_hours=statistics.median(answered) if answered else None,
        p90_hours=nearest_rank(answered, 0.9) if answered else None,
        within_24h=sum(d <= target for d in answered) / len(delays) if delays else None,
    )


def latest_question_at(session: Session, role: str) -> dt.datetime | None:
    """When the newest customer question ``role`` may read was posted (None: none yet).

    Looked for among the newest messages of the customer channels, a batch at a time
    (256, then four times more): asked of every question at once, the database ranked
    all of them first (9 s at 1 M messages), while the newest is nearly always among
    the last few messages.
    """
    batch = 256
    while True:
        newest = (
            sa.select(Message.id)
            .join(Channel, Channel.id == Message.channel_id)
            .where(Channel.kind.in_(CUSTOMER_CHANNEL_KINDS), channel_rule(role))
            .order_by(Message.created_at.desc(), Message.id.desc())
            .limit(batch)
            .subquery()
        )
        value = session.execute(
            _questions(role)
            .with_only_columns(sa.func.max(Message.created_at))
            .where(Message.id.in_(sa.select(newest.c.id)))
        ).scalar()
        if value is not None:
            return _aware(value)
        if session.execute(sa.select(sa.func.count()).select_from(newest)).scalar_one() < batch:
            return None  # every message of those channels was looked at
        batch *= 4


@dataclass(frozen=True)
class Period:
    """The questions an inbox page looks at: those posted from ``start`` to ``end``.
    ``shifted``: none was posted in the days before now, so the period ends at the
    midnight (UTC) after the newest question instead of now."""

    start: dt.datetime
    end: dt.datetime
    shifted: bool


def question_period(
    session: Session, role: str, *, days: int, now: dt.datetime | None = None
) -> Period:
    """The last ``days`` days before now, or, when no question was posted in them but
    earlier ones were, the ``days`` days up to the newest question: an imported archive
    or the demo, whose conversations ended a while ago, shows its last days rather than
    an empty list and an empty table."""
    if days < 1:
        raise ValidationError("days: at least 1")
    end = now or utcnow()
    latest = latest_question_at(session, role)
    shifted = latest is not None and latest < end - dt.timedelta(days=days)
    if latest is not None and shifted:
        end = dt.datetime.combine(latest.date() + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)
    return Period(end - dt.timedelta(days=days), end, shifted)


def response_kpis(
    session: Session, role: str, *, as_of: dt.datetime | None = None, days: int = 30
) -> list[ResponseKpis]:
    """KPIs of the customer questions posted in the ``days`` before ``as_of``: all
    customers first, then each customer segment (by name)."""
    if days < 1:
        raise ValidationError("days: at least 1")
    end = as_of or utcnow()
    start = end - dt.timedelta(days=days)
    first = _first_answer_at().label("first_answer_at")
    # Narrow rows (no objects): a year of questions is hundreds of thousands at 1 M messages.
    rows = session.execute(
        _questions(role)
        .with_only_columns(Message.id, _author.id, Message.created_at, first, InboxItem.state)
        .outerjoin(InboxItem, InboxItem.message_id == Message.id)
        .where(Message.created_at >= start, Message.created_at < end)
    ).all()
    delays: dict[int, float | None] = {}
    dismissed: set[int] = set()
    people: dict[int, int] = {}
    for message_id, person_id, created_at, first_answer, state in rows:
        people[message_id] = person_id
        answered_at = _parse(first_answer)
        if answered_at is not None and answered_at <= end:
            delays[message_id] = (answered_at - _aware(created_at)).total_seconds() / 3600
        elif state == "dismissed":
            dismissed.add(message_id)
        else:
            delays[message_id] = None
    members: dict[int, set[int]] = defaultdict(set)
    # Every customer segment's members (no IN list: it could exceed SQLite's parameters).
    for segment_id, person_id in session.execute(
        sa.select(SegmentMember.segment_id, SegmentMember.person_id)
        .join(Segment, Segment.id == SegmentMember.segment_id)
        .where(Segment.kind == "customer")
    ):
        members[segment_id].add(person_id)
    result = [summarise(None, "", list(delays.values()), len(dismissed))]
    segments = session.scalars(
        sa.select(Segment).where(Segment.kind == "customer").order_by(Segment.name)
    )
    for segment in segments:
        inside = {m for m, p in people.items() if p in members.get(segment.id, set())}
        result.append(
            summarise(
                segment.id,
                segment.name,
                [delays[m] for m in sorted(inside) if m in delays],
                len(inside & dismissed),
            )
        )
    return result


def _parse(value: object) -> dt.datetime | None:
    # A scalar subquery bypasses the column type: SQLite hands back naive UTC text.
    if value is None:
        return None
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    assert isinstance(value, dt.datetime)
    return _aware(value)
