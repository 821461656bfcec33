"""In a real browser: the dashboard's root causes, per segment and signal, lead from a
cause to a message voicing it in its thread."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from palabre.pipeline.runner import run_analysis
from palabre.pipeline.stage import LocalEngine
from tests.pipeline import test_root_causes as causes_world
from tests.web.browser.conftest import LiveServer

pytestmark = pytest.mark.browser


def test_an_analyst_sees_the_april_cause_first_and_opens_an_example(
    live_server: LiveServer,
    page: Page,
    tmp_path: Path,
    screenshot: Callable[[Page, str], Path],
) -> None:
    causes_world.built.__wrapped__(live_server.sessions, tmp_path)  # type: ignore[attr-defined]
    run_analysis(live_server.sessions, engine=LocalEngine(workers=1))
    username, password = live_server.add_account("analyst")
    live_server.sign_in(page, username, password)
    page.goto(live_server.url + "/customers")

    section = page.locator("#root-causes")
    expect(section.get_by_role("heading", level=2)).to_have_text("Root causes")
    france = section.locator(".cause-segment", has=page.get_by_role("heading", name="France"))
    first = france.locator('tr.cause[data-signal="discontent"][data-rank="1"]')
    expect(first).to_be_visible()
    expect(first.locator(".significant")).to_be_visible()
    expect(first.locator(".cause-label")).to_have_attribute("lang", "fr")
    screenshot(page, "root-causes")
    first.locator("a.cause-example").first.click()
    expect(page).to_have_url(re.compile(r"/conversations/threads/[0-9]+#message-[0-9]+$"))
    expect(page.locator("body")).to_contain_text(re.compile("abonnement", re.IGNORECASE))
