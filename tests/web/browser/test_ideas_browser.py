"""In a real browser: proposing an idea, a duplicate is suggested while the title is typed
(htmx, no inline script, no console error), and the new idea gets its page."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from palabre.accounts import service as accounts
from palabre.db.engine import transaction
from palabre.identity.models import Person
from palabre.innovation import service
from palabre.people.service import Viewer
from tests.web.browser.conftest import LiveServer, console_errors
from tests.web.conftest import PASSWORD

pytestmark = pytest.mark.browser


def test_a_member_types_a_title_sees_the_duplicate_and_can_still_propose(
    live_server: LiveServer, page: Page, screenshot: Callable[[Page, str], Path]
) -> None:
    with transaction(live_server.sessions) as session:
        campaign = service.create_campaign(
            session,
            name="Bureau 2027",
            question="Comment mieux travailler ?",
            audience="employees",
            actor="test",
        )
        author = Person(kind="employee", display_name="Alice")
        typist = Person(kind="employee", display_name="Bruno")
        session.add_all([author, typist])
        session.flush()
        alice = Viewer(actor="user:alice", role="member", person_id=author.id)
        service.submit_idea(session, alice, campaign.id, title="Télétravail le vendredi pour tous")
        service.submit_idea(session, alice, campaign.id, title="Un parking vélo sécurisé")
        accounts.create_user(
            session,
            username="bruno",
            role="member",
            password=PASSWORD,
            actor="test",
            person_id=typist.id,
        )
        campaign_id = campaign.id
    errors = console_errors(page)
    live_server.sign_in(page, "bruno", PASSWORD)
    page.get_by_role("navigation", name="Pillars").get_by_role("link", name="Innovation").click()
    page.get_by_role("link", name="Bureau 2027").click()
    page.get_by_role("link", name="Propose an idea").click()

    # Typed as people type: no accents, two letters swapped, one missing.
    page.get_by_label("Title").press_sequentially("teletravial le vendredi", delay=30)
    suggestions = page.locator("#similar-ideas")
    expect(suggestions).to_contain_text("Similar ideas already proposed")
    expect(
        suggestions.get_by_role("link", name="Télétravail le vendredi pour tous")
    ).to_be_visible()
    expect(suggestions).not_to_contain_text("parking")
    screenshot(page, "duplicate-suggested")

    # An unrelated title clears the suggestion.
    page.get_by_label("Title").fill("")
    page.get_by_label("Title").press_sequentially("Cours de langue au bureau", delay=20)
    expect(suggestions.get_by_role("link")).to_have_count(0)

    page.get_by_label("Description").fill("Des cours d'anglais le midi.")
    page.get_by_role("button", name="Propose", exact=True).click()
    expect(page).to_have_url(re.compile(r"/ideas/[0-9]+$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Cours de langue au bureau")
    expect(page.get_by_text("Stage history")).to_be_visible()
    assert campaign_id
    assert errors == []
