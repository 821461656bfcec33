"""In a real browser: browse people and a profile, edit one's profile, read a thread and
search the conversations; nothing a person wrote ever runs as a script."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import ConsoleMessage, Dialog, Page, expect

from palabre.accounts import service
from tests.people.data import import_company, person_id
from tests.web.browser.conftest import LiveServer
from tests.web.conftest import PASSWORD

pytestmark = pytest.mark.browser

XSS = "<img src=x onerror=\"document.title='pwned'\"><script>document.title='pwned'</script>"


def _sign_in(page: Page, server: LiveServer, username: str) -> None:
    page.goto(server.url + "/signin")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("What is happening")


def _account(server: LiveServer, username: str, role: str, person: str | None) -> None:
    with server.sessions() as db:
        linked = person_id(db, person) if person else None
        service.create_user(
            db, username=username, role=role, password=PASSWORD, actor="test", person_id=linked
        )
        db.commit()


def _watch_errors(page: Page) -> list[str]:
    """Console errors (a blocked inline script, a missing file) and any dialog a script opened."""
    errors: list[str] = []

    def console(message: ConsoleMessage) -> None:
        if message.type == "error":
            errors.append(message.text)

    def dialog(opened: Dialog) -> None:
        errors.append("dialog: " + opened.message)
        opened.dismiss()

    page.on("console", console)
    page.on("dialog", dialog)
    return errors


def test_a_member_edits_her_profile_and_a_colleague_reads_it(
    live_server: LiveServer, page: Page, screenshot: Callable[[Page, str], Path]
) -> None:
    import_company(live_server.sessions)
    _account(live_server, "alice", "member", "Alice Martin")
    _account(live_server, "chloe", "member", "Chloé Durand")
    errors = _watch_errors(page)

    _sign_in(page, live_server, "alice")
    page.get_by_role("navigation", name="Pillars").get_by_role("link", name="People").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("People")
    expect(page.get_by_role("link", name="Chloé Durand")).to_be_visible()
    expect(page.get_by_text("Denise Favre")).to_have_count(0)  # customers are not listed
    screenshot(page, "directory")

    page.get_by_role("link", name="Edit my profile").click()
    page.get_by_label("Headline", exact=True).fill("Responsable des ventes " + XSS)
    page.get_by_label("Skills", exact=True).fill("négociation, CRM")
    page.get_by_label("Phone", exact=True).fill("+41 22 555 01 02")
    page.locator("#visibility-phone").select_option("private")
    screenshot(page, "edit-profile")
    page.get_by_role("button", name="Save my profile").click()
    expect(page.get_by_role("status")).to_have_text("Your profile is saved.")
    expect(page.locator("#visibility-phone")).to_have_value("private")

    page.get_by_role("button", name="Sign out").click()
    _sign_in(page, live_server, "chloe")
    page.goto(live_server.url + "/people?q=alice")
    page.get_by_role("link", name="Alice Martin").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Alice Martin")
    expect(page.get_by_text("Responsable des ventes")).to_be_visible()
    expect(page.get_by_text("négociation")).to_be_visible()
    expect(page.get_by_text("+41 22 555 01 02")).to_have_count(0)  # private
    expect(page.get_by_text("Ventes/Genève")).to_be_visible()
    expect(page.get_by_text("Moi, demande à Élodie.")).to_be_visible()  # contributions
    screenshot(page, "profile")
    assert page.title() != "pwned"
    assert errors == []


def test_an_analyst_reads_a_thread_and_searches_the_conversations(
    live_server: LiveServer, page: Page, screenshot: Callable[[Page, str], Path]
) -> None:
    import_company(live_server.sessions)
    _account(live_server, "ana", "analyst", None)
    errors = _watch_errors(page)
    _sign_in(page, live_server, "ana")

    page.get_by_role("navigation", name="Pillars").get_by_role("link", name="Conversations").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Conversations")
    screenshot(page, "channels")
    page.get_by_role("link", name="support").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("support")
    screenshot(page, "channel")
    page.get_by_role("link", name="Livraison en retard").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Livraison en retard")
    expect(page.locator("article.reply")).to_have_count(3)
    expect(page.get_by_role("link", name="View in source").first).to_have_attribute(
        "href", "https://support.example.com/t/1"
    )
    screenshot(page, "thread")

    page.goto(live_server.url + "/conversations/search")
    page.get_by_label("Text").fill("charged")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("status")).to_have_text("1 message found")
    expect(page.get_by_text("<script>alert('x')</script> charged twice")).to_be_visible()
    page.get_by_label("Author").fill("denise")
    page.get_by_label("Text").fill("")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("status")).to_have_text("2 messages found")
    screenshot(page, "search")

    page.get_by_role("button", name="Français").click()
    expect(page.get_by_role("status")).to_have_text("2 messages trouvés")
    page.set_viewport_size({"width": 375, "height": 800})
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    screenshot(page, "search-fr-375")
    assert errors == []
