"""Signing in and out: the sign-in page, the throttle on failed attempts, sign-out.

Sessions live in a signed cookie (see :mod:`palabre.web.sessions`); the cookie is
HttpOnly and SameSite=Lax, and Secure when ``PALABRE_SECURE_COOKIES`` is set.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from palabre.accounts import service as accounts
from palabre.web.access import public
from palabre.web.deps import DbSession
from palabre.web.sessions import end_session, start_session
from palabre.web.templating import render

router = APIRouter(include_in_schema=False)

# Each address may fail this many times more than one username: an office behind
# one NAT address holds many people, but a single guesser should still be slowed.
IP_FACTOR = 4
# Bound the memory an attacker can make us spend by inventing usernames.
MAX_TRACKED_KEYS = 100_000


class LoginThrottle:
    """Counts failed sign-ins per username and per client address over a sliding window.

    Once a key reaches its limit, attempts under it are refused (even with the right
    password) until its oldest failure leaves the window. In memory: it protects
    one server process, which is what ``palabre serve`` runs.
    """

    def __init__(
        self,
        max_failures: int,
        window_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_failures = max_failures
        self.window = window_seconds
        self.clock = clock
        self._failures: dict[tuple[str, str], deque[float]] = {}
        self._lock = threading.Lock()

    def _limit(self, key: tuple[str, str]) -> int:
        return self.max_failures * (IP_FACTOR if key[0] == "ip" else 1)

    def _recent(self, key: tuple[str, str], now: float) -> deque[float]:
        times = self._failures.get(key)
        if times is None:
            return deque()
        while times and times[0] <= now - self.window:
            times.popleft()
        if not times:
            del self._failures[key]
        return times

    def retry_after(self, username: str, address: str) -> int | None:
        """Seconds before ``username`` may try again from ``address``; None when it may now."""
        now = self.clock()
        wait = 0.0
        with self._lock:
            for key in (("user", username), ("ip", address)):
                times = self._recent(key, now)
                if len(times) >= self._limit(key):
                    wait = max(wait, times[-self._limit(key)] + self.window - now)
        return max(1, math.ceil(wait)) if wait > 0 else None

    def failed(self, username: str, address: str) -> None:
        """Count one failed attempt against the username and the address."""
        now = self.clock()
        with self._lock:
            if len(self._failures) >= MAX_TRACKED_KEYS:
                self._failures.clear()
            for key in (("user", username), ("ip", address)):
                self._failures.setdefault(key, deque()).append(now)

    def succeeded(self, username: str) -> None:
        """Forget the username's failures (the address keeps its count)."""
        with self._lock:
            self._failures.pop(("user", username), None)


def safe_next(target: str | None) -> str:
    """``target`` when it is a path on this site, else ``/`` (no open redirect)."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return "/"
    if any(ch in target for ch in "\r\n\\"):
        return "/"
    return target


def client_address(request: Request) -> str:
    """The client's address as the server sees it."""
    return request.client.host if request.client else "unknown"


@router.get("/signin", dependencies=[public()])
def signin_page(request: Request, next: str = "/") -> Response:
    """The sign-in form; a signed-in visitor goes straight on."""
    if getattr(request.state, "user", None) is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return render(request, "signin.html", {"next": safe_next(next), "error": None})


@router.post("/signin", dependencies=[public()])
def signin(
    request: Request,
    db: DbSession,
    username: Annotated[str, Form(max_length=300)],
    password: Annotated[str, Form(max_length=1024)],
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    """Check the credentials; on success start a session and go to ``next``."""
    throttle: LoginThrottle = request.app.state.login_throttle
    name = username.strip().lower()
    address = client_address(request)
    context = {"next": safe_next(next), "username": username}
    wait = throttle.retry_after(name, address)
    if wait is not None:
        minutes = max(1, math.ceil(wait / 60))
        page = render(
            request,
            "signin.html",
            {**context, "error": "throttled", "minutes": minutes},
            status_code=429,
        )
        page.headers["Retry-After"] = str(wait)
        return page
    result = accounts.authenticate(db, name, password, actor=f"web:{address}")
    if result.user is None:
        throttle.failed(name, address)
        return render(request, "signin.html", {**context, "error": "invalid"}, status_code=401)
    throttle.succeeded(name)
    start_session(request, result.user)
    return RedirectResponse(safe_next(next), status_code=303)


@router.post("/signout", dependencies=[public()])
def signout(request: Request) -> RedirectResponse:
    """End the session and go back to the sign-in page."""
    end_session(request)
    return RedirectResponse("/signin", status_code=303)
