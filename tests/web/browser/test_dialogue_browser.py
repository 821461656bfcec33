"""In a real browser: a customer posts in the community, an analyst finds the post in the
answer inbox and answers it, and the customer reads the answer in the thread."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from palabre.accounts import service as accounts
from palabre.db.engine import transaction
from palabre.identity.models import Person
from tests.web.browser.conftest import LiveServer, console_errors
from tests.web.conftest import PASSWORD

pytestmark = pytest.mark.browser


def test_a_customer_asks_in_the_community_and_an_analyst_answers_from_the_inbox(
    live_server: LiveServer, page: Page, screenshot: Callable[[Page, str], Path]
) -> None:
    with transaction(live_server.sessions) as session:
        customer = Person(kind="customer", display_name="Chloé Martin")
        analyst = Person(kind="employee", display_name="Ana Lyst")
        session.add_all([customer, analyst])
        session.flush()
        accounts.create_user(
            session,
            username="chloe",
            role="customer",
            password=PASSWORD,
            actor="test",
            person_id=customer.id,
        )
        accounts.create_user(
            session,
            username="ana",
            role="analyst",
            password=PASSWORD,
            actor="test",
            person_id=analyst.id,
        )
    errors = console_errors(page)
    live_server.sign_in(page, "chloe", PASSWORD)
    page.get_by_role("navigation", name="Pillars").get_by_role("link", name="Community").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Customer community")
    page.get_by_label("Title").fill("Invoice charged twice")
    page.get_by_label("Message").fill("I was charged twice this month, why?")
    page.get_by_role("button", name="Post").click()
    expect(page).to_have_url(re.compile(r"/community/threads/[0-9]+$"))
    thread_url = page.url
    expect(page.locator(".community-posts article")).to_have_count(1)
    screenshot(page, "posted")
    page.get_by_role("button", name="Sign out").click()

    live_server.sign_in(page, "ana", PASSWORD)
    page.goto(live_server.url + "/customers/inbox")
    expect(page.get_by_role("heading", level=1)).to_have_text("Answer inbox")
    item = page.locator("ol.inbox-items > li", has_text="I was charged twice")
    expect(item).to_have_count(1)
    expect(item.get_by_text("Chloé Martin")).to_be_visible()
    item.get_by_label("Answer in the community").fill("Sorry Chloé, the second charge is refunded.")
    screenshot(page, "inbox")
    item.get_by_role("button", name="Answer", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("Answer recorded.")
    expect(page.locator("ol.inbox-items > li", has_text="I was charged twice")).to_have_count(0)
    page.get_by_role("button", name="Sign out").click()

    live_server.sign_in(page, "chloe", PASSWORD)
    page.goto(thread_url)
    posts = page.locator(".community-posts article")
    expect(posts).to_have_count(2)
    answer = posts.nth(1)
    expect(answer).to_contain_text("Sorry Chloé, the second charge is refunded.")
    expect(answer).to_contain_text("Ana Lyst")
    expect(answer.get_by_text("Team", exact=True)).to_be_visible()
    screenshot(page, "answered")
    assert errors == []
