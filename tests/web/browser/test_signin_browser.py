"""In a real browser: sign in, switch the interface to French, read the home page in French."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.web.browser.conftest import LiveServer

pytestmark = pytest.mark.browser


def test_an_admin_signs_in_switches_to_french_and_sees_the_home_page_in_french(
    live_server: LiveServer, page: Page, screenshot: Callable[[Page, str], Path]
) -> None:
    username, password = live_server.add_account("admin")
    # A blocked inline script or style (CSP) or a missing file shows up as a console error.
    errors: list[str] = []
    page.on(
        "console", lambda message: errors.append(message.text) if message.type == "error" else None
    )
    page.goto(live_server.url + "/")
    expect(page).to_have_url(live_server.url + "/signin?next=%2F")
    screenshot(page, "signin")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("What is happening")
    expect(page.locator("html")).to_have_attribute("lang", "en")

    page.get_by_role("button", name="Français").click()
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.get_by_role("heading", level=1)).to_have_text("Ce qui se passe")
    expect(page.get_by_role("navigation", name="Piliers")).to_contain_text("Accueil")
    expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()
    screenshot(page, "home-fr")

    # Narrow screens (375 px) keep every control reachable without sideways scrolling.
    page.set_viewport_size({"width": 375, "height": 800})
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    screenshot(page, "home-fr-375")
    assert errors == []
