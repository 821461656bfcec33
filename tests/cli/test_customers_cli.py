"""``palabre customers causes``: the root causes from the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from palabre.cli.main import app
from palabre.config import Settings
from palabre.errors import ValidationError
from palabre.pipeline.runner import run_analysis
from palabre.pipeline.stage import LocalEngine
from tests.pipeline import test_root_causes as causes_world

runner = CliRunner()


def palabre(settings: Settings, *args: str) -> tuple[int, str]:
    flags = ["--data-dir", str(settings.data_dir)]
    if settings.database_url:
        flags += ["--database-url", settings.database_url]
    result = runner.invoke(app, [*flags, *args])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.output


def test_causes_lists_the_april_cause_first_as_json_and_as_a_table(
    settings: Settings, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    causes_world.built.__wrapped__(sessions, tmp_path)  # type: ignore[attr-defined]
    run_analysis(sessions, engine=LocalEngine(workers=1))
    args = ("--segment", "France", "--signal", "discontent", "--since", "2025-04-01")
    code, output = palabre(
        settings, "customers", "causes", *args, "--until", "2025-04-30", "--json"
    )
    assert code == 0, output
    found = json.loads(output)
    assert found[0]["rank"] == 1
    assert found[0]["period"] == "2025-04-01"
    assert found[0]["significant"] is True
    assert {"hausse", "abonnement", "prix"} & set(found[0]["terms"])
    code, output = palabre(settings, "customers", "causes", *args, "--until", "2025-04-30")
    assert code == 0
    assert "France" in output
    assert "2025-04" in output


def test_a_bad_date_or_signal_is_refused_with_its_name(settings: Settings) -> None:
    with pytest.raises(ValidationError, match="--since: 'avril' is not a date"):
        palabre(settings, "customers", "causes", "--since", "avril")
    with pytest.raises(ValidationError, match="signal: 'anger' is not one of"):
        palabre(settings, "customers", "causes", "--signal", "anger")
