"""What the signal model page reads (palabre.text.overview): the answers stored, how many
the adaptation in use has not learned from, the runs and their reports."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from palabre.db.engine import transaction
from palabre.fabric.models import Channel
from palabre.pipeline.runner import run_analysis
from palabre.pipeline.stage import LocalEngine
from palabre.text import overview, service
from tests.pipeline import world


@pytest.fixture
def analysed(sessions: sessionmaker[Session], tmp_path: Path) -> sessionmaker[Session]:
    return world.build_analysed(sessions, tmp_path, messages=16)


def answer(sessions: sessionmaker[Session], external_id: str, signal: str, label: str) -> None:
    with transaction(sessions) as db:
        service.correct_signal(
            db, world.message_id(db, external_id), signal, label, actor="user:zoe"
        )


def test_a_replaced_answer_counts_as_not_learned_from_yet(
    analysed: sessionmaker[Session],
) -> None:
    answer(analysed, "m0", "discontent", "yes")
    with transaction(analysed) as db:
        service.train(db, service.shipped_scorer, actor="user:zoe")
    with analysed() as db:
        found = overview.model_overview(db, "analyst", encoder=None)
    assert (found.corrections.total, found.corrections.since_adaptation) == (1, 0)
    answer(analysed, "m0", "discontent", "no")
    with analysed() as db:
        found = overview.model_overview(db, "analyst", encoder=None)
    assert (found.corrections.total, found.corrections.since_adaptation) == (1, 1)
    assert [(c.signal, c.label) for c in found.corrections.by_label] == [("discontent", "no")]


def test_each_run_reports_its_answers_messages_and_domain_terms(
    analysed: sessionmaker[Session],
) -> None:
    answer(analysed, "m0", "discontent", "yes")
    answer(analysed, "m0", "sentiment", "negative")
    with transaction(analysed) as db:
        service.add_domain_term(db, "en rade", "discontent", actor="user:zoe")
        term = service.add_domain_term(db, "zorglub", "praise", weight=-1, actor="user:zoe")
        first = service.train(db, service.shipped_scorer, actor="user:zoe")
        service.remove_domain_term(db, term.id, actor="user:zoe")
    with transaction(analysed) as db:
        second = service.train(db, service.shipped_scorer, actor="user:max")
    with analysed() as db:
        runs = overview.training_runs(db)
        found = overview.model_overview(db, "admin", encoder=None)
    assert [(r.id, r.actor, r.terms) for r in runs] == [
        (second.adaptation_id, "user:max", 1),
        (first.adaptation_id, "user:zoe", 2),
    ]
    assert (runs[0].corrections, runs[0].messages) == (2, 1)
    assert [f.signal for f in runs[0].fits] == [f.signal for f in second.fits]
    assert runs[0].fits == second.fits
    assert found.in_use == runs[0]
    assert found.run_count == 2


def test_the_newest_answers_are_those_the_reader_may_read_and_the_counts_all_of_them(
    analysed: sessionmaker[Session],
) -> None:
    # m0 is in the public "support" channel, m1 in "forum", made private here.
    with transaction(analysed) as db:
        db.execute(sa.update(Channel).where(Channel.name == "forum").values(visibility="private"))
    answer(analysed, "m0", "discontent", "yes")
    answer(analysed, "m1", "drifting_away", "yes")
    with analysed() as db:
        m0, m1 = world.message_id(db, "m0"), world.message_id(db, "m1")
        admin = overview.corrections_summary(db, "admin", fitted_at=None)
        analyst = overview.corrections_summary(db, "analyst", fitted_at=None)
    assert [r.message_id for r in admin.recent] == [m1, m0]
    assert [r.message_id for r in analyst.recent] == [m0]
    assert analyst.total == admin.total == 2


def test_answers_count_under_their_message_language_before_and_after_the_next_analysis(
    analysed: sessionmaker[Session],
) -> None:
    # world.TEXTS: m0 is French, m5 English; the source declared no language.
    answer(analysed, "m0", "discontent", "yes")
    answer(analysed, "m5", "disappointment", "yes")
    answer(analysed, "m5", "sentiment", "negative")
    with analysed() as db:
        before = overview.corrections_summary(db, "admin", fitted_at=None).by_language
    run_analysis(analysed, engine=LocalEngine(workers=1))
    with analysed() as db:
        after = overview.corrections_summary(db, "admin", fitted_at=None).by_language
    expected = [overview.LanguageCount("en", 2), overview.LanguageCount("fr", 1)]
    assert before == after == expected
