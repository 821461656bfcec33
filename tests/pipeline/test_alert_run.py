"""The alerts stage looks at the latest days only: all of the lookback the first time,
then the days since the last run and the two before it."""

from __future__ import annotations

import datetime as dt

from palabre.pipeline.alert_run import LATE_DAYS, LOOKBACK_DAYS, days_to_look_at

LATEST = dt.date(2025, 3, 20)


def test_the_first_run_looks_at_the_lookback_window() -> None:
    days = days_to_look_at(LATEST, None, everything=False)
    assert days == [LATEST - dt.timedelta(days=k) for k in range(LOOKBACK_DAYS - 1, -1, -1)]
    assert days_to_look_at(LATEST, LATEST, everything=True) == days


def test_later_runs_look_at_new_days_and_a_few_late_ones() -> None:
    seen = LATEST - dt.timedelta(days=1)
    days = days_to_look_at(LATEST, seen, everything=False)
    assert days[0] == seen - dt.timedelta(days=LATE_DAYS)
    assert days[-1] == LATEST
    # A long pause does not make it page about old history.
    old = LATEST - dt.timedelta(days=100)
    assert len(days_to_look_at(LATEST, old, everything=False)) == LOOKBACK_DAYS
