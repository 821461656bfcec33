"""Flag bearers in the app: named customers for the analyst and the administrator only,
every view audited; the page, its segment filter and the JSON API."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from palabre.accounts.models import ROLES
from palabre.customers import bearer_data
from palabre.identity.models import Segment
from palabre.pipeline.runner import run_analysis
from palabre.pipeline.stage import LocalEngine
from palabre.privacy.models import AuditEntry
from tests.pipeline import world

NAMED = ("admin", "analyst")


@pytest.fixture
def analysed(sessions: sessionmaker[Session], tmp_path: Path) -> sessionmaker[Session]:
    return world.build_analysed(sessions, tmp_path, messages=40)


def test_named_customers_are_for_the_analyst_and_the_administrator(
    client_as: Callable[[str], TestClient],
) -> None:
    for role in ROLES:
        client = client_as(role)
        want = 200 if role in NAMED else 403
        page = client.get("/customers/flag-bearers")
        api = client.get("/api/v1/customers/flag-bearers")
        assert (page.status_code, api.status_code) == (want, want), role
        # The segment watch links to the page only for those who may open it.
        watch = client.get("/customers")
        if watch.status_code == 200:
            assert ('id="bearers-link"' in watch.text) == (role in NAMED), role


def test_the_page_ranks_customers_with_evidence_and_is_audited(
    analysed: sessionmaker[Session], client_as: Callable[[str], TestClient]
) -> None:
    client = client_as("analyst")
    data = client.get("/api/v1/customers/flag-bearers").json()
    names = [b["name"] for b in data["items"]]
    # Customers only: Alice is staff.
    assert set(names) <= {"Claire Roux", "Paul Girard", "Uma Patel"}
    assert names
    assert [b["rank"] for b in data["items"]] == list(range(1, len(names) + 1))
    scores = [b["score"] for b in data["items"]]
    assert scores == sorted(scores, reverse=True)
    top = data["items"][0]
    assert top["evidence"]
    page = client.get("/customers/flag-bearers")
    assert top["name"] in page.text
    assert f"/conversations/threads/{top['evidence'][0]['thread_id']}#message-" in page.text
    assert (
        "Porte-drapeaux"
        in client.get("/customers/flag-bearers", headers={"Accept-Language": "fr"}).text
    )
    with analysed() as session:
        views = session.scalars(
            sa.select(AuditEntry.actor).where(AuditEntry.action == "customers.view_flag_bearers")
        ).all()
    assert views == ["user:analyst-user"] * 3


def test_a_segment_narrows_the_ranking_to_its_members(
    analysed: sessionmaker[Session], client_as: Callable[[str], TestClient]
) -> None:
    with analysed() as session:
        uk = session.execute(
            sa.select(Segment.id).where(Segment.name == "Royaume-Uni")
        ).scalar_one()
    client = client_as("admin")
    data = client.get(f"/api/v1/customers/flag-bearers?segment={uk}").json()
    assert data["segment"] == "Royaume-Uni"
    assert {b["name"] for b in data["items"]} <= {"Uma Patel"}
    assert client.get("/api/v1/customers/flag-bearers?segment=9999").status_code == 404
    assert client.get("/api/v1/customers/flag-bearers?days=0").status_code == 422


def test_the_ranking_is_kept_until_its_data_changes(
    analysed: sessionmaker[Session],
    client_as: Callable[[str], TestClient],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    reads: list[int] = []
    real = bearer_data.bearers.score_bearers

    def counted(*args: object, **kwargs: object) -> object:
        reads.append(1)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(bearer_data.bearers, "score_bearers", counted)
    client = client_as("analyst")
    first = client.get("/api/v1/customers/flag-bearers").json()
    assert client.get("/api/v1/customers/flag-bearers").json() == first
    assert client.get("/customers/flag-bearers").status_code == 200
    assert len(reads) == 1  # three views, one ranking
    # New messages, analysed: the ranking is read again, and counts them.
    world.import_messages(
        analysed, world.write_messages(tmp_path / "more.csv", world.message_rows(9, first=100))
    )
    run_analysis(analysed, engine=LocalEngine(workers=1))
    again = client.get("/api/v1/customers/flag-bearers").json()
    assert len(reads) == 2
    assert again != first
