"""In a real browser: the segment watch draws its charts (no inline script, no console
error) and a heatmap cell leads to the messages behind it, then to their thread."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from palabre.pipeline.runner import run_analysis
from palabre.pipeline.stage import LocalEngine
from tests.pipeline import world
from tests.web.browser.conftest import LiveServer, console_errors

pytestmark = pytest.mark.browser


def test_an_analyst_reads_the_watch_and_drills_down_to_a_thread(
    live_server: LiveServer,
    page: Page,
    tmp_path: Path,
    screenshot: Callable[[Page, str], Path],
) -> None:
    world.build(live_server.sessions, tmp_path, messages=40)
    run_analysis(live_server.sessions, engine=LocalEngine(workers=1))
    username, password = live_server.add_account("analyst")
    errors = console_errors(page)
    live_server.sign_in(page, username, password)
    page.get_by_role("navigation", name="Pillars").get_by_role(
        "link", name="Customer voice"
    ).click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Segment watch")
    expect(page.locator("#heatmap tbody tr")).to_have_count(2)
    charts = page.locator("canvas.segment-series")
    expect(charts).to_have_count(2)
    for index in range(2):
        expect(charts.nth(index)).to_have_attribute("data-drawn", "true")
    screenshot(page, "dashboard")

    france = page.locator("#heatmap tbody tr", has_text="France")
    france.get_by_role("link", name="Praise, France", exact=False).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("France · Praise")
    hits = page.locator("ol.cell-messages > li")
    expect(hits.first).to_be_visible()
    screenshot(page, "drill-down")
    hits.first.get_by_role("link").first.click()
    expect(page).to_have_url(re.compile(r"/conversations/threads/[0-9]+#message-[0-9]+$"))
    assert errors == []
