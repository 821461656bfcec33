"""In a real browser: each role's navigation, and an admin importing a CSV by upload."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from palabre.accounts.models import ROLES
from palabre.config import Settings
from palabre.web.access import Policy
from palabre.web.app import create_app
from palabre.web.templating import PILLARS
from tests.web.browser.conftest import LiveServer, console_errors

pytestmark = pytest.mark.browser

FORUM = Path(__file__).resolve().parents[2] / "fixtures" / "messages" / "forum.csv"


def sign_in(page: Page, server: LiveServer, username: str, password: str) -> None:
    """Sign in through the form, as a person would."""
    page.goto(server.url + "/signin")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("What is happening")


def _policies(settings: Settings) -> dict[tuple[str, str], Policy]:
    app = create_app(settings)
    app.state.engine.dispose()
    policies: dict[tuple[str, str], Policy] = app.state.route_policies
    return policies


@pytest.mark.parametrize("role", ROLES)
def test_each_role_sees_the_navigation_of_the_pages_it_may_open(
    live_server: LiveServer,
    page: Page,
    settings: Settings,
    role: str,
    screenshot: Callable[[Page, str], Path],
) -> None:
    policies = _policies(settings)
    expected = [
        label
        for label, path in PILLARS
        if (policy := policies.get(("GET", path))) is not None and policy.admits(role)
    ]
    sign_in(page, live_server, *live_server.add_account(role))
    nav = page.get_by_role("navigation", name="Pillars").get_by_role("link")
    expect(nav).to_have_text(expected)
    assert ("Admin" in expected) == (role == "admin")
    screenshot(page, "home")


def test_an_admin_uploads_a_csv_watches_it_import_and_finds_its_messages(
    live_server: LiveServer,
    page: Page,
    settings: Settings,
    screenshot: Callable[[Page, str], Path],
) -> None:
    errors = console_errors(page)
    sign_in(page, live_server, *live_server.add_account("admin"))
    page.get_by_role("navigation", name="Pillars").get_by_role("link", name="Admin").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Administration")
    screenshot(page, "admin")
    page.get_by_role("navigation", name="Administration").get_by_role(
        "link", name="Imports"
    ).click()
    page.get_by_label("Kind of file").select_option("messages")
    page.get_by_label("File", exact=True).set_input_files(str(FORUM))
    page.get_by_label("Source name (optional)").fill("forum")
    screenshot(page, "imports")
    page.get_by_role("button", name="Upload and import").click()
    expect(page).to_have_url(re.compile(r"/admin/imports/jobs/[0-9a-f]+$"))
    # htmx polls the progress fragment until the import is over, then shows the report.
    expect(page.locator('#import-progress[data-state="succeeded"]')).to_be_visible(timeout=30_000)
    expect(page.locator('[data-count="messages-created"]')).to_have_text("4")
    screenshot(page, "import-report")

    if ("GET", "/conversations/search") in _policies(settings):
        page.goto(live_server.url + "/conversations/search?q=transporteur")
        expect(page.locator("main")).to_contain_text("le transporteur a perdu le colis")
        screenshot(page, "search")
    else:
        page.get_by_role("link", name="Import run #1").click()
        expect(page.locator('[data-count="messages-created"]')).to_have_text("4")

    assert errors == []  # no script or style blocked, nothing missing

    page.goto(live_server.url + "/admin/segments")
    page.get_by_label("Name", exact=True).fill("Broken")
    page.get_by_label("Rule", exact=True).fill("region = and x")
    page.get_by_role("button", name="Define the segment").click()
    expect(page.locator("pre.rule-error")).to_contain_text("^")
    screenshot(page, "segments-rule-error")
