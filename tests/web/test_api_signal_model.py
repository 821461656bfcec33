"""The JSON API of the signal model (palabre.web.api_signal_model): the model in use and
the corrections, the training runs, domain terms, and a retraining in the background."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from palabre.accounts.models import ROLES
from palabre.db.engine import transaction
from palabre.pipeline.stages import model_version
from palabre.privacy.models import AuditEntry
from palabre.text import service
from palabre.text.models import DomainTerm, SignalAdaptation
from palabre.web.training_worker import trainer_of
from tests.pipeline import world
from tests.web.conftest import csrf_of

API = "/api/v1/signals"


@pytest.fixture
def analysed(sessions: sessionmaker[Session], tmp_path: Path) -> sessionmaker[Session]:
    return world.build_analysed(sessions, tmp_path, messages=16)


def test_the_model_the_answers_and_a_retraining_through_the_api(
    app: FastAPI, analysed: sessionmaker[Session], client_as: Callable[[str], TestClient]
) -> None:
    client = client_as("analyst")
    headers = {"X-CSRF-Token": csrf_of(client)}
    empty = client.get(f"{API}/model").json()
    assert empty["shipped"] == {"version": model_version(None), "encoder": None, "problem": None}
    assert (empty["adaptation"], empty["runs"], empty["training"]) == (None, 0, None)
    assert empty["corrections"]["total"] == 0
    nothing = client.get(f"{API}/training")
    assert (nothing.status_code, nothing.json()) == (200, None)

    with analysed() as db:
        m0, m5 = world.message_id(db, "m0"), world.message_id(db, "m5")
    for message_id, signal, label in ((m0, "discontent", "yes"), (m5, "sentiment", "negative")):
        answer = client.post(
            f"/api/v1/messages/{message_id}/corrections",
            json={"signal": signal, "label": label},
            headers=headers,
        )
        assert answer.status_code == 200
    model = client.get(f"{API}/model").json()
    corrections = model["corrections"]
    assert (corrections["total"], corrections["messages"], corrections["since_adaptation"]) == (
        2,
        2,
        2,
    )
    assert corrections["by_label"] == [
        {"signal": "discontent", "label": "yes", "count": 1},
        {"signal": "sentiment", "label": "negative", "count": 1},
    ]
    # m0 is French, m5 English (world.TEXTS); neither is analysed again yet.
    assert sorted((c["language"], c["count"]) for c in corrections["by_language"]) == [
        ("en", 1),
        ("fr", 1),
    ]
    assert [(r["message_id"], r["signal"]) for r in corrections["recent"]] == [
        (m5, "sentiment"),
        (m0, "discontent"),
    ]
    assert corrections["recent"][0]["actor"] == "user:analyst-user"

    started = client.post(f"{API}/training", json={"min_corrections": 5}, headers=headers)
    assert started.status_code == 202
    assert started.json()["state"] in ("running", "succeeded")
    assert started.json()["min_corrections"] == 5
    assert trainer_of(app).wait(timeout=120)
    state = client.get(f"{API}/training").json()
    assert state["state"] == "succeeded"
    with analysed() as db:
        row = db.scalars(sa.select(SignalAdaptation)).one()
    assert state["adaptation_id"] == row.id
    model = client.get(f"{API}/model").json()
    assert model["adaptation"]["id"] == row.id
    assert model["adaptation"]["corrections"] == row.report["corrections"] == 2
    assert model["corrections"]["since_adaptation"] == 0
    runs = client.get(f"{API}/adaptations").json()
    assert [r["id"] for r in runs] == [row.id]
    assert runs[0]["fits"] == row.report["signals"]


def test_terms_through_the_api_are_audited_and_checked(
    analysed: sessionmaker[Session], client_as: Callable[[str], TestClient]
) -> None:
    client = client_as("admin")
    headers = {"X-CSRF-Token": csrf_of(client)}
    created = client.post(
        f"{API}/terms",
        json={"term": "<b>Zorglub</b>", "signal": "discontent", "weight": -2, "language": "en"},
        headers=headers,
    )
    assert created.status_code == 201
    term = created.json()
    assert (term["term"], term["weight"], term["language"], term["actor"]) == (
        "<b>Zorglub</b>",
        -2.0,
        "en",
        "user:admin-user",
    )
    assert [t["id"] for t in client.get(f"{API}/terms").json()] == [term["id"]]
    duplicate = client.post(
        f"{API}/terms",
        json={"term": "<b>Zorglub</b>", "signal": "discontent", "language": "en"},
        headers=headers,
    )
    assert duplicate.status_code == 422
    assert "already declared" in duplicate.json()["detail"]
    for bad in (
        {"term": "x", "signal": "sentiment"},
        {"term": "x", "signal": "praise", "weight": 0},
        {"term": "x", "signal": "praise", "weight": 6},
        {"term": "x", "signal": "praise", "language": "de"},
        {"term": "", "signal": "praise"},
    ):
        assert client.post(f"{API}/terms", json=bad, headers=headers).status_code == 422, bad
    assert client.delete(f"{API}/terms/{term['id']}", headers=headers).status_code == 204
    assert client.delete(f"{API}/terms/{term['id']}", headers=headers).status_code == 404
    with analysed() as db:
        assert db.scalar(sa.select(sa.func.count()).select_from(DomainTerm)) == 0
        actions = db.scalars(
            sa.select(AuditEntry.action)
            .where(AuditEntry.action.like("signal.term%"))
            .order_by(AuditEntry.id)
        ).all()
    assert actions == ["signal.term_added", "signal.term_removed"]


def test_only_the_roles_that_correct_reach_the_signal_model(
    app: FastAPI, analysed: sessionmaker[Session], client_as: Callable[[str], TestClient]
) -> None:
    with transaction(analysed) as db:
        service.correct_signal(db, world.message_id(db, "m0"), "praise", "no", actor="user:zoe")
    for role in ROLES:
        client = client_as(role)
        allowed = role in ("admin", "analyst")
        assert client.get(f"{API}/model").status_code == (200 if allowed else 403), role
        assert client.get(f"{API}/adaptations").status_code == (200 if allowed else 403), role
        started = client.post(f"{API}/training", headers={"X-CSRF-Token": csrf_of(client)})
        assert started.status_code in ((202, 409) if allowed else (403,)), role
    assert trainer_of(app).wait(timeout=120)


def test_the_signal_model_api_is_in_the_openapi_schema(client: TestClient) -> None:
    schema = client.get("/api/v1/openapi.json").json()
    paths = schema["paths"]
    assert set(paths[f"{API}/model"]) == {"get"}
    assert set(paths[f"{API}/terms"]) == {"get", "post"}
    assert set(paths[f"{API}/terms/{{term_id}}"]) == {"delete"}
    assert set(paths[f"{API}/training"]) == {"get", "post"}
    assert set(paths[f"{API}/adaptations"]) == {"get"}
    for name in ("SignalModelRead", "TrainingRunRead", "DomainTermCreate", "TrainingJobRead"):
        assert name in schema["components"]["schemas"]
