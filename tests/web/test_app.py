"""The application frame: security headers, error answers, the API skeleton, the
request as transaction boundary, and the session key."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from palabre import __version__
from palabre.config import Settings
from palabre.db import migrate
from palabre.errors import ConflictError
from palabre.privacy.audit import record
from palabre.privacy.models import AuditEntry
from palabre.web.access import public
from palabre.web.app import create_app
from palabre.web.deps import DbSession
from tests.web.conftest import Account, csrf_of, sign_in

WEB = Path(__file__).resolve().parents[2] / "src" / "palabre" / "web"


def test_every_answer_carries_the_security_headers(
    client: TestClient, client_as: Callable[[str], TestClient]
) -> None:
    signed_in = client_as("admin")
    answers = [
        client.get("/signin"),
        client.get("/api/v1/health"),
        client.get("/no/such/page"),
        client.get("/static/css/palabre.css"),
        signed_in.get("/"),
    ]
    for response in answers:
        csp = response.headers["content-security-policy"]
        assert "script-src 'self'" in csp
        assert "unsafe-inline" not in csp
        assert "unsafe-eval" not in csp
        assert "frame-ancestors 'none'" in csp
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "same-origin"
    assert signed_in.get("/").headers["cache-control"] == "no-store"


def test_templates_have_no_inline_script_or_style_and_load_nothing_from_elsewhere() -> None:
    for template in (WEB / "templates").rglob("*.html"):
        text = template.read_text(encoding="utf-8")
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text), template
        assert "<style" not in text, template
        assert " style=" not in text, template
        assert not re.search(r"""(src|href)=["']?(https?:)?//""", text), template


def test_the_vendored_libraries_are_served_from_static(client: TestClient) -> None:
    for path in ("/static/vendor/htmx/htmx.min.js", "/static/vendor/chartjs/chart.umd.min.js"):
        response = client.get(path)
        assert response.status_code == 200
        assert len(response.content) > 10_000


def test_health_answers_with_the_schema_revision_and_version(client: TestClient) -> None:
    response = client.get("/api/v1/health")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "schema": migrate.head_revision(),
        "version": __version__,
    }


def test_the_api_describes_itself_without_a_cdn_backed_docs_page(client: TestClient) -> None:
    schema = client.get("/api/v1/openapi.json").json()
    assert {"/api/v1/health", "/api/v1/me"} <= set(schema["paths"])
    assert not any(not path.startswith("/api/v1/") for path in schema["paths"])
    assert client.get("/api/v1/docs").status_code == 404
    assert client.get("/docs").status_code == 404


def test_api_errors_answer_in_json_and_pages_with_an_error_page(
    client: TestClient, client_as: Callable[[str], TestClient]
) -> None:
    missing = client.get("/api/v1/nothing")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/json"
    anonymous = client.get("/api/v1/me")
    assert anonymous.status_code == 401
    assert anonymous.json() == {"detail": "sign in to see this page"}
    page = client_as("member").get("/no/such/page")
    assert page.status_code == 404
    assert "Page not found" in page.text
    assert "member-user" in page.text  # the header still shows who is signed in


def test_me_describes_the_signed_in_account(client_as: Callable[[str], TestClient]) -> None:
    me = client_as("innovation").get("/api/v1/me").json()
    assert me["username"] == "innovation-user"
    assert me["role"] == "innovation"
    assert "password_hash" not in me


def _app_with_test_routes(settings: Settings) -> FastAPI:
    app = create_app(settings)

    @app.post("/test/audit-then-fail", dependencies=[public()])
    def audit_then_fail(db: DbSession) -> None:
        record(db, actor="test", action="test.rolled_back", subject_type="test")
        raise ConflictError("this change contradicts another")

    @app.post("/test/audit", dependencies=[public()])
    def audit(db: DbSession) -> dict[str, str]:
        record(db, actor="test", action="test.committed", subject_type="test")
        return {"ok": "yes"}

    @app.get("/test/crash", dependencies=[public()])
    def crash() -> None:
        raise RuntimeError("a bug")

    return app


def test_a_request_commits_when_it_succeeds_and_rolls_back_when_it_fails(
    settings: Settings, sessions: sessionmaker[Session]
) -> None:
    app = _app_with_test_routes(settings)
    client = TestClient(app, follow_redirects=False)
    token = {"X-CSRF-Token": csrf_of(client)}
    failed = client.post("/test/audit-then-fail", headers=token)
    assert failed.status_code == 409
    assert "this change contradicts another" in failed.text
    assert client.post("/test/audit", headers=token).status_code == 200
    with sessions() as session:
        actions = set(session.scalars(sa.select(AuditEntry.action)))
    assert "test.committed" in actions
    assert "test.rolled_back" not in actions
    app.state.engine.dispose()


def test_an_unexpected_error_shows_a_plain_500_page_with_the_headers(settings: Settings) -> None:
    app = _app_with_test_routes(settings)
    response = TestClient(app, raise_server_exceptions=False).get("/test/crash")
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.text
    assert "a bug" not in response.text
    assert response.headers["x-frame-options"] == "DENY"
    app.state.engine.dispose()


def test_sessions_survive_a_restart_with_the_generated_key(
    settings: Settings, make_account: Callable[..., Account]
) -> None:
    first = create_app(settings)
    client = TestClient(first, follow_redirects=False)
    assert sign_in(client, make_account("hr")) == 303
    key_file = settings.data_dir / "secret_key"
    assert key_file.stat().st_mode & 0o077 == 0  # readable by its owner only
    # The same browser cookie, presented to an app built again (a restarted server).
    second = create_app(settings)
    assert TestClient(second, cookies=client.cookies).get("/api/v1/me").status_code == 200
    rekeyed = create_app(settings.model_copy(update={"secret_key": "k" * 40}))
    assert TestClient(rekeyed, cookies=client.cookies).get("/api/v1/me").status_code == 401
    for app in (first, second, rekeyed):
        app.state.engine.dispose()
