"""``palabre alerts``: rules add / list / remove, alerts raised by ``palabre analyze``, and
``deliver`` to a real local webhook receiver; bad input is refused and writes nothing."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from palabre.config import Settings
from palabre.customers.models import AlertRule
from tests.cli.test_segments_cli import palabre
from tests.customers.receivers import webhook_receiver
from tests.pipeline import world


def run_cli(cli_env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "palabre", "alerts", *args],
        env=cli_env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def test_rules_are_added_listed_and_removed(
    settings: Settings, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    world.build(sessions, tmp_path, messages=40)
    code, output = palabre(
        settings,
        *("alerts", "rules", "add", "France unhappy", "--signal", "discontent"),
        *("--threshold", "0.05", "--segment", "France", "--min-volume", "1"),
        *("--email", "crm@example.org", "--email", "ops@example.org"),
    )
    assert code == 0, output
    assert "added" in output
    code, output = palabre(settings, "alerts", "rules", "list", "--json")
    assert code == 0
    [rule] = json.loads(output)
    assert rule["segment"] == "France"
    assert rule["threshold"] == 0.05
    assert rule["emails"] == ["crm@example.org", "ops@example.org"]
    assert rule["persistence_days"] == 1
    code, output = palabre(settings, "alerts", "rules", "remove", "France unhappy")
    assert code == 0
    assert json.loads(palabre(settings, "alerts", "rules", "list", "--json")[1]) == []


def test_analyze_raises_and_delivers_then_list_shows_the_log(
    settings: Settings, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    world.build(sessions, tmp_path, messages=40)
    with webhook_receiver() as (url, posted):
        code, output = palabre(
            settings,
            *("alerts", "rules", "add", "France unhappy", "--signal", "discontent"),
            *("--threshold", "0.05", "--segment", "France", "--min-volume", "1"),
            *("--webhook", url),
        )
        assert code == 0, output
        code, output = palabre(settings, "analyze")
        assert code == 0, output
        assert "alerts:" in output
        assert "raised" in output
        assert "alert deliveries:" in output
        assert posted.documents
    code, output = palabre(settings, "alerts", "list", "--json")
    listed = json.loads(output)
    assert len(listed) == len(posted.documents)
    assert {d["status"] for a in listed for d in a["deliveries"]} == {"sent"}
    assert {a["segment"] for a in listed} == {"France"}
    # Nothing pending: deliver has nothing to do, and analyze raises nothing new.
    code, output = palabre(settings, "alerts", "deliver")
    assert code == 0
    assert "sent" not in output
    code, output = palabre(settings, "analyze")
    assert "alerts: 0 raised" in output


def test_bad_rules_are_refused_with_the_field_named_and_nothing_stored(
    cli_env: dict[str, str], sessions: sessionmaker[Session]
) -> None:
    cases = [
        (["--signal", "anger", "--threshold", "0.2"], "signal"),
        (["--signal", "discontent", "--threshold", "2"], "threshold"),
        (["--signal", "discontent", "--threshold", "0.2", "--webhook", "file:///x"], "webhook"),
        (["--signal", "discontent", "--threshold", "0.2", "--segment", "Nowhere"], "--segment"),
    ]
    for options, named in cases:
        done = run_cli(cli_env, "rules", "add", "bad", *options)
        assert done.returncode != 0
        assert named in done.stderr, done.stderr
    assert run_cli(cli_env, "rules", "remove", "missing").returncode != 0
    with sessions() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(AlertRule)) == 0
