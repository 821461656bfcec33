"""Editing a campaign after its creation (palabre.innovation.campaign_edit): the same rules as
creation, one audit entry with the before and after of what changed, and dates that open
or close the campaign to pairwise answers."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from palabre.errors import ConflictError, ValidationError
from palabre.identity.models import Team
from palabre.innovation import crowd, funnel, service
from palabre.innovation.campaign_edit import update_campaign
from palabre.innovation.models import DEFAULT_STAGES, Campaign, PairwiseAnswer
from palabre.privacy.models import AuditEntry
from tests.innovation.ideas_helpers import MANAGER, campaign, member

TODAY = dt.date.today()


def updates(session: Session) -> list[AuditEntry]:
    return list(
        session.scalars(
            sa.select(AuditEntry)
            .where(AuditEntry.action == "campaign.update")
            .order_by(AuditEntry.id)
        )
    )


def closed_campaign_with_ideas(session: Session) -> tuple[Campaign, list[int]]:
    """A campaign that closed last month, holding three ideas proposed while it was open."""
    made = campaign(session)
    alice = member(session, "Alice")
    ideas = [
        service.submit_idea(session, alice, made.id, title=title).id
        for title in ("Vélos de service", "Jardin sur le toit", "Cantine bio")
    ]
    update_campaign(
        session,
        made,
        actor=MANAGER.actor,
        opens_on=TODAY - dt.timedelta(days=90),
        closes_on=TODAY - dt.timedelta(days=30),
    )
    return made, ideas


def test_an_edit_changes_the_given_fields_only_and_audits_their_before_and_after_once(
    session: Session,
) -> None:
    made = campaign(session)
    changes = update_campaign(
        session,
        made,
        actor="user:ines",
        name="  Bureau 2028 ",
        question="Comment rendre le bureau plus calme ?",
        closes_on=dt.date(2028, 6, 30),
    )
    assert set(changes) == {"name", "question", "closes_on"}
    assert (made.name, made.closes_on) == ("Bureau 2028", dt.date(2028, 6, 30))
    assert made.audience == "employees"  # left out, kept
    assert made.stages == list(DEFAULT_STAGES)
    [entry] = updates(session)
    assert (entry.actor, entry.subject_type, entry.subject_id) == (
        "user:ines",
        "campaign",
        str(made.id),
    )
    assert entry.details["changes"] == {
        "name": {"before": "Bureau 2027", "after": "Bureau 2028"},
        "question": {
            "before": "Comment améliorer la vie au bureau ?",
            "after": "Comment rendre le bureau plus calme ?",
        },
        "closes_on": {"before": None, "after": "2028-06-30"},
    }


def test_an_edit_that_changes_nothing_writes_no_audit_entry(session: Session) -> None:
    made = campaign(session)
    assert update_campaign(session, made, actor="t", name=made.name, closes_on=None) == {}
    assert updates(session) == []


def test_an_edit_is_refused_with_the_field_named_and_leaves_the_campaign_as_it_was(
    session: Session,
) -> None:
    made = campaign(session)
    campaign(session, "Boutique 2027", audience="customers")
    refusals = [
        (ValidationError, "^name: ", {"name": "  "}),
        (ValidationError, "^question: ", {"question": " "}),
        (ValidationError, "^audience: 'martians'", {"audience": "martians"}),
        (ValidationError, "^team: ", {"audience": "team"}),
        (ValidationError, "^team: ", {"audience": "team", "team_id": 999_999}),
        (ValidationError, "^segment: ", {"audience": "segment"}),
        (
            ValidationError,
            "^closes_on: the campaign closes before it opens",
            {"opens_on": dt.date(2027, 5, 2), "closes_on": dt.date(2027, 5, 1)},
        ),
        (
            ConflictError,
            "^name: a campaign is already called 'Boutique 2027'",
            {"name": "Boutique 2027"},
        ),
        (ValidationError, "^stages: 'En cours'", {"stages": ["En cours"]}),
    ]
    for error, message, fields in refusals:
        with pytest.raises(error, match=message):
            update_campaign(session, made, actor="t", **fields)  # type: ignore[arg-type]
    assert (made.name, made.audience, made.opens_on, made.closes_on) == (
        "Bureau 2027",
        "employees",
        None,
        None,
    )
    assert updates(session) == []


def test_the_closing_day_is_checked_against_the_opening_day_the_campaign_keeps(
    session: Session,
) -> None:
    made = campaign(session)
    update_campaign(session, made, actor="t", opens_on=dt.date(2027, 3, 1))
    with pytest.raises(ValidationError, match=r"^closes_on: "):
        update_campaign(session, made, actor="t", closes_on=dt.date(2027, 2, 28))
    assert made.closes_on is None


def test_the_audience_moves_to_a_team_and_back_dropping_the_team(session: Session) -> None:
    made = campaign(session)
    team = Team(name="Atelier", path="Atelier")
    session.add(team)
    session.flush()
    update_campaign(session, made, actor="t", audience="team", team_id=team.id)
    assert (made.audience, made.audience_team_id) == ("team", team.id)
    changes = update_campaign(session, made, actor="t", audience="public")
    assert changes == {"audience": ("team", "public"), "audience_team_id": (team.id, None)}
    assert made.audience_team_id is None
    # Keeping the audience keeps its team: a team edit only needs the fields it changes.
    update_campaign(session, made, actor="t", audience="team", team_id=team.id)
    update_campaign(session, made, actor="t", name="Atelier 2027")
    assert made.audience_team_id == team.id


def test_the_funnel_may_change_but_never_strands_an_idea(session: Session) -> None:
    made = campaign(session)
    idea = service.submit_idea(session, member(session, "Alice"), made.id, title="Vélos")
    funnel.move_stage(session, MANAGER, idea.id, "selected")
    with pytest.raises(ValidationError, match=r"^stages: .*1 at 'selected'"):
        update_campaign(session, made, actor="t", stages=["proposed", "pilote", "adopted"])
    update_campaign(session, made, actor="t", stages=["proposed", "selected", "pilote"])
    assert made.stages == ["proposed", "selected", "pilote", "duplicate"]
    update_campaign(session, made, actor="t", stages=None)  # back to the default funnel
    assert made.stages == list(DEFAULT_STAGES)


def test_reopening_a_closed_campaign_lets_people_answer_pairs_and_closing_it_refuses_them(
    session: Session,
) -> None:
    made, ideas = closed_campaign_with_ideas(session)
    bob = member(session, "Bob")
    assert not service.is_open(made)
    with pytest.raises(ValidationError, match="not open today"):
        crowd.answer_pair(session, bob, made.id, ideas[0], ideas[1], "left")

    changes = update_campaign(session, made, actor="user:ines", closes_on=None)
    assert changes == {"closes_on": (TODAY - dt.timedelta(days=30), None)}
    assert service.is_open(made)
    crowd.answer_pair(session, bob, made.id, ideas[0], ideas[1], "left")
    assert session.scalar(sa.select(sa.func.count()).select_from(PairwiseAnswer)) == 1

    update_campaign(session, made, actor="user:ines", closes_on=TODAY - dt.timedelta(days=1))
    assert not service.is_open(made)
    with pytest.raises(ValidationError, match="not open today"):
        crowd.answer_pair(session, bob, made.id, ideas[1], ideas[2], "right")
    assert session.scalar(sa.select(sa.func.count()).select_from(PairwiseAnswer)) == 1
    assert [e.details["changes"]["closes_on"]["after"] for e in updates(session)] == [
        (TODAY - dt.timedelta(days=30)).isoformat(),
        None,
        (TODAY - dt.timedelta(days=1)).isoformat(),
    ]
