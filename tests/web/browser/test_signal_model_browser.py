"""In a real browser: an analyst corrects a message from the drill-down, opens the signal
model page from the segment watch, retrains, and sees the new run once it is over (the
page polls the run with htmx and loads itself again)."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from palabre.identity.models import Segment
from palabre.pipeline.runner import run_analysis
from palabre.pipeline.stage import LocalEngine
from palabre.text.models import SignalAdaptation
from tests.pipeline import world
from tests.web.browser.conftest import LiveServer, console_errors

pytestmark = pytest.mark.browser


def test_an_analyst_corrects_a_message_then_retrains_and_sees_the_new_run(
    live_server: LiveServer,
    page: Page,
    tmp_path: Path,
    screenshot: Callable[[Page, str], Path],
) -> None:
    world.build(live_server.sessions, tmp_path, messages=16)
    run_analysis(live_server.sessions, engine=LocalEngine(workers=1))
    username, password = live_server.add_account("analyst")
    errors = console_errors(page)
    live_server.sign_in(page, username, password)
    page.get_by_role("navigation", name="Pillars").get_by_role(
        "link", name="Customer voice"
    ).click()

    # Answer "does it carry discontent?" on the first message of France's messages.
    with live_server.sessions() as db:
        france = db.scalars(sa.select(Segment.id).where(Segment.name == "France")).one()
    page.goto(
        f"{live_server.url}/customers/segments/{france}/messages"
        "?signal=discontent&from=2025-03-03&to=2025-03-11"
    )
    first = page.locator("ol.cell-messages > li").first
    first.locator("form.correction").get_by_role("button", name="No").click()
    expect(page.get_by_role("status")).to_contain_text("Your answer is saved")

    page.get_by_role("link", name="Back to the segment watch").click()
    page.get_by_role("link", name="Signal model").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Signal model")
    expect(page.locator("#adaptation-in-use")).to_have_text("None: the shipped model as it is.")
    expect(page.locator("#corrections")).to_contain_text("1 answer stored, on 1 message.")
    expect(page.locator("#corrections-by-label tbody tr")).to_have_count(1)
    expect(page.locator("#recent-corrections > li")).to_have_count(1)
    screenshot(page, "signal-model-before")

    page.get_by_role("button", name="Retrain now").click()
    # Polled while it runs; once over, the page loads again with the run in the history.
    run = page.locator("#history article.history-run")
    expect(run).to_have_count(1, timeout=60_000)
    with live_server.sessions() as db:
        adaptation_id = db.scalars(sa.select(SignalAdaptation.id)).one()
    expect(run).to_have_attribute("id", f"run-{adaptation_id}")
    expect(run.get_by_role("heading", level=3)).to_contain_text(
        re.compile(rf"Run #{adaptation_id} · .* · by user:{username}")
    )
    expect(page.locator("#adaptation-in-use")).to_contain_text(f"Run #{adaptation_id}, fitted at")
    expect(page.locator("#training-state")).to_have_attribute("data-state", "succeeded")
    expect(page.locator("#since-adaptation")).to_have_text(
        "The adaptation in use was fitted after all of them."
    )
    screenshot(page, "signal-model-after")
    assert errors == []
