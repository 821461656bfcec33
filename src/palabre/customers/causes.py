"""Root causes: which topics drive a signal in a segment, period by period (pure functions).

Per segment, calendar month (the *period*), signal and topic:

* ``count``: the topic's messages that carry the signal (its threshold, as in the
  segment watch, :data:`palabre.customers.watch.THRESHOLDS`), out of ``topic_volume``;
  ``share = count / topic_volume``, next to ``segment_share``, the share of the whole
  segment's messages that carry it that period (the "Drivers" view: how much more
  this topic's messages carry the signal than the segment's);
* ``lift``: how many times more often the segment's messages carry the signal *about
  this topic* than in the segment's baseline, the :data:`BASELINE_PERIODS` months
  before: ``(count / volume) / ((baseline_count + 0.5) / baseline_volume)``. This is
  what ranks the causes. The Drivers ratio alone cannot: a topic of everyday
  complaints ("customer service never answers") always carries discontent, whereas a
  root cause is what *changed*; the half-count keeps a topic absent from the baseline
  finite, and favours a cause many messages voice over a handful of new words;
* ``p_value``: one-sided exact test that the rate rose (conditional binomial: of the
  ``count + baseline_count`` carriers about the topic, how many fall in the period,
  against the period's share of the messages), corrected for multiple testing over
  every test of the table at once (Benjamini-Hochberg, 5 % false discovery rate).

Within a segment, period and signal, causes are ranked: significant ones first, then by
lift, then by count. A period without baseline (the segment's first months) is shown
but not tested (``lift`` None).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Final

import polars as pl
from scipy import stats

from palabre.customers.watch import FDR, SIGNALS, THRESHOLDS, benjamini_hochberg

BASELINE_PERIODS: Final = 3
#: causes with fewer carriers than this in a period are not listed
MIN_COUNT: Final = 3
SMOOTHING: Final = 0.5
_NONE: Final = (0,) * (1 + len(SIGNALS))
#: the columns :func:`period_counts` reads
ASSIGNED_COLUMNS: Final[tuple[str, ...]] = ("segment_id", "created_at", "topic_id", *SIGNALS)
COUNT_KEYS: Final[tuple[str, ...]] = ("segment_id", "period", "topic_id")
DRIVER_COLUMNS: Final[tuple[str, ...]] = (
    "segment_id",
    "period",
    "signal",
    "topic_id",
    "rank",
    "count",
    "topic_volume",
    "share",
    "volume",
    "segment_count",
    "segment_share",
    "baseline_count",
    "baseline_volume",
    "lift",
    "p_value",
    "significant",
)


def _count_schema() -> dict[str, pl.DataType | type[pl.DataType]]:
    return {
        "segment_id": pl.Int64,
        "period": pl.Date,
        "topic_id": pl.Int64,
        "volume": pl.Int64,
        **{f"n_{s}": pl.Int64 for s in SIGNALS},
    }


def period_of(day: dt.date) -> dt.date:
    """The period (calendar month) a day falls in, as its first day."""
    return day.replace(day=1)


def shift_period(period: dt.date, months: int) -> dt.date:
    """The period ``months`` months after ``period`` (negative: before)."""
    index = period.year * 12 + period.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def period_counts(
    assigned: pl.DataFrame, thresholds: Mapping[str, float] = THRESHOLDS
) -> pl.DataFrame:
    """Per segment, period and topic (null: unassigned): messages and carriers of each
    signal. ``assigned`` has one row per (message, segment of its author) with
    :data:`ASSIGNED_COLUMNS`. Additive over disjoint sets of messages (:func:`combine`)."""
    if assigned.height == 0:
        return pl.DataFrame(schema=_count_schema())
    created = pl.col("created_at")
    dtype = assigned.schema["created_at"]
    if isinstance(dtype, pl.Datetime) and dtype.time_zone is not None:
        created = created.dt.convert_time_zone("UTC")
    counted = assigned.select(
        pl.col("segment_id").cast(pl.Int64),
        created.dt.date().dt.truncate("1mo").alias("period"),
        pl.col("topic_id").cast(pl.Int64),
        pl.lit(1, pl.Int64).alias("volume"),
        *((pl.col(s) >= thresholds[s]).cast(pl.Int64).alias(f"n_{s}") for s in SIGNALS),
    )
    return combine([counted])


def combine(parts: Iterable[pl.DataFrame]) -> pl.DataFrame:
    """Period counts of disjoint sets of messages added up."""
    frames = [p for p in parts if p.height]
    if not frames:
        return pl.DataFrame(schema=_count_schema())
    names = ("volume", *(f"n_{s}" for s in SIGNALS))
    return (
        pl.concat(frames)
        .group_by(COUNT_KEYS)
        .agg(pl.col(c).sum() for c in names)
        .sort(COUNT_KEYS, nulls_last=False)
    )


def _empty_drivers() -> pl.DataFrame:
    schema: dict[str, pl.DataType | type[pl.DataType]] = {
        "segment_id": pl.Int64,
        "period": pl.Date,
        "signal": pl.String,
        "topic_id": pl.Int64,
        "rank": pl.Int64,
        "count": pl.Int64,
        "topic_volume": pl.Int64,
        "share": pl.Float64,
        "volume": pl.Int64,
        "segment_count": pl.Int64,
        "segment_share": pl.Float64,
        "baseline_count": pl.Int64,
        "baseline_volume": pl.Int64,
        "lift": pl.Float64,
        "p_value": pl.Float64,
        "significant": pl.Boolean,
    }
    return pl.DataFrame(schema=schema)


def drivers(
    counts: pl.DataFrame,
    *,
    baseline_periods: int = BASELINE_PERIODS,
    min_count: int = MIN_COUNT,
    q: float = FDR,
) -> pl.DataFrame:
    """The driver statistics of every (segment, period, signal, topic) with at least
    ``min_count`` carriers, ranked (see the module docstring)."""
    if baseline_periods < 1:
        raise ValueError(f"baseline_periods must be at least 1, got {baseline_periods}")
    volume: dict[tuple[int, dt.date], int] = {}
    carriers: dict[tuple[int, dt.date, str], int] = {}
    topical: dict[tuple[int, dt.date, int], tuple[int, ...]] = {}
    for row in counts.iter_rows(named=True):
        key = (int(row["segment_id"]), row["period"])
        volume[key] = volume.get(key, 0) + int(row["volume"])
        for s in SIGNALS:
            carriers[(*key, s)] = carriers.get((*key, s), 0) + int(row[f"n_{s}"])
        if row["topic_id"] is not None:
            topical[(*key, int(row["topic_id"]))] = (
                int(row["volume"]),
                *(int(row[f"n_{s}"]) for s in SIGNALS),
            )
    rows: list[dict[str, object]] = []
    for (segment, period, topic), (topic_volume, *counts_of) in topical.items():
        n = volume[(segment, period)]
        before = [shift_period(period, -k) for k in range(1, baseline_periods + 1)]
        n_base = sum(volume.get((segment, p), 0) for p in before)
        for s, c in zip(SIGNALS, counts_of, strict=True):
            if c < min_count:
                continue
            column = 1 + SIGNALS.index(s)
            c_base = sum(topical.get((segment, p, topic), _NONE)[column] for p in before)
            segment_count = carriers[(segment, period, s)]
            lift = p_value = None
            if n_base > 0:
                lift = (c / n) / ((c_base + SMOOTHING) / n_base)
                share_of_messages = n / (n + n_base)
                p_value = float(stats.binom.sf(c - 1, c + c_base, share_of_messages))
            rows.append(
                {
                    "segment_id": segment,
                    "period": period,
                    "signal": s,
                    "topic_id": topic,
                    "rank": 0,
                    "count": c,
                    "topic_volume": topic_volume,
                    "share": c / topic_volume,
                    "volume": n,
                    "segment_count": segment_count,
                    "segment_share": segment_count / n,
                    "baseline_count": c_base,
                    "baseline_volume": n_base,
                    "lift": lift,
                    "p_value": p_value,
                    "significant": False,
                }
            )
    if not rows:
        return _empty_drivers()
    found = benjamini_hochberg([r["p_value"] for r in rows], q)  # type: ignore[misc]
    for row, significant in zip(rows, found, strict=True):
        row["significant"] = significant
    frame = pl.DataFrame(rows, schema=_empty_drivers().schema)
    return _ranked(frame)


def _ranked(frame: pl.DataFrame) -> pl.DataFrame:
    ordered = frame.with_columns(
        pl.col("lift").fill_null(-1.0).alias("_lift"),
    ).sort(
        ["segment_id", "period", "signal", "significant", "_lift", "count", "topic_id"],
        descending=[False, False, False, True, True, True, False],
    )
    ranked = ordered.with_columns(
        pl.int_range(1, pl.len() + 1).over("segment_id", "period", "signal").alias("rank")
    )
    return ranked.select(DRIVER_COLUMNS)


def top_causes(table: pl.DataFrame, segment_id: int, period: dt.date, signal: str) -> pl.DataFrame:
    """The ranked causes of one segment, period and signal."""
    return table.filter(
        (pl.col("segment_id") == segment_id)
        & (pl.col("period") == period)
        & (pl.col("signal") == signal)
    ).sort("rank")
