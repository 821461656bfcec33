"""The trends page and API: innovation managers, analysts and admins; trends with their
terms and onset; examples only from channels the reader's role may read."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from palabre.accounts.models import ROLES
from palabre.pipeline.trend_run import run_trends
from tests.innovation import trend_world

READERS = ("admin", "analyst", "innovation")


@pytest.fixture
def workspace(sessions: sessionmaker[Session], tmp_path: Path) -> sessionmaker[Session]:
    """The burst workspace, its intranet channel private, trends computed."""
    trend_world.build(sessions, tmp_path)
    trend_world.make_lab_private(sessions)
    assert run_trends(sessions, False, None).rows_out == 1
    return sessions


def test_only_innovation_analysts_and_admins_see_trends(
    client_as: Callable[[str], TestClient],
) -> None:
    for role in ROLES:
        client = client_as(role)
        expected = 200 if role in READERS else 403
        assert client.get("/innovation/trends").status_code == expected, role
        assert client.get("/api/v1/trends").status_code == expected, role


def test_the_campaigns_page_links_to_trends_for_its_readers_only(
    client_as: Callable[[str], TestClient],
) -> None:
    assert 'href="/innovation/trends"' in client_as("analyst").get("/innovation").text
    assert 'href="/innovation/trends"' not in client_as("member").get("/innovation").text


def test_an_empty_workspace_says_there_is_no_trend_yet(
    client_as: Callable[[str], TestClient],
) -> None:
    client = client_as("innovation")
    assert "No trend yet" in client.get("/innovation/trends").text
    assert client.get("/api/v1/trends").json() == []


@pytest.mark.usefixtures("workspace")
def test_the_page_lists_the_trend_with_examples_linked_to_their_threads(
    client_as: Callable[[str], TestClient],
) -> None:
    client = client_as("innovation")
    html = client.get("/innovation/trends").text
    assert f'<strong class="trend-label">{trend_world.PHRASE}</strong>' in html
    assert "strong signal" in html
    assert 'href="/conversations/threads/' in html
    french = client.get("/innovation/trends", headers={"Accept-Language": "fr"})
    assert "<h1>Tendances</h1>" in french.text
    assert "signal fort" in french.text
    weak_only = client.get("/innovation/trends", params={"level": "weak"})
    assert trend_world.PHRASE not in weak_only.text


@pytest.mark.usefixtures("workspace")
def test_examples_come_only_from_channels_the_role_may_read(
    client_as: Callable[[str], TestClient],
) -> None:
    def examples(role: str) -> list[dict[str, object]]:
        [trend] = client_as(role).get("/api/v1/trends").json()
        assert trend["label"] == trend_world.PHRASE
        assert trend["level"] == "strong"
        return list(trend["examples"])

    every = examples("admin")
    public = examples("analyst")
    # Half of the burst was written in the private intranet channel: the admin sees
    # examples from both channels, the analyst and the innovation manager fewer.
    assert every
    assert public
    assert len(public) < len(every)
    assert examples("innovation") == public
    assert {e["message_id"] for e in public} < {e["message_id"] for e in every}


@pytest.mark.usefixtures("workspace")
def test_the_api_filters_by_level_and_day_and_refuses_a_bad_day(
    client_as: Callable[[str], TestClient],
) -> None:
    client = client_as("analyst")
    assert client.get("/api/v1/trends", params={"level": "weak"}).json() == []
    assert client.get("/api/v1/trends", params={"since": "2030-01-01"}).json() == []
    assert len(client.get("/api/v1/trends", params={"since": "2025-01-01"}).json()) == 1
    bad = client.get("/api/v1/trends", params={"since": "soon"})
    assert bad.status_code == 422
    assert "since" in bad.text
    assert client.get("/api/v1/trends", params={"level": "huge"}).status_code == 422
