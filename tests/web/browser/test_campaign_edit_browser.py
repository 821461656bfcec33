"""In a real browser: an innovation manager re-opens a closed campaign from its page's Edit
button (the form comes filled), a bad closing day shows the form again saying which field,
and once saved a member answers a pairwise question in it."""

from __future__ import annotations

import datetime as dt
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

OPENED = dt.date.today() - dt.timedelta(days=60)
CLOSED = dt.date.today() - dt.timedelta(days=30)


def test_a_manager_reopens_a_closed_campaign_and_a_member_then_compares_its_ideas(
    live_server: LiveServer, page: Page, screenshot: Callable[[Page, str], Path]
) -> None:
    with transaction(live_server.sessions) as session:
        campaign = service.create_campaign(
            session,
            name="Bureau 2027",
            question="Comment mieux travailler ?",
            audience="employees",
            opens_on=OPENED,
            actor="test",
        )
        author = Person(kind="employee", display_name="Alice")
        session.add(author)
        session.flush()
        alice = Viewer(actor="user:alice", role="member", person_id=author.id)
        for title in ("Vélos de service", "Jardin sur le toit", "Cantine bio"):
            service.submit_idea(session, alice, campaign.id, title=title)
        campaign.closes_on = CLOSED  # it ran its course with these ideas
        accounts.create_user(
            session, username="ines", role="innovation", password=PASSWORD, actor="test"
        )
        accounts.create_user(
            session,
            username="alice",
            role="member",
            password=PASSWORD,
            actor="test",
            person_id=author.id,
        )
        campaign_id = campaign.id
    errors = console_errors(page)

    live_server.sign_in(page, "ines", PASSWORD)
    page.goto(f"{live_server.url}/innovation/campaigns/{campaign_id}")
    expect(page.locator("p.small.muted").first).to_contain_text("Closed")
    page.get_by_role("link", name="Edit the campaign").click()
    expect(page.get_by_role("heading", name="Edit the campaign")).to_be_visible()
    expect(page.get_by_label("Name")).to_have_value("Bureau 2027")
    expect(page.get_by_label("Closes on")).to_have_value(CLOSED.isoformat())

    page.get_by_label("Closes on").fill((OPENED - dt.timedelta(days=1)).isoformat())
    page.get_by_role("button", name="Save the changes").click()
    expect(page.get_by_role("alert")).to_contain_text("closes_on: the campaign closes before")
    expect(page.get_by_label("Name")).to_have_value("Bureau 2027")
    # The refused form answers 422, which the browser reports; nothing else may fail.
    assert [e for e in errors if "422" not in e] == []
    errors.clear()

    page.get_by_label("Closes on").fill("")
    page.get_by_label("Name").fill("Bureau 2028")
    screenshot(page, "campaign-edit")
    page.get_by_role("button", name="Save the changes").click()
    expect(page).to_have_url(f"{live_server.url}/innovation/campaigns/{campaign_id}")
    expect(page.get_by_role("heading", name="Bureau 2028")).to_be_visible()
    expect(page.locator("p.small.muted").first).to_contain_text("Open")

    page.context.clear_cookies()
    live_server.sign_in(page, "alice", PASSWORD)
    page.goto(f"{live_server.url}/innovation/campaigns/{campaign_id}")
    expect(page.get_by_role("link", name="Edit the campaign")).to_have_count(0)
    page.get_by_role("link", name="Compare ideas").click()
    choices = page.locator("button.pair-choice")
    expect(choices).to_have_count(2)
    choices.first.click()
    expect(page.get_by_role("status")).to_contain_text("another pair")
    assert errors == []
