"""Reading the root causes for the app and the CLI: the ranked topics of a segment,
signal and period, with their labels and example messages. Nothing here writes.

The figures are computed by ``palabre analyze`` (:mod:`palabre.pipeline.cause_runner`,
:mod:`palabre.customers.causes`); a period is a calendar month.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Final

import sqlalchemy as sa
from sqlalchemy.orm import Session

from palabre.customers.causes import period_of
from palabre.customers.models import MessageTopic, Topic, TopicDriver
from palabre.customers.watch import SIGNALS, THRESHOLDS
from palabre.errors import NotFoundError, ValidationError
from palabre.fabric.browse import channel_rule
from palabre.fabric.models import Channel, Message
from palabre.identity.models import Identity, Segment, SegmentMember
from palabre.pipeline.models import MessageSignal

#: the signals whose causes the dashboard shows
NEGATIVE_SIGNALS: Final = ("discontent", "drifting_away", "disappointment", "misunderstanding")
WATCHED_KINDS: Final = ("customer",)
_EXCERPT: Final = 200


@dataclass(frozen=True)
class CauseExample:
    """A message voicing a cause."""

    id: int
    thread_id: int
    created_at: dt.datetime
    excerpt: str


@dataclass(frozen=True)
class RootCause:
    """One ranked topic of a segment, signal and period, with its driver statistics."""

    segment_id: int
    segment: str
    period: dt.date
    signal: str
    rank: int
    topic_id: int
    label: str
    language: str
    terms: list[str]
    count: int
    topic_volume: int
    share: float
    volume: int
    segment_share: float
    baseline_count: int
    baseline_volume: int
    lift: float | None
    p_value: float | None
    significant: bool
    examples: list[CauseExample] = field(default_factory=list)


def latest_period(session: Session) -> dt.date | None:
    """The last period with causes."""
    return session.scalar(sa.select(sa.func.max(TopicDriver.period)))


def _segment(session: Session, segment_id: int) -> Segment:
    segment = session.get(Segment, segment_id)
    if segment is None or segment.kind not in WATCHED_KINDS:
        raise NotFoundError(f"no customer segment {segment_id}")
    return segment


def root_causes(
    session: Session,
    *,
    role: str,
    segment_id: int | None = None,
    signal: str | None = None,
    signals: tuple[str, ...] = SIGNALS,
    since: dt.date | None = None,
    until: dt.date | None = None,
    limit: int = 5,
    examples: int = 2,
) -> list[RootCause]:
    """The first ``limit`` causes of each segment, signal and period from ``since`` to
    ``until`` (the periods they fall in; neither given: the latest period), for
    ``signal`` (None: each of ``signals``), each with
    ``examples`` messages among the channels ``role`` may read, strongest first."""
    if signal is not None and signal not in SIGNALS:
        raise ValidationError(f"signal: {signal!r} is not one of {', '.join(SIGNALS)}")
    if since is not None and until is not None and until < since:
        raise ValidationError("until: the period ends before it starts")
    if not 1 <= limit <= 50:
        raise ValidationError(f"limit: must be 1 to 50, got {limit}")
    if segment_id is not None:
        _segment(session, segment_id)
    if since is None and until is None:
        latest = latest_period(session)
        if latest is None:
            return []
        since = until = latest
    conditions = [TopicDriver.rank <= limit]
    if since is not None:
        conditions.append(TopicDriver.period >= period_of(since))
    if until is not None:
        conditions.append(TopicDriver.period <= period_of(until))
    if segment_id is not None:
        conditions.append(TopicDriver.segment_id == segment_id)
    conditions.append(TopicDriver.signal == signal if signal else TopicDriver.signal.in_(signals))
    rows = session.execute(
        sa.select(TopicDriver, Topic, Segment.name)
        .join(Topic, Topic.id == TopicDriver.topic_id)
        .join(Segment, Segment.id == TopicDriver.segment_id)
        .where(Segment.kind.in_(WATCHED_KINDS), *conditions)
        .order_by(Segment.name, TopicDriver.period, TopicDriver.signal, TopicDriver.rank)
    ).all()
    out = []
    for driver, topic, name in rows:
        found = _examples(session, role, driver, examples) if examples > 0 else []
        out.append(
            RootCause(
                segment_id=driver.segment_id,
                segment=name,
                period=driver.period,
                signal=driver.signal,
                rank=driver.rank,
                topic_id=topic.id,
                label=topic.label,
                language=topic.language,
                terms=[str(k) for k, _ in topic.terms[:8]],
                count=driver.count,
                topic_volume=driver.topic_volume,
                share=driver.share,
                volume=driver.volume,
                segment_share=driver.segment_share,
                baseline_count=driver.baseline_count,
                baseline_volume=driver.baseline_volume,
                lift=driver.lift,
                p_value=driver.p_value,
                significant=driver.significant,
                examples=found,
            )
        )
    return out


def _next_period(period: dt.date) -> dt.date:
    return (period.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def _examples(session: Session, role: str, driver: TopicDriver, limit: int) -> list[CauseExample]:
    lo = dt.datetime.combine(driver.period, dt.time(0), tzinfo=dt.UTC)
    hi = dt.datetime.combine(_next_period(driver.period), dt.time(0), tzinfo=dt.UTC)
    strength = getattr(MessageSignal, driver.signal)
    rows = session.execute(
        sa.select(Message.id, Message.thread_id, Message.created_at, Message.text)
        .join(MessageTopic, MessageTopic.message_id == Message.id)
        .join(MessageSignal, MessageSignal.message_id == Message.id)
        .join(Identity, Identity.id == Message.author_identity_id)
        .join(SegmentMember, SegmentMember.person_id == Identity.person_id)
        .join(Channel, Channel.id == Message.channel_id)
        .where(
            MessageTopic.topic_id == driver.topic_id,
            SegmentMember.segment_id == driver.segment_id,
            Message.created_at >= lo,
            Message.created_at < hi,
            strength >= THRESHOLDS[driver.signal],
            channel_rule(role),
            Channel.visibility == "public",
            Channel.kind != "survey",
        )
        .order_by(MessageTopic.score.desc(), Message.id)
        .limit(limit)
    ).all()
    out = []
    for message_id, thread_id, created_at, text in rows:
        flat = " ".join(text.split())
        excerpt = flat if len(flat) <= _EXCERPT else flat[: _EXCERPT - 1] + "…"
        out.append(CauseExample(message_id, thread_id, created_at, excerpt))
    return out
