"""The trend stage of the analysis run: a phrase that bursts is stored with examples,
and a run without new messages leaves the stored trends alone."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from palabre.identity.models import Person
from palabre.innovation.models import StoredTrend
from palabre.innovation.trend_service import list_trends, read_trend_rows
from palabre.pipeline.models import AnalysisWatermark
from palabre.pipeline.trend_run import run_trends
from tests.innovation import trend_world


def test_a_phrase_that_bursts_in_the_last_week_is_stored_with_its_examples(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    trend_world.build(sessions, tmp_path)
    report = run_trends(sessions, False, None)
    assert report.recomputed_all
    assert report.rows_out == 1
    with sessions() as db:
        [trend] = db.scalars(sa.select(StoredTrend)).all()
        assert trend.label == trend_world.PHRASE
        burst_start = trend_world.START + dt.timedelta(days=min(trend_world.BURST))
        # Found within two days of its onset.
        assert burst_start <= trend.first_flagged <= burst_start + dt.timedelta(days=2)
        assert trend.examples
        [shown] = list_trends(db, None)
        assert len(shown.examples) == len(trend.examples)
        assert all("trottinette" in e.excerpt.lower() for e in shown.examples)
        assert all(e.day >= burst_start for e in shown.examples)


def test_a_run_without_new_messages_does_nothing_and_new_messages_recompute(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    quiet = trend_world.rows(days=40, burst={})
    trend_world.load(sessions, tmp_path, quiet)
    first = run_trends(sessions, False, None)
    assert first.recomputed_all
    assert first.rows_out == 0
    with sessions() as db:
        mark = db.get(AnalysisWatermark, "trends")
        assert mark is not None
        assert mark.finished_at is not None
        done_at = mark.finished_at
    again = run_trends(sessions, False, None)
    assert not again.recomputed_all
    assert again.rows_in == 0
    with sessions() as db:
        mark = db.get(AnalysisWatermark, "trends")
        assert mark is not None
        assert mark.finished_at == done_at
    # The whole sixty days with the burst: new messages, so the stage runs again.
    trend_world.build(sessions, tmp_path)
    later = run_trends(sessions, False, None)
    assert later.recomputed_all
    assert later.rows_out == 1


def test_the_window_reads_only_the_latest_days_and_never_surveys(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    messages = trend_world.rows(days=30, burst={})
    messages[-1] = {**messages[-1], "channel": "pulse", "channel_kind": "survey"}
    trend_world.load(sessions, tmp_path, messages)
    with sessions() as db:
        every = read_trend_rows(db, days=365)
        recent = read_trend_rows(db, days=10)
    assert len(every) == len(messages) - 1
    assert {r.channel_kind for r in every} == {"community"}
    latest = max(r.created_at for r in every)
    assert recent
    assert all(r.created_at > latest - dt.timedelta(days=10) for r in recent)
    assert len(recent) < len(every)


def test_a_person_of_the_workspace_named_more_often_is_not_stored_as_a_trend(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    messages = [
        {**m, "text": m["text"].replace(trend_world.PHRASE, "merci Séverine Dubois")}
        for m in trend_world.rows()
    ]
    trend_world.load(sessions, tmp_path, messages)
    unknown = run_trends(sessions, True, None)
    assert unknown.rows_out == 1  # a burst the detector cannot tell from a topic yet
    with sessions() as db, db.begin():
        db.add(Person(display_name="Séverine Dubois", kind="employee"))
    known = run_trends(sessions, True, None)
    assert known.rows_out == 0
    with sessions() as db:
        assert db.scalars(sa.select(StoredTrend)).all() == []
