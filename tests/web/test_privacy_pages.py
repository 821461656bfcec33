"""A person's data in the app: each person downloads their own, an administrator anyone's;
an administrator erases a person after typing their number (pages and API)."""

from __future__ import annotations

import re
from collections.abc import Callable

import orjson
import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from palabre.fabric.models import Message
from palabre.identity.models import Person
from palabre.privacy.models import AuditEntry
from tests.people.data import import_company, person_id, thread_of
from tests.web.conftest import Account, csrf_of, sign_in

SignIn = Callable[..., TestClient]


@pytest.fixture
def company(sessions: sessionmaker[Session]) -> dict[str, int]:
    """The small company of the people tests; the ids of its people by first name."""
    import_company(sessions)
    with sessions() as db:
        return {
            name.split()[0].lower(): person_id(db, name)
            for name in ("Alice Martin", "Bruno Keller", "Denise Favre")
        }


@pytest.fixture
def signed_in(app: FastAPI, make_account: Callable[..., Account]) -> SignIn:
    def make(role: str, person: int | None = None) -> TestClient:
        account = make_account(role, f"{role}-{person or 'x'}", person_id=person)
        client = TestClient(app, follow_redirects=False)
        assert sign_in(client, account) == 303
        return client

    return make


def _erased(sessions: sessionmaker[Session], person: int) -> bool:
    with sessions() as db:
        found = db.get(Person, person)
        assert found is not None
        return found.erased_at is not None


def test_a_person_downloads_their_own_data_and_nobody_elses(
    company: dict[str, int], signed_in: SignIn
) -> None:
    alice = signed_in("member", company["alice"])
    own = alice.get(f"/people/{company['alice']}/export")
    assert own.status_code == 200
    assert own.headers["content-type"] == "application/json"
    assert own.headers["content-disposition"] == (
        f'attachment; filename="palabre-person-{company["alice"]}.json"'
    )
    document = orjson.loads(own.content)
    assert document["person_id"] == company["alice"]
    assert document["persons"][0]["display_name"] == "Alice Martin"
    assert {m["text"] for m in document["messages"]} >= {"Désolé, nous vérifions la LIVRAISON."}
    # Someone else's data is not found, as a page one may not see.
    assert alice.get(f"/people/{company['bruno']}/export").status_code == 404
    assert alice.get(f"/api/v1/people/{company['bruno']}/export").status_code == 404
    # An analyst reads profiles but exports nobody's data.
    assert signed_in("analyst").get(f"/people/{company['denise']}/export").status_code == 404
    admin = signed_in("admin")
    api = admin.get(f"/api/v1/people/{company['denise']}/export")
    assert api.status_code == 200
    assert orjson.loads(api.content)["persons"][0]["display_name"] == "Denise Favre"


def test_the_profile_offers_the_download_to_its_owner_and_erasure_to_an_administrator(
    company: dict[str, int], signed_in: SignIn
) -> None:
    alice = signed_in("member", company["alice"])
    page = alice.get(f"/people/{company['alice']}").text
    assert f'href="/people/{company["alice"]}/export"' in page
    assert "/erase" not in page
    edit = alice.get("/me/profile").text
    assert f'href="/people/{company["alice"]}/export"' in edit
    colleague = signed_in("member", company["bruno"]).get(f"/people/{company['alice']}").text
    assert "/export" not in colleague
    assert "/erase" not in colleague
    admin = signed_in("admin").get(f"/people/{company['denise']}").text
    assert f'href="/people/{company["denise"]}/export"' in admin
    assert f'href="/people/{company["denise"]}/erase"' in admin


def test_an_administrator_erases_a_person_after_typing_their_number(
    company: dict[str, int], signed_in: SignIn, sessions: sessionmaker[Session]
) -> None:
    denise = company["denise"]
    her = signed_in("customer", denise)
    assert her.get("/api/v1/me").status_code == 200
    admin = signed_in("admin")
    search = {"q": "commande"}
    assert '<li class="hit">' in admin.get("/conversations/search", params=search).text
    page = admin.get(f"/people/{denise}/erase")
    assert page.status_code == 200
    assert "Denise Favre" in page.text
    assert re.search(r'data-count="messages">2<', page.text)
    token = csrf_of(admin)
    wrong = admin.post(f"/people/{denise}/erase", data={"csrf_token": token, "confirm": "1"})
    assert wrong.status_code == 422
    assert not _erased(sessions, denise)
    missing = admin.post(f"/people/{denise}/erase", data={"csrf_token": token})
    assert missing.status_code == 422
    assert not _erased(sessions, denise)

    done = admin.post(f"/people/{denise}/erase", data={"csrf_token": token, "confirm": str(denise)})
    assert done.status_code == 200
    assert re.search(r'data-count="messages">2<', done.text)
    assert "Denise Favre" not in done.text
    assert _erased(sessions, denise)
    # Her account went with her: her session ends.
    assert her.get("/api/v1/me").status_code == 401
    assert admin.get(f"/people/{denise}").status_code == 404
    assert "Denise Favre" not in admin.get("/people", params={"kind": "customer"}).text
    assert '<li class="hit">' not in admin.get("/conversations/search", params=search).text
    with sessions() as db:
        texts = db.scalars(
            sa.select(Message.text).where(Message.external_id.in_(["s1", "s3"]))
        ).all()
    assert texts == ["", ""]
    # Her messages keep their place in the thread, without a word or a name.
    with sessions() as db:
        thread = thread_of(db, "s1")
    shown = admin.get(f"/conversations/threads/{thread}").text
    assert shown.count("Erased at its author's request.") == 2
    assert shown.count("Erased person") == 2
    assert "erased:" not in shown
    # She opened it: its title was her words, and its link pointed to her post.
    assert "Livraison en retard" not in shown
    assert "support.example.com/t/1" not in shown
    assert "Désolé, nous vérifions la LIVRAISON." in shown  # Alice's answer stays
    # A second erasure is a conflict, not a second pass.
    assert admin.get(f"/people/{denise}/erase").status_code == 409


def test_the_api_erases_only_with_the_id_repeated_and_can_say_what_it_would_do(
    company: dict[str, int], signed_in: SignIn, sessions: sessionmaker[Session]
) -> None:
    denise = company["denise"]
    admin = signed_in("admin")
    headers = {"X-CSRF-Token": csrf_of(admin)}
    url = f"/api/v1/people/{denise}/erase"
    assert admin.post(url, json={"confirm": denise + 1}, headers=headers).status_code == 422
    plan = admin.post(url, json={"confirm": denise, "dry_run": True}, headers=headers)
    assert plan.status_code == 200
    assert plan.json()["dry_run"] is True
    assert plan.json()["erased_at"] is None
    assert plan.json()["counts"]["messages"] == 2
    assert not _erased(sessions, denise)
    done = admin.post(url, json={"confirm": denise}, headers=headers)
    assert done.status_code == 200
    assert done.json()["person_ids"] == [denise]
    assert done.json()["erased_at"] is not None
    assert _erased(sessions, denise)
    assert admin.get(f"/api/v1/people/{denise}/export").status_code == 404
    assert admin.get(f"/api/v1/people/{denise}").status_code == 404
    # Without the CSRF token nothing is erased (the walk of every route covers the roles).
    other = signed_in("admin", company["bruno"])
    refused = other.post(f"/api/v1/people/{company['alice']}/erase", json={"confirm": 1})
    assert refused.status_code == 403
    assert not _erased(sessions, company["alice"])


def test_a_person_asks_to_be_erased_and_the_administrators_see_it_until_it_is_done(
    company: dict[str, int], signed_in: SignIn, sessions: sessionmaker[Session]
) -> None:
    denise = company["denise"]
    her = signed_in("customer", denise)
    own = her.get(f"/people/{denise}").text
    assert 'action="/me/erasure-request"' in own
    asked = her.post("/me/erasure-request", data={"csrf_token": csrf_of(her)})
    assert asked.status_code == 303
    assert asked.headers["location"] == f"/people/{denise}?erasure=requested"
    page = her.get(f"/people/{denise}").text
    assert "for your data to be erased: an administrator will erase it." in page
    assert 'action="/me/erasure-request"' not in page
    # Asking twice records one request.
    assert her.post("/me/erasure-request", data={"csrf_token": csrf_of(her)}).status_code == 303
    with sessions() as db:
        requests = db.scalars(
            sa.select(AuditEntry).where(AuditEntry.action == "person.erasure_requested")
        ).all()
    assert [(r.actor, r.subject_id) for r in requests] == [
        ("user:customer-" + str(denise), str(denise))
    ]
    assert not _erased(sessions, denise)

    admin = signed_in("admin")
    overview = admin.get("/admin").text
    assert f'href="/people/{denise}/erase">Denise Favre</a>' in overview
    token = csrf_of(admin)
    admin.post(f"/people/{denise}/erase", data={"csrf_token": token, "confirm": str(denise)})
    assert "Nobody is waiting for their data to be erased." in admin.get("/admin").text


def test_an_account_without_a_person_has_nothing_to_erase(signed_in: SignIn) -> None:
    admin = signed_in("admin")
    answer = admin.post("/me/erasure-request", data={"csrf_token": csrf_of(admin)})
    assert answer.status_code == 422
