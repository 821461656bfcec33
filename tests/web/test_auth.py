"""Signing in and out, the throttle on failed attempts, and CSRF protection."""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from palabre.accounts import service
from palabre.privacy.models import AuditEntry
from palabre.web.auth import LoginThrottle, safe_next
from tests.web.conftest import Account, csrf_of, sign_in


def _signed_in(client: TestClient) -> bool:
    return client.get("/api/v1/me").status_code == 200


def test_the_right_password_signs_in_and_goes_to_next(
    client: TestClient, make_account: Callable[..., Account]
) -> None:
    account = make_account("analyst")
    assert client.get("/").headers["location"] == "/signin?next=%2F"
    response = client.post(
        "/signin",
        data={
            "username": "  ANALYST-user ",  # names compare trimmed and case-insensitively
            "password": account.password,
            "csrf_token": csrf_of(client),
            "next": "/api/v1/me",
        },
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/api/v1/me"
    assert client.get("/api/v1/me").json()["username"] == "analyst-user"


def test_a_wrong_password_is_refused_with_a_message_that_does_not_say_which_part(
    client: TestClient, make_account: Callable[..., Account], sessions: sessionmaker[Session]
) -> None:
    account = make_account("member")
    response = client.post(
        "/signin",
        data={
            "username": account.username,
            "password": "not it at all",
            "csrf_token": csrf_of(client),
        },
    )
    assert response.status_code == 401
    assert "Wrong username or password." in response.text
    assert not _signed_in(client)
    with sessions() as session:
        entries = session.scalars(sa.select(AuditEntry)).all()
        assert "account.signin_failed" in [entry.action for entry in entries]
        assert "not it at all" not in str([entry.details for entry in entries])


def test_next_never_leaves_the_site() -> None:
    assert safe_next("/people?page=2") == "/people?page=2"
    for outside in ("https://evil.example", "//evil.example", "/\\evil.example", "", None):
        assert safe_next(outside) == "/"


def test_after_too_many_failures_even_the_right_password_waits(
    app: FastAPI, client: TestClient, make_account: Callable[..., Account]
) -> None:
    account = make_account("hr")
    other = make_account("hr", username="other-hr")
    limit = app.state.settings.login_max_failures
    for _ in range(limit):
        assert sign_in(client, account, password="wrong password!") == 401
    response = client.post(
        "/signin",
        data={
            "username": account.username,
            "password": account.password,
            "csrf_token": csrf_of(client),
        },
    )
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 0
    assert "Too many failed attempts" in response.text
    assert not _signed_in(client)
    # The lock is on that username: a colleague behind the same address still signs in.
    assert sign_in(client, other) == 303


def test_the_throttle_counts_per_address_too_and_forgets_after_the_window() -> None:
    now = [1000.0]
    throttle = LoginThrottle(max_failures=2, window_seconds=60, clock=lambda: now[0])
    for name in ("a", "b", "c", "d", "e", "f", "g", "h"):
        assert throttle.retry_after(name, "10.0.0.1") is None
        throttle.failed(name, "10.0.0.1")
    # 2 per username, 8 per address: the address is now locked for any name.
    assert throttle.retry_after("someone-else", "10.0.0.1") == 60
    assert throttle.retry_after("someone-else", "10.0.0.2") is None
    now[0] += 61
    assert throttle.retry_after("someone-else", "10.0.0.1") is None


def test_sign_out_ends_the_session(client_as: Callable[[str], TestClient]) -> None:
    client = client_as("manager")
    token = csrf_of(client)
    response = client.post("/signout", data={"csrf_token": token})
    assert response.status_code == 303
    assert not _signed_in(client)
    assert client.get("/").status_code == 303


def test_a_form_without_the_csrf_token_is_refused(
    client: TestClient, make_account: Callable[..., Account]
) -> None:
    account = make_account("admin")
    csrf_of(client)  # the session has a token; the form below does not send it
    credentials = {"username": account.username, "password": account.password}
    assert client.post("/signin", data=credentials).status_code == 403
    forged = client.post("/signin", data={**credentials, "csrf_token": "x" * 43})
    assert forged.status_code == 403
    assert not _signed_in(client)


def test_an_htmx_request_carries_the_token_in_a_header(
    client_as: Callable[[str], TestClient],
) -> None:
    client = client_as("member")
    token = csrf_of(client)
    assert client.post("/language", data={"locale": "fr"}).status_code == 403
    ok = client.post("/language", data={"locale": "fr"}, headers={"X-CSRF-Token": token})
    assert ok.status_code == 303


def test_the_session_cookie_is_http_only_and_same_site(
    client: TestClient, make_account: Callable[..., Account]
) -> None:
    account = make_account("member")
    response = client.post(
        "/signin",
        data={
            "username": account.username,
            "password": account.password,
            "csrf_token": csrf_of(client),
        },
    )
    cookie = response.headers["set-cookie"].lower()
    assert cookie.startswith("palabre_session=")
    assert "httponly" in cookie
    assert "samesite=lax" in cookie


def test_a_password_change_or_deactivation_signs_the_account_out_everywhere(
    client_as: Callable[[str], TestClient], sessions: sessionmaker[Session]
) -> None:
    client = client_as("customer")
    with sessions() as session:
        service.set_password(session, "customer-user", "a brand new secret", actor="test")
        session.commit()
    assert not _signed_in(client)
    assert sign_in(client, Account("customer-user", "customer", "a brand new secret")) == 303
    with sessions() as session:
        service.deactivate(session, "customer-user", actor="test")
        session.commit()
    assert not _signed_in(client)
    assert sign_in(client, Account("customer-user", "customer", "a brand new secret")) == 401
