"""Alerts from the segment watch's daily counts: rules breached and anomalies found.
Pure functions over Polars frames (DESIGN rule 1); :mod:`palabre.customers.alerts`
stores what they find and :mod:`palabre.customers.delivery` sends it.

Rules
-----
A rule watches one signal in one segment (or in every customer segment): it fires on a
day when the signal's share of that day's messages has been above its threshold for
``persistence_days`` days in a row, each of them with at least ``min_volume`` messages.
Days without enough messages break the streak: a share of 1 message out of 2 says
nothing.

Anomalies
---------
No threshold to choose: a signal of discontent, drifting away, disappointment or
misunderstanding whose day is significantly *up* against the segment's own baseline
(the watch's weekday-matched Cochran-Mantel-Haenszel test with Benjamini-Hochberg
correction, :func:`palabre.customers.watch.compare` over a one-day window), by at least
:data:`MIN_ANOMALY_CHANGE`, on ``persistence`` consecutive days. A one-day blip pages no
one. Suggestions and praise rising is good news: never an anomaly.

Severity is the size of the change: for an anomaly the observed count against the
expected one (+100 % and more: high, +50 %: medium, less: low; a signal that the same
weekdays of the baseline never carried has no expected count: a rise from nothing,
high); for a rule the share against the threshold (twice the threshold and more: high,
1.5 times: medium).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, Literal

import polars as pl

from palabre.customers import watch

Severity = Literal["low", "medium", "high"]
#: signals whose rise is bad news, the only ones anomalies look at
WORRYING: Final[tuple[str, ...]] = (
    "discontent",
    "drifting_away",
    "disappointment",
    "misunderstanding",
)
#: a significant rise smaller than this (relative) is not worth an anomaly
MIN_ANOMALY_CHANGE: Final = 0.3


@dataclass(frozen=True)
class RuleSpec:
    """What :func:`rule_findings` needs of an alert rule."""

    id: int
    segment_id: int | None
    signal: str
    threshold: float
    min_volume: int
    persistence_days: int


@dataclass(frozen=True)
class Finding:
    """A condition met on ``day`` in one segment and signal: what an alert is raised from.

    ``key`` names its source: ``rule:<id>`` or ``anomaly``. ``value`` is the signal's
    share on ``day``, ``baseline`` the segment's share over the baseline period.
    """

    key: str
    kind: Literal["rule", "anomaly"]
    rule_id: int | None
    segment_id: int
    signal: str
    day: dt.date
    value: float
    baseline: float | None
    volume: int
    change: float | None
    p_value: float | None
    severity: Severity


def change_severity(change: float) -> Severity:
    """The severity of a relative rise (0.5: +50 %)."""
    if change >= 1.0:
        return "high"
    if change >= 0.5:
        return "medium"
    return "low"


def excess_severity(value: float, threshold: float) -> Severity:
    """The severity of a share above a rule's threshold."""
    if threshold <= 0:
        return "high" if value > 0 else "low"
    return change_severity(value / threshold - 1)


def _daily_table(daily: pl.DataFrame) -> dict[tuple[int, dt.date], dict[str, int]]:
    """``(segment, day) -> counts`` of the all-channel rows."""
    rows = daily.filter(pl.col("channel_id").is_null())
    names = ("volume", *(f"n_{s}" for s in watch.SIGNALS))
    return {
        (int(r["segment_id"]), r["day"]): {c: int(r[c]) for c in names}
        for r in rows.iter_rows(named=True)
    }


def _baseline_share(
    table: dict[tuple[int, dt.date], dict[str, int]], segment: int, signal: str, before: dt.date
) -> float | None:
    volume = hits = 0
    for offset in range(1, watch.BASELINE_DAYS + 1):
        counts = table.get((segment, before - dt.timedelta(days=offset)))
        if counts:
            volume += counts["volume"]
            hits += counts[f"n_{signal}"]
    return hits / volume if volume else None


def rule_findings(
    daily: pl.DataFrame, rules: Sequence[RuleSpec], days: Sequence[dt.date]
) -> list[Finding]:
    """The rules that fire on each of ``days`` (see the module docstring).

    ``daily`` holds the watch's daily counts (:func:`palabre.customers.watch.daily_counts`)
    from at least ``persistence_days`` + :data:`palabre.customers.watch.BASELINE_DAYS`
    days before the first of ``days``; its all-channel rows are read.
    """
    table = _daily_table(daily)
    segments = sorted({segment for segment, _ in table})
    found: list[Finding] = []
    for rule in rules:
        if rule.signal not in watch.SIGNALS:
            raise ValueError(f"rule {rule.id}: unknown signal {rule.signal!r}")
        targets = segments if rule.segment_id is None else [rule.segment_id]
        for segment in targets:
            for day in days:
                streak = [day - dt.timedelta(days=k) for k in range(rule.persistence_days)]
                shares = []
                for when in streak:
                    counts = table.get((segment, when))
                    if not counts or counts["volume"] < rule.min_volume:
                        break
                    share = counts[f"n_{rule.signal}"] / counts["volume"]
                    if share <= rule.threshold:
                        break
                    shares.append(share)
                if len(shares) < rule.persistence_days:
                    continue
                baseline = _baseline_share(table, segment, rule.signal, streak[-1])
                found.append(
                    Finding(
                        key=f"rule:{rule.id}",
                        kind="rule",
                        rule_id=rule.id,
                        segment_id=segment,
                        signal=rule.signal,
                        day=day,
                        value=shares[0],
                        baseline=baseline,
                        volume=table[(segment, day)]["volume"],
                        change=shares[0] / baseline - 1 if baseline else None,
                        p_value=None,
                        severity=excess_severity(shares[0], rule.threshold),
                    )
                )
    return found


def anomaly_findings(
    daily: pl.DataFrame,
    days: Sequence[dt.date],
    *,
    persistence: int = 2,
    min_change: float = MIN_ANOMALY_CHANGE,
) -> list[Finding]:
    """The significant rises that lasted ``persistence`` days up to each of ``days``
    (see the module docstring); ``daily`` as for :func:`rule_findings`."""
    if persistence < 1:
        raise ValueError(f"persistence must be at least 1 day, got {persistence}")
    everywhere = daily.filter(pl.col("channel_id").is_null())
    cache: dict[dt.date, dict[tuple[int, str], watch.Comparison]] = {}

    def rises(day: dt.date) -> dict[tuple[int, str], watch.Comparison]:
        if day not in cache:
            cache[day] = {
                (c.segment_id, c.signal): c
                for c in watch.compare(everywhere, day, window=1)
                if c.signal in WORRYING
                and c.status == "up"
                # No expected count (none on those weekdays before): a rise from nothing.
                and (c.change is None or c.change >= min_change)
            }
        return cache[day]

    found: list[Finding] = []
    for day in days:
        today = rises(day)
        for (segment, signal), comparison in sorted(today.items()):
            lasting = all(
                (segment, signal) in rises(day - dt.timedelta(days=k))
                for k in range(1, persistence)
            )
            if not lasting or comparison.share is None:
                continue
            found.append(
                Finding(
                    key="anomaly",
                    kind="anomaly",
                    rule_id=None,
                    segment_id=segment,
                    signal=signal,
                    day=day,
                    value=comparison.share,
                    baseline=comparison.baseline_share,
                    volume=comparison.window_volume,
                    change=comparison.change,
                    p_value=comparison.p_value,
                    severity="high"
                    if comparison.change is None
                    else change_severity(comparison.change),
                )
            )
    return found


def history_start(days: Sequence[dt.date], longest_persistence: int) -> dt.date:
    """The first day of counts :func:`rule_findings` and :func:`anomaly_findings` read."""
    return min(days) - dt.timedelta(days=longest_persistence + watch.BASELINE_DAYS)
