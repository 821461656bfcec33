"""JSON API of campaigns and ideas: the same rules as the pages, in JSON."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from palabre.db.engine import transaction
from palabre.identity.models import Person
from tests.web.conftest import Account, csrf_of, sign_in


@pytest.fixture
def api_as(
    app: object, sessions: sessionmaker[Session], make_account: Callable[..., Account]
) -> Callable[[str, str], TestClient]:
    """A client of ``role`` linked to a new person ``name``, sending its CSRF token."""

    def make(role: str, name: str) -> TestClient:
        with transaction(sessions) as session:
            person = Person(kind="employee", display_name=name)
            session.add(person)
            session.flush()
            person_id = person.id
        client = TestClient(app, follow_redirects=False)  # type: ignore[arg-type]
        assert sign_in(client, make_account(role, name.lower(), person_id=person_id)) == 303
        client.headers["X-CSRF-Token"] = csrf_of(client)
        return client

    return make


def test_campaigns_ideas_votes_stages_and_merges_through_the_api(
    api_as: Callable[[str, str], TestClient],
) -> None:
    manager, alice, bob = (
        api_as("innovation", "Ines"),
        api_as("member", "Alice"),
        api_as("member", "Bob"),
    )
    made = manager.post(
        "/api/v1/campaigns",
        json={"name": "Bureau", "question": "Comment ?", "audience": "employees"},
    )
    assert made.status_code == 201, made.text
    campaign_id = made.json()["id"]
    assert made.json()["stages"][0] == "proposed"
    assert (
        alice.post(
            "/api/v1/campaigns", json={"name": "X", "question": "Q", "audience": "public"}
        ).status_code
        == 403
    )

    first = alice.post(
        f"/api/v1/campaigns/{campaign_id}/ideas",
        json={
            "title": "Télétravail le vendredi",
            "tags": ["RH"],
            "links": ["https://a.example/rh"],
        },
    )
    assert first.status_code == 201, first.text
    idea = first.json()
    assert (idea["stage"], idea["author"], idea["following"]) == ("proposed", "Alice", True)
    second = alice.post(
        f"/api/v1/campaigns/{campaign_id}/ideas", json={"title": "Teletravail vendredi"}
    ).json()

    similar = bob.get("/api/v1/ideas/similar", params={"title": "télétravial le vendredi"}).json()
    assert {s["idea"]["id"] for s in similar} == {idea["id"], second["id"]}

    assert bob.post(f"/api/v1/ideas/{second['id']}/vote").json() == {"changed": True}
    assert bob.post(f"/api/v1/ideas/{second['id']}/vote").json() == {"changed": False}
    assert (
        bob.post(f"/api/v1/ideas/{idea['id']}/comments", json={"body": "Oui !"}).json()["author"]
        == "Bob"
    )

    moved = manager.post(
        f"/api/v1/ideas/{idea['id']}/stage", json={"stage": "selected", "note": "ok"}
    )
    assert moved.json()["to_stage"] == "selected"
    assert (
        alice.post(f"/api/v1/ideas/{idea['id']}/stage", json={"stage": "adopted"}).status_code
        == 403
    )
    assert (
        manager.post(f"/api/v1/ideas/{idea['id']}/stage", json={"stage": "nowhere"}).status_code
        == 422
    )

    merged = manager.post(f"/api/v1/ideas/{second['id']}/merge", json={"into": idea["id"]}).json()
    assert (merged["transfers_asked"], merged["already_supporting"]) == (1, 0)
    [ask] = [n for n in bob.get("/api/v1/notifications").json() if n["kind"] == "vote_transfer"]
    answer = bob.post(
        f"/api/v1/vote-transfers/{ask['details']['transfer_id']}", json={"accept": True}
    )
    assert answer.status_code == 200
    shown = bob.get(f"/api/v1/ideas/{idea['id']}").json()
    assert (shown["supporters"], shown["supporting"]) == (1, True)
    assert [h["to_stage"] for h in shown["history"]] == ["proposed", "selected"]
    listed = alice.get(f"/api/v1/campaigns/{campaign_id}/ideas").json()
    assert [i["id"] for i in listed] == [idea["id"]]
    assert [n["kind"] for n in alice.get("/api/v1/notifications").json()] == [
        "idea_merged",
        "stage_changed",
    ]


def test_errors_name_the_field(api_as: Callable[[str, str], TestClient]) -> None:
    manager = api_as("innovation", "Ines")
    bad = manager.post(
        "/api/v1/campaigns", json={"name": "B", "question": "Q", "audience": "aliens"}
    )
    assert bad.status_code == 422
    assert "audience" in bad.json()["detail"]
    assert manager.get("/api/v1/ideas/999").status_code == 404


def test_a_manager_patches_a_campaign_sending_only_what_changes(
    api_as: Callable[[str, str], TestClient],
) -> None:
    manager, alice = api_as("innovation", "Ines"), api_as("member", "Alice")
    campaign_id = manager.post(
        "/api/v1/campaigns",
        json={
            "name": "Bureau",
            "question": "Comment ?",
            "audience": "employees",
            "opens_on": "2025-01-06",
            "closes_on": "2025-03-31",
        },
    ).json()["id"]
    listed = {c["campaign"]["id"]: c["open"] for c in manager.get("/api/v1/campaigns").json()}
    assert listed[campaign_id] is False

    reopened = manager.patch(
        f"/api/v1/campaigns/{campaign_id}", json={"closes_on": None, "name": "Bureau 2"}
    )
    assert reopened.status_code == 200, reopened.text
    body = reopened.json()
    assert (body["name"], body["opens_on"], body["closes_on"]) == ("Bureau 2", "2025-01-06", None)
    assert body["question"] == "Comment ?"  # not sent, kept
    listed = {c["campaign"]["id"]: c["open"] for c in manager.get("/api/v1/campaigns").json()}
    assert listed[campaign_id] is True

    bad = manager.patch(f"/api/v1/campaigns/{campaign_id}", json={"closes_on": "2024-12-31"})
    assert bad.status_code == 422
    assert bad.json()["detail"].startswith("closes_on:")
    unknown = manager.patch(f"/api/v1/campaigns/{campaign_id}", json={"colour": "blue"})
    assert unknown.status_code == 422
    assert alice.patch(f"/api/v1/campaigns/{campaign_id}", json={"name": "X"}).status_code == 403
    assert manager.patch("/api/v1/campaigns/999999", json={"name": "X"}).status_code == 404
    assert manager.get("/api/v1/campaigns").json()[0]["campaign"]["name"] == "Bureau 2"
