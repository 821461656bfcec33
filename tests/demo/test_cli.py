"""``palabre demo``, end to end in a subprocess (never asks anything: CI has no stdin)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import sqlalchemy as sa

from palabre.config import Settings


def run_demo(cli_env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "palabre", "demo", "--no-serve", "--scale", "tiny", *args],
        env=cli_env,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=300,
        check=False,
    )


def count(settings: Settings, table: str) -> int:
    engine = sa.create_engine(settings.resolved_database_url())
    try:
        with engine.connect() as connection:
            return int(connection.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one())
    finally:
        engine.dispose()


def test_demo_builds_loads_and_prepares_sign_ins(
    cli_env: dict[str, str], settings: Settings
) -> None:
    result = run_demo(cli_env)
    assert result.returncode == 0, result.stderr
    truth = json.loads((settings.data_dir / "demo-truth" / "truth.json").read_text("utf-8"))
    assert truth["scale"]["name"] == "tiny"
    assert truth["seed"] == 42
    assert (settings.data_dir / "demo-truth" / "messages.jsonl").exists()
    assert count(settings, "message") > 1_500
    assert "Clients Genève mensuels" in result.stdout
    assert "idea campaigns: 2, with" in result.stdout
    assert count(settings, "idea") > 0
    assert "crowd validation: 20 statements with" in result.stdout
    votes, answers = count(settings, "statement_vote"), count(settings, "pairwise_answer")
    assert votes > 500
    assert answers > 100
    assert "idea campaign 'Le service client de demain' kept open" in result.stdout
    if count(settings, "user_account"):
        for role in ("admin", "analyst", "innovation", "hr", "manager", "member", "customer"):
            assert role in result.stdout

    again = run_demo(cli_env)
    assert again.returncode == 0, again.stderr
    assert "already loaded" in again.stdout
    assert "crowd validation" not in again.stdout  # seeded once
    assert "kept open" not in again.stdout  # re-opened once
    assert (count(settings, "statement_vote"), count(settings, "pairwise_answer")) == (
        votes,
        answers,
    )
    # A demo built before the crowd was planted gets its truth written again, complete.
    path = settings.data_dir / "demo-truth" / "truth.json"
    older = {k: v for k, v in json.loads(path.read_text("utf-8")).items() if k != "crowd"}
    path.write_text(json.dumps(older), "utf-8")
    assert run_demo(cli_env).returncode == 0
    assert json.loads(path.read_text("utf-8"))["crowd"] == truth["crowd"]
    other = run_demo(cli_env, "--seed", "7")
    assert other.returncode != 0
    assert "another demo" in other.stderr
    assert "--reset" in other.stderr


def test_demo_refuses_a_workspace_that_is_not_a_demo_unless_reset(
    cli_env: dict[str, str], settings: Settings, tmp_path: Path
) -> None:
    people = tmp_path / "people.csv"
    people.write_text("id,name,kind\nP1,Someone Real,customer\n", encoding="utf-8")
    imported = subprocess.run(
        [sys.executable, "-m", "palabre", "import", "people", str(people)],
        env=cli_env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert imported.returncode == 0, imported.stderr

    refused = run_demo(cli_env)
    assert refused.returncode != 0
    assert "not the demo" in refused.stderr
    assert count(settings, "person") == 1

    reset = run_demo(cli_env, "--reset")
    assert reset.returncode == 0, reset.stderr
    engine = sa.create_engine(settings.resolved_database_url())
    with engine.connect() as connection:
        names = connection.execute(
            sa.text("SELECT count(*) FROM person WHERE display_name = 'Someone Real'")
        ).scalar_one()
    engine.dispose()
    assert names == 0
    assert count(settings, "person") > 190
