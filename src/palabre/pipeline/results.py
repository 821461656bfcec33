"""Reading the results tables for the app: the segment watch's heatmap, series and the
messages behind a cell. Queries over a caller-owned session; nothing here writes.

The comparisons themselves are computed at read time by :mod:`palabre.customers.watch`
from the stored daily counts: they depend on the day asked about and the window, and a
few hundred daily rows per segment make them cheap.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Final

import polars as pl
import sqlalchemy as sa
from sqlalchemy.orm import Session

from palabre.customers import watch
from palabre.customers.models import SegmentDay
from palabre.errors import NotFoundError, ValidationError
from palabre.fabric.browse import Page, channel_rule, page_bounds, safe_url
from palabre.fabric.models import Channel, Message, Thread
from palabre.identity.models import Identity, Person, Segment, SegmentMember
from palabre.pipeline.models import MessageSignal
from palabre.pipeline.runner import WATCHED_SEGMENT_KINDS, watched_conditions

#: the longest series a page or the API draws
MAX_SERIES_DAYS: Final = 366
_EXCERPT: Final = 280


@dataclass(frozen=True)
class WatchedSegment:
    """A segment the watch follows."""

    id: int
    name: str
    member_count: int


@dataclass(frozen=True)
class HeatRow:
    """One segment's line of the heatmap: its window, net sentiment and the six signals."""

    segment: WatchedSegment
    volume: int
    baseline_volume: int
    net_sentiment: float | None
    baseline_net_sentiment: float | None
    cells: list[watch.Comparison]


@dataclass(frozen=True)
class Heatmap:
    """Segments x signals over the window ending ``as_of`` (None: no aggregates yet)."""

    as_of: dt.date | None
    window: int
    window_start: dt.date | None
    baseline_start: dt.date | None
    rows: list[HeatRow]


def watched_segments(session: Session) -> list[WatchedSegment]:
    """The segments the watch follows, by name."""
    rows = session.execute(
        sa.select(Segment.id, Segment.name, Segment.member_count)
        .where(Segment.kind.in_(WATCHED_SEGMENT_KINDS))
        .order_by(Segment.name)
    )
    return [WatchedSegment(int(i), str(n), int(c)) for i, n, c in rows]


def watched_segment(session: Session, segment_id: int) -> WatchedSegment:
    """One watched segment, or a 404."""
    for segment in watched_segments(session):
        if segment.id == segment_id:
            return segment
    raise NotFoundError(f"no customer segment {segment_id}")


def latest_day(session: Session) -> dt.date | None:
    """The last day the aggregates hold."""
    return session.scalar(sa.select(sa.func.max(SegmentDay.day)))


def _channel_condition(channel_id: int | None) -> sa.ColumnElement[bool]:
    if channel_id is None:
        return SegmentDay.channel_id.is_(None)
    return SegmentDay.channel_id == channel_id


def segment_days(
    session: Session,
    start: dt.date,
    end: dt.date,
    *,
    segment_ids: list[int] | None = None,
    channel_id: int | None = None,
) -> pl.DataFrame:
    """The stored daily counts from ``start`` to ``end`` (inclusive): one channel's rows,
    or (``channel_id`` None) the all-channel rows."""
    columns = [SegmentDay.segment_id, SegmentDay.channel_id, SegmentDay.day]
    counts = [getattr(SegmentDay, c) for c in (*watch.COUNT_COLUMNS, "sentiment_sum")]
    query = sa.select(*columns, *counts).where(
        SegmentDay.day.between(start, end), _channel_condition(channel_id)
    )
    if segment_ids is not None:
        query = query.where(SegmentDay.segment_id.in_(segment_ids))
    schema: dict[str, Any] = {
        "segment_id": pl.Int64,
        "channel_id": pl.Int64,
        "day": pl.Date,
        **dict.fromkeys(watch.COUNT_COLUMNS, pl.Int64),
        "sentiment_sum": pl.Float64,
    }
    return pl.DataFrame([tuple(r) for r in session.execute(query)], schema=schema, orient="row")


def heatmap(
    session: Session,
    *,
    as_of: dt.date | None = None,
    window: int = 7,
    channel_id: int | None = None,
) -> Heatmap:
    """Every watched segment x signal, the window ending ``as_of`` (default: the last day
    with aggregates) against the weekday-matched baseline."""
    as_of = as_of or latest_day(session)
    segments = watched_segments(session)
    if as_of is None:
        return Heatmap(None, window, None, None, [])
    try:
        window_start, baseline_start, end = watch.windows(as_of, window)
    except OverflowError:
        raise ValidationError(f"as_of: {as_of} is out of range") from None
    daily = segment_days(
        session, baseline_start, end, segment_ids=[s.id for s in segments], channel_id=channel_id
    )
    by_segment: dict[int, list[watch.Comparison]] = {}
    for comparison in watch.compare(daily, as_of, window=window):
        by_segment.setdefault(comparison.segment_id, []).append(comparison)
    rows = []
    for segment in segments:
        mine = daily.filter(pl.col("segment_id") == segment.id)
        current = mine.filter(pl.col("day") >= window_start)
        base = mine.filter(pl.col("day") < window_start)
        cells = by_segment.get(segment.id) or _empty_cells(segment.id)
        rows.append(
            HeatRow(
                segment=segment,
                volume=int(current["volume"].sum()),
                baseline_volume=int(base["volume"].sum()),
                net_sentiment=watch.net_sentiment(current),
                baseline_net_sentiment=watch.net_sentiment(base),
                cells=cells,
            )
        )
    return Heatmap(as_of, window, window_start, baseline_start, rows)


def _empty_cells(segment_id: int) -> list[watch.Comparison]:
    return [
        watch.Comparison(
            segment_id, s, 0, 0, 0, 0, None, None, None, None, None, False, "insufficient"
        )
        for s in watch.SIGNALS
    ]


def segment_series(
    session: Session, segment_id: int, *, end: dt.date | None = None, days: int = 90
) -> pl.DataFrame:
    """A watched segment's daily volume, signal shares and net sentiment over ``days``
    days ending ``end`` (default: the last day with aggregates)."""
    if not 1 <= days <= MAX_SERIES_DAYS:
        raise ValidationError(f"days: must be 1 to {MAX_SERIES_DAYS}, got {days}")
    watched_segment(session, segment_id)
    end = end or latest_day(session) or dt.datetime.now(dt.UTC).date()
    start = end - dt.timedelta(days=days - 1)
    daily = segment_days(session, start, end, segment_ids=[segment_id])
    return watch.series(daily, start, end)


@dataclass(frozen=True)
class CellMessage:
    """A message behind a cell: where it is, who wrote it, how strongly it carries the
    signal and the words that raised it."""

    id: int
    thread_id: int
    thread_title: str | None
    channel_id: int
    channel_name: str
    author: str
    created_at: dt.datetime
    excerpt: str
    url: str | None
    language: str
    sentiment_label: str
    probability: float | None
    evidence: list[str]


def cell_messages(
    session: Session,
    role: str,
    segment_id: int,
    *,
    signal: str | None,
    start: dt.date,
    end: dt.date,
    channel_id: int | None = None,
    page: int = 1,
    per_page: int = 25,
) -> Page[CellMessage]:
    """The messages a cell counts (``signal`` None: every message of the segment) from
    ``start`` to ``end`` (UTC days, inclusive), the strongest first, among the channels
    ``role`` may read (the conversations pages' rule)."""
    if signal is not None and signal not in watch.SIGNALS:
        raise ValidationError(f"signal: {signal!r} is not one of {', '.join(watch.SIGNALS)}")
    if end < start:
        raise ValidationError("to: the period ends before it starts")
    watched_segment(session, segment_id)
    page, per_page = page_bounds(page, per_page)
    lo = dt.datetime.combine(start, dt.time(0), tzinfo=dt.UTC)
    hi = dt.datetime.combine(end, dt.time(0), tzinfo=dt.UTC) + dt.timedelta(days=1)
    conditions = [
        *watched_conditions(),
        channel_rule(role),
        SegmentMember.segment_id == segment_id,
        Message.created_at >= lo,
        Message.created_at < hi,
    ]
    strength: Any = None
    if signal is not None:
        strength = getattr(MessageSignal, signal)
        conditions.append(strength >= watch.THRESHOLDS[signal])
    if channel_id is not None:
        conditions.append(Message.channel_id == channel_id)
    base = (
        sa.select(MessageSignal.message_id)
        .join(Message, Message.id == MessageSignal.message_id)
        .join(Identity, Identity.id == Message.author_identity_id)
        .join(SegmentMember, SegmentMember.person_id == Identity.person_id)
        .join(Segment, Segment.id == SegmentMember.segment_id)
        .join(Channel, Channel.id == Message.channel_id)
        .where(*conditions)
    )
    total = int(session.scalar(sa.select(sa.func.count()).select_from(base.subquery())) or 0)
    order = [strength.desc()] if strength is not None else []
    rows = session.execute(
        sa.select(Message, MessageSignal, Channel.name, Thread.title, Identity, Person)
        .join(MessageSignal, MessageSignal.message_id == Message.id)
        .join(Channel, Channel.id == Message.channel_id)
        .join(Thread, Thread.id == Message.thread_id)
        .join(Identity, Identity.id == Message.author_identity_id)
        .join(Person, Person.id == Identity.person_id)
        .where(Message.id.in_(base))
        .order_by(*order, Message.created_at.desc(), Message.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    items = []
    for message, scored, channel_name, thread_title, identity, person in rows:
        text = " ".join(message.text.split())
        items.append(
            CellMessage(
                id=message.id,
                thread_id=message.thread_id,
                thread_title=thread_title or message.title,
                channel_id=message.channel_id,
                channel_name=channel_name,
                author=person.display_name
                or identity.display_name
                or identity.handle
                or identity.external_id,
                created_at=message.created_at,
                excerpt=text if len(text) <= _EXCERPT else text[: _EXCERPT - 1] + "…",
                url=safe_url(message.url),
                language=scored.language,
                sentiment_label=scored.sentiment_label,
                probability=float(getattr(scored, signal)) if signal else None,
                evidence=list((scored.evidence or {}).get(signal, [])) if signal else [],
            )
        )
    return Page(items, total, page, per_page)
