"""Tables of the customer-voice pillar: the segment watch's daily aggregates, alert rules,
alerts and their delivery log, and the topics and drivers of root causes."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from palabre.db.base import Base, utcnow


class SegmentDay(Base):
    """One segment's messages on one UTC day, on one channel (``channel_id`` empty: all
    channels together). ``n_<signal>`` counts the messages that carry the signal (its
    probability reaches the signal's threshold, see :mod:`palabre.customers.watch`)."""

    __tablename__ = "segment_day"

    id: Mapped[int] = mapped_column(primary_key=True)
    segment_id: Mapped[int] = mapped_column(sa.ForeignKey("segment.id", ondelete="CASCADE"))
    channel_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("channel.id", ondelete="CASCADE"), index=True
    )
    day: Mapped[dt.date] = mapped_column(sa.Date, index=True)
    volume: Mapped[int] = mapped_column()
    n_discontent: Mapped[int] = mapped_column()
    n_drifting_away: Mapped[int] = mapped_column()
    n_disappointment: Mapped[int] = mapped_column()
    n_misunderstanding: Mapped[int] = mapped_column()
    n_suggestion: Mapped[int] = mapped_column()
    n_praise: Mapped[int] = mapped_column()
    n_negative: Mapped[int] = mapped_column()
    n_positive: Mapped[int] = mapped_column()
    sentiment_sum: Mapped[float] = mapped_column(sa.Float)

    __table_args__ = (sa.Index("ix_segment_day_segment_day", "segment_id", "day"),)


class ChurnRiskScore(Base):
    """A customer's probability of leaving within 60 days, as the last analysis saw it
    (``as_of``: the day after the latest analysed message). Written for every customer
    by the ``churn_risk`` stage of ``palabre analyze``, which replaces the whole table;
    the at-risk pages rank from it."""

    __tablename__ = "churn_risk_score"

    person_id: Mapped[int] = mapped_column(
        sa.ForeignKey("person.id", ondelete="CASCADE"), primary_key=True
    )
    as_of: Mapped[dt.date] = mapped_column(sa.Date)
    probability: Mapped[float] = mapped_column(sa.Float)

    __table_args__ = (sa.Index("ix_churn_risk_score_probability", "probability"),)


# -- alerts -----------------------------------------------------------------------------

ALERT_KINDS = ("rule", "anomaly")
ALERT_STATES = ("open", "acknowledged", "closed")
ALERT_SEVERITIES = ("low", "medium", "high")
DELIVERY_CHANNELS = ("webhook", "email")
DELIVERY_STATUSES = ("pending", "sent", "failed")


class AlertRule(Base):
    """Raise an alert when a signal's daily share in a segment stays above ``threshold``
    for ``persistence_days`` days in a row, each day with at least ``min_volume``
    messages. ``segment_id`` empty: every customer segment. Delivered in the app, and
    to ``webhook_url`` and ``emails`` when set."""

    __tablename__ = "alert_rule"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200), unique=True)
    segment_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("segment.id", ondelete="CASCADE"), index=True
    )
    signal: Mapped[str] = mapped_column(sa.String(32))
    threshold: Mapped[float] = mapped_column(sa.Float)
    min_volume: Mapped[int] = mapped_column(default=10)
    persistence_days: Mapped[int] = mapped_column(default=1)
    webhook_url: Mapped[str | None] = mapped_column(sa.String(2000))
    emails: Mapped[list[Any]] = mapped_column(default=list)
    enabled: Mapped[bool] = mapped_column(default=True)
    created_by: Mapped[str] = mapped_column(sa.String(200))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        sa.CheckConstraint("threshold >= 0 and threshold <= 1", name="threshold"),
        sa.CheckConstraint("min_volume >= 1", name="min_volume"),
        sa.CheckConstraint("persistence_days >= 1", name="persistence_days"),
    )


class Alert(Base):
    """One episode of a rule breached or an anomaly found, in one segment and signal.

    ``day`` is the day it was raised (persistence reached), ``last_day`` the last day the
    condition held: a condition lasting a week is one alert, extended, never seven.
    ``key`` names the episode's source (``rule:<id>`` or ``anomaly``) so that each
    (key, segment, signal, day) is raised at most once (unique), whatever the runs.
    """

    __tablename__ = "alert"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(16))
    key: Mapped[str] = mapped_column(sa.String(64))
    rule_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("alert_rule.id", ondelete="SET NULL"), index=True
    )
    segment_id: Mapped[int] = mapped_column(sa.ForeignKey("segment.id", ondelete="CASCADE"))
    signal: Mapped[str] = mapped_column(sa.String(32))
    day: Mapped[dt.date] = mapped_column(sa.Date, index=True)
    last_day: Mapped[dt.date] = mapped_column(sa.Date)
    #: the signal's share on the day it was raised, and the segment's baseline share
    value: Mapped[float] = mapped_column(sa.Float)
    baseline: Mapped[float | None] = mapped_column(sa.Float)
    volume: Mapped[int] = mapped_column()
    change: Mapped[float | None] = mapped_column(sa.Float)
    p_value: Mapped[float | None] = mapped_column(sa.Float)
    severity: Mapped[str] = mapped_column(sa.String(16))
    state: Mapped[str] = mapped_column(sa.String(16), default="open", index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_by: Mapped[str | None] = mapped_column(sa.String(200))

    __table_args__ = (
        sa.UniqueConstraint("key", "segment_id", "signal", "day"),
        sa.CheckConstraint("kind in ('rule', 'anomaly')", name="kind"),
        sa.CheckConstraint("state in ('open', 'acknowledged', 'closed')", name="state"),
        sa.CheckConstraint("severity in ('low', 'medium', 'high')", name="severity"),
    )


class AlertDelivery(Base):
    """One alert sent (or being sent) on one channel to one target: the delivery log."""

    __tablename__ = "alert_delivery"

    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[int] = mapped_column(sa.ForeignKey("alert.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(sa.String(16))
    target: Mapped[str] = mapped_column(sa.String(2000))
    status: Mapped[str] = mapped_column(sa.String(16), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    error: Mapped[str | None] = mapped_column(sa.Text)
    last_attempt_at: Mapped[dt.datetime | None] = mapped_column()
    sent_at: Mapped[dt.datetime | None] = mapped_column()

    __table_args__ = (
        sa.UniqueConstraint("alert_id", "channel", "target"),
        sa.CheckConstraint("channel in ('webhook', 'email')", name="channel"),
        sa.CheckConstraint("status in ('pending', 'sent', 'failed')", name="status"),
    )


# -- root causes ------------------------------------------------------------------------


class Topic(Base):
    """A topic of customer messages, kept from run to run (root causes).

    ``terms`` holds ``[key, weight]`` pairs (unit length, strongest first) in ``language``;
    a new fit that finds a similar topic keeps this row, its id and its ``label``
    (``last_seen`` moves); ``active``: found by the latest fit (only active topics are
    given to messages). See :mod:`palabre.text.topics`.
    """

    __tablename__ = "topic"

    id: Mapped[int] = mapped_column(primary_key=True)
    language: Mapped[str] = mapped_column(sa.String(8))
    label: Mapped[str] = mapped_column(sa.String(200))
    terms: Mapped[list[Any]] = mapped_column()
    size: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)
    first_seen: Mapped[dt.datetime] = mapped_column()
    last_seen: Mapped[dt.datetime] = mapped_column()


class MessageTopic(Base):
    """The topic a message was given (``topic_id`` empty: none fits), with the cosine of
    its terms and the topic's, and the content it was computed from."""

    __tablename__ = "message_topic"

    message_id: Mapped[int] = mapped_column(
        sa.ForeignKey("message.id", ondelete="CASCADE"), primary_key=True
    )
    topic_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("topic.id", ondelete="SET NULL"), index=True
    )
    score: Mapped[float] = mapped_column(sa.Float)
    content_hash: Mapped[str] = mapped_column(sa.String(32))


class TopicDriver(Base):
    """How much one topic drives one signal in one segment over one period (a calendar
    month starting ``period``); see :mod:`palabre.customers.causes` for every figure."""

    __tablename__ = "topic_driver"

    id: Mapped[int] = mapped_column(primary_key=True)
    segment_id: Mapped[int] = mapped_column(sa.ForeignKey("segment.id", ondelete="CASCADE"))
    period: Mapped[dt.date] = mapped_column(sa.Date)
    signal: Mapped[str] = mapped_column(sa.String(32))
    topic_id: Mapped[int] = mapped_column(sa.ForeignKey("topic.id", ondelete="CASCADE"), index=True)
    rank: Mapped[int] = mapped_column()
    count: Mapped[int] = mapped_column()
    topic_volume: Mapped[int] = mapped_column()
    share: Mapped[float] = mapped_column(sa.Float)
    volume: Mapped[int] = mapped_column()
    segment_count: Mapped[int] = mapped_column()
    segment_share: Mapped[float] = mapped_column(sa.Float)
    baseline_count: Mapped[int] = mapped_column()
    baseline_volume: Mapped[int] = mapped_column()
    lift: Mapped[float | None] = mapped_column(sa.Float)
    p_value: Mapped[float | None] = mapped_column(sa.Float)
    significant: Mapped[bool] = mapped_column()

    __table_args__ = (
        sa.Index("ix_topic_driver_segment_period_signal", "segment_id", "period", "signal"),
    )
