"""Analysts teach the model (palabre.text.service): corrections win over the model at
the next analysis, domain terms and ``palabre train`` adapt it, every change is audited."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from palabre.cli.main import app
from palabre.config import Settings
from palabre.db.engine import transaction
from palabre.errors import NotFoundError, PalabreError, ValidationError
from palabre.pipeline.models import MessageSignal
from palabre.pipeline.runner import run_analysis
from palabre.pipeline.stage import LocalEngine
from palabre.privacy.models import AuditEntry
from palabre.text import service
from palabre.text.models import SignalAdaptation, SignalCorrection
from tests.datasets import require_minilm
from tests.pipeline import world


@pytest.fixture
def analysed(sessions: sessionmaker[Session], tmp_path: Path) -> sessionmaker[Session]:
    """The pipeline's small workspace, analysed once."""
    return world.build_analysed(sessions, tmp_path, messages=16)


def test_an_answer_wins_over_the_model_at_the_next_analysis(
    analysed: sessionmaker[Session],
) -> None:
    # m0 is an angry French message; m2 a thank-you.
    assert world.stored_signal(analysed, "m0").discontent > 0.5
    with transaction(analysed) as db:
        service.correct_signal(
            db, world.message_id(db, "m0"), "discontent", "no", actor="analyst:zoe"
        )
        service.correct_signal(
            db, world.message_id(db, "m2"), "sentiment", "negative", actor="analyst:zoe"
        )
        # Until the next analysis the message has no signals: never a stale answer.
        assert (
            db.scalar(
                sa.select(sa.func.count()).where(
                    MessageSignal.message_id == world.message_id(db, "m0")
                )
            )
            == 0
        )
    run_analysis(analysed, engine=LocalEngine(workers=1))
    assert world.stored_signal(analysed, "m0").discontent == 0.0
    thanks = world.stored_signal(analysed, "m2")
    assert thanks.sentiment_label == "negative"
    assert thanks.sentiment_score <= 0
    # A second answer replaces the first; the audit log keeps both.
    with transaction(analysed) as db:
        service.correct_signal(
            db, world.message_id(db, "m0"), "discontent", "yes", actor="analyst:zoe"
        )
    run_analysis(analysed, engine=LocalEngine(workers=1))
    assert world.stored_signal(analysed, "m0").discontent == 1.0
    with analysed() as db:
        assert db.scalar(sa.select(sa.func.count()).select_from(SignalCorrection)) == 2
        trail = db.scalars(
            sa.select(AuditEntry.details).where(AuditEntry.action == "signal.corrected")
        ).all()
        assert [(d["signal"], d["label"], d["previous"]) for d in trail] == [
            ("discontent", "no", None),
            ("sentiment", "negative", None),
            ("discontent", "yes", "no"),
        ]


def test_bad_answers_name_what_is_wrong(analysed: sessionmaker[Session]) -> None:
    with transaction(analysed) as db:
        m0 = world.message_id(db, "m0")
        with pytest.raises(ValidationError, match="signal: 'anger'"):
            service.correct_signal(db, m0, "anger", "yes", actor="a")
        with pytest.raises(ValidationError, match="label: 'maybe'"):
            service.correct_signal(db, m0, "praise", "maybe", actor="a")
        with pytest.raises(ValidationError, match="label: 'yes'"):
            service.correct_signal(db, m0, "sentiment", "yes", actor="a")
        with pytest.raises(NotFoundError, match="no message 999999"):
            service.correct_signal(db, 999_999, "praise", "yes", actor="a")
        with pytest.raises(ValidationError, match="weight"):
            service.add_domain_term(db, "Zorglub", "discontent", weight=0, actor="a")
        with pytest.raises(ValidationError, match="language"):
            service.add_domain_term(db, "Zorglub", "discontent", language="de", actor="a")
        service.add_domain_term(db, "Zorglub", "discontent", actor="a")
        with pytest.raises(ValidationError, match="already declared"):
            service.add_domain_term(db, "Zorglub", "discontent", actor="a")


def test_train_adapts_the_model_and_the_next_analysis_rescores_with_it(
    analysed: sessionmaker[Session], tmp_path: Path
) -> None:
    # An in-house word the shipped model has never seen, used by unhappy customers.
    rows = world.message_rows(4, first=100)
    for row in rows:
        row["text"] = "Le module Zorglub est encore en rade, merci de regarder."
    world.import_messages(analysed, world.write_messages(tmp_path / "zorglub.csv", rows))
    run_analysis(analysed, engine=LocalEngine(workers=1))
    before = world.stored_signal(analysed, "m100").discontent
    untouched = world.stored_signal(analysed, "m1").discontent
    with transaction(analysed) as db:
        service.add_domain_term(db, "zorglub", "discontent", weight=3.0, actor="analyst:zoe")
        report = service.train(db, service.shipped_scorer, actor="analyst:zoe")
    assert report.terms == 1
    report_run = run_analysis(analysed, engine=LocalEngine(workers=1))
    # A new adaptation is a new model: every message was scored again.
    with analysed() as db:
        total = db.scalar(sa.select(sa.func.count()).select_from(MessageSignal))
        stored = db.scalar(sa.select(SignalAdaptation.digest))
    assert report_run.stage("score").rows_out == total
    assert stored == report.digest
    after = world.stored_signal(analysed, "m100")
    assert after.discontent > before
    assert "zorglub" in after.evidence.get("discontent", [])
    # Messages without the word keep what the shipped model says.
    assert world.stored_signal(analysed, "m1").discontent == pytest.approx(untouched)


def run_cli(settings: Settings, *args: str) -> tuple[int, str]:
    flags = ["--data-dir", str(settings.data_dir)]
    if settings.database_url:
        flags += ["--database-url", settings.database_url]
    result = CliRunner().invoke(app, [*flags, *args])
    if isinstance(result.exception, PalabreError):
        # What the console script's main() prints and exits with.
        return result.exception.exit_code, result.exception.message
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.output


def test_the_command_line_corrects_declares_terms_and_trains(
    settings: Settings, analysed: sessionmaker[Session]
) -> None:
    with analysed() as db:
        m0 = world.message_id(db, "m0")
    code, out = run_cli(settings, "signals", "correct", str(m0), "discontent", "no")
    assert (code, f"message {m0}: discontent = no" in out) == (0, True)
    code, out = run_cli(settings, "signals", "correct", str(m0), "discontent", "perhaps")
    assert code != 0
    assert "label: 'perhaps'" in out
    code, out = run_cli(
        settings, "signals", "terms", "add", "en rade", "--signal", "discontent", "--language", "fr"
    )
    assert code == 0
    assert "'en rade' -> discontent (+1.5)" in out
    code, out = run_cli(settings, "signals", "terms", "list")
    assert code == 0
    assert "en rade" in out
    code, out = run_cli(settings, "train", "--json")
    assert code == 0
    payload = json.loads(out)
    assert payload["terms"] == 1
    discontent = next(s for s in payload["signals"] if s["signal"] == "discontent")
    assert (discontent["corrections"], discontent["recalibrated"]) == (1, False)
    code, out = run_cli(settings, "signals", "terms", "remove", "1")
    assert code == 0
    code, out = run_cli(settings, "signals", "terms", "remove", "1")
    assert code != 0
    assert "no domain term 1" in out


def test_train_scores_with_the_encoder_analyze_uses() -> None:
    require_minilm()
    texts = ["Nobody answers the phone, this is ridiculous.", "Personne ne répond, c'est nul."]
    hints: list[str | None] = ["en", "fr"]
    plain = service.shipped_scorer(texts, hints)
    blended = service.scorer_for("minilm")(texts, hints)
    assert plain.languages == blended.languages == ["en", "fr"]
    assert not np.array_equal(blended.probs[0], plain.probs[0])  # English: blended with the head
    assert not np.array_equal(blended.sentiment_logits[0], plain.sentiment_logits[0])
    np.testing.assert_array_equal(blended.probs[1], plain.probs[1])  # French: the linear model
    # The residual reads the linear model's features either way.
    assert (blended.features != plain.features).nnz == 0
