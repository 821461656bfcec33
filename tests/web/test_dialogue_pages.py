"""The dialogue in the app: the answer inbox (pages and JSON API) and the customer
community, with who may use them, CSRF and escaping."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from palabre.accounts.models import ROLES
from palabre.customers.dialogue_models import InboxItem
from palabre.db.engine import transaction
from palabre.fabric.models import Message
from tests.customers import dialogue_world
from tests.web.conftest import csrf_of

INBOX_ROLES = ("admin", "analyst", "manager")


@pytest.fixture
def world_ids(sessions: sessionmaker[Session]) -> dict[str, int]:
    with transaction(sessions) as session:
        world = dialogue_world.build(session)
        return {key: message.id for key, message in world.messages.items()}


def _post(client: TestClient, url: str, **data: str) -> int:
    response = client.post(url, data={**data, "csrf_token": csrf_of(client)})
    return response.status_code


def test_the_inbox_serves_customer_voice_roles_only(
    client_as: Callable[[str], TestClient], world_ids: dict[str, int]
) -> None:
    for role in ROLES:
        client = client_as(role)
        page = client.get("/customers/inbox")
        api = client.get("/api/v1/customers/inbox")
        expected = 200 if role in INBOX_ROLES else 403
        assert (page.status_code, api.status_code) == (expected, expected), role


def test_the_inbox_page_lists_the_urgent_first_with_the_kpis(
    client_as: Callable[[str], TestClient], world_ids: dict[str, int]
) -> None:
    page = client_as("analyst").get("/customers/inbox?days=365").text
    order = re.findall(r'id="inbox-(\d+)"', page)
    # The world's messages are in the past: waiting dominates, risk and reach decide ties.
    assert set(order) == {str(world_ids[k]) for k in ("a1", "b1", "c1")}
    assert "response-kpis" in page
    assert "All customers" in page
    assert "Gold" in page


def test_the_api_gives_the_priority_and_its_parts(
    client_as: Callable[[str], TestClient], world_ids: dict[str, int]
) -> None:
    client = client_as("manager")
    body = client.get("/api/v1/customers/inbox").json()
    assert body["total"] == 3
    first = body["items"][0]
    assert set(first) >= {"risk", "reach", "waiting_hours", "priority", "signals", "url"}
    priorities = [item["priority"] for item in body["items"]]
    assert priorities == sorted(priorities, reverse=True)
    kpis = client.get("/api/v1/customers/inbox/kpis?days=365").json()
    assert [k["segment"] for k in kpis] == ["", "Gold"]
    assert kpis[0]["answered"] == 1  # Bob's question in t4, answered by Eve


def test_answering_and_dismissing_from_the_page(
    client_as: Callable[[str], TestClient],
    world_ids: dict[str, int],
    sessions: sessionmaker[Session],
) -> None:
    client = client_as("analyst")
    b1 = world_ids["b1"]
    response = client.post(
        f"/customers/inbox/{b1}/answer",
        data={"text": "We hear you", "csrf_token": csrf_of(client)},
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/customers/inbox?answered={b1}"
    page = client.get(response.headers["location"]).text
    assert "Answer recorded." in page
    assert 'href="https://forum.example/b1"' in page
    assert f'id="inbox-{b1}"' not in page
    assert _post(client, f"/customers/inbox/{world_ids['c1']}/dismiss", reason="") == 422
    assert _post(client, f"/customers/inbox/{world_ids['c1']}/dismiss", reason="spam") == 303
    assert _post(client, f"/customers/inbox/{world_ids['a1']}/assign", to="me") == 303
    assert "Taken by analyst-user" in client.get("/customers/inbox").text
    with sessions() as session:
        states = dict(session.execute(sa.select(InboxItem.message_id, InboxItem.state)).all())
    assert states == {b1: "answered", world_ids["c1"]: "dismissed", world_ids["a1"]: "needs_answer"}


def test_an_action_without_the_csrf_token_is_refused(
    client_as: Callable[[str], TestClient], world_ids: dict[str, int]
) -> None:
    client = client_as("analyst")
    assert (
        client.post(f"/customers/inbox/{world_ids['b1']}/answer", data={"text": "x"}).status_code
        == 403
    )
    assert client.post("/community/threads", data={"title": "t", "text": "x"}).status_code == 403


def test_a_customer_posts_and_an_employee_answers_in_the_community(
    client_as: Callable[[str], TestClient], sessions: sessionmaker[Session]
) -> None:
    customer = client_as("customer")
    assert "No conversation yet" in customer.get("/community").text
    payload = "<script>alert(1)</script>"
    response = customer.post(
        "/community/threads",
        data={
            "title": f"Help {payload}",
            "text": "Is it <b>down</b>?",
            "csrf_token": csrf_of(customer),
        },
    )
    assert response.status_code == 303
    thread_url = response.headers["location"]
    page = customer.get(thread_url).text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert payload not in page
    assert "Is it &lt;b&gt;down&lt;/b&gt;?" in page
    member = client_as("member")
    assert _post(member, f"{thread_url}/replies", text="We are on it") == 303
    page = customer.get(thread_url).text
    assert "We are on it" in page
    assert ">Team<" in page
    listing = customer.get("/community").text
    assert "Answered by the team" in listing
    bad = customer.post(
        "/community/threads", data={"title": " ", "text": "kept", "csrf_token": csrf_of(customer)}
    )
    assert bad.status_code == 422
    assert "kept" in bad.text
    with sessions() as session:
        sources = set(session.scalars(sa.select(Message.source)))
    assert sources == {"palabre"}


def test_the_community_page_is_in_french_for_a_french_reader(
    client_as: Callable[[str], TestClient],
) -> None:
    client = client_as("customer")
    page = client.get("/community", headers={"Accept-Language": "fr"}).text
    assert "Communauté clients" in page
    assert "Lancer une conversation" in page


def test_answering_and_dismissing_through_the_api(
    client_as: Callable[[str], TestClient], world_ids: dict[str, int]
) -> None:
    client = client_as("admin")
    headers = {"X-CSRF-Token": csrf_of(client)}
    a1 = world_ids["a1"]
    answered = client.post(
        f"/api/v1/customers/inbox/{a1}/answer", json={"text": "On it"}, headers=headers
    )
    assert answered.status_code == 200
    body = answered.json()
    assert (body["message_id"], body["state"]) == (a1, "answered")
    assert body["source_url"] == "https://forum.example/a1"
    again = client.post(
        f"/api/v1/customers/inbox/{a1}/answer", json={"text": "Twice"}, headers=headers
    )
    assert again.status_code == 409
    dismissed = client.post(
        f"/api/v1/customers/inbox/{world_ids['c1']}/dismiss",
        json={"reason": "duplicate"},
        headers=headers,
    )
    assert dismissed.json()["dismissed_reason"] == "duplicate"
    empty = client.post(
        f"/api/v1/customers/inbox/{world_ids['b1']}/dismiss", json={"reason": ""}, headers=headers
    )
    assert empty.status_code == 422
    assert "reason" in empty.json()["detail"]
    remaining = client.get("/api/v1/customers/inbox").json()["items"]
    assert {item["message_id"] for item in remaining} == {
        world_ids["b1"],
        world_ids["a-private"],
    }
    employee = client.post(
        f"/api/v1/customers/inbox/{world_ids['e1']}/answer", json={"text": "x"}, headers=headers
    )
    assert employee.status_code == 404


def test_the_community_through_the_api(client_as: Callable[[str], TestClient]) -> None:
    customer = client_as("customer")
    headers = {"X-CSRF-Token": csrf_of(customer)}
    created = customer.post(
        "/api/v1/community/threads",
        json={"title": "Hours", "text": "Open on Sunday?"},
        headers=headers,
    )
    assert created.status_code == 201
    thread = created.json()
    assert [(p["text"], p["staff"]) for p in thread["posts"]] == [("Open on Sunday?", False)]
    manager = client_as("manager")
    replied = manager.post(
        f"/api/v1/community/threads/{thread['id']}/replies",
        json={"text": "Yes, 10 to 16"},
        headers={"X-CSRF-Token": csrf_of(manager)},
    )
    assert replied.status_code == 201
    assert [p["staff"] for p in replied.json()["posts"]] == [False, True]
    listed = customer.get("/api/v1/community/threads").json()
    assert [(t["title"], t["replies"], t["answered_by_staff"]) for t in listed["items"]] == [
        ("Hours", 1, True)
    ]
    bad = customer.post(
        "/api/v1/community/threads", json={"title": "", "text": "x"}, headers=headers
    )
    assert bad.status_code == 422
    assert customer.get("/api/v1/community/threads/999").status_code == 404


def test_the_answered_notice_shows_only_a_message_the_reader_may_read(
    client_as: Callable[[str], TestClient], world_ids: dict[str, int]
) -> None:
    admin = client_as("admin")
    private = world_ids["a-private"]
    assert _post(admin, f"/customers/inbox/{private}/answer", text="Private answer") == 303
    assert (
        'href="https://forum.example/a-private"'
        in admin.get(f"/customers/inbox?answered={private}").text
    )
    analyst_page = client_as("analyst").get(f"/customers/inbox?answered={private}").text
    assert "Answer recorded." not in analyst_page
    assert "forum.example/a-private" not in analyst_page


def test_a_second_page_of_the_inbox_shows_with_its_pager_in_the_readers_language(
    client_as: Callable[[str], TestClient], sessions: sessionmaker[Session]
) -> None:
    with transaction(sessions) as session:
        w = dialogue_world.World(session)
        w.person("Alice", "customer")
        w.channel("support", "support")
        for n in range(30):
            w.say(f"q{n}", "Alice", "support", f"t{n}", dialogue_world.hours(n), "Any news?")
    client = client_as("analyst")
    page = client.get("/customers/inbox?page=2", headers={"Accept-Language": "fr"})
    assert page.status_code == 200
    assert len(re.findall(r'id="inbox-\d+"', page.text)) == 5
    assert 'rel="prev">Précédente</a>' in page.text


def test_the_kpis_show_the_last_days_with_questions_when_the_recent_ones_have_none(
    client_as: Callable[[str], TestClient], world_ids: dict[str, int]
) -> None:
    # The world's questions were posted on 2-4 March 2026, long before the last 30 days.
    client = client_as("analyst")
    english = client.get("/customers/inbox").text
    assert 'id="kpi-period"' in english
    assert "the 30 days up to Mar 4, 2026, the day of the newest" in english
    # The questions of those 30 days are counted (not an empty table).
    first_row = re.search(r'<th scope="row">All customers</th>\s*<td class="num">(\d+)', english)
    assert first_row is not None
    assert int(first_row.group(1)) > 0
    french = client.get("/customers/inbox", headers={"Accept-Language": "fr"}).text
    assert "voici les 30 jours jusqu’au 4 mars 2026" in french
    # A window that holds questions keeps ending now, without the notice.
    assert 'id="kpi-period"' not in client.get("/customers/inbox?days=365").text


def test_the_page_lists_the_questions_of_its_period_and_the_api_every_one_unless_asked(
    client_as: Callable[[str], TestClient], sessions: sessionmaker[Session]
) -> None:
    with transaction(sessions) as session:
        w = dialogue_world.build(session)
        # Waiting since two months before the others (2-4 March 2026).
        old = w.say("old", "Bob", "support", "t-old", dialogue_world.hours(-24 * 60), "Hello?")
        old_id = old.id
    client = client_as("analyst")
    # The period: the 30 days up to the newest question (none in the last 30 days).
    recent = client.get("/customers/inbox").text
    listed = set(re.findall(r'id="inbox-(\d+)"', recent))
    assert len(listed) == 3
    assert str(old_id) not in listed
    assert "3 messages of the period need an answer" in recent
    longer = client.get("/customers/inbox?days=90").text
    assert str(old_id) in re.findall(r'id="inbox-(\d+)"', longer)
    assert '<option value="90" selected>the last 90 days</option>' in longer
    # The API lists every question still waiting, or those of the last ``days`` days.
    every = client.get("/api/v1/customers/inbox").json()
    assert old_id in [item["message_id"] for item in every["items"]]
    assert every["total"] == 4
    assert client.get("/api/v1/customers/inbox?days=30").json()["total"] == 0
    assert client.get("/api/v1/customers/inbox?days=3650").json()["total"] == 4
