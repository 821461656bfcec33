"""The root-cause stage of ``run_analysis``: topics fitted and kept from run to run,
every watched message assigned, drivers ranking a cause that appears first."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from palabre.customers import root_causes
from palabre.customers.models import MessageTopic, Topic, TopicDriver
from palabre.customers.watch import THRESHOLDS
from palabre.db.base import table_of
from palabre.identity.models import Segment
from palabre.pipeline import models
from palabre.pipeline.cause_runner import NEGATIVE
from palabre.pipeline.runner import run_analysis
from palabre.pipeline.stage import LocalEngine
from tests.pipeline import world

EVERYDAY = (
    "Service client injoignable, personne ne répond au téléphone, c'est inadmissible !",
    "Encore une heure d'attente au téléphone, le service client ne répond jamais, nul.",
    "Personne ne répond au service client, c'est honteux et inadmissible.",
)
PRICE = (
    "Hausse scandaleuse du prix de l'abonnement mensuel, c'est du vol !",
    "Le prix de l'abonnement mensuel a encore augmenté, c'est inadmissible.",
    "Abonnement mensuel plus cher sans prévenir, cette hausse de prix est scandaleuse.",
)
MessageSignal = table_of(models.MessageSignal)
CALM = "Bonjour, ma commande est arrivée hier, tout va bien."


def rows(month: int, texts: tuple[str, ...], count: int, first: int) -> list[dict[str, str]]:
    """``count`` messages by the two French customers in ``month`` of 2025."""
    out = []
    for n in range(count):
        moment = dt.datetime(2025, month, 1 + n % 27, 9 + n % 8, tzinfo=dt.UTC)
        out.append(
            {
                "id": f"rc{first + n}",
                "channel": "forum",
                "channel_kind": "community",
                "author": ("claire", "paul")[n % 2],
                "created_at": moment.isoformat(),
                "text": texts[n % len(texts)],
            }
        )
    return out


@pytest.fixture
def built(sessions: sessionmaker[Session], tmp_path: Path) -> sessionmaker[Session]:
    world.build(sessions, tmp_path, messages=10)
    data: list[dict[str, str]] = []
    for month in (1, 2, 3, 4):
        data += rows(month, EVERYDAY, 24, len(data))
        data += rows(month, (CALM,), 30, len(data))
    data += rows(4, PRICE, 30, len(data))
    world.import_messages(sessions, world.write_messages(tmp_path / "year.csv", data))
    return sessions


def _topics(session: Session) -> dict[int, str]:
    return dict(session.execute(sa.select(Topic.id, Topic.label).where(Topic.active)).all())


def _france(session: Session) -> int:
    return session.execute(sa.select(Segment.id).where(Segment.name == "France")).scalar_one()


def test_the_cause_that_appears_in_april_is_the_first_cause_of_april(
    built: sessionmaker[Session],
) -> None:
    report = run_analysis(built, engine=LocalEngine(workers=1))
    stage = report.stage("root_causes")
    assert stage.rows_in > 0
    assert stage.rows_out > 0
    with built() as session:
        found = root_causes.root_causes(
            session,
            role="analyst",
            segment_id=_france(session),
            signal="discontent",
            since=dt.date(2025, 4, 1),
            until=dt.date(2025, 4, 30),
        )
        first = found[0]
        assert {"hausse", "abonnement", "prix"} & set(first.terms), first
        assert first.rank == 1
        assert first.significant
        assert first.lift is not None
        assert first.lift > 10
        assert first.examples
        assert "abonnement" in first.examples[0].excerpt.lower()


def test_every_watched_message_gets_a_row_and_few_carriers_stay_unassigned(
    built: sessionmaker[Session],
) -> None:
    run_analysis(built, engine=LocalEngine(workers=1))
    with built() as session:
        total = session.scalar(sa.select(sa.func.count()).select_from(MessageTopic))
        negative = sa.or_(*(MessageSignal.c[s] >= THRESHOLDS[s] for s in NEGATIVE))
        carriers, unassigned = session.execute(
            sa.select(sa.func.count(), sa.func.count().filter(MessageTopic.topic_id.is_(None)))
            .select_from(MessageTopic)
            .join(MessageSignal, MessageSignal.c.message_id == MessageTopic.message_id)
            .where(negative)
        ).one()
    # 30 price + 4 x 54 messages by French customers, plus those of the base world
    assert total is not None
    assert total >= 246
    assert carriers >= 30
    assert unassigned <= 0.05 * carriers


def test_topics_keep_their_ids_and_labels_from_run_to_run(
    built: sessionmaker[Session], tmp_path: Path
) -> None:
    run_analysis(built, engine=LocalEngine(workers=1))
    with built() as session:
        before = _topics(session)
    again = run_analysis(built, engine=LocalEngine(workers=1))
    assert again.stage("root_causes").rows_in == 0  # nothing new: nothing assigned
    full = run_analysis(built, full=True, engine=LocalEngine(workers=1))
    assert full.stage("root_causes").rows_in > 0
    with built() as session:
        assert _topics(session) == before
        assert session.scalar(sa.select(sa.func.count()).select_from(TopicDriver))
    later = rows(5, PRICE, 6, 10_000)
    world.import_messages(built, world.write_messages(tmp_path / "may.csv", later))
    step = run_analysis(built, engine=LocalEngine(workers=1))
    assert step.stage("root_causes").rows_in == 6  # only the new messages
    with built() as session:
        assert _topics(session) == before


def test_a_run_that_stops_while_assigning_resumes_and_leaves_no_stale_topic(
    built: sessionmaker[Session],
) -> None:
    from tests.pipeline.test_runner import CrashingEngine

    with pytest.raises(RuntimeError, match="stopped"):
        run_analysis(built, engine=CrashingEngine("topic_assign", after=2), chunk_size=60)
    with built() as session:
        fit = session.get(models.AnalysisWatermark, "topic_fit")
        assert fit is not None
        assert fit.finished_at is None  # the pass after the fit is pending
        done_before = session.scalar(sa.select(sa.func.count()).select_from(MessageTopic))
    assert done_before == 60  # the first chunk was kept
    again = run_analysis(built, engine=LocalEngine(workers=1), chunk_size=60)
    assert again.stage("root_causes").rows_in > 0
    with built() as session:
        fit = session.get(models.AnalysisWatermark, "topic_fit")
        assert fit is not None
        assert fit.finished_at is not None
        stale = session.scalar(
            sa.select(sa.func.count())
            .select_from(MessageTopic)
            .join(Topic, Topic.id == MessageTopic.topic_id)
            .where(sa.not_(Topic.active))
        )
        assert stale == 0
        total = session.scalar(sa.select(sa.func.count()).select_from(MessageTopic))
    assert total is not None
    assert total >= 246
    # it went on after the first chunk, without refitting or starting over
    assert again.stage("root_causes").rows_in == total - 60
