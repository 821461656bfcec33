"""In a real browser: an innovation manager opens an idea, assigns the suggested ideator,
and the idea page shows her carrying it at the stage she was assigned."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from palabre.db.engine import transaction
from palabre.identity.models import Person
from palabre.innovation import service
from palabre.people.service import Viewer
from tests.innovation.leaders_world import community_records, load
from tests.web.browser.conftest import LiveServer, console_errors

pytestmark = pytest.mark.browser


def test_a_manager_assigns_a_suggested_person_and_the_page_shows_her(
    live_server: LiveServer, page: Page, screenshot: Callable[[Page, str], Path]
) -> None:
    load(live_server.sessions, community_records())
    with transaction(live_server.sessions) as session:
        author = Person(kind="employee", display_name="Alice")
        session.add(author)
        session.flush()
        made = service.create_campaign(
            session, name="Zéro déchet", question="Comment ?", audience="public", actor="test"
        )
        idea = service.submit_idea(
            session,
            Viewer(actor="user:alice", role="member", person_id=author.id),
            made.id,
            title="Des emballages consignés",
            body="Pour réduire nos déchets d'emballage.",
        ).id
    username, password = live_server.add_account("innovation")
    errors = console_errors(page)
    live_server.sign_in(page, username, password)
    page.goto(f"{live_server.url}/ideas/{idea}")

    carriers = page.locator("section[aria-labelledby=carriers-title]")
    expect(carriers).to_contain_text("Nobody carries this idea yet.")
    people = page.locator("section[aria-labelledby=people-title]")
    expect(people.get_by_role("heading", level=2)).to_have_text("People for this idea")
    expect(people).to_contain_text("started 3 conversations")
    people.get_by_role("button", name="Assign Ana as Ideator").click()

    expect(page).to_have_url(f"{live_server.url}/ideas/{idea}")
    expect(carriers.get_by_role("heading", level=3)).to_have_text("Assigned at stage Proposed")
    expect(carriers.locator("li")).to_contain_text("Ideator: Ana")
    expect(carriers.get_by_role("button", name="Release")).to_be_visible()
    screenshot(page, "idea-carriers")
    assert errors == []
