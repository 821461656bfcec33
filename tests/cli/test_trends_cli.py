"""``palabre trends``: the stored trends with their examples, as text and JSON; bad
options are refused by name."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from palabre.pipeline.trend_run import run_trends
from tests.innovation import trend_world


def palabre(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """Run the real command line in a child process on the test's workspace."""
    return subprocess.run(
        [sys.executable, "-m", "palabre", "trends", *args],
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )


def test_lists_the_trend_with_its_examples_as_text_and_json(
    sessions: sessionmaker[Session], cli_env: dict[str, str], tmp_path: Path
) -> None:
    empty = palabre(cli_env)
    assert empty.returncode == 0, empty.stderr
    assert "no trend" in empty.stdout
    trend_world.build(sessions, tmp_path)
    trend_world.make_lab_private(sessions)
    run_trends(sessions, False, None)
    done = palabre(cli_env, "--level", "strong")
    assert done.returncode == 0, done.stderr
    assert f"{trend_world.PHRASE} (strong" in done.stdout
    assert "trottinette" in done.stdout.split("terms:", 1)[1]
    [trend] = json.loads(palabre(cli_env, "--json", "--since", "2025-01-01").stdout)
    assert trend["label"] == trend_world.PHRASE
    assert trend["level"] == "strong"
    # The operator's view: examples from the private channel too.
    assert trend["examples"]
    assert all({"message_id", "thread_id", "day", "excerpt"} <= set(e) for e in trend["examples"])
    assert json.loads(palabre(cli_env, "--json", "--level", "weak").stdout) == []


def test_a_bad_level_or_day_is_refused_by_name(cli_env: dict[str, str]) -> None:
    level = palabre(cli_env, "--level", "huge")
    assert level.returncode != 0
    assert "--level" in level.stderr
    day = palabre(cli_env, "--since", "soon")
    assert day.returncode != 0
    assert "--since: 'soon' is not a date" in day.stderr
