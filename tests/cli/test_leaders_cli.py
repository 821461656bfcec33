"""``palabre leaders``: communities and leaders with why, as text (FR/EN) and JSON."""

from __future__ import annotations

import json
import subprocess
import sys

from sqlalchemy.orm import Session, sessionmaker

from tests.innovation.leaders_world import community_records, load


def palabre(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """Run the real command line in a child process on the test's workspace."""
    return subprocess.run(
        [sys.executable, "-m", "palabre", "leaders", *args],
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )


def test_prints_each_community_with_its_leaders_and_why(
    sessions: sessionmaker[Session], cli_env: dict[str, str]
) -> None:
    load(sessions, community_records())
    done = palabre(cli_env, "--top", "1", "--topic", "vélo cargo")
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "12 people" in out
    assert "Community 1 (6 people)" in out
    assert "1. Ana (customer): 5 people of this community reply to" in out
    assert "Authority on “vélo cargo”" in out
    french = palabre(cli_env, "--top", "1", "--lang", "fr", "--community", "2").stdout
    assert "Communauté 2 (6 personnes)" in french
    assert "1. Gil (client): 5 personnes de cette communauté" in french
    assert "Communauté 1" not in french


def test_json_holds_the_communities_and_the_topic(
    sessions: sessionmaker[Session], cli_env: dict[str, str]
) -> None:
    load(sessions, community_records())
    done = palabre(cli_env, "--json", "--since", "2025-03-01", "--until", "2025-03-31",
                   "--topic", "emballages consignés")  # fmt: skip
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["since"] == "2025-03-01T00:00:00+00:00"
    assert data["until"] == "2025-04-01T00:00:00+00:00"
    assert [c["size"] for c in data["communities"]] == [6, 6]
    assert data["topic"]["leaders"][0]["name"] == "Ana"


def test_bad_input_is_named_and_exits_non_zero(
    sessions: sessionmaker[Session], cli_env: dict[str, str]
) -> None:
    load(sessions, community_records())
    bad_date = palabre(cli_env, "--since", "2025-13-01")
    assert bad_date.returncode != 0
    assert "--since: '2025-13-01' is not a date (YYYY-MM-DD)" in bad_date.stderr
    missing = palabre(cli_env, "--community", "7")
    assert missing.returncode != 0
    assert "community 7: no such community" in missing.stderr
    assert palabre(cli_env, "--lang", "de").returncode != 0
