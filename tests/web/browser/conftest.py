"""Browser tests: a real server on a free port and Debian's Chromium driven by Playwright.

Never a downloaded browser: Chromium comes from the system (``apt-get install
chromium``, which ``.ci/run`` does). Each test may save screenshots under
``artifacts/screenshots/`` (not committed) with the ``screenshot`` fixture.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import Browser, ConsoleMessage, Page, sync_playwright
from sqlalchemy.orm import Session, sessionmaker

from palabre.accounts import service
from palabre.config import Settings
from palabre.web.app import create_app
from tests.serving import free_port
from tests.web.conftest import PASSWORD

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
SCREENSHOTS = Path(__file__).resolve().parents[3] / "artifacts" / "screenshots"


@dataclass(frozen=True)
class LiveServer:
    """A palabre server answering on loopback for this test."""

    url: str
    sessions: sessionmaker[Session]

    def add_account(self, role: str, username: str | None = None) -> tuple[str, str]:
        """Create an account of ``role``; returns its username and password."""
        name = username or f"{role}-user"
        with self.sessions() as session:
            service.create_user(session, username=name, role=role, password=PASSWORD, actor="test")
            session.commit()
        return name, PASSWORD

    def sign_in(self, page: Page, username: str, password: str) -> None:
        """Sign ``page`` in through the sign-in form."""
        page.goto(self.url + "/signin")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()


def console_errors(page: Page) -> list[str]:
    """The errors ``page``'s console will report from now on, and the exceptions its
    scripts leave uncaught (a list that fills itself)."""
    errors: list[str] = []

    def note(message: ConsoleMessage) -> None:
        if message.type == "error":
            errors.append(message.text)

    page.on("console", note)
    page.on("pageerror", lambda error: errors.append(f"uncaught: {error}"))
    return errors


@pytest.fixture
def live_server(settings: Settings) -> Iterator[LiveServer]:
    """uvicorn serving ``create_app`` on this test's workspace, in a thread, on a free port."""
    app = create_app(settings)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, name="palabre-live-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"the test server did not start on port {port}")
        time.sleep(0.05)
    yield LiveServer(f"http://127.0.0.1:{port}", app.state.sessions)
    server.should_exit = True
    thread.join(timeout=15)
    app.state.engine.dispose()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless, with no network activity of its own."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's Chromium (apt-get install chromium)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh browser context (no cookies) and page, 1280 px wide."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def screenshot(request: pytest.FixtureRequest) -> Callable[[Page, str], Path]:
    """Save a full-page screenshot as ``artifacts/screenshots/<test>-<name>.png``."""

    def save(page: Page, name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{request.node.name}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return save
