"""Customers at risk in the app: named customers for the analyst and the administrator
only, every view audited; the list ordered by probability with reasons in the reader's
language and the messages behind them; per segment; the JSON API."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from palabre.accounts.models import ROLES
from palabre.identity.models import Segment
from palabre.privacy.models import AuditEntry
from tests.pipeline import world

NAMED = ("admin", "analyst")


@pytest.fixture
def analysed(sessions: sessionmaker[Session], tmp_path: Path) -> sessionmaker[Session]:
    return world.build_analysed(sessions, tmp_path, messages=40)


def test_customers_at_risk_are_for_the_analyst_and_the_administrator(
    client_as: Callable[[str], TestClient],
) -> None:
    for role in ROLES:
        client = client_as(role)
        want = 200 if role in NAMED else 403
        page = client.get("/customers/at-risk")
        api = client.get("/api/v1/customers/at-risk")
        assert (page.status_code, api.status_code) == (want, want), role
        if role == "analyst":
            assert "palabre analyze" in page.text  # nothing analysed yet


def test_the_list_is_ordered_by_probability_with_reasons_and_messages(
    analysed: sessionmaker[Session], client_as: Callable[[str], TestClient]
) -> None:
    client = client_as("analyst")
    data = client.get("/api/v1/customers/at-risk").json()
    assert data["as_of"] == "2025-03-12"  # the day after the latest message
    assert data["customers"] == 3  # customers only: Alice is staff
    names = [c["name"] for c in data["items"]]
    assert sorted(names) == ["Claire Roux", "Paul Girard", "Uma Patel"]
    probabilities = [c["probability"] for c in data["items"]]
    assert probabilities == sorted(probabilities, reverse=True)
    assert all(0.0 < p < 1.0 for p in probabilities)
    with_messages = [c for c in data["items"] if c["messages"]]
    assert with_messages, "the customers' complaints are the messages behind their risk"
    first = with_messages[0]["messages"][0]
    page = client.get("/customers/at-risk")
    assert f"/conversations/threads/{first['thread_id']}#message-{first['id']}" in page.text
    for customer in data["items"]:
        assert len(customer["reasons_fr"]) == len(customer["reasons_en"])
        for reason in customer["reasons_en"]:
            assert reason in page.text.replace("&#39;", "'")
    french = client.get("/customers/at-risk", headers={"Accept-Language": "fr"}).text
    assert "Clients à risque" in french
    for customer in data["items"]:
        for reason in customer["reasons_fr"]:
            assert reason in french.replace("&#39;", "'")
    with analysed() as session:
        audited = session.scalars(
            sa.select(AuditEntry.actor).where(AuditEntry.action == "customers.view_at_risk")
        ).all()
    assert audited == ["user:analyst-user"] * 3


def test_a_segment_lists_its_members_only(
    analysed: sessionmaker[Session], client_as: Callable[[str], TestClient]
) -> None:
    with analysed() as session:
        uk = session.execute(
            sa.select(Segment.id).where(Segment.name == "Royaume-Uni")
        ).scalar_one()
    client = client_as("admin")
    data = client.get(f"/api/v1/customers/at-risk?segment={uk}").json()
    assert data["segment"] == "Royaume-Uni"
    assert [c["name"] for c in data["items"]] == ["Uma Patel"]
    page = client.get(f"/customers/segments/{uk}/at-risk")
    assert page.status_code == 200
    assert "Uma Patel" in page.text
    assert "Claire Roux" not in page.text
    assert client.get("/customers/segments/9999/at-risk").status_code == 404
    dashboard = client.get("/customers").text
    assert f'href="/customers/segments/{uk}/at-risk"' in dashboard
