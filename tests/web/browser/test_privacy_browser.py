"""In a real browser: a member downloads her data from her profile; an administrator
erases a customer from theirs, by keyboard, typing the number to confirm."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from palabre.accounts import service
from tests.people.data import import_company, person_id
from tests.web.browser.conftest import LiveServer, console_errors
from tests.web.conftest import PASSWORD

pytestmark = pytest.mark.browser


def _account(server: LiveServer, username: str, role: str, person: str | None) -> int | None:
    with server.sessions() as db:
        linked = person_id(db, person) if person else None
        service.create_user(
            db, username=username, role=role, password=PASSWORD, actor="test", person_id=linked
        )
        db.commit()
    return linked


def test_a_member_downloads_her_data_and_asks_to_be_erased_from_her_profile(
    live_server: LiveServer, page: Page, tmp_path: Path, screenshot: Callable[[Page, str], Path]
) -> None:
    import_company(live_server.sessions)
    alice = _account(live_server, "alice", "member", "Alice Martin")
    errors = console_errors(page)
    live_server.sign_in(page, "alice", PASSWORD)
    page.goto(f"{live_server.url}/people/{alice}")
    with page.expect_download() as arrival:
        page.get_by_role("link", name="Download my data").click()
    download = arrival.value
    assert download.suggested_filename == f"palabre-person-{alice}.json"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    document = json.loads(saved.read_text(encoding="utf-8"))
    assert document["persons"][0]["display_name"] == "Alice Martin"
    screenshot(page, "own-profile")
    page.get_by_role("button", name="Ask for my data to be erased").click()
    expect(page.get_by_role("status")).to_contain_text("an administrator will erase it")
    expect(page.get_by_role("button", name="Ask for my data to be erased")).to_have_count(0)
    assert errors == []


def test_an_administrator_erases_a_customer_by_keyboard(
    live_server: LiveServer, page: Page, screenshot: Callable[[Page, str], Path]
) -> None:
    import_company(live_server.sessions)
    _account(live_server, "admin", "admin", None)
    with live_server.sessions() as db:
        denise = person_id(db, "Denise Favre")
    errors = console_errors(page)
    live_server.sign_in(page, "admin", PASSWORD)
    page.goto(f"{live_server.url}/people/{denise}")
    page.get_by_role("link", name="Erase this person…").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Erase Denise Favre")
    table = page.get_by_role("table", name="What the erasure will change")
    expect(table.get_by_role("row", name="Messages they wrote")).to_contain_text("2")
    screenshot(page, "erase-confirm")

    field = page.get_by_label(f"Type {denise}, the person's number, to confirm")
    field.fill("0")
    field.press("Enter")
    expect(page.get_by_role("alert")).to_contain_text("nothing was erased")
    page.get_by_label(f"Type {denise}, the person's number, to confirm").fill(str(denise))
    page.get_by_role("button", name="Erase for good").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Person erased")
    expect(page.get_by_role("status")).to_contain_text(f"Person {denise} is erased")
    screenshot(page, "erased")
    page.goto(f"{live_server.url}/people?kind=customer")
    expect(page.get_by_text("Denise Favre")).to_have_count(0)
    # The browser reports the refused confirmation (422) in its console; nothing else.
    assert len(errors) == 1
    assert "422" in errors[0]
