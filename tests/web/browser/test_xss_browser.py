"""In Chromium: the pages showing the XSS corpus run no payload.

Payloads call ``window.__xss=1`` or ``alert()``; the pages are loaded with a canary
watching for that, for any dialog, and for Content-Security-Policy violations (an
injected handler would be blocked by the CSP, but the blocking itself shows that
markup got through: escaping must hold without the CSP's help).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Dialog, Page

from palabre.accounts import service
from palabre.config import Settings
from palabre.web.app import create_app
from tests.web.browser.conftest import LiveServer
from tests.web.browser.test_admin_browser import sign_in
from tests.web.conftest import PASSWORD
from tests.web.xss_corpus import html_get_routes, import_corpus, load_payloads, urls_of
from tests.web.xss_ideas import add_ideas

pytestmark = pytest.mark.browser

CANARY = """
window.__csp = [];
document.addEventListener("securitypolicyviolation",
  (event) => window.__csp.push(event.violatedDirective + " " + event.blockedURI));
"""


def test_no_payload_runs_in_any_page(
    live_server: LiveServer,
    browser: Browser,
    settings: Settings,
    tmp_path: Path,
    screenshot: Callable[[Page, str], Path],
) -> None:
    payloads = load_payloads()
    corpus = import_corpus(live_server.sessions, tmp_path, actor="test")
    corpus.ids["username"] = []
    corpus.ids.update(add_ideas(live_server.sessions, payloads))
    app = create_app(settings)
    routes = [route for route in html_get_routes(app) if "job_id" not in route.params]
    app.state.engine.dispose()

    dialogs: list[str] = []
    findings: list[str] = []
    pages: dict[str, Page] = {}

    def on_dialog(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    def reader(role: str) -> Page:
        if role not in pages:
            name = f"{role}-reader"
            with live_server.sessions() as session:
                service.create_user(
                    session,
                    username=name,
                    role=role,
                    password=PASSWORD,
                    actor="test",
                    display_name=payloads[0],
                )
                session.commit()
            corpus.ids["username"].append(name)
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            context.add_init_script(CANARY)
            page = context.new_page()
            page.on("dialog", on_dialog)
            sign_in(page, live_server, name, PASSWORD)
            pages[role] = page
        return pages[role]

    visited = 0
    for index, route in enumerate(routes):
        page = reader(route.reader_role())
        for url in urls_of(route, corpus.ids, payloads[index % len(payloads)]):
            page.goto(live_server.url + url)
            page.wait_for_load_state("load")
            page.wait_for_timeout(50)  # let timers and autofocus handlers fire
            visited += 1
            state = page.evaluate("[window.__xss === undefined, window.__csp]")
            if not state[0]:
                findings.append(f"{url}: window.__xss was set")
            if state[1]:
                findings.append(f"{url}: CSP violations {state[1]}")
    screenshot(reader("admin"), "last-page")
    for page in pages.values():
        page.context.close()
    assert visited >= 8
    assert dialogs == []
    assert findings == []
