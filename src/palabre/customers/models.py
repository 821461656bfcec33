"""Tables of the customer-voice pillar: the segment watch's daily aggregates."""

from __future__ import annotations

import datetime as dt

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
