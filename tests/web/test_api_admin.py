"""The admin JSON API: accounts, imports by upload, segments — the pages' rules, in JSON."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient

from palabre.web.imports_worker import worker_of
from tests.web.conftest import Account, csrf_of, sign_in

FORUM = Path(__file__).resolve().parents[1] / "fixtures" / "messages" / "forum.csv"


def _headers(client: TestClient) -> dict[str, str]:
    return {"X-CSRF-Token": csrf_of(client)}


def test_accounts_are_created_changed_and_deactivated_through_the_api(
    app: FastAPI, client_as: Callable[[str], TestClient]
) -> None:
    admin = client_as("admin")
    headers = _headers(admin)
    created = admin.post("/api/v1/users", json={"username": "nina", "role": "hr"}, headers=headers)
    assert created.status_code == 201
    body = created.json()
    assert body["role"] == "hr"
    assert "password_hash" not in body
    nina = TestClient(app, follow_redirects=False)
    assert sign_in(nina, Account("nina", "hr", body["password"])) == 303
    assert "password" not in admin.get("/api/v1/users/nina").json()
    changed = admin.patch("/api/v1/users/nina", json={"role": "manager"}, headers=headers)
    assert changed.json()["role"] == "manager"
    gone = admin.patch("/api/v1/users/nina", json={"is_active": False}, headers=headers)
    assert gone.json()["is_active"] is False
    assert [u["username"] for u in admin.get("/api/v1/users").json()] == ["admin-user", "nina"]
    own = admin.patch("/api/v1/users/admin-user", json={"is_active": False}, headers=headers)
    assert own.status_code == 409
    bad = admin.post("/api/v1/users", json={"username": "x y", "role": "hr"}, headers=headers)
    assert bad.status_code == 422
    assert "username" in bad.json()["detail"]


def test_an_upload_is_queued_then_its_job_and_run_report_say_what_happened(
    app: FastAPI, client_as: Callable[[str], TestClient]
) -> None:
    admin = client_as("admin")
    queued = admin.post(
        "/api/v1/imports",
        data={"kind": "messages", "source": "forum"},
        files={"file": ("forum.csv", FORUM.read_bytes(), "text/csv")},
        headers=_headers(admin),
    )
    assert queued.status_code == 202
    job = queued.json()
    assert job["state"] in ("queued", "running", "succeeded")
    assert worker_of(app).wait(timeout=60)
    done = admin.get(f"/api/v1/imports/jobs/{job['id']}").json()
    assert done["state"] == "succeeded"
    assert done["file_name"] == "forum.csv"
    report = admin.get(f"/api/v1/imports/{done['run_id']}").json()
    assert report["counts"]["messages"]["created"] == 4
    assert report["rejections"] == []
    assert [run["id"] for run in admin.get("/api/v1/imports").json()] == [done["run_id"]]
    assert admin.get("/api/v1/imports/jobs/nope").status_code == 404


def test_segments_crud_through_the_api_with_the_rule_error_in_the_answer(
    client_as: Callable[[str], TestClient],
) -> None:
    analyst = client_as("analyst")
    headers = _headers(analyst)
    bad = analyst.post("/api/v1/segments", json={"name": "B", "rule": "a >"}, headers=headers)
    assert bad.status_code == 422
    assert "^" in bad.json()["detail"]
    made = analyst.post(
        "/api/v1/segments", json={"name": "All", "rule": "true", "kind": "any"}, headers=headers
    )
    assert made.status_code == 201
    segment_id = made.json()["id"]
    renamed = analyst.patch(
        f"/api/v1/segments/{segment_id}", json={"name": "Everyone"}, headers=headers
    )
    assert renamed.json()["name"] == "Everyone"
    refreshed = analyst.post(f"/api/v1/segments/{segment_id}/refresh", headers=headers)
    assert refreshed.json() == {"added": 0, "removed": 0, "members": 0}
    assert analyst.delete(f"/api/v1/segments/{segment_id}", headers=headers).status_code == 204
    assert analyst.get(f"/api/v1/segments/{segment_id}").status_code == 404
    assert client_as("member").get("/api/v1/segments").status_code == 403
    assert analyst.get("/api/v1/users").status_code == 403
