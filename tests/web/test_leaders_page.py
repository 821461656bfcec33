"""The opinion leaders page: innovation managers and admins only, communities and leaders
with why in the reader's language, a topic's leaders, an idea's roles, audited views."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from palabre.accounts.models import ROLES
from palabre.privacy.models import AuditEntry
from tests.innovation.leaders_world import community_records, load

READERS = ("admin", "innovation")


@pytest.fixture
def workspace(sessions: sessionmaker[Session]) -> sessionmaker[Session]:
    load(sessions, community_records())
    return sessions


def test_only_innovation_managers_and_admins_see_leaders(
    client_as: Callable[[str], TestClient],
) -> None:
    for role in ROLES:
        status = client_as(role).get("/innovation/leaders").status_code
        assert status == (200 if role in READERS else 403), role


def test_the_page_lists_communities_leaders_and_why(
    workspace: sessionmaker[Session], client_as: Callable[[str], TestClient]
) -> None:
    client = client_as("innovation")
    page = client.get("/innovation/leaders", params={"topic": "vélo cargo"})
    assert page.status_code == 200
    html = page.text
    assert 'id="community-1"' in html
    assert 'id="community-2"' in html
    assert "5 people of this community reply to" in html
    assert "Authority on “vélo cargo”" in html
    french = client.get("/innovation/leaders", headers={"Accept-Language": "fr"})
    assert "<h1>Leaders d’opinion</h1>" in french.text
    assert "5 personnes de cette communauté" in french.text


def test_an_idea_gets_people_for_each_role(
    workspace: sessionmaker[Session], client_as: Callable[[str], TestClient]
) -> None:
    client = client_as("admin")
    page = client.get(
        "/innovation/leaders",
        params={"idea_title": "Des emballages consignés", "idea_body": "Moins de déchets"},
    )
    assert page.status_code == 200
    assert 'data-role="ideator"' in page.text
    assert "started 3 conversations about “Des emballages consignés”" in page.text


def test_each_view_is_audited(
    workspace: sessionmaker[Session], client_as: Callable[[str], TestClient]
) -> None:
    client_as("innovation").get("/innovation/leaders", params={"community": 2})
    with workspace() as session:
        entry = session.scalars(
            sa.select(AuditEntry).where(AuditEntry.action == "leaders.viewed")
        ).one()
    assert entry.actor == "user:innovation-user"
    assert entry.details["asked"] == {"community": 2}
    assert len(entry.details["people"]) == 5


def test_bad_parameters_are_refused_with_their_name(
    client_as: Callable[[str], TestClient],
) -> None:
    client = client_as("innovation")
    page = client.get("/innovation/leaders", params={"since": "2025-02-30"})
    assert page.status_code == 422
    assert "since" in page.text
