"""Alerts in the app: who sees them, the badge, acknowledge / close from the page (audited),
and the JSON API."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from palabre.accounts.models import ROLES
from palabre.customers import alerts
from palabre.customers.models import Alert
from palabre.db.engine import transaction
from palabre.identity.models import Segment
from palabre.pipeline.runner import run_analysis
from palabre.pipeline.stage import LocalEngine
from palabre.privacy.models import AuditEntry
from tests.pipeline import world
from tests.web.conftest import csrf_of

WATCHERS = ("admin", "analyst", "manager")


@pytest.fixture
def alerted(sessions: sessionmaker[Session], tmp_path: Path) -> sessionmaker[Session]:
    world.build(sessions, tmp_path, messages=40)
    with transaction(sessions) as session:
        france = session.execute(sa.select(Segment.id).where(Segment.name == "France")).scalar_one()
        alerts.add_rule(
            session,
            name="France unhappy",
            signal="discontent",
            threshold=0.05,
            min_volume=1,
            segment_id=france,
            actor="test",
        )
    run_analysis(sessions, engine=LocalEngine(workers=1))
    return sessions


def test_alerts_serve_the_watch_roles_only(client_as: Callable[[str], TestClient]) -> None:
    for role in ROLES:
        client = client_as(role)
        want = 200 if role in WATCHERS else 403
        page = client.get("/customers/alerts")
        api = client.get("/api/v1/customers/alerts")
        assert (page.status_code, api.status_code) == (want, want), role


def test_the_page_lists_alerts_with_a_badge_and_the_rules(
    alerted: sessionmaker[Session], client_as: Callable[[str], TestClient]
) -> None:
    with alerted() as session:
        count = alerts.open_count(session)
    assert count >= 1
    client = client_as("analyst")
    page = client.get("/customers/alerts")
    assert page.status_code == 200
    assert f'id="open-alerts" aria-label="{count} open alert' in page.text
    assert "France unhappy" in page.text
    assert page.text.count('class="alert-item') == count
    assert "/customers/segments/" in page.text  # the messages behind each alert
    dashboard = client.get("/customers")
    assert 'href="/customers/alerts"' in dashboard.text
    french = client.get("/customers/alerts", headers={"Accept-Language": "fr"})
    assert "Prendre en compte" in french.text


def test_acknowledge_then_close_from_the_page(
    alerted: sessionmaker[Session], client_as: Callable[[str], TestClient]
) -> None:
    client = client_as("manager")
    with alerted() as session:
        alert_id = session.scalars(sa.select(Alert.id).order_by(Alert.id)).first()
    token = csrf_of(client)
    for state in ("acknowledged", "closed"):
        done = client.post(
            f"/customers/alerts/{alert_id}/state", data={"state": state, "csrf_token": token}
        )
        assert done.status_code == 303
    refused = client.post(
        f"/customers/alerts/{alert_id}/state", data={"state": "acknowledged", "csrf_token": token}
    )
    assert refused.status_code == 409
    with alerted() as session:
        alert = session.get(Alert, alert_id)
        assert alert is not None
        assert alert.state == "closed"
        assert alert.updated_by == "user:manager-user"
        audited = session.scalars(
            sa.select(AuditEntry.action).where(
                AuditEntry.subject_type == "alert", AuditEntry.subject_id == str(alert_id)
            )
        ).all()
        assert sorted(audited) == ["alert.acknowledged", "alert.closed"]
    closed = client.get("/api/v1/customers/alerts?state=closed").json()
    assert [a["id"] for a in closed["items"]] == [alert_id]
    assert client.get("/customers/alerts?show=closed").text.count('data-state="closed"') == 1


def test_the_api_gives_the_alerts_and_their_delivery_log(
    alerted: sessionmaker[Session], client_as: Callable[[str], TestClient]
) -> None:
    data = client_as("admin").get("/api/v1/customers/alerts").json()
    assert data["open"] == len(data["items"]) >= 1
    first = data["items"][0]
    assert first["segment"] == "France"
    assert first["rule"] == "France unhappy"
    assert first["kind"] == "rule"
    assert first["share"] > 0.05
    assert first["deliveries"] == []  # in the app only
    bad = client_as("analyst").get("/api/v1/customers/alerts?state=lost")
    assert bad.status_code == 422
