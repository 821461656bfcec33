"""Crowd validation pages: vote on statements, moderate, the opinion map, pairwise votes."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from palabre.db.engine import transaction
from palabre.identity.models import Person
from palabre.innovation.models import PairwiseAnswer, Statement, StatementVote
from tests.web.conftest import Account, csrf_of, sign_in
from tests.web.test_innovation_pages import new_campaign, post


@pytest.fixture
def person_client(
    app: object, sessions: sessionmaker[Session], make_account: Callable[..., Account]
) -> Callable[[str, str], TestClient]:
    """A client signed in with an account of ``role`` linked to a new person ``name``."""

    def make(role: str, name: str) -> TestClient:
        with transaction(sessions) as session:
            person = Person(kind="employee", display_name=name)
            session.add(person)
            session.flush()
            person_id = person.id
        client = TestClient(app, follow_redirects=False)  # type: ignore[arg-type]
        assert sign_in(client, make_account(role, name.lower(), person_id=person_id)) == 303
        return client

    return make


def shown_statement(client: TestClient, campaign_id: int) -> int | None:
    page = client.get(f"/innovation/campaigns/{campaign_id}/statements")
    assert page.status_code == 200
    found = re.search(r'action="/innovation/statements/(\d+)/vote"', page.text)
    return int(found.group(1)) if found else None


def test_participants_vote_one_statement_at_a_time_and_managers_see_the_map(
    person_client: Callable[[str, str], TestClient], sessions: sessionmaker[Session]
) -> None:
    manager = person_client("innovation", "Ines")
    campaign_id = new_campaign(manager)
    for text in ("Plus de télétravail", "Une cantine bio", "Des vélos de service"):
        assert (
            post(manager, f"/innovation/campaigns/{campaign_id}/statements", {"text": text}) == 303
        )
    voters = [person_client("member", f"Votant{n}") for n in range(12)]
    for n, voter in enumerate(voters):
        seen = set()
        while (statement := shown_statement(voter, campaign_id)) is not None:
            assert statement not in seen  # one at a time, never twice
            seen.add(statement)
            choice = "agree" if (n < 6) == (statement % 2 == 0) else "disagree"
            data = {"vote": choice, "campaign": str(campaign_id)}
            assert post(voter, f"/innovation/statements/{statement}/vote", data) == 303
        assert len(seen) == 3
    with sessions() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(StatementVote)) == 36

    # A member adds a statement: nobody votes on it before a manager accepts it.
    added = post(voters[0], f"/innovation/campaigns/{campaign_id}/statements", {"text": "Sieste"})
    assert added == 303
    assert shown_statement(voters[1], campaign_id) is None
    with sessions() as session:
        waiting = session.scalars(sa.select(Statement).where(Statement.text == "Sieste")).one()
    queue = manager.get(f"/innovation/campaigns/{campaign_id}/statements")
    assert "Sieste" in queue.text
    assert (
        post(manager, f"/innovation/statements/{waiting.id}/moderate", {"moderation": "in"}) == 303
    )
    assert shown_statement(voters[1], campaign_id) == waiting.id

    assert voters[0].get(f"/innovation/campaigns/{campaign_id}/opinions").status_code == 403
    page = manager.get(f"/innovation/campaigns/{campaign_id}/opinions")
    assert page.status_code == 200
    assert 'class="opinion-scatter"' in page.text
    assert "<script>" not in page.text
    assert "6 participants" in page.text  # two groups of six
    assert "Votant" not in page.text  # nobody is named on the map
    api = manager.get(f"/api/v1/campaigns/{campaign_id}/opinions").json()
    assert api["ready"]
    assert sorted(g["size"] for g in api["groups"]) == [6, 6]


def test_a_small_crowd_gets_no_map(person_client: Callable[[str, str], TestClient]) -> None:
    manager = person_client("innovation", "Ines")
    campaign_id = new_campaign(manager)
    for text in ("Un", "Deux"):
        post(manager, f"/innovation/campaigns/{campaign_id}/statements", {"text": text})
    for n in range(3):
        voter = person_client("member", f"P{n}")
        while (statement := shown_statement(voter, campaign_id)) is not None:
            post(voter, f"/innovation/statements/{statement}/vote", {"vote": "agree"})
    page = manager.get(f"/innovation/campaigns/{campaign_id}/opinions")
    assert "Not enough votes yet" in page.text
    assert "opinion-scatter" not in page.text


def test_pairwise_votes_rank_the_ideas_with_intervals_on_the_campaign_page(
    person_client: Callable[[str, str], TestClient], sessions: sessionmaker[Session]
) -> None:
    manager = person_client("innovation", "Ines")
    campaign_id = new_campaign(manager)
    alice = person_client("member", "Alice")
    for title in ("Vélos partagés", "Jardin potager", "Salle de sieste"):
        post(alice, f"/innovation/campaigns/{campaign_id}/submit", {"title": title, "body": ""})
    for _ in range(15):
        page = alice.get(f"/innovation/campaigns/{campaign_id}/pairwise")
        left = re.search(r'name="left" value="(\d+)"', page.text)
        right = re.search(r'name="right" value="(\d+)"', page.text)
        assert left
        assert right
        titles = re.findall(r'<strong class="wrap">([^<]+)</strong>', page.text)
        choice = "left" if titles[0] == "Vélos partagés" else "right"
        if "Vélos partagés" not in titles:
            choice = "cannot_decide"
        data = {"left": left.group(1), "right": right.group(1), "choice": choice}
        assert post(alice, f"/innovation/campaigns/{campaign_id}/pairwise", data) == 303
    with sessions() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(PairwiseAnswer)) == 15
    scores = alice.get(f"/api/v1/campaigns/{campaign_id}/pairwise-scores").json()
    assert scores[0]["title"] == "Vélos partagés"
    assert all(s["low"] <= s["score"] <= s["high"] for s in scores)
    page = alice.get(f"/innovation/campaigns/{campaign_id}")
    assert "Pairwise ranking" in page.text
    assert page.text.index("Vélos partagés") < page.text.index("Jardin potager")
    bad = {"left": "1", "right": "1", "choice": "left", "csrf_token": csrf_of(alice)}
    assert alice.post(f"/innovation/campaigns/{campaign_id}/pairwise", data=bad).status_code == 422
