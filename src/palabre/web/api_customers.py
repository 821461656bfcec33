"""JSON API of the segment watch (the heatmap, a segment's series, the messages of a cell)
and of the root causes.

Who may call it: :data:`WATCH_ROLES` (docs/web.md, "Segment watch").
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Final, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict

from palabre.accounts.models import UserAccount
from palabre.customers import root_causes as causes_service
from palabre.customers.watch import SIGNALS
from palabre.errors import ValidationError
from palabre.pipeline import results
from palabre.web.access import requires
from palabre.web.api import PREFIX
from palabre.web.deps import DbSession
from palabre.web.listing import OptionalRowId, RowId

#: roles that see the segment watch (pages and API)
WATCH_ROLES: Final = ("admin", "analyst", "manager")

router = APIRouter(prefix=f"{PREFIX}/customers", tags=["customers"])
Watcher = Annotated[UserAccount, requires(*WATCH_ROLES)]
DateText = Annotated[str, Query(max_length=10)]


def parse_day(value: str, name: str) -> dt.date | None:
    """A ``YYYY-MM-DD`` query parameter (empty: None), or a 422 naming the parameter."""
    if not value.strip():
        return None
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise ValidationError(f"{name}: {value!r} is not a date (YYYY-MM-DD)") from None


class ComparisonRead(BaseModel):
    """One signal of one segment: the window against the weekday-matched baseline."""

    model_config = ConfigDict(from_attributes=True)

    signal: str
    window_volume: int
    window_count: int
    baseline_volume: int
    baseline_count: int
    share: float | None
    baseline_share: float | None
    expected: float | None
    change: float | None
    p_value: float | None
    significant: bool
    status: Literal["up", "down", "normal", "insufficient"]


class SegmentRead(BaseModel):
    """A segment the watch follows."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    member_count: int


class HeatRowRead(BaseModel):
    """One segment's line of the heatmap."""

    model_config = ConfigDict(from_attributes=True)

    segment: SegmentRead
    volume: int
    baseline_volume: int
    net_sentiment: float | None
    baseline_net_sentiment: float | None
    cells: list[ComparisonRead]


class HeatmapRead(BaseModel):
    """Segments x signals over the window ending ``as_of`` (null: nothing analysed yet)."""

    model_config = ConfigDict(from_attributes=True)

    as_of: dt.date | None
    window: int
    window_start: dt.date | None
    baseline_start: dt.date | None
    rows: list[HeatRowRead]


class SeriesRead(BaseModel):
    """A segment's days: volume, the share of each signal and net sentiment (null: no
    message that day)."""

    segment: SegmentRead
    days: list[dt.date]
    volume: list[int]
    shares: dict[str, list[float | None]]
    net_sentiment: list[float | None]


class CellMessageRead(BaseModel):
    """A message behind a heatmap cell."""

    model_config = ConfigDict(from_attributes=True)

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


class CellMessagePageRead(BaseModel):
    """One page of the messages behind a cell."""

    items: list[CellMessageRead]
    total: int
    page: int
    per_page: int


def series_read(db: DbSession, segment_id: int, end: dt.date | None, days: int) -> SeriesRead:
    """A segment's series as the API and the dashboard's charts read it."""
    segment = results.watched_segment(db, segment_id)
    frame = results.segment_series(db, segment_id, end=end, days=days)
    return SeriesRead(
        segment=SegmentRead.model_validate(segment),
        days=frame["day"].to_list(),
        volume=frame["volume"].to_list(),
        shares={s: frame[s].to_list() for s in SIGNALS},
        net_sentiment=frame["net_sentiment"].to_list(),
    )


@router.get("/watch", response_model=HeatmapRead)
def watch_heatmap(
    db: DbSession,
    user: Watcher,
    as_of: DateText = "",
    window: Annotated[int, Query(ge=1, le=28)] = 7,
    channel: OptionalRowId = None,
) -> HeatmapRead:
    """Every customer segment x signal: the window ending ``as_of`` (default: the last
    analysed day) against the 28 days before it, weekday by weekday."""
    found = results.heatmap(db, as_of=parse_day(as_of, "as_of"), window=window, channel_id=channel)
    return HeatmapRead.model_validate(found)


@router.get("/segments/{segment_id}/series", response_model=SeriesRead)
def segment_series(
    db: DbSession,
    segment_id: RowId,
    user: Watcher,
    end: DateText = "",
    days: Annotated[int, Query(ge=1, le=results.MAX_SERIES_DAYS)] = 90,
) -> SeriesRead:
    """A segment's daily volume, signal shares and net sentiment, ``days`` days to ``end``."""
    return series_read(db, segment_id, parse_day(end, "end"), days)


@router.get("/segments/{segment_id}/messages", response_model=CellMessagePageRead)
def cell_messages(
    db: DbSession,
    segment_id: RowId,
    user: Watcher,
    since: Annotated[str, Query(alias="from", max_length=10)],
    until: Annotated[str, Query(alias="to", max_length=10)],
    signal: Annotated[str | None, Query(max_length=40)] = None,
    channel: OptionalRowId = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=100)] = 25,
) -> CellMessagePageRead:
    """The messages a cell counts (no ``signal``: all the segment's messages), strongest
    first, from ``from`` to ``to`` (UTC days, inclusive)."""
    start = parse_day(since, "from")
    end = parse_day(until, "to")
    if start is None or end is None:
        raise ValidationError("from and to: both dates are needed (YYYY-MM-DD)")
    found = results.cell_messages(
        db,
        user.role,
        segment_id,
        signal=signal,
        start=start,
        end=end,
        channel_id=channel,
        page=page,
        per_page=per_page,
    )
    return CellMessagePageRead(
        items=[CellMessageRead.model_validate(m) for m in found.items],
        total=found.total,
        page=found.page,
        per_page=found.per_page,
    )


class CauseExampleRead(BaseModel):
    """A message voicing a root cause."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    thread_id: int
    created_at: dt.datetime
    excerpt: str


class RootCauseRead(BaseModel):
    """One ranked topic of a segment, signal and month, with its driver statistics
    (docs/root-causes.md)."""

    model_config = ConfigDict(from_attributes=True)

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
    examples: list[CauseExampleRead]


@router.get("/causes", response_model=list[RootCauseRead])
def root_causes(
    db: DbSession,
    user: Watcher,
    segment: OptionalRowId = None,
    signal: Annotated[str | None, Query(max_length=40)] = None,
    since: DateText = "",
    until: DateText = "",
    limit: Annotated[int, Query(ge=1, le=50)] = 5,
) -> list[RootCauseRead]:
    """The root causes of each customer segment, signal and month from ``since`` to
    ``until`` (default: the latest month), ranked by lift against the segment's baseline."""
    found = causes_service.root_causes(
        db,
        role=user.role,
        segment_id=segment,
        signal=signal,
        since=parse_day(since, "since"),
        until=parse_day(until, "until"),
        limit=limit,
    )
    return [RootCauseRead.model_validate(c) for c in found]
