"""Segment watch: exact daily counts, and a significance test that flags a planted jump
but not weekday seasonality."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

import polars as pl
import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from palabre.customers import watch
from palabre.customers.models import SegmentDay
from palabre.fabric.models import Message
from palabre.identity.models import Identity, Segment, SegmentMember
from palabre.pipeline.models import MessageSignal
from palabre.pipeline.runner import run_analysis
from palabre.pipeline.stage import LocalEngine
from tests.pipeline import world

# -- daily counts -----------------------------------------------------------------------


def _scored(rows: list[tuple[int, int, str, str, float, dict[str, float]]]) -> pl.DataFrame:
    return pl.DataFrame(
        [
            {
                "segment_id": segment,
                "channel_id": channel,
                "created_at": dt.datetime.fromisoformat(at),
                "sentiment_label": label,
                "sentiment_score": score,
                **{s: probs.get(s, 0.0) for s in watch.SIGNALS},
            }
            for segment, channel, at, label, score, probs in rows
        ]
    )


def test_daily_counts_count_carriers_at_each_threshold_per_channel_and_overall() -> None:
    scored = _scored(
        [
            (1, 10, "2025-03-03T08:00:00+00:00", "negative", -0.5, {"discontent": 0.5}),
            (1, 10, "2025-03-03T23:59:00+00:00", "neutral", 0.0, {"discontent": 0.49}),
            (1, 11, "2025-03-03T12:00:00+00:00", "positive", 0.75, {"praise": 0.9}),
            # 00:30 in Geneva on the 4th is still the 3rd in UTC: days are UTC days.
            (1, 11, "2025-03-04T00:30:00+01:00", "negative", -0.25, {"disappointment": 0.25}),
            (2, 10, "2025-03-04T09:00:00+00:00", "negative", -1.0, {"drifting_away": 0.3}),
        ]
    )
    daily = watch.daily_counts(scored)
    rows = {
        (r["segment_id"], r["channel_id"], r["day"].isoformat()): r
        for r in daily.iter_rows(named=True)
    }
    assert set(rows) == {
        (1, 10, "2025-03-03"),
        (1, 11, "2025-03-03"),
        (1, None, "2025-03-03"),
        (2, 10, "2025-03-04"),
        (2, None, "2025-03-04"),
    }
    overall = rows[(1, None, "2025-03-03")]
    assert overall["volume"] == 4
    assert (overall["n_discontent"], overall["n_praise"], overall["n_disappointment"]) == (1, 1, 1)
    assert (overall["n_negative"], overall["n_positive"]) == (2, 1)
    assert overall["sentiment_sum"] == pytest.approx(0.0)
    assert rows[(1, 10, "2025-03-03")]["volume"] == 2
    assert rows[(2, None, "2025-03-04")]["n_drifting_away"] == 1


def test_counts_of_parts_add_up_to_the_counts_of_the_whole() -> None:
    scored = _scored(
        [
            (s, c, f"2025-03-0{d}T10:00:00+00:00", "negative", -0.5, {"discontent": p})
            for s, c, d, p in [(1, 1, 3, 0.9), (1, 2, 3, 0.1), (1, 1, 4, 0.7), (2, 1, 3, 0.6)]
        ]
    )
    whole = watch.daily_counts(scored)
    parts = watch.combine([watch.daily_counts(scored[:2]), watch.daily_counts(scored[2:])])
    assert parts.equals(whole)


def test_segment_days_in_the_database_are_exactly_the_counted_messages(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    world.build(sessions, tmp_path, messages=40)
    run_analysis(sessions, engine=LocalEngine(workers=1))
    with sessions() as session:
        # Counted here message by message, with plain Python, from the stored signals.
        expected: Counter[tuple[int, int | None, dt.date, str]] = Counter()
        rows = session.execute(
            sa.select(
                SegmentMember.segment_id, Message.channel_id, Message.created_at, MessageSignal
            )
            .join(Message, Message.id == MessageSignal.message_id)
            .join(Identity, Identity.id == Message.author_identity_id)
            .join(SegmentMember, SegmentMember.person_id == Identity.person_id)
        ).all()
        for segment_id, channel_id, created_at, scored in rows:
            day = created_at.astimezone(dt.UTC).date()
            for channel in (channel_id, None):
                key = (segment_id, channel, day)
                expected[(*key, "volume")] += 1
                for signal in watch.SIGNALS:
                    if getattr(scored, signal) >= watch.THRESHOLDS[signal]:
                        expected[(*key, signal)] += 1
                expected[(*key, scored.sentiment_label)] += 1
        stored: Counter[tuple[int, int | None, dt.date, str]] = Counter()
        for row in session.scalars(sa.select(SegmentDay)):
            key = (row.segment_id, row.channel_id, row.day)
            stored[(*key, "volume")] += row.volume
            for signal in watch.SIGNALS:
                stored[(*key, signal)] += getattr(row, f"n_{signal}")
            stored[(*key, "negative")] += row.n_negative
            stored[(*key, "positive")] += row.n_positive
        france = session.scalar(sa.select(Segment.id).where(Segment.name == "France"))
    expected = Counter({k: v for k, v in expected.items() if k[-1] != "neutral" and v})
    assert +stored == expected
    # Claire and Paul (France) wrote 3 of every 5 messages: 24 of 40; Alice is no customer.
    france_volume = sum(
        v for k, v in stored.items() if k[0] == france and k[1] is None and k[3] == "volume"
    )
    assert france_volume == 24


# -- comparison against the baseline ----------------------------------------------------

AS_OF = dt.date(2025, 6, 30)  # a Monday
WEEKEND = (5, 6)


def _season(day: dt.date) -> tuple[int, float]:
    """Volume and discontent share of a segment that writes less but complains much more
    at the weekend."""
    return (40, 0.30) if day.weekday() in WEEKEND else (200, 0.05)


def _daily(jump_days: set[dt.date] = frozenset(), factor: float = 1.0) -> pl.DataFrame:  # type: ignore[assignment]
    rows = []
    for offset in range(watch.BASELINE_DAYS + 7):
        day = AS_OF - dt.timedelta(days=offset)
        volume, share = _season(day)
        if day in jump_days:
            share *= factor
        counts = {f"n_{s}": 0 for s in watch.SIGNALS}
        counts["n_discontent"] = round(volume * share)
        counts["n_praise"] = round(volume * 0.1)
        rows.append(
            {
                "segment_id": 1,
                "channel_id": None,
                "day": day,
                "volume": volume,
                **counts,
                "n_negative": 0,
                "n_positive": 0,
                "sentiment_sum": 0.0,
            }
        )
    return pl.DataFrame(rows)


def _cell(comparisons: list[watch.Comparison], signal: str) -> watch.Comparison:
    return next(c for c in comparisons if c.signal == signal)


def test_weekday_seasonality_alone_is_within_normal_variation() -> None:
    saturday = AS_OF - dt.timedelta(days=2)
    # One day: a Saturday compared with the four Saturdays before it, not with weekdays.
    day = _cell(watch.compare(_daily(), saturday, window=1), "discontent")
    assert day.share == pytest.approx(0.30)
    assert day.baseline_share is not None
    assert day.baseline_share < 0.15
    assert day.status == "normal"
    assert not day.significant
    assert day.change == pytest.approx(0.0)
    week = _cell(watch.compare(_daily(), AS_OF), "discontent")
    assert week.status == "normal"


def test_a_planted_jump_is_flagged_up_and_significant_with_its_size() -> None:
    last_week = {AS_OF - dt.timedelta(days=d) for d in range(7)}
    comparisons = watch.compare(_daily(last_week, factor=1.4), AS_OF)
    discontent = _cell(comparisons, "discontent")
    assert discontent.status == "up"
    assert discontent.significant
    assert discontent.change == pytest.approx(0.4, abs=0.03)
    assert _cell(comparisons, "praise").status == "normal"


def test_a_drop_is_flagged_down() -> None:
    last_week = {AS_OF - dt.timedelta(days=d) for d in range(7)}
    discontent = _cell(watch.compare(_daily(last_week, factor=0.3), AS_OF), "discontent")
    assert discontent.status == "down"
    assert discontent.change is not None
    assert discontent.change < -0.5


def test_a_segment_too_small_to_judge_says_so() -> None:
    tiny = _daily().with_columns(pl.lit(1).alias("volume"), pl.lit(0).alias("n_discontent"))
    assert {c.status for c in watch.compare(tiny, AS_OF)} == {"insufficient"}


def test_benjamini_hochberg_controls_the_false_discovery_rate() -> None:
    assert watch.benjamini_hochberg([0.01, 0.02, 0.03, None, 0.2]) == [
        True,
        True,
        True,
        False,
        False,
    ]
    assert watch.benjamini_hochberg([0.02, 0.2, 0.3, 0.4]) == [False] * 4
    # Step-up: four p-values of 0.04 are all discoveries (Bonferroni would keep none).
    assert watch.benjamini_hochberg([0.04] * 4) == [True] * 4
    assert watch.benjamini_hochberg([]) == []


def test_series_fill_days_without_messages() -> None:
    daily = _daily().filter(pl.col("day") != AS_OF - dt.timedelta(days=1))
    frame = watch.series(daily, AS_OF - dt.timedelta(days=2), AS_OF)
    assert frame["volume"].to_list() == [40, 0, 200]  # Saturday, Sunday (none), Monday
    assert frame["discontent"].to_list() == [0.3, None, 0.05]
