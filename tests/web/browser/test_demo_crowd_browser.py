"""In a real browser, on the demo company (tiny scale): the innovation manager opens the
statement conversation's opinion map and finds its planted groups with their
representative statements; a demo customer votes on a statement, answers a pairwise
question on the idea campaign the demo keeps open and sees its ranking with intervals."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from palabre.accounts import service as accounts
from palabre.db.engine import transaction
from palabre.demo.crowd import STATEMENT_CAMPAIGN
from palabre.demo.crowd_eval import load_demo
from palabre.demo.ideas import CAMPAIGN_NAMES
from palabre.identity.models import Person
from palabre.innovation.models import Campaign, Idea, StatementVote
from tests.web.browser.conftest import LiveServer, console_errors
from tests.web.conftest import PASSWORD

pytestmark = pytest.mark.browser


def test_the_demo_opinion_map_shows_its_groups_and_a_customer_votes_and_compares_ideas(
    live_server: LiveServer,
    page: Page,
    screenshot: Callable[[Page, str], Path],
    tmp_path: Path,
) -> None:
    load_demo(live_server.sessions, "tiny", 42, tmp_path)
    with transaction(live_server.sessions) as session:
        statements = session.scalar(
            sa.select(Campaign.id).where(Campaign.name == STATEMENT_CAMPAIGN)
        )
        ideas = session.scalar(
            sa.select(Campaign).where(Campaign.name == CAMPAIGN_NAMES["service"])
        )
        assert statements is not None
        assert ideas is not None
        # The demo keeps its latest idea campaign open: a visitor answers pairs today.
        assert ideas.closes_on is None
        idea_count = session.scalar(
            sa.select(sa.func.count()).where(
                Idea.campaign_id == ideas.id, Idea.merged_into_id.is_(None)
            )
        )
        # A demo customer who has not taken part in the conversation yet.
        voted = sa.select(StatementVote.person_id).where(StatementVote.person_id.is_not(None))
        customer = session.scalar(
            sa.select(Person.id)
            .where(Person.kind == "customer", Person.id.not_in(voted))
            .order_by(Person.id)
            .limit(1)
        )
        accounts.create_user(
            session, username="ines", role="innovation", password=PASSWORD, actor="test"
        )
        accounts.create_user(
            session,
            username="client",
            role="customer",
            password=PASSWORD,
            actor="test",
            person_id=customer,
        )
        ideas_id = ideas.id
    errors = console_errors(page)

    live_server.sign_in(page, "ines", PASSWORD)
    page.goto(f"{live_server.url}/innovation/campaigns/{statements}")
    page.get_by_role("link", name="Opinion map").click()
    expect(page.get_by_role("heading", name="Opinion map")).to_be_visible()
    expect(page.locator("canvas.opinion-scatter")).to_have_attribute("data-drawn", "true")
    groups = page.locator("section.opinion-group")
    assert groups.count() >= 2
    for n in range(groups.count()):
        # Each group of the demo is large enough to show what sets it apart.
        expect(groups.nth(n).locator("ul.statement-list li").first).to_be_visible()
    expect(page.get_by_role("heading", name="Consensus")).to_be_visible()
    expect(page.get_by_role("heading", name="Divisive statements")).to_be_visible()
    screenshot(page, "demo-opinion-map")

    page.context.clear_cookies()
    live_server.sign_in(page, "client", PASSWORD)
    page.goto(f"{live_server.url}/innovation/campaigns/{statements}/statements")
    statement = page.locator("#statement-text")
    expect(statement).to_be_visible()
    first = statement.inner_text()
    page.get_by_role("button", name="Agree", exact=True).click()
    expect(page.locator("#statement-text")).not_to_have_text(first)

    page.goto(f"{live_server.url}/innovation/campaigns/{ideas_id}")
    ranking = page.locator("table.pairwise-scores tbody tr")
    expect(ranking).to_have_count(idea_count)
    page.get_by_role("link", name="Compare ideas").click()
    choices = page.locator("button.pair-choice")
    expect(choices).to_have_count(2)
    choices.first.click()
    expect(page.get_by_role("status")).to_contain_text("another pair")
    screenshot(page, "demo-pairwise")
    page.get_by_role("link", name=CAMPAIGN_NAMES["service"]).click()
    expect(ranking).to_have_count(idea_count)
    expect(ranking.first.locator("td").nth(2)).to_have_text(re.compile(r"^\d+–\d+$"))
    assert errors == []
