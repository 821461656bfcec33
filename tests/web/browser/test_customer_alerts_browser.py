"""In a real browser, on the tiny demo company: an analyst sees the alerts badge on the
segment watch, acknowledges and closes an alert, reads the flag bearers and the customers
at risk of a segment, and follows a message behind a risk to its thread."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from palabre.cli.demo import DEMO_SEGMENTS
from palabre.connectors.importer import run_import
from palabre.customers import alerts
from palabre.db.engine import transaction
from palabre.demo import DemoConnector
from palabre.identity import segments
from palabre.identity.models import Segment
from palabre.pipeline.runner import run_analysis
from palabre.pipeline.stage import LocalEngine
from tests.web.browser.conftest import LiveServer, console_errors

pytestmark = pytest.mark.browser


def _demo(live_server: LiveServer, folder: Path) -> None:
    report = run_import(
        live_server.sessions, DemoConnector(scale="tiny", seed=42, truth_dir=folder)
    )
    assert report.status == "succeeded"
    with transaction(live_server.sessions) as session:
        for name, rule, kind in DEMO_SEGMENTS:
            segments.create_segment(session, name=name, rule=rule, kind=kind, actor="test")
        alerts.add_rule(
            session,
            name="Mécontentement élevé",
            signal="discontent",
            threshold=0.05,
            min_volume=1,
            actor="test",
        )
    run_analysis(live_server.sessions, engine=LocalEngine(workers=1))


def test_an_analyst_handles_alerts_and_reads_bearers_and_customers_at_risk(
    live_server: LiveServer,
    page: Page,
    tmp_path: Path,
    screenshot: Callable[[Page, str], Path],
) -> None:
    _demo(live_server, tmp_path)
    username, password = live_server.add_account("analyst")
    errors = console_errors(page)
    live_server.sign_in(page, username, password)
    page.get_by_role("navigation", name="Pillars").get_by_role(
        "link", name="Customer voice"
    ).click()

    # The badge counts the open alerts; the alerts page lists them.
    badge = page.locator("#alerts-link .badge")
    open_count = int(badge.inner_text())
    assert open_count >= 1
    page.locator("#alerts-link").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Alerts")
    items = page.locator("#alerts > li")
    expect(items).to_have_count(open_count)
    screenshot(page, "alerts")
    first = items.first
    alert_id = first.get_attribute("id")
    first.get_by_role("button", name="Acknowledge").click()
    acknowledged = page.locator(f"#{alert_id}")
    expect(acknowledged).to_have_attribute("data-state", "acknowledged")
    expect(page.locator("#open-alerts")).to_have_text(str(open_count - 1))
    acknowledged.get_by_role("button", name="Close").click()
    expect(page.locator(f"#{alert_id}")).to_have_count(0)
    page.get_by_role("link", name="Closed").click()
    expect(page.locator(f"#{alert_id}")).to_have_attribute("data-state", "closed")

    # Flag bearers: named customers with the messages that show their discontent.
    page.goto(live_server.url + "/customers")
    page.locator("#bearers-link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Flag bearers")
    bearers = page.locator("#flag-bearers > li")
    expect(bearers.first).to_be_visible()
    screenshot(page, "flag-bearers")

    # Customers at risk of one segment, from its row of the watch.
    with live_server.sessions() as session:
        france = session.execute(
            sa.select(Segment.id).where(Segment.name == "Clients France")
        ).scalar_one()
    page.goto(live_server.url + "/customers")
    page.locator(f'a[href="/customers/segments/{france}/at-risk"]').click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Customers at risk · Clients France")
    risky = page.locator("#at-risk > li")
    expect(risky.first).to_be_visible()
    expect(risky.first.locator(".tag.risk")).to_have_text(re.compile(r"^[0-9]+%$"))
    expect(page.locator("#at-risk .reasons li").first).to_be_visible()
    screenshot(page, "at-risk")
    behind = page.locator("#at-risk a", has_text="Open the thread").first
    behind.click()
    expect(page).to_have_url(re.compile(r"/conversations/threads/[0-9]+#message-[0-9]+$"))
    assert errors == []
