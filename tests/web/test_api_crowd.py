"""JSON API of crowd validation: statements, votes, moderation, the map, pairwise votes."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from tests.web.test_api_innovation import api_as  # noqa: F401 - the fixture


def test_statements_votes_moderation_and_the_map_through_the_api(
    api_as: Callable[[str, str], TestClient],  # noqa: F811
) -> None:
    manager, alice = api_as("innovation", "Ines"), api_as("member", "Alice")
    made = manager.post(
        "/api/v1/campaigns", json={"name": "B", "question": "Q ?", "audience": "employees"}
    )
    campaign_id = made.json()["id"]
    accepted = manager.post(
        f"/api/v1/campaigns/{campaign_id}/statements", json={"text": "Vélos"}
    ).json()
    assert accepted["moderation"] == "in"
    waiting = alice.post(f"/api/v1/campaigns/{campaign_id}/statements", json={"text": "Sieste"})
    assert waiting.status_code == 201
    assert waiting.json()["moderation"] == "unmoderated"

    nxt = alice.get(f"/api/v1/campaigns/{campaign_id}/statements/next").json()
    assert nxt == {"statement": accepted, "voted": 0, "total": 1}
    vote = alice.post(f"/api/v1/statements/{accepted['id']}/vote", json={"vote": -1})
    assert vote.json() == {"changed": True}
    assert (
        alice.post(f"/api/v1/statements/{accepted['id']}/vote", json={"vote": 2}).status_code == 422
    )
    later = alice.get(f"/api/v1/campaigns/{campaign_id}/statements/next").json()
    assert later == {"statement": None, "voted": 1, "total": 1}

    sid = waiting.json()["id"]
    refused = alice.post(f"/api/v1/statements/{sid}/moderation", json={"moderation": "in"})
    assert refused.status_code == 403
    moderated = manager.post(f"/api/v1/statements/{sid}/moderation", json={"moderation": "out"})
    assert moderated.json()["moderation"] == "out"

    assert alice.get(f"/api/v1/campaigns/{campaign_id}/opinions").status_code == 403
    small = manager.get(f"/api/v1/campaigns/{campaign_id}/opinions").json()
    assert small["ready"] is False
    assert small["groups"] == []


def test_pairs_and_scores_through_the_api(
    api_as: Callable[[str, str], TestClient],  # noqa: F811
) -> None:
    manager, alice = api_as("innovation", "Ines"), api_as("member", "Alice")
    campaign_id = manager.post(
        "/api/v1/campaigns", json={"name": "B", "question": "Q ?", "audience": "employees"}
    ).json()["id"]
    assert alice.get(f"/api/v1/campaigns/{campaign_id}/pairs/next").json() == {
        "left": None,
        "right": None,
    }
    for title in ("Vélos", "Jardin"):
        alice.post(f"/api/v1/campaigns/{campaign_id}/ideas", json={"title": title})
    pair = alice.get(f"/api/v1/campaigns/{campaign_id}/pairs/next").json()
    assert {pair["left"]["title"], pair["right"]["title"]} == {"Vélos", "Jardin"}
    answer = {"left": pair["left"]["id"], "right": pair["right"]["id"], "choice": "right"}
    assert alice.post(f"/api/v1/campaigns/{campaign_id}/pairs", json=answer).status_code == 201
    scores = alice.get(f"/api/v1/campaigns/{campaign_id}/pairwise-scores").json()
    assert scores[0]["idea_id"] == pair["right"]["id"]
    assert scores[0]["wins"] == 1
    assert scores[1]["losses"] == 1
    assert scores[0]["low"] < scores[0]["score"] < scores[0]["high"]
