"""Segment watch: daily signal counts per segment, and their change against the segment's
own baseline with a significance test. Pure functions over Polars frames (DESIGN rule 1).

Carrying a signal
-----------------
A message *carries* a signal when its calibrated probability reaches the signal's
threshold (:data:`THRESHOLDS`). Counting carriers rather than summing probabilities
(expected counts) keeps three things exact: the counts are whole numbers, so the test
below is the textbook one; the drill-down lists exactly the messages a cell counts; and a
cell reads "12 messages of 140", which people trust. The thresholds are not all 0.5: the
calibrated probabilities of disappointment and misunderstanding top out near 0.3-0.5
(annotators rarely agree on them, docs/signals.md), so those two use 0.25, the level at
which the text module starts listing evidence.

Change and significance
-----------------------
The current window (the last 7 days, or 1 day) is compared with the 28 days before it,
weekday by weekday: a Monday is compared with Mondays. Per signal, the test is the
Cochran-Mantel-Haenszel test over the weekday strata (each stratum a 2 x 2 table: window
/ baseline x carries / does not), with continuity correction. The change is the observed
count over the count expected had each weekday kept its baseline share
(``expected = sum over days of volume x baseline share of that weekday``), minus one: so
a segment that always complains more at the weekend is not "up" on a Saturday.
All the tests shown together (segments x signals) are corrected for multiple testing with
Benjamini-Hochberg at a 5 % false discovery rate.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Final, Literal

import numpy as np
import polars as pl
from scipy import stats

SIGNALS: Final[tuple[str, ...]] = (
    "discontent",
    "drifting_away",
    "disappointment",
    "misunderstanding",
    "suggestion",
    "praise",
)
#: the probability from which a message carries each signal (see the module docstring)
THRESHOLDS: Final[Mapping[str, float]] = {
    "discontent": 0.5,
    "drifting_away": 0.25,
    "disappointment": 0.25,
    "misunderstanding": 0.25,
    "suggestion": 0.5,
    "praise": 0.5,
}
#: count columns of a daily aggregate, in table order
COUNT_COLUMNS: Final[tuple[str, ...]] = (
    "volume",
    *(f"n_{s}" for s in SIGNALS),
    "n_negative",
    "n_positive",
)
KEY_COLUMNS: Final[tuple[str, ...]] = ("segment_id", "channel_id", "day")
#: the columns :func:`daily_counts` reads
SCORED_COLUMNS: Final[tuple[str, ...]] = (
    "segment_id",
    "channel_id",
    "created_at",
    "sentiment_label",
    "sentiment_score",
    *SIGNALS,
)
BASELINE_DAYS: Final = 28
#: below these volumes a comparison says "not enough data" instead of a p-value
MIN_WINDOW_VOLUME: Final = 10
MIN_BASELINE_VOLUME: Final = 20
FDR: Final = 0.05

Status = Literal["up", "down", "normal", "insufficient"]


def _empty_daily() -> pl.DataFrame:
    schema: dict[str, pl.DataType | type[pl.DataType]] = {
        "segment_id": pl.Int64,
        "channel_id": pl.Int64,
        "day": pl.Date,
        **dict.fromkeys(COUNT_COLUMNS, pl.Int64),
        "sentiment_sum": pl.Float64,
    }
    return pl.DataFrame(schema=schema)


def daily_counts(
    scored: pl.DataFrame, thresholds: Mapping[str, float] = THRESHOLDS
) -> pl.DataFrame:
    """Per segment, channel and UTC day: volume, carriers of each signal, negative and
    positive messages, and the sum of sentiment scores; plus one row per segment and day
    over all channels (``channel_id`` null).

    ``scored`` has one row per (message, segment of its author) with the columns of
    :data:`SCORED_COLUMNS` (``created_at`` a UTC datetime). The result is additive: the
    counts of two disjoint sets of messages are the sum of their counts
    (:func:`combine`), which is what lets the pipeline aggregate chunk by chunk.
    """
    if scored.height == 0:
        return _empty_daily()
    created = pl.col("created_at")
    dtype = scored.schema["created_at"]
    if isinstance(dtype, pl.Datetime) and dtype.time_zone is not None:
        # Days are UTC days whatever zone the timestamps carry.
        created = created.dt.convert_time_zone("UTC")
    counted = scored.select(
        pl.col("segment_id").cast(pl.Int64),
        pl.col("channel_id").cast(pl.Int64),
        created.dt.date().alias("day"),
        pl.lit(1, pl.Int64).alias("volume"),
        *((pl.col(s) >= thresholds[s]).cast(pl.Int64).alias(f"n_{s}") for s in SIGNALS),
        (pl.col("sentiment_label") == "negative").cast(pl.Int64).alias("n_negative"),
        (pl.col("sentiment_label") == "positive").cast(pl.Int64).alias("n_positive"),
        pl.col("sentiment_score").cast(pl.Float64).alias("sentiment_sum"),
    )
    sums = [pl.col(c).sum() for c in (*COUNT_COLUMNS, "sentiment_sum")]
    per_channel = counted.group_by(KEY_COLUMNS).agg(sums)
    everywhere = (
        counted.group_by("segment_id", "day")
        .agg(sums)
        .with_columns(pl.lit(None, pl.Int64).alias("channel_id"))
    )
    return _ordered(pl.concat([per_channel, everywhere.select(per_channel.columns)]))


def combine(parts: Iterable[pl.DataFrame]) -> pl.DataFrame:
    """Daily counts of several disjoint sets of messages added up (see :func:`daily_counts`)."""
    frames = [p for p in parts if p.height]
    if not frames:
        return _empty_daily()
    stacked = pl.concat(frames)
    return _ordered(
        stacked.group_by(KEY_COLUMNS).agg(
            [pl.col(c).sum() for c in (*COUNT_COLUMNS, "sentiment_sum")]
        )
    )


def _ordered(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.select(*KEY_COLUMNS, *COUNT_COLUMNS, "sentiment_sum").sort(
        "segment_id", "channel_id", "day", nulls_last=False
    )


# -- comparison against the baseline ----------------------------------------------------


@dataclass(frozen=True)
class Comparison:
    """One signal of one segment: the window against the segment's baseline."""

    segment_id: int
    signal: str
    window_volume: int
    window_count: int
    baseline_volume: int
    baseline_count: int
    #: the window's share of carriers, and the baseline's (None without volume)
    share: float | None
    baseline_share: float | None
    #: the count expected from the baseline's weekday shares, and observed / expected - 1
    expected: float | None
    change: float | None
    p_value: float | None
    #: after the Benjamini-Hochberg correction over every comparison made together
    significant: bool
    status: Status


def windows(as_of: dt.date, window: int) -> tuple[dt.date, dt.date, dt.date]:
    """``(window_start, baseline_start, end)``: the window is [window_start, end], the
    baseline the :data:`BASELINE_DAYS` days before it."""
    window_start = as_of - dt.timedelta(days=window - 1)
    return window_start, window_start - dt.timedelta(days=BASELINE_DAYS), as_of


def _cmh(
    window_counts: np.ndarray,
    window_volumes: np.ndarray,
    base_counts: np.ndarray,
    base_volumes: np.ndarray,
) -> tuple[float, float | None]:
    """Expected window count and the CMH p-value over weekday strata (None when the
    strata hold no information)."""
    usable = (window_volumes > 0) & (base_volumes > 0)
    a = window_counts[usable]
    n1 = window_volumes[usable]
    c = base_counts[usable]
    n0 = base_volumes[usable]
    expected_from_baseline = float(np.sum(n1 * c / n0))
    total = n1 + n0
    carriers = a + c
    # Strata of one message carry no information (the variance term divides by N - 1).
    informative = total > 1
    mean = n1 * carriers / total
    variance = np.zeros_like(mean)
    variance[informative] = (
        n1[informative]
        * n0[informative]
        * carriers[informative]
        * (total[informative] - carriers[informative])
        / (total[informative] ** 2 * (total[informative] - 1))
    )
    var_sum = float(variance.sum())
    if var_sum <= 0:
        return expected_from_baseline, None
    statistic = max(0.0, abs(float(a.sum() - mean.sum())) - 0.5) ** 2 / var_sum
    return expected_from_baseline, float(stats.chi2.sf(statistic, 1))


def _weekday_table(rows: pl.DataFrame) -> dict[tuple[str, bool], np.ndarray]:
    """``(column, in_window) -> the column's sums by weekday (Monday first)``."""
    names = ("volume", *(f"n_{s}" for s in SIGNALS))
    by_day = rows.group_by("weekday", "in_window").agg([pl.col(c).sum() for c in names])
    table = {(c, w): np.zeros(7) for c in names for w in (True, False)}
    for row in by_day.iter_rows(named=True):
        for c in names:
            table[(c, bool(row["in_window"]))][int(row["weekday"])] = float(row[c])
    return table


def benjamini_hochberg(p_values: Sequence[float | None], q: float = FDR) -> list[bool]:
    """Which tests are discoveries at false discovery rate ``q`` (None: not tested)."""
    tested = [(p, i) for i, p in enumerate(p_values) if p is not None]
    found = [False] * len(p_values)
    if not tested:
        return found
    tested.sort()
    m = len(tested)
    cutoff = -1
    for rank, (p, _) in enumerate(tested, start=1):
        if p <= q * rank / m:
            cutoff = rank
    for rank, (_, i) in enumerate(tested, start=1):
        if rank <= cutoff:
            found[i] = True
    return found


def compare(
    daily: pl.DataFrame, as_of: dt.date, *, window: int = 7, q: float = FDR
) -> list[Comparison]:
    """Every segment x signal of ``daily`` (one channel's rows, or the all-channel rows)
    compared over the window ending ``as_of`` with the weekday-matched baseline.

    The p-values are corrected together (Benjamini-Hochberg at ``q``); a comparison whose
    window or baseline is too small says ``insufficient``.
    """
    if window < 1 or window > BASELINE_DAYS:
        raise ValueError(f"window must be 1 to {BASELINE_DAYS} days, got {window}")
    window_start, baseline_start, end = windows(as_of, window)
    frame = daily.filter(pl.col("day").is_between(baseline_start, end)).with_columns(
        (pl.col("day").dt.weekday() - 1).alias("weekday"),
        (pl.col("day") >= window_start).alias("in_window"),
    )
    segments = sorted(set(daily["segment_id"].to_list()))
    pending: list[tuple[int, str, int, int, int, int, float, float | None]] = []
    for segment_id in segments:
        table = _weekday_table(frame.filter(pl.col("segment_id") == segment_id))
        wv, bv = table[("volume", True)], table[("volume", False)]
        for signal in SIGNALS:
            wc, bc = table[(f"n_{signal}", True)], table[(f"n_{signal}", False)]
            expected, p = _cmh(wc, wv, bc, bv)
            sums = (int(wv.sum()), int(wc.sum()), int(bv.sum()), int(bc.sum()))
            pending.append((segment_id, signal, *sums, expected, p))
    enough = [
        p if n_window >= MIN_WINDOW_VOLUME and n_base >= MIN_BASELINE_VOLUME else None
        for (_, _, n_window, _, n_base, _, _, p) in pending
    ]
    discoveries = benjamini_hochberg(enough, q)
    results = []
    for (segment_id, signal, n_window, c_window, n_base, c_base, expected, _), p, found in zip(
        pending, enough, discoveries, strict=True
    ):
        status: Status
        if p is None:
            status = "insufficient"
        elif found:
            status = "up" if c_window > expected else "down"
        else:
            status = "normal"
        results.append(
            Comparison(
                segment_id=segment_id,
                signal=signal,
                window_volume=n_window,
                window_count=c_window,
                baseline_volume=n_base,
                baseline_count=c_base,
                share=c_window / n_window if n_window else None,
                baseline_share=c_base / n_base if n_base else None,
                expected=expected if n_base else None,
                change=c_window / expected - 1 if p is not None and expected > 0 else None,
                p_value=p,
                significant=found,
                status=status,
            )
        )
    return results


def net_sentiment(daily: pl.DataFrame) -> float | None:
    """(positive - negative) / volume over the rows of ``daily`` (None without volume)."""
    volume = int(daily["volume"].sum()) if daily.height else 0
    if volume == 0:
        return None
    return (int(daily["n_positive"].sum()) - int(daily["n_negative"].sum())) / volume


def series(daily: pl.DataFrame, start: dt.date, end: dt.date) -> pl.DataFrame:
    """One row per day from ``start`` to ``end`` (days without messages included, at 0):
    volume, each signal's share and the net sentiment of that day (null without volume)."""
    days = pl.DataFrame({"day": pl.date_range(start, end, "1d", eager=True)})
    summed = daily.group_by("day").agg([pl.col(c).sum() for c in (*COUNT_COLUMNS, "sentiment_sum")])
    joined = days.join(summed, on="day", how="left").with_columns(
        pl.col(c).fill_null(0) for c in COUNT_COLUMNS
    )
    volume = pl.col("volume")
    share = [
        pl.when(volume > 0).then(pl.col(f"n_{s}") / volume).otherwise(None).alias(s)
        for s in SIGNALS
    ]
    net = (
        pl.when(volume > 0)
        .then((pl.col("n_positive") - pl.col("n_negative")) / volume)
        .otherwise(None)
        .alias("net_sentiment")
    )
    return joined.select("day", "volume", *share, net).sort("day")
