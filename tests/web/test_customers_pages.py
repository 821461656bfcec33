"""The segment watch in the app: who sees it, the heatmap, the series and the drill-down
to the messages behind a cell (pages and JSON API)."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from palabre.accounts.models import ROLES
from palabre.customers import watch
from palabre.identity.models import Segment
from palabre.pipeline.models import MessageSignal
from palabre.pipeline.runner import run_analysis
from palabre.pipeline.stage import LocalEngine
from tests.pipeline import world

WATCHERS = ("admin", "analyst", "manager")
PERIOD = "from=2025-03-03&to=2025-03-11"


@pytest.fixture
def analysed(sessions: sessionmaker[Session], tmp_path: Path) -> sessionmaker[Session]:
    return world.build_analysed(sessions, tmp_path, messages=40)


def _segment(sessions: sessionmaker[Session], name: str) -> int:
    with sessions() as session:
        return session.execute(sa.select(Segment.id).where(Segment.name == name)).scalar_one()


def test_the_watch_serves_analysts_managers_and_admins_only(
    client_as: Callable[[str], TestClient],
) -> None:
    for role in ROLES:
        client = client_as(role)
        page = client.get("/customers")
        api = client.get("/api/v1/customers/watch")
        want = 200 if role in WATCHERS else 403
        assert (page.status_code, api.status_code) == (want, want), role


def test_before_any_analysis_the_page_says_what_to_run(
    client_as: Callable[[str], TestClient],
) -> None:
    client = client_as("analyst")
    assert "palabre analyze" in client.get("/customers").text
    assert client.get("/api/v1/customers/watch").json()["as_of"] is None


def test_the_heatmap_shows_every_customer_segment_and_signal_with_links(
    analysed: sessionmaker[Session], client_as: Callable[[str], TestClient]
) -> None:
    client = client_as("analyst")
    page = client.get("/customers")
    assert page.status_code == 200
    assert "France" in page.text
    assert "Royaume-Uni" in page.text
    assert 'href="/customers"' in page.text  # the "Customer voice" pillar in the header
    france = _segment(analysed, "France")
    for signal in watch.SIGNALS:
        assert f"/customers/segments/{france}/messages?signal={signal}&amp;" in page.text
    # The chart reads its data from the API; no inline script on the page.
    assert f'data-series-url="/api/v1/customers/segments/{france}/series' in page.text
    assert re.search(r"<script>(?!</script>)", page.text) is None

    data = client.get("/api/v1/customers/watch").json()
    assert data["as_of"] == "2025-03-11"
    assert {row["segment"]["name"] for row in data["rows"]} == {"France", "Royaume-Uni"}
    row = next(r for r in data["rows"] if r["segment"]["name"] == "France")
    assert [c["signal"] for c in row["cells"]] == list(watch.SIGNALS)
    # Nine days of data: the window has messages, the baseline hardly any.
    assert row["volume"] == sum(c["window_volume"] for c in row["cells"][:1])
    assert {c["status"] for c in row["cells"]} == {"insufficient"}


def test_french_readers_get_the_dashboard_in_french(
    analysed: sessionmaker[Session], client_as: Callable[[str], TestClient]
) -> None:
    page = client_as("manager").get("/customers", headers={"Accept-Language": "fr"})
    assert "Veille des segments" in page.text
    assert "Mécontentement" in page.text


def test_a_cell_drills_down_to_exactly_the_messages_it_counts(
    analysed: sessionmaker[Session], client_as: Callable[[str], TestClient]
) -> None:
    france = _segment(analysed, "France")
    client = client_as("analyst")
    with analysed() as session:
        carriers = session.scalar(
            sa.select(sa.func.count()).where(
                MessageSignal.discontent >= watch.THRESHOLDS["discontent"]
            )
        )
    found = client.get(
        f"/api/v1/customers/segments/{france}/messages?signal=discontent&{PERIOD}&per_page=100"
    ).json()
    data = client.get("/api/v1/customers/watch?as_of=2025-03-11&window=9").json()
    cell = next(
        c
        for r in data["rows"]
        if r["segment"]["id"] == france
        for c in r["cells"]
        if c["signal"] == "discontent"
    )
    assert found["total"] == cell["window_count"] > 0
    assert found["total"] < carriers  # Uma's and Alice's complaints are not France's
    probabilities = [m["probability"] for m in found["items"]]
    assert probabilities == sorted(probabilities, reverse=True)
    assert min(probabilities) >= watch.THRESHOLDS["discontent"]
    assert {m["author"] for m in found["items"]} <= {"Claire Roux", "Paul Girard"}

    page = client.get(f"/customers/segments/{france}/messages?signal=discontent&{PERIOD}")
    assert page.status_code == 200
    first = found["items"][0]
    assert f'href="/conversations/threads/{first["thread_id"]}#message-{first["id"]}"' in page.text
    # The thread behind the link opens for the same reader.
    assert client.get(f"/conversations/threads/{first['thread_id']}").status_code == 200


def test_the_series_gives_one_value_per_day(
    analysed: sessionmaker[Session], client_as: Callable[[str], TestClient]
) -> None:
    uk = _segment(analysed, "Royaume-Uni")
    series = (
        client_as("admin")
        .get(f"/api/v1/customers/segments/{uk}/series?end=2025-03-11&days=9")
        .json()
    )
    assert len(series["days"]) == len(series["volume"]) == 9
    assert sum(series["volume"]) == 8  # Uma wrote every fifth of 40 messages
    assert set(series["shares"]) == set(watch.SIGNALS)


def test_bad_parameters_are_refused_with_their_name(
    analysed: sessionmaker[Session], client_as: Callable[[str], TestClient]
) -> None:
    client = client_as("analyst")
    france = _segment(analysed, "France")
    bad_date = client.get(f"/api/v1/customers/segments/{france}/messages?from=soon&to=2025-03-11")
    assert bad_date.status_code == 422
    assert "from" in bad_date.text
    bad_signal = client.get(f"/api/v1/customers/segments/{france}/messages?signal=anger&{PERIOD}")
    assert bad_signal.status_code == 422
    assert "signal" in bad_signal.text
    assert client.get(f"/customers/segments/999999/messages?{PERIOD}").status_code == 404


@pytest.fixture
def with_causes(sessions: sessionmaker[Session], tmp_path: Path) -> sessionmaker[Session]:
    from tests.pipeline import test_root_causes as causes_world

    causes_world.built.__wrapped__(sessions, tmp_path)  # type: ignore[attr-defined]
    run_analysis(sessions, engine=LocalEngine(workers=1))
    return sessions


def test_the_root_causes_api_ranks_the_april_cause_first(
    with_causes: sessionmaker[Session], client_as: Callable[[str], TestClient]
) -> None:
    france = _segment(with_causes, "France")
    query = f"segment={france}&signal=discontent&since=2025-04-01&until=2025-04-30"
    analyst = client_as("analyst")
    answer = analyst.get(f"/api/v1/customers/causes?{query}")
    assert answer.status_code == 200, answer.text
    first = answer.json()[0]
    assert first["rank"] == 1
    assert first["significant"] is True
    assert first["examples"]
    assert first["lift"] > 10
    assert client_as("member").get(f"/api/v1/customers/causes?{query}").status_code == 403
    bad = analyst.get("/api/v1/customers/causes?since=avril")
    assert bad.status_code == 422
    assert "since" in bad.text


def test_the_dashboard_shows_the_root_causes_per_segment_and_signal(
    with_causes: sessionmaker[Session], client_as: Callable[[str], TestClient]
) -> None:
    page = client_as("analyst").get("/customers")
    assert page.status_code == 200
    assert 'id="root-causes"' in page.text
    assert "cause-label" in page.text
