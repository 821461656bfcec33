"""People pages and API: the directory per role, profiles, editing one's own profile
(CSRF, visibility choices), escaping of what people write, audit, query counts."""

from __future__ import annotations

import html
import re
from collections.abc import Callable

import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from palabre.config import Settings
from palabre.identity.models import Person
from palabre.identity.resolution import merge_persons
from palabre.people.models import ProfileField
from palabre.privacy.models import AuditEntry
from palabre.web.app import create_app
from tests.people.data import import_company, person_id
from tests.web.conftest import Account, csrf_of, sign_in
from tests.web.querycount import statements

XSS = '<script>alert("pwned")</script><img src=x onerror=alert(1)>'

SignIn = Callable[..., TestClient]


@pytest.fixture
def company(sessions: sessionmaker[Session]) -> dict[str, int]:
    """The small company imported; the ids of its people by first name."""
    import_company(sessions)
    with sessions() as db:
        return {
            name.split()[0].lower(): person_id(db, name)
            for name in ("Alice Martin", "Bruno Keller", "Chloé Durand", "Denise Favre")
        }


@pytest.fixture
def signed_in(app: FastAPI, make_account: Callable[..., Account]) -> SignIn:
    """A client signed in with a new account of ``role``, linked to ``person`` if given."""

    def make(role: str, person: int | None = None, username: str | None = None) -> TestClient:
        account = make_account(role, username or f"{role}-{person or 'x'}", person_id=person)
        client = TestClient(app, follow_redirects=False)
        assert sign_in(client, account) == 303
        return client

    return make


def _save(client: TestClient, **fields: str) -> int:
    data = {"csrf_token": csrf_of(client), **fields}
    status: int = client.post("/me/profile", data=data).status_code
    return status


def test_a_member_finds_colleagues_but_not_customers(
    company: dict[str, int], signed_in: SignIn
) -> None:
    member = signed_in("member")
    page = member.get("/people")
    assert page.status_code == 200
    assert "Alice Martin" in page.text
    assert "Chloé Durand" in page.text
    assert "Denise Favre" not in page.text
    assert member.get(f"/people/{company['denise']}").status_code == 404
    search = member.get("/people", params={"q": "chlo"})
    assert "Chloé Durand" in search.text
    assert "Alice Martin" not in search.text
    nobody = member.get("/people", params={"q": "zzz"})
    assert "Nobody matches these criteria" in nobody.text


def test_an_analyst_finds_customers_too_and_a_customer_has_no_directory(
    company: dict[str, int], signed_in: SignIn
) -> None:
    analyst = signed_in("analyst")
    assert "Denise Favre" in analyst.get("/people", params={"kind": "customer"}).text
    customer = signed_in("customer", company["denise"])
    assert customer.get("/people").status_code == 403
    own = customer.get(f"/people/{company['denise']}")
    assert own.status_code == 200
    assert "Denise Favre" in own.text
    assert customer.get(f"/people/{company['alice']}").status_code == 404


def test_a_person_edits_their_profile_and_colleagues_see_only_what_was_shared(
    company: dict[str, int], signed_in: SignIn, sessions: sessionmaker[Session], app: FastAPI
) -> None:
    alice = signed_in("member", company["alice"])
    form = alice.get("/me/profile")
    assert form.status_code == 200
    assert 'name="visibility_phone"' in form.text
    status = _save(
        alice,
        value_headline="Responsable des ventes",
        visibility_headline="public",
        value_skills="négociation, CRM",
        visibility_skills="colleagues",
        value_phone="+41 22 555 01 02",
        visibility_phone="managers",
        value_bio="Secret de famille",
        visibility_bio="private",
    )
    assert status == 303
    assert "Your profile is saved." in alice.get("/me/profile?saved=1").text

    colleague = signed_in("member", company["chloé"]).get(f"/people/{company['alice']}").text
    assert "Responsable des ventes" in colleague
    assert "négociation" in colleague
    assert "+41 22 555 01 02" not in colleague
    assert "Secret de famille" not in colleague
    manager = signed_in("manager").get(f"/people/{company['alice']}").text
    assert "+41 22 555 01 02" in manager
    assert "Secret de famille" not in manager
    own = alice.get(f"/people/{company['alice']}").text
    assert "Secret de famille" in own
    # The headline shows in the directory to those who may read it.
    assert "Responsable des ventes" in signed_in("hr").get("/people").text
    app.state.audit_buffer.flush()  # views are written in batches, within a second
    with sessions() as db:
        actions = db.scalars(
            sa.select(AuditEntry.action).where(AuditEntry.subject_type == "person")
        ).all()
    assert actions.count("profile.updated") == 1
    # Chloé and the manager each read the profile and the contributions; Alice reading
    # her own page and HR reading the directory are not audited.
    assert actions.count("person.viewed") == 4


def test_the_profile_form_needs_the_csrf_token(
    company: dict[str, int], signed_in: SignIn, sessions: sessionmaker[Session]
) -> None:
    alice = signed_in("member", company["alice"])
    response = alice.post("/me/profile", data={"value_headline": "forged"})
    assert response.status_code == 403
    with sessions() as db:
        assert db.scalars(sa.select(ProfileField)).all() == []


def test_a_bad_field_shows_the_form_again_with_the_error_and_saves_nothing(
    company: dict[str, int], signed_in: SignIn, sessions: sessionmaker[Session]
) -> None:
    alice = signed_in("member", company["alice"])
    data = {
        "csrf_token": csrf_of(alice),
        "value_headline": "Kept in the form",
        "value_phone": "not a phone",
    }
    response = alice.post("/me/profile", data=data)
    assert response.status_code == 422
    assert "profile field &#39;phone&#39;" in response.text
    assert 'value="Kept in the form"' in response.text
    with sessions() as db:
        assert db.scalars(sa.select(ProfileField)).all() == []


def test_an_account_without_a_person_is_told_it_has_no_profile(signed_in: SignIn) -> None:
    admin = signed_in("admin")
    assert "not linked to a person" in admin.get("/me/profile").text
    assert _save(admin, value_headline="x") == 422


def test_what_people_write_in_their_profile_is_escaped(
    company: dict[str, int], signed_in: SignIn
) -> None:
    alice = signed_in("member", company["alice"])
    assert (
        _save(
            alice,
            value_headline=XSS,
            visibility_headline="public",
            value_bio=XSS + "\nline two",
            visibility_bio="colleagues",
            value_skills=XSS,
            visibility_skills="colleagues",
        )
        == 303
    )
    for page in (
        signed_in("member").get(f"/people/{company['alice']}").text,
        signed_in("hr").get("/people").text,
        alice.get("/me/profile").text,
    ):
        assert "<script>alert" not in page
        assert "<img src=x" not in page
        assert html.escape(XSS, quote=True)[:40] in page.replace("&#34;", "&quot;")


def test_the_api_lists_reads_and_patches_profiles(
    company: dict[str, int], signed_in: SignIn
) -> None:
    alice = signed_in("member", company["alice"])
    listing = alice.get("/api/v1/people", params={"q": "R", "per_page": 2}).json()
    assert listing["total"] == 3
    assert len(listing["items"]) == 2
    assert listing["items"][0]["teams"] == ["Ventes/Genève"]
    token = {"X-CSRF-Token": csrf_of(alice)}
    body = {"fields": {"skills": {"value": ["Python", "python", "SQL"], "visibility": "public"}}}
    url = f"/api/v1/people/{company['alice']}/profile"
    assert alice.patch(url, json=body).status_code == 403  # no CSRF token
    answer = alice.patch(url, json=body, headers=token)
    assert answer.status_code == 200
    assert answer.json()["changed"] == ["skills"]
    assert answer.json()["profile"]["fields"] == [
        {"key": "skills", "value": ["Python", "SQL"], "visibility": "public"}
    ]
    bad = alice.patch(url, json={"fields": {"hobby": {"value": "x"}}}, headers=token)
    assert bad.status_code == 422
    assert "unknown profile field" in bad.json()["detail"]
    chloe = signed_in("member", company["chloé"])
    other = chloe.patch(url, json=body, headers={"X-CSRF-Token": csrf_of(chloe)})
    assert other.status_code == 403
    person = chloe.get(f"/api/v1/people/{company['alice']}").json()
    assert person["display_name"] == "Alice Martin"
    assert person["may_edit"] is False
    assert person["teams"][0]["team_path"] == "Ventes/Genève"
    contributions = chloe.get(f"/api/v1/people/{company['alice']}/contributions").json()
    assert [m["channel_name"] for m in contributions["items"]] == ["équipe"]
    schema = chloe.get("/api/v1/openapi.json").json()
    assert {"/api/v1/people", "/api/v1/people/{person_id}/profile"} <= set(schema["paths"])
    assert "ProfileUpdate" in schema["components"]["schemas"]


def test_the_directory_and_a_profile_run_a_fixed_number_of_queries(
    app: FastAPI, company: dict[str, int], signed_in: SignIn, sessions: sessionmaker[Session]
) -> None:
    hr = signed_in("hr")
    engine = app.state.engine
    with statements(engine) as few:
        assert hr.get("/people").status_code == 200
    # Twenty more colleagues in teams, with headlines: the same number of queries.
    with sessions() as db:
        from palabre.identity.models import Person, Team, TeamMembership

        team = db.scalar(sa.select(Team).where(Team.path == "Produit"))
        assert team is not None
        for number in range(20):
            person = Person(kind="employee", display_name=f"Zoé {number:02d}")
            db.add(person)
            db.flush()
            db.add(TeamMembership(person_id=person.id, team_id=team.id))
            db.add(ProfileField(person_id=person.id, key="headline", value="x", updated_by="test"))
        db.commit()
    with statements(engine) as many:
        page = hr.get("/people")
    assert page.text.count('class="person-card"') == 23
    assert len(many) == len(few) <= 8
    with statements(engine) as profile:
        assert hr.get(f"/people/{company['alice']}").status_code == 200
    assert len(profile) <= 14


def test_viewing_a_profile_writes_nothing_during_the_request_and_the_views_survive_shutdown(
    app: FastAPI,
    company: dict[str, int],
    make_account: Callable[..., Account],
    sessions: sessionmaker[Session],
) -> None:
    app.state.audit_buffer.max_delay = 3600  # only the shutdown may write them here
    with TestClient(app, follow_redirects=False) as hr:  # runs the app's lifespan
        assert sign_in(hr, make_account("hr")) == 303
        with statements(app.state.engine) as sent:
            for _ in range(3):
                assert hr.get(f"/people/{company['alice']}").status_code == 200
        # A page that reads takes no write lock: its audit records wait for the writer.
        assert not [s for s in sent if s.lstrip().upper().startswith(("INSERT", "UPDATE"))]
        assert app.state.audit_buffer.pending == 6
    with sessions() as db:
        viewed = db.scalars(
            sa.select(AuditEntry.details).where(
                AuditEntry.action == "person.viewed",
                AuditEntry.subject_id == str(company["alice"]),
            )
        ).all()
    # Each view audits the profile and the contributions; a clean shutdown loses none.
    assert sorted(d["parts"][0] for d in viewed) == ["contributions"] * 3 + ["profile"] * 3


def test_with_no_delay_allowed_each_view_is_audited_in_its_own_request(
    settings: Settings,
    company: dict[str, int],
    make_account: Callable[..., Account],
    sessions: sessionmaker[Session],
) -> None:
    strict = create_app(settings.model_copy(update={"audit_reads_delay": 0.0}))
    try:
        hr = TestClient(strict, follow_redirects=False)
        account = make_account("hr")
        assert sign_in(hr, account) == 303
        assert hr.get(f"/people/{company['alice']}").status_code == 200
        # Nothing waits in the buffer: the record committed with the page.
        assert strict.state.audit_buffer.pending == 0
        with sessions() as db:
            parts = db.scalars(
                sa.select(AuditEntry.details).where(
                    AuditEntry.action == "person.viewed",
                    AuditEntry.subject_id == str(company["alice"]),
                )
            ).all()
        assert sorted(d["parts"][0] for d in parts) == ["contributions", "profile"]
    finally:
        strict.state.audit_buffer.close()
        strict.state.engine.dispose()


def test_the_directory_count_kept_between_pages_follows_a_merge_and_a_new_person(
    company: dict[str, int], signed_in: SignIn, sessions: sessionmaker[Session]
) -> None:
    admin = signed_in("admin")

    def shown() -> int:
        found = re.search(r"(\d+) (?:person|people)\b", admin.get("/people").text)
        assert found is not None
        return int(found.group(1))

    with sessions() as db:
        live = db.scalar(
            sa.select(sa.func.count()).select_from(Person).where(Person.merged_into_id.is_(None))
        )
    assert shown() == live
    assert shown() == live  # kept
    with sessions.begin() as db:
        merge_persons(db, company["alice"], company["bruno"], actor="test")
    assert shown() == live - 1
    with sessions.begin() as db:
        db.add(Person(display_name="Zoé Nouvelle", kind="employee"))
    assert shown() == live
