"""Tables of the customer-voice pillar: the segment watch's daily aggregates, and the
topics and drivers of root causes."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from palabre.db.base import Base


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
