"""Fixtures of the web tests: the application on this test's workspace, clients, accounts."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from argon2 import PasswordHasher
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from palabre.accounts import service
from palabre.config import Settings
from palabre.web.app import create_app

PASSWORD = "correct horse battery staple"
FAST_HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
_CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture(autouse=True)
def _fast_password_hashing() -> Iterator[None]:
    # argon2's production cost takes about a second here per hash; the tests are about
    # behaviour, not strength, so they hash with the lowest cost argon2 accepts.
    previous = service.use_password_hasher(FAST_HASHER)
    yield
    service.use_password_hasher(previous)


@pytest.fixture
def app(settings: Settings) -> Iterator[FastAPI]:
    """The web application on this test's fresh workspace (SQLite or PostgreSQL)."""
    application = create_app(settings)
    yield application
    # What the lifespan's end does (these tests' clients do not run it).
    application.state.audit_buffer.close()
    application.state.engine.dispose()


@pytest.fixture
def client(app: FastAPI) -> TestClient:
    """An anonymous browser: it keeps cookies and does not follow redirects by itself."""
    return TestClient(app, follow_redirects=False)


@dataclass(frozen=True)
class Account:
    """An account made for a test, with the password that signs it in."""

    username: str
    role: str
    password: str = PASSWORD


@pytest.fixture
def make_account(sessions: sessionmaker[Session]) -> Callable[..., Account]:
    """Create (and commit) an account: ``make_account("admin")`` or with a chosen username."""

    def make(role: str, username: str | None = None, **fields: object) -> Account:
        name = username or f"{role}-user"
        with sessions() as session:
            service.create_user(
                session,
                username=name,
                role=role,
                password=PASSWORD,
                actor="test",
                **fields,  # type: ignore[arg-type]
            )
            session.commit()
        return Account(name, role)

    return make


def csrf_of(client: TestClient) -> str:
    """The CSRF token of the client's session, read from a page as a browser would."""
    page = client.get("/signin", follow_redirects=True)
    found = _CSRF_FIELD.search(page.text)
    assert found, "no CSRF field on the page"
    return found.group(1)


def sign_in(client: TestClient, account: Account, password: str | None = None) -> int:
    """Submit the sign-in form; returns the status (303 when signed in)."""
    response = client.post(
        "/signin",
        data={
            "username": account.username,
            "password": account.password if password is None else password,
            "csrf_token": csrf_of(client),
        },
    )
    return response.status_code


@pytest.fixture
def client_as(app: FastAPI, make_account: Callable[..., Account]) -> Callable[[str], TestClient]:
    """A new client signed in with a new account of ``role``."""

    def signed_in(role: str) -> TestClient:
        client = TestClient(app, follow_redirects=False)
        assert sign_in(client, make_account(role)) == 303
        return client

    return signed_in
