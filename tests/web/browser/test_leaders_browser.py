"""In a real browser: an innovation manager sees the communities and their leaders with
why, asks for a topic's leaders, then for the people who could carry an idea."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.innovation.leaders_world import community_records, load
from tests.web.browser.conftest import LiveServer, console_errors

pytestmark = pytest.mark.browser


def test_an_innovation_manager_reads_leaders_and_gets_people_for_an_idea(
    live_server: LiveServer, page: Page, screenshot: Callable[[Page, str], Path]
) -> None:
    load(live_server.sessions, community_records())
    username, password = live_server.add_account("innovation")
    errors = console_errors(page)
    live_server.sign_in(page, username, password)
    page.goto(live_server.url + "/innovation/leaders")

    expect(page.get_by_role("heading", level=1)).to_have_text("Opinion leaders")
    communities = page.locator("section.community")
    expect(communities).to_have_count(2)
    first = communities.first
    expect(first.get_by_role("heading", level=3)).to_have_text("Community 1 · 6 people")
    expect(first.locator("ol.leaders > li").first).to_contain_text(
        "Ana (customer) 5 people of this community reply to"
    )
    screenshot(page, "leaders")

    page.get_by_label("Topic").fill("vélo cargo")
    page.get_by_role("button", name="Show").click()
    topic = page.locator("#topic-leaders")
    expect(topic.get_by_role("heading", level=2)).to_have_text("Authority on “vélo cargo”")
    expect(topic.locator("li").first).to_contain_text("Gil")

    page.get_by_label("Idea title").fill("Des emballages consignés")
    page.get_by_label("Description").fill("Pour réduire nos déchets.")
    page.get_by_role("button", name="Suggest people").click()
    roles = page.locator("#idea-roles")
    expect(roles.locator('[data-role="ideator"] li')).to_contain_text("Ana")
    expect(roles.locator('[data-role="champion"] li')).to_contain_text("Gil")
    expect(roles.locator('[data-role="experts"] li').first).to_contain_text("Bob")
    screenshot(page, "idea-roles")
    assert errors == []
