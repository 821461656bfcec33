"""In a real browser: a participant votes on statements one at a time, a manager sees the
opinion map drawn (Chart.js, no inline script, no console error), and a participant
votes pairwise between two ideas."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from palabre.accounts import service as accounts
from palabre.db.engine import transaction
from palabre.identity.models import Person
from palabre.innovation import crowd, service
from palabre.people.service import Viewer
from tests.web.browser.conftest import LiveServer, console_errors
from tests.web.conftest import PASSWORD

pytestmark = pytest.mark.browser


def _account(session: object, username: str, role: str, name: str) -> Viewer:
    person = Person(kind="employee", display_name=name)
    session.add(person)  # type: ignore[attr-defined]
    session.flush()  # type: ignore[attr-defined]
    accounts.create_user(
        session,  # type: ignore[arg-type]
        username=username,
        role=role,
        password=PASSWORD,
        actor="test",
        person_id=person.id,
    )
    return Viewer(actor=f"user:{username}", role=role, person_id=person.id)


def test_vote_on_statements_then_the_manager_sees_the_opinion_map(
    live_server: LiveServer, page: Page, screenshot: Callable[[Page, str], Path]
) -> None:
    texts = ["Plus de télétravail", "Une cantine bio", "Des vélos de service", "Moins de réunions"]
    with transaction(live_server.sessions) as session:
        campaign = service.create_campaign(
            session,
            name="Bureau 2027",
            question="Comment mieux travailler ?",
            audience="employees",
            actor="test",
        )
        ines = _account(session, "ines", "innovation", "Ines")
        _account(session, "bruno", "member", "Bruno")
        statements = [crowd.add_statement(session, ines, campaign.id, t) for t in texts]
        # Two camps of six colleagues who already voted.
        for n in range(12):
            person = Person(kind="employee", display_name=f"Collègue {n}")
            session.add(person)
            session.flush()
            voter = Viewer(actor=f"v{n}", role="member", person_id=person.id)
            for s, statement in enumerate(statements):
                crowd.vote_on_statement(
                    session, voter, statement.id, 1 if (n < 6) == (s % 2 == 0) else -1
                )
        campaign_id = campaign.id
    errors = console_errors(page)

    live_server.sign_in(page, "bruno", PASSWORD)
    page.goto(f"{live_server.url}/innovation/campaigns/{campaign_id}")
    page.get_by_role("link", name="Agree or disagree").click()
    seen = []
    for _ in texts:
        statement = page.locator("#statement-text")
        expect(statement).to_be_visible()
        seen.append(statement.inner_text())
        page.get_by_role("button", name="Agree", exact=True).click()
    assert sorted(seen) == sorted(texts)  # each statement once, one at a time
    expect(page.get_by_text("You have voted on every statement")).to_be_visible()
    page.get_by_label("Your statement").fill("Une salle de sieste")
    page.get_by_role("button", name="Add the statement").click()
    expect(page.get_by_role("status")).to_contain_text("your statement was added")
    screenshot(page, "statements-done")

    page.context.clear_cookies()
    live_server.sign_in(page, "ines", PASSWORD)
    page.goto(f"{live_server.url}/innovation/campaigns/{campaign_id}/statements")
    expect(page.get_by_text("Une salle de sieste")).to_be_visible()  # awaiting moderation
    page.get_by_role("link", name="Opinion map").click()
    expect(page.get_by_role("heading", name="Opinion map")).to_be_visible()
    canvas = page.locator("canvas.opinion-scatter")
    expect(canvas).to_have_attribute("data-drawn", "true")
    expect(page.get_by_role("heading", level=3)).to_have_count(2)
    expect(page.get_by_text("Collègue")).to_have_count(0)
    screenshot(page, "opinion-map")
    assert errors == []


def test_vote_pairwise_and_see_the_ranking(
    live_server: LiveServer, page: Page, screenshot: Callable[[Page, str], Path]
) -> None:
    titles = ["Vélos partagés", "Jardin potager", "Salle de sieste"]
    with transaction(live_server.sessions) as session:
        campaign = service.create_campaign(
            session,
            name="Bureau 2027",
            question="Comment mieux travailler ?",
            audience="employees",
            actor="test",
        )
        alice = _account(session, "alice", "member", "Alice")
        for title in titles:
            service.submit_idea(session, alice, campaign.id, title=title)
        campaign_id = campaign.id
    errors = console_errors(page)
    live_server.sign_in(page, "alice", PASSWORD)
    page.goto(f"{live_server.url}/innovation/campaigns/{campaign_id}")
    page.get_by_role("link", name="Compare ideas").click()
    expect(page.get_by_role("heading", name="Which idea is better?")).to_be_visible()
    for _ in range(8):
        choices = page.locator("button.pair-choice")
        expect(choices).to_have_count(2)
        shown = [choices.nth(i).locator("strong").inner_text() for i in range(2)]
        if "Vélos partagés" in shown:
            choices.nth(shown.index("Vélos partagés")).click()
        else:
            page.get_by_role("button", name="I can't decide").click()
        expect(page.get_by_role("status")).to_contain_text("another pair")
    screenshot(page, "pairwise")
    page.get_by_role("link", name="Bureau 2027").click()
    ranking = page.locator("table.pairwise-scores tbody tr")
    expect(ranking).to_have_count(3)
    expect(ranking.first).to_contain_text("Vélos partagés")
    expect(ranking.first.locator("td").nth(2)).to_have_text(re.compile(r"^\d+–\d+$"))
    assert errors == []
