"""The campaign edit page: managers change a campaign's name, question, audience, dates and
funnel from a form filled with what it holds; a bad field shows the form again and
changes nothing; other roles are refused."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from palabre.db.engine import transaction
from palabre.innovation import service
from palabre.innovation.models import DEFAULT_STAGES, Campaign
from palabre.privacy.models import AuditEntry
from tests.web.conftest import csrf_of

PAST = dt.date.today() - dt.timedelta(days=60)


def closed_campaign(sessions: sessionmaker[Session]) -> int:
    """A campaign for employees that ran two months ago and closed a month ago."""
    with transaction(sessions) as session:
        made = service.create_campaign(
            session,
            name="Bureau 2027",
            question="Comment mieux travailler ?",
            audience="employees",
            opens_on=PAST,
            closes_on=PAST + dt.timedelta(days=30),
            actor="test",
        )
        return made.id


def stored(sessions: sessionmaker[Session], campaign_id: int) -> Campaign:
    with sessions() as session:
        found = session.get(Campaign, campaign_id)
        assert found is not None
        session.expunge(found)
        return found


def form_of(campaign: Campaign, **changes: str) -> dict[str, str]:
    """What the edit form posts when only ``changes`` are typed over its filled fields."""
    fields = {
        "name": campaign.name,
        "question": campaign.question,
        "audience": campaign.audience,
        "team": "",
        "segment": "",
        "opens": campaign.opens_on.isoformat() if campaign.opens_on else "",
        "closes": campaign.closes_on.isoformat() if campaign.closes_on else "",
        "stages": "\n".join(campaign.stages),
    }
    return {**fields, **changes}


def test_a_manager_reopens_renames_and_opens_a_campaign_to_customers_from_the_edit_form(
    client_as: Callable[[str], TestClient], sessions: sessionmaker[Session]
) -> None:
    campaign_id = closed_campaign(sessions)
    manager = client_as("innovation")
    page = manager.get(f"/innovation/campaigns/{campaign_id}")
    assert f'href="/innovation/campaigns/{campaign_id}/edit"' in page.text
    assert "Closed" in page.text
    form = manager.get(f"/innovation/campaigns/{campaign_id}/edit")
    assert form.status_code == 200
    assert 'value="Bureau 2027"' in form.text
    assert f'value="{PAST.isoformat()}"' in form.text
    assert "Save the changes" in form.text
    before = stored(sessions, campaign_id)

    response = manager.post(
        f"/innovation/campaigns/{campaign_id}/edit",
        data={
            **form_of(before, name="Bureau 2028", audience="public", closes=""),
            "csrf_token": csrf_of(manager),
        },
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/innovation/campaigns/{campaign_id}"
    after = stored(sessions, campaign_id)
    assert (after.name, after.audience, after.opens_on, after.closes_on) == (
        "Bureau 2028",
        "public",
        PAST,
        None,
    )
    assert after.stages == list(DEFAULT_STAGES)
    assert "Open" in manager.get(f"/innovation/campaigns/{campaign_id}").text
    with sessions() as session:
        [entry] = session.scalars(
            sa.select(AuditEntry).where(AuditEntry.action == "campaign.update")
        ).all()
    assert entry.actor.startswith("user:")
    assert set(entry.details["changes"]) == {"name", "audience", "closes_on"}


def test_a_bad_field_shows_the_form_again_naming_it_and_changes_nothing(
    client_as: Callable[[str], TestClient], sessions: sessionmaker[Session]
) -> None:
    campaign_id = closed_campaign(sessions)
    manager = client_as("admin")
    before = stored(sessions, campaign_id)
    for changes, message in [
        ({"closes": (PAST - dt.timedelta(days=1)).isoformat()}, "closes_on: the campaign"),
        ({"closes": "31/12/2027"}, "closes: &#39;31/12/2027&#39; is not a date"),
        ({"audience": "team"}, "team: a team campaign names an existing team"),
        ({"name": "   "}, "name: give a name"),
    ]:
        response = manager.post(
            f"/innovation/campaigns/{campaign_id}/edit",
            data={**form_of(before, **changes), "csrf_token": csrf_of(manager)},
        )
        assert response.status_code == 422
        assert message in response.text
    after = stored(sessions, campaign_id)
    assert (after.name, after.audience, after.closes_on) == (
        before.name,
        before.audience,
        before.closes_on,
    )
    # Without the session's CSRF token the post is refused before anything is read.
    refused = manager.post(
        f"/innovation/campaigns/{campaign_id}/edit", data=form_of(before, closes="")
    )
    assert refused.status_code == 403
    assert stored(sessions, campaign_id).closes_on == before.closes_on


def test_only_managers_edit_a_campaign(
    client_as: Callable[[str], TestClient], sessions: sessionmaker[Session]
) -> None:
    campaign_id = closed_campaign(sessions)
    before = stored(sessions, campaign_id)
    for role in ("member", "manager", "analyst", "hr", "customer"):
        client = client_as(role)
        assert client.get(f"/innovation/campaigns/{campaign_id}/edit").status_code == 403
        response = client.post(
            f"/innovation/campaigns/{campaign_id}/edit",
            data={**form_of(before, closes=""), "csrf_token": csrf_of(client)},
        )
        assert response.status_code == 403
        if role != "customer":  # a customer does not see an employees' campaign at all
            page = client.get(f"/innovation/campaigns/{campaign_id}")
            assert page.status_code == 200
            assert f"/innovation/campaigns/{campaign_id}/edit" not in page.text
    assert stored(sessions, campaign_id).closes_on == before.closes_on


def test_the_edit_form_speaks_french(
    client_as: Callable[[str], TestClient], sessions: sessionmaker[Session]
) -> None:
    campaign_id = closed_campaign(sessions)
    manager = client_as("innovation")
    form = manager.get(
        f"/innovation/campaigns/{campaign_id}/edit", headers={"Accept-Language": "fr"}
    )
    assert "Modifier la campagne" in form.text
    assert "Enregistrer les modifications" in form.text
    assert "sans date de clôture" in form.text
