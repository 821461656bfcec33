"""People for an idea on its page and in the API: managers see suggestions per role and
assign; everyone who may see the idea sees who carries it, grouped by stage."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from palabre.db.engine import transaction
from palabre.identity.models import Identity, Person
from palabre.innovation import leader_service, service
from palabre.innovation.models import IdeaRole
from palabre.people.service import Viewer
from tests.innovation.leaders_world import community_records, load
from tests.web.conftest import csrf_of

IDEA = ("Des emballages consignés", "Pour réduire nos déchets d'emballage.")


@pytest.fixture
def idea(sessions: sessionmaker[Session]) -> dict[str, int]:
    """The two-community workspace, a public campaign and an idea on returnable packaging;
    the ids of the idea, of Ana (its natural ideator) and of Gil."""
    load(sessions, community_records())
    with transaction(sessions) as session:
        author = Person(kind="employee", display_name="Alice")
        session.add(author)
        session.flush()
        made = service.create_campaign(
            session, name="Zéro déchet", question="Comment ?", audience="public", actor="test"
        )
        writer = Viewer(actor="user:alice", role="member", person_id=author.id)
        created = service.submit_idea(session, writer, made.id, title=IDEA[0], body=IDEA[1])
        ids = {
            name: session.scalar(sa.select(Identity.person_id).where(Identity.external_id == name))
            for name in ("ana", "gil")
        }
        return {"idea": created.id, "ana": int(ids["ana"] or 0), "gil": int(ids["gil"] or 0)}


def post(client: TestClient, path: str, data: dict[str, str] | None = None) -> int:
    return client.post(path, data={**(data or {}), "csrf_token": csrf_of(client)}).status_code


def test_a_manager_assigns_suggested_people_and_everyone_sees_them_by_stage(
    idea: dict[str, int],
    client_as: Callable[[str], TestClient],
    sessions: sessionmaker[Session],
) -> None:
    manager, member = client_as("innovation"), client_as("member")
    page = f"/ideas/{idea['idea']}"
    html = manager.get(page).text
    assert "People for this idea" in html
    assert "started 3 conversations about “Des emballages consignés”" in html
    assert f'name="person" value="{idea["ana"]}"' in html

    assert post(manager, f"{page}/roles", {"role": "ideator", "person": str(idea["ana"])}) == 303
    assert post(manager, f"{page}/stage", {"stage": "selected"}) == 303
    assert post(manager, f"{page}/roles", {"role": "champion", "person": "Gil"}) == 303

    seen = member.get(page).text
    assert "People for this idea" not in seen  # suggestions are for managers
    assert "Who carries this idea" in seen
    proposed = seen.index("Assigned at stage Proposed")
    selected = seen.index("Assigned at stage Selected")
    assert (
        proposed
        < seen.index("<strong>Ana</strong>")
        < selected
        < seen.index("<strong>Gil</strong>")
    )
    assert "/release" not in seen
    french = member.get(page, headers={"Accept-Language": "fr"}).text
    assert "Qui porte cette idée" in french
    assert "Confié à l'étape" in french or "Confié à l&#39;étape" in french

    assert post(member, f"{page}/roles", {"role": "expert", "person": "Gil"}) == 403
    with sessions() as session:
        ana_role = session.scalar(sa.select(IdeaRole.id).where(IdeaRole.role == "ideator"))
    assert post(member, f"/ideas/roles/{ana_role}/release") == 403
    assert post(manager, f"/ideas/roles/{ana_role}/release") == 303
    assert "released" in member.get(page).text
    # A name that matches nobody is refused, naming the field.
    refused = manager.post(
        f"{page}/roles", data={"role": "expert", "person": "Zoé", "csrf_token": csrf_of(manager)}
    )
    assert refused.status_code == 404
    assert "nobody named" in refused.text


def test_the_api_gives_suggestions_to_managers_and_assignments_to_all(
    idea: dict[str, int], client_as: Callable[[str], TestClient]
) -> None:
    manager, member = client_as("innovation"), client_as("member")
    for client in (manager, member):
        client.headers["X-CSRF-Token"] = csrf_of(client)
    url = f"/api/v1/ideas/{idea['idea']}/roles"

    body = manager.get(url).json()
    assert body["assignments"] == []
    ideators = [s for s in body["suggestions"] if s["role"] == "ideator"]
    assert [s["person_id"] for s in ideators] == [idea["ana"]]
    assert ideators[0]["why_en"].endswith("carries nothing yet")

    made = manager.post(url, json={"role": "expert", "person_id": idea["gil"]})
    assert made.status_code == 201
    assert made.json()["stage"] == "proposed"
    assert made.json()["name"] == "Gil"
    assert member.post(url, json={"role": "expert", "person_id": idea["ana"]}).status_code == 403
    bad = manager.post(url, json={"role": "boss", "person_id": idea["ana"]})
    assert bad.status_code == 422
    assert "role: 'boss' is not a role" in bad.text

    seen = member.get(url).json()
    assert seen["suggestions"] is None
    assert [(a["role"], a["person_id"]) for a in seen["assignments"]] == [("expert", idea["gil"])]

    released = manager.post(f"/api/v1/ideas/roles/{made.json()['id']}/release")
    assert released.status_code == 200
    assert released.json()["released_at"] is not None
    again = manager.post(f"/api/v1/ideas/roles/{made.json()['id']}/release")
    assert again.status_code == 409


def test_a_manager_reading_idea_pages_reads_the_interaction_graph_once(
    idea: dict[str, int],
    client_as: Callable[[str], TestClient],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    reads: list[object] = []
    real = leader_service.interaction_graph

    def counted(*args: object, **kwargs: object) -> object:
        reads.append(kwargs)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(leader_service, "interaction_graph", counted)
    manager = client_as("innovation")
    page = f"/ideas/{idea['idea']}"
    first = manager.get(page).text
    assert manager.get(page).text == first
    assert manager.get("/innovation/leaders").status_code == 200
    # The page, the same page again and the leaders page: one read of the graph.
    assert len(reads) == 1
