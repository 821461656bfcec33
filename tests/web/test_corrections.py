"""Analysts answer a message's signal from the drill-down page and the API
(palabre.web.corrections_views); the next analysis applies the answer."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from palabre.accounts.models import ROLES
from palabre.identity.models import Segment
from palabre.pipeline.models import MessageSignal
from palabre.pipeline.runner import run_analysis
from palabre.pipeline.stage import LocalEngine
from palabre.privacy.models import AuditEntry
from palabre.text.models import SignalCorrection
from tests.pipeline import world
from tests.web.conftest import csrf_of

PERIOD = "from=2025-03-03&to=2025-03-11"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def analysed(sessions: sessionmaker[Session], tmp_path: Path) -> sessionmaker[Session]:
    return world.build_analysed(sessions, tmp_path, messages=16)


def france(sessions: sessionmaker[Session]) -> int:
    with sessions() as db:
        return db.execute(sa.select(Segment.id).where(Segment.name == "France")).scalar_one()


def test_an_analyst_answers_from_the_drill_down_and_the_next_analysis_applies_it(
    analysed: sessionmaker[Session], client_as: Callable[[str], TestClient]
) -> None:
    client = client_as("analyst")
    cell = f"/customers/segments/{france(analysed)}/messages?signal=discontent&{PERIOD}"
    page = client.get(cell)
    assert page.status_code == 200
    with analysed() as db:
        m0 = world.message_id(db, "m0")
    assert f'action="/customers/messages/{m0}/corrections"' in page.text
    token = _CSRF.search(page.text)
    assert token is not None
    answer = client.post(
        f"/customers/messages/{m0}/corrections",
        data={"signal": "discontent", "label": "no", "next": cell, "csrf_token": token.group(1)},
    )
    assert answer.status_code == 303
    assert answer.headers["location"].endswith(f"&corrected={m0}#message-{m0}")
    assert "Your answer is saved" in client.get(answer.headers["location"]).text
    run_analysis(analysed, engine=LocalEngine(workers=1))
    with analysed() as db:
        assert (
            db.scalar(sa.select(MessageSignal.discontent).where(MessageSignal.message_id == m0))
            == 0.0
        )
        actors = db.scalars(
            sa.select(AuditEntry.actor).where(AuditEntry.action == "signal.corrected")
        ).all()
        assert len(actors) == 1
        assert actors[0].startswith("user:")


def test_only_analysts_and_admins_answer_and_only_what_they_may_read(
    analysed: sessionmaker[Session], client_as: Callable[[str], TestClient]
) -> None:
    with analysed() as db:
        m0 = world.message_id(db, "m0")
    clients = {role: client_as(role) for role in ROLES}
    for role, client in clients.items():
        status = client.post(
            f"/api/v1/messages/{m0}/corrections",
            json={"signal": "praise", "label": "yes"},
            headers={"X-CSRF-Token": csrf_of(client)},
        ).status_code
        assert status == (200 if role in ("admin", "analyst") else 403), role
    analyst = clients["analyst"]
    headers = {"X-CSRF-Token": csrf_of(analyst)}
    missing = analyst.post(
        "/api/v1/messages/999999/corrections",
        json={"signal": "praise", "label": "yes"},
        headers=headers,
    )
    assert missing.status_code == 404
    bad = analyst.post(
        f"/api/v1/messages/{m0}/corrections", json={"signal": "x", "label": "yes"}, headers=headers
    )
    assert bad.status_code == 422
    with analysed() as db:
        assert db.scalar(sa.select(sa.func.count()).select_from(SignalCorrection)) == 1
    # A manager watches segments but does not answer: no form on the page.
    page = clients["manager"].get(
        f"/customers/segments/{france(analysed)}/messages?signal=discontent&{PERIOD}"
    )
    assert "/corrections" not in page.text
