"""``palabre customers inbox``: the inbox and the response KPIs from the command line."""

from __future__ import annotations

import json
import subprocess
import sys

from sqlalchemy.orm import Session, sessionmaker

from palabre.config import Settings
from palabre.db.engine import transaction
from tests.cli.test_segments_cli import palabre
from tests.customers import dialogue_world


def _world(sessions: sessionmaker[Session]) -> dict[str, int]:
    with transaction(sessions) as session:
        world = dialogue_world.build(session)
        return {key: message.id for key, message in world.messages.items()}


def test_the_inbox_as_json_lists_by_priority_with_the_kpis(
    settings: Settings, sessions: sessionmaker[Session]
) -> None:
    ids = _world(sessions)
    code, output = palabre(settings, "customers", "inbox", "--json", "--days", "3650")
    assert code == 0, output
    data = json.loads(output)
    # The CLI reads as an administrator: the private channel's question is listed too.
    assert data["total"] == 4
    assert {item["message_id"] for item in data["items"]} == {
        ids[k] for k in ("a1", "b1", "c1", "a-private")
    }
    priorities = [item["priority"] for item in data["items"]]
    assert priorities == sorted(priorities, reverse=True)
    assert [k["segment"] for k in data["kpis"]] == ["", "Gold"]
    assert data["kpis"][0]["answered"] == 1


def test_the_inbox_of_a_segment_and_as_a_table(
    settings: Settings, sessions: sessionmaker[Session]
) -> None:
    ids = _world(sessions)
    code, output = palabre(settings, "customers", "inbox", "--segment", "Gold", "--json")
    assert code == 0, output
    data = json.loads(output)
    assert {item["message_id"] for item in data["items"]} == {
        ids[k] for k in ("a1", "c1", "a-private")
    }
    code, output = palabre(settings, "customers", "inbox", "--limit", "2")
    assert code == 0, output
    assert "4 messages need an answer" in output
    assert "Gold" in output


def test_an_unknown_segment_is_a_clear_error(
    cli_env: dict[str, str], sessions: sessionmaker[Session]
) -> None:
    _world(sessions)
    result = subprocess.run(
        [sys.executable, "-m", "palabre", "customers", "inbox", "--segment", "Platinum"],
        env=cli_env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode != 0
    assert "Platinum" in result.stderr
