"""Driver statistics of root causes: lift against the segment's baseline, exact test,
Benjamini-Hochberg, ranking."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from palabre.customers import causes
from palabre.customers.watch import SIGNALS

APRIL = dt.date(2025, 4, 1)


def rows(
    segment: int, day: dt.date, topic: int | None, n: int, discontent: int
) -> list[dict[str, object]]:
    """``n`` messages on ``day`` about ``topic``, the first ``discontent`` discontented."""
    moment = dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC)
    return [
        {
            "segment_id": segment,
            "created_at": moment,
            "topic_id": topic,
            **dict.fromkeys(SIGNALS, 0.0),
            "discontent": 0.9 if i < discontent else 0.1,
        }
        for i in range(n)
    ]


def frame(parts: list[list[dict[str, object]]]) -> pl.DataFrame:
    schema = {
        "segment_id": pl.Int64,
        "created_at": pl.Datetime("us", "UTC"),
        "topic_id": pl.Int64,
        **dict.fromkeys(SIGNALS, pl.Float64),
    }
    return pl.DataFrame([r for p in parts for r in p], schema=schema)


def segment_year() -> pl.DataFrame:
    """Segment 1, January to July: a steady complaint topic (7), a price topic (9) from April."""
    parts = []
    for month in range(1, 8):
        day = dt.date(2025, month, 10)
        parts.append(rows(1, day, 7, 40, 30))  # everyday complaints, always there
        parts.append(rows(1, day, None, 160, 0))  # everything else
        if month >= 4:
            parts.append(rows(1, day, 9, 30, 24))
        elif month == 2:
            parts.append(rows(1, day, 9, 1, 0))  # the word appears once, calmly
    return frame(parts)


def test_a_cause_that_appears_ranks_first_and_an_everyday_complaint_does_not() -> None:
    table = causes.drivers(causes.period_counts(segment_year()))
    april = causes.top_causes(table, 1, APRIL, "discontent")
    first, second = april.iter_rows(named=True)
    assert first["topic_id"] == 9
    assert first["rank"] == 1
    assert first["significant"] is True
    # 24 of 230 messages this month against 0 (+0.5) of 601 in the three months before
    assert first["lift"] == pytest.approx((24 / 230) / (0.5 / 601))
    assert second["topic_id"] == 7
    assert second["significant"] is False
    assert second["lift"] == pytest.approx((30 / 230) / (90.5 / 601))
    # the Drivers view: share of the topic's messages that carry it, and the segment's
    assert first["share"] == pytest.approx(24 / 30)
    assert first["segment_share"] == pytest.approx(54 / 230)


def test_once_a_cause_is_in_the_baseline_it_is_no_longer_a_rise() -> None:
    table = causes.drivers(causes.period_counts(segment_year()))
    july = causes.top_causes(table, 1, dt.date(2025, 7, 1), "discontent")
    price = july.filter(pl.col("topic_id") == 9).row(0, named=True)
    assert price["baseline_count"] == 72  # April to June
    assert price["lift"] == pytest.approx((24 / 230) / (72.5 / 690))
    assert price["significant"] is False


def test_the_first_month_has_no_baseline_and_is_not_tested() -> None:
    table = causes.drivers(causes.period_counts(segment_year()))
    january = causes.top_causes(table, 1, dt.date(2025, 1, 1), "discontent")
    assert january["lift"].to_list() == [None]
    assert january["p_value"].to_list() == [None]
    assert january["significant"].to_list() == [False]


def test_causes_below_the_minimum_count_are_not_listed() -> None:
    table = causes.drivers(causes.period_counts(segment_year()), min_count=25)
    april = causes.top_causes(table, 1, APRIL, "discontent")
    assert april["topic_id"].to_list() == [7]


def test_counts_add_up_chunk_by_chunk() -> None:
    data = segment_year()
    whole = causes.period_counts(data)
    halves = causes.combine(
        [causes.period_counts(data.head(500)), causes.period_counts(data.tail(data.height - 500))]
    )
    assert halves.equals(whole)


def test_periods_are_calendar_months() -> None:
    assert causes.period_of(dt.date(2025, 4, 30)) == APRIL
    assert causes.shift_period(dt.date(2025, 1, 1), -3) == dt.date(2024, 10, 1)
    assert causes.shift_period(dt.date(2025, 11, 1), 2) == dt.date(2026, 1, 1)


def test_a_baseline_of_zero_months_is_refused() -> None:
    with pytest.raises(ValueError, match="baseline_periods"):
        causes.drivers(causes.period_counts(segment_year()), baseline_periods=0)
