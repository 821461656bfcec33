"""``palabre train`` learns from a workspace's corrections (its residual model), and
``palabre analyze`` and ``palabre signals score --adapted`` apply what it learned."""

from __future__ import annotations

import json
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from palabre.cli.main import app
from palabre.config import Settings
from palabre.db.engine import transaction
from palabre.errors import PalabreError
from palabre.pipeline.runner import run_analysis
from palabre.pipeline.stage import LocalEngine
from palabre.text import service
from palabre.text.models import SignalAdaptation
from tests.pipeline import world

UPDATE = "La mise à jour {} de l'application est sortie."
ORDER = "Ma commande {} est bien arrivée."


def run_cli(settings: Settings, *args: str) -> tuple[int, str]:
    flags = ["--data-dir", str(settings.data_dir)]
    if settings.database_url:
        flags += ["--database-url", settings.database_url]
    result = CliRunner().invoke(app, [*flags, *args])
    if isinstance(result.exception, PalabreError):
        return result.exception.exit_code, result.exception.message
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.output


def corrected_workspace(sessions: sessionmaker[Session], folder: Path) -> None:
    """30 messages about the update (the analysts say: negative, discontent) and 30 about
    orders (neutral, no discontent), each corrected; two more left uncorrected."""
    world.build(sessions, folder, messages=4)
    rows = world.message_rows(62, first=100)
    for i, row in enumerate(rows[:60]):
        row["text"] = (UPDATE if i % 2 == 0 else ORDER).format(i)
    rows[60]["text"] = "Encore une mise à jour de l'application."
    rows[61]["text"] = "Ma commande est arrivée hier."
    world.import_messages(sessions, world.write_messages(folder / "corrected.csv", rows))
    with transaction(sessions) as db:
        for i in range(60):
            message = world.message_id(db, f"m{100 + i}")
            negative = i % 2 == 0
            label = "negative" if negative else "neutral"
            service.correct_signal(db, message, "sentiment", label, actor="analyst:zoe")
            answer = "yes" if negative else "no"
            service.correct_signal(db, message, "discontent", answer, actor="analyst:zoe")


def test_train_learns_from_sentiment_and_signal_corrections_and_analyze_applies_it(
    settings: Settings, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    corrected_workspace(sessions, tmp_path)
    run_analysis(sessions, engine=LocalEngine(workers=1))
    before = world.stored_signal(sessions, "m160")
    assert before.sentiment_label == "neutral"
    assert before.discontent < 0.5
    code, out = run_cli(settings, "train", "--json")
    assert code == 0, out
    payload = json.loads(out)
    fits = {s["signal"]: s for s in payload["signals"]}
    assert (fits["sentiment"]["corrections"], fits["sentiment"]["residual"]) == (60, True)
    assert fits["sentiment"]["residual_loss_after"] < fits["sentiment"]["residual_loss_before"]
    assert fits["discontent"]["residual"] is True
    assert fits["praise"]["residual"] is False  # no answers: left as shipped
    with sessions() as db:
        parameters = db.scalars(sa.select(SignalAdaptation.parameters)).one()
    assert sorted(parameters["residual"]) == ["discontent", "sentiment"]
    run_analysis(sessions, engine=LocalEngine(workers=1))
    # The uncorrected message about the update is now read as the analysts read its kind.
    after = world.stored_signal(sessions, "m160")
    assert after.sentiment_label == "negative"
    assert after.discontent > 0.5
    assert "application" in after.evidence["discontent"]
    order = world.stored_signal(sessions, "m161")
    assert order.sentiment_label == "neutral"
    assert order.discontent < 0.25


def test_signals_score_adapted_scores_as_analyze_does(
    settings: Settings, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text(
        json.dumps(
            {"id": "u", "text": "Encore une mise à jour de l'application.", "language": "fr"}
        )
        + "\n",
        encoding="utf-8",
    )
    out = tmp_path / "out.jsonl"
    code, message = run_cli(
        settings, "signals", "score", "--input", str(src), "--output", str(out), "--adapted"
    )
    assert code != 0
    assert "no adaptation yet" in message
    corrected_workspace(sessions, tmp_path)
    assert run_cli(settings, "train")[0] == 0
    code, _ = run_cli(settings, "signals", "score", "--input", str(src), "--output", str(out))
    assert code == 0
    shipped = json.loads(out.read_text(encoding="utf-8"))
    code, _ = run_cli(
        settings, "signals", "score", "--input", str(src), "--output", str(out), "--adapted"
    )
    assert code == 0
    adapted = json.loads(out.read_text(encoding="utf-8"))
    assert (shipped["sentiment"]["label"], adapted["sentiment"]["label"]) == (
        "neutral",
        "negative",
    )
    assert adapted["signals"]["discontent"] > 0.5 > shipped["signals"]["discontent"]
    assert "application" in adapted["evidence"]["discontent"]
    run_analysis(sessions, engine=LocalEngine(workers=1))
    analysed = world.stored_signal(sessions, "m160")
    assert abs(analysed.discontent - adapted["signals"]["discontent"]) < 1e-4
    assert analysed.sentiment_label == adapted["sentiment"]["label"]
