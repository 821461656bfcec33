"""Innovation pages: campaigns, proposing with live similar ideas, idea page, funnel, merge."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from palabre.db.engine import transaction
from palabre.identity.models import Person
from palabre.innovation.models import Campaign, Idea, IdeaVote, Notification
from palabre.pipeline.runner import run_analysis
from palabre.pipeline.stage import LocalEngine
from tests.pipeline import world
from tests.web.conftest import Account, csrf_of, sign_in


@pytest.fixture
def signed_in_person(
    app: object, sessions: sessionmaker[Session], make_account: Callable[..., Account]
) -> Callable[[str, str], TestClient]:
    """A client signed in with an account of ``role`` linked to a new person ``name``."""

    def make(role: str, name: str) -> TestClient:
        with transaction(sessions) as session:
            person = Person(
                kind="customer" if role == "customer" else "employee", display_name=name
            )
            session.add(person)
            session.flush()
            person_id = person.id
        client = TestClient(app, follow_redirects=False)  # type: ignore[arg-type]
        assert sign_in(client, make_account(role, name.lower(), person_id=person_id)) == 303
        return client

    return make


def post(client: TestClient, path: str, data: dict[str, str]) -> int:
    response = client.post(path, data={**data, "csrf_token": csrf_of(client)})
    return response.status_code


def new_campaign(client: TestClient, **fields: str) -> int:
    data = {
        "name": "Bureau 2027",
        "question": "Comment mieux travailler ?",
        "audience": "employees",
    }
    response = client.post(
        "/innovation/campaigns", data={**data, **fields, "csrf_token": csrf_of(client)}
    )
    assert response.status_code == 303, response.text
    return int(response.headers["location"].rsplit("/", 1)[1])


def test_a_manager_creates_a_campaign_and_an_employee_proposes_then_supports(
    signed_in_person: Callable[[str, str], TestClient], sessions: sessionmaker[Session]
) -> None:
    manager = signed_in_person("innovation", "Ines")
    campaign_id = new_campaign(manager)
    alice = signed_in_person("member", "Alice")
    listing = alice.get("/innovation")
    assert "Bureau 2027" in listing.text
    assert "New campaign" not in listing.text  # members do not manage
    form = alice.get(f"/innovation/campaigns/{campaign_id}/submit")
    assert 'hx-get="/innovation/similar?campaign=' in form.text
    response = alice.post(
        f"/innovation/campaigns/{campaign_id}/submit",
        data={
            "title": "Télétravail le vendredi",
            "body": "Deux jours par semaine.",
            "tags": "RH, bien-être",
            "links": "https://intranet.example/rh",
            "csrf_token": csrf_of(alice),
        },
    )
    assert response.status_code == 303
    idea_path = response.headers["location"]
    page = alice.get(idea_path)
    assert "Télétravail le vendredi" in page.text
    assert "0 supporters" in page.text
    assert "Stage history" in page.text
    assert post(alice, idea_path + "/vote", {"support": "1"}) == 303
    assert post(alice, idea_path + "/comments", {"body": "Et le lundi ?"}) == 303
    page = alice.get(idea_path)
    assert "1 supporter" in page.text
    assert "Et le lundi ?" in page.text
    # The similar-ideas fragment finds it, typed with mistakes.
    fragment = signed_in_person("member", "Bob").get(
        "/innovation/similar", params={"title": "teletravial vendredi", "campaign": campaign_id}
    )
    assert "Télétravail le vendredi" in fragment.text
    assert "Similar ideas already proposed" in fragment.text
    empty = alice.get("/innovation/similar", params={"title": "formation Excel"})
    assert empty.text.strip() == ""


def test_a_bad_field_shows_the_form_again_with_what_was_typed(
    signed_in_person: Callable[[str, str], TestClient], sessions: sessionmaker[Session]
) -> None:
    manager = signed_in_person("innovation", "Ines")
    response = manager.post(
        "/innovation/campaigns",
        data={
            "name": "Q3",
            "question": "Q",
            "audience": "public",
            "closes": "demain",
            "csrf_token": csrf_of(manager),
        },
    )
    assert response.status_code == 422
    assert "closes: &#39;demain&#39; is not a date" in response.text
    assert 'value="Q3"' in response.text
    campaign_id = new_campaign(manager)
    alice = signed_in_person("member", "Alice")
    response = alice.post(
        f"/innovation/campaigns/{campaign_id}/submit",
        data={"title": "ok", "body": "Mon texte", "csrf_token": csrf_of(alice)},
    )
    assert response.status_code == 422
    assert "title: give a title of 3 to 300 characters" in response.text
    assert "Mon texte" in response.text
    with sessions() as session:
        assert session.scalars(sa.select(Idea)).all() == []
        assert len(session.scalars(sa.select(Campaign)).all()) == 1


def test_a_stage_change_reaches_followers_and_a_merge_asks_supporters(
    signed_in_person: Callable[[str, str], TestClient], sessions: sessionmaker[Session]
) -> None:
    manager = signed_in_person("innovation", "Ines")
    campaign_id = new_campaign(manager)
    alice = signed_in_person("member", "Alice")
    paths = []
    for title in ("Parking vélo", "Parking à vélos"):
        response = alice.post(
            f"/innovation/campaigns/{campaign_id}/submit",
            data={"title": title, "csrf_token": csrf_of(alice)},
        )
        paths.append(response.headers["location"])
    bob = signed_in_person("member", "Bob")
    assert post(bob, paths[0] + "/vote", {"support": "1"}) == 303
    assert post(manager, paths[1] + "/stage", {"stage": "selected", "note": "Budget"}) == 303
    board = manager.get(f"/innovation/campaigns/{campaign_id}/board")
    assert board.status_code == 200
    assert re.search(r"Selected <span class=\"muted\">\(1\)", board.text)
    notes = alice.get("/notifications")
    assert "moved from Proposed to Selected" in notes.text
    into = paths[1].rsplit("/", 1)[1]
    assert post(manager, paths[0] + "/merge", {"into": into}) == 303
    notes = bob.get("/notifications")
    assert "which you supported, was merged into" in notes.text
    transfer = re.search(r'action="/ideas/transfers/(\d+)"', notes.text)
    assert transfer
    with sessions() as session:
        assert session.scalar(sa.select(IdeaVote.idea_id)) == int(paths[0].rsplit("/", 1)[1])
    assert post(bob, f"/ideas/transfers/{transfer.group(1)}", {"accept": "1"}) == 303
    with sessions() as session:
        assert session.scalar(sa.select(IdeaVote.idea_id)) == int(into)
    assert "Answered." in bob.get("/notifications").text
    assert post(bob, "/notifications/read", {}) == 303
    with sessions() as session:
        unread = session.scalars(sa.select(Notification).where(Notification.read_at.is_(None)))
        assert {n.person_id for n in unread} == {
            session.scalar(sa.select(Person.id).where(Person.display_name == "Alice"))
        }


def test_members_cannot_move_ideas_and_customers_do_not_see_internal_campaigns(
    signed_in_person: Callable[[str, str], TestClient],
) -> None:
    manager = signed_in_person("innovation", "Ines")
    campaign_id = new_campaign(manager)
    customer = signed_in_person("customer", "Chloe")
    assert customer.get(f"/innovation/campaigns/{campaign_id}").status_code == 404
    assert "Bureau 2027" not in customer.get("/innovation").text
    member = signed_in_person("member", "Alice")
    assert member.get(f"/innovation/campaigns/{campaign_id}/board").status_code == 403


def test_the_pages_speak_french(signed_in_person: Callable[[str, str], TestClient]) -> None:
    manager = signed_in_person("innovation", "Ines")
    new_campaign(manager)
    page = manager.get("/innovation", headers={"Accept-Language": "fr"})
    assert "Campagnes d'idées" in page.text
    assert "Nouvelle campagne" in page.text


def test_a_manager_turns_a_suggestion_from_the_field_into_an_idea(
    signed_in_person: Callable[[str, str], TestClient],
    sessions: sessionmaker[Session],
    tmp_path: Path,
) -> None:
    world.build(sessions, tmp_path, messages=16)
    run_analysis(sessions, engine=LocalEngine(workers=1))
    manager = signed_in_person("innovation", "Ines")
    campaign_id = new_campaign(manager, audience="customers")
    page = manager.get("/innovation/field", params={"min_probability": "0.5"})
    assert "mode sombre" in page.text
    message_id = re.search(r'action="/innovation/field/(\d+)"', page.text)
    assert message_id
    response = manager.post(
        f"/innovation/field/{message_id.group(1)}",
        data={"campaign": str(campaign_id), "title": "Mode sombre", "csrf_token": csrf_of(manager)},
    )
    assert response.status_code == 303
    idea = manager.get(response.headers["location"])
    assert "Mode sombre" in idea.text
    assert "From a conversation" in idea.text
    with sessions() as session:
        assert session.scalar(sa.select(Idea.source_message_id)) == int(message_id.group(1))
    assert signed_in_person("member", "Alice").get("/innovation/field").status_code == 403
