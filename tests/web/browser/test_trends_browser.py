"""In a real browser: an analyst opens the trends from the idea campaigns page, reads the
trend that burst with its examples, filters by level and opens an example's thread."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from palabre.pipeline.trend_run import run_trends
from tests.innovation import trend_world
from tests.web.browser.conftest import LiveServer, console_errors

pytestmark = pytest.mark.browser


def test_an_analyst_reads_a_trend_and_opens_an_example(
    live_server: LiveServer,
    page: Page,
    screenshot: Callable[[Page, str], Path],
    tmp_path: Path,
) -> None:
    trend_world.build(live_server.sessions, tmp_path)
    assert run_trends(live_server.sessions, False, None).rows_out == 1
    username, password = live_server.add_account("analyst")
    errors = console_errors(page)
    live_server.sign_in(page, username, password)
    page.goto(live_server.url + "/innovation")
    page.get_by_role("link", name="Trends").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Trends")
    rows = page.locator("#trends tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first.locator(".trend-label")).to_have_text(trend_world.PHRASE)
    expect(rows.first).to_contain_text("strong signal")
    examples = rows.first.locator(".trend-examples li")
    expect(examples.first).to_contain_text("trottinette")
    screenshot(page, "trends")

    page.get_by_label("Level").select_option("weak")
    page.get_by_role("button", name="Show").click()
    expect(page.locator("p.empty")).to_contain_text("No trend yet")
    page.get_by_label("Level").select_option("")
    page.get_by_role("button", name="Show").click()

    page.locator("#trends .trend-examples a").first.click()
    expect(page).to_have_url(re.compile(r"/conversations/threads/\d+#message-\d+$"))
    expect(page.locator("body")).to_contain_text("trottinette")
    assert errors == []
