"""The churn-risk stage of the analysis run: every customer's probability is stored once
per change of the messages, and the at-risk lists chosen from it are the ones scoring
every customer at each view gave."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from palabre.connectors.importer import run_import
from palabre.customers.models import ChurnRiskScore
from palabre.customers.risk_data import analysis_day, customers_at_risk
from palabre.demo import DemoConnector
from palabre.identity.models import Person, Segment
from palabre.pipeline.models import AnalysisWatermark
from palabre.pipeline.risk_run import run_churn_risk
from palabre.pipeline.runner import run_analysis
from palabre.pipeline.stage import LocalEngine
from tests.pipeline import world


def _stored(sessions: sessionmaker[Session]) -> dict[int, float]:
    with sessions() as db:
        rows = db.execute(sa.select(ChurnRiskScore.person_id, ChurnRiskScore.probability))
        return {int(p): float(v) for p, v in rows}


def test_every_customer_is_scored_and_a_run_without_change_does_nothing(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    world.build_analysed(sessions, tmp_path)
    with sessions() as db:
        customers = set(db.scalars(sa.select(Person.id).where(Person.kind == "customer")).all())
        day = analysis_day(db)
        days = set(db.scalars(sa.select(ChurnRiskScore.as_of)).all())
        mark = db.get(AnalysisWatermark, "churn_risk")
        assert mark is not None
        assert mark.finished_at is not None
    stored = _stored(sessions)
    # Customers only (the staff member is not scored), all of them, as of the same day.
    assert set(stored) == customers
    assert days == {day}
    assert all(0.0 < p < 1.0 for p in stored.values())
    again = run_churn_risk(sessions, False, None)
    assert not again.recomputed_all
    assert _stored(sessions) == stored
    assert run_churn_risk(sessions, True, None).recomputed_all


def test_lists_chosen_from_the_stored_scores_are_those_of_scoring_everyone(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    run_import(sessions, DemoConnector(scale="tiny", seed=42, truth_dir=tmp_path))
    run_analysis(sessions, engine=LocalEngine(workers=1))
    assert len(_stored(sessions)) > 100

    def lists() -> list[list[tuple[int, float, list[str]]]]:
        found = []
        with sessions() as db:
            segments = db.scalars(sa.select(Segment.id).where(Segment.kind == "customer")).all()
            for segment in (None, *segments):
                report = customers_at_risk(db, actor="test", segment_id=segment, top=10)
                found.append([(c.person_id, c.probability, c.reasons_en) for c in report.items])
            db.rollback()
        return found

    from_stored = lists()
    # The list is chosen from the table: a customer ranked last there is not listed
    # until the table says otherwise.
    with sessions.begin() as db:
        last = db.scalars(
            sa.select(ChurnRiskScore.person_id).order_by(ChurnRiskScore.probability).limit(1)
        ).one()
        assert last not in [p for p, _, _ in from_stored[0]]
        db.execute(
            sa.update(ChurnRiskScore)
            .where(ChurnRiskScore.person_id == last)
            .values(probability=2.0)
        )
    assert last in [p for p, _, _ in lists()[0]]
    with sessions.begin() as db:
        db.execute(sa.delete(ChurnRiskScore))
    scoring_everyone = lists()
    # The same customers in the same order with the same reasons; the probabilities to
    # rounding (the model multiplies a matrix of 10 rows instead of all of them).
    assert [[(p, r) for p, _, r in found] for found in from_stored] == [
        [(p, r) for p, _, r in found] for found in scoring_everyone
    ]
    for stored, everyone in zip(from_stored, scoring_everyone, strict=True):
        assert [v for _, v, _ in stored] == pytest.approx([v for _, v, _ in everyone], rel=1e-9)
    assert len(from_stored[0]) == 10


def test_a_customer_who_becomes_an_employee_loses_the_stored_score(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    world.build_analysed(sessions, tmp_path)
    stored = _stored(sessions)
    someone = min(stored)
    with sessions.begin() as db:
        person = db.get(Person, someone)
        assert person is not None
        person.kind = "employee"  # as a people import from HR would
    # No message was added or scored: the customers changed, so the stage runs.
    assert run_churn_risk(sessions, False, None).recomputed_all
    assert set(_stored(sessions)) == set(stored) - {someone}
