"""Campaigns and ideas: who may propose, comment, follow and support, and what is audited."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from palabre.errors import ConflictError, NotFoundError, ValidationError
from palabre.identity.models import Team, TeamMembership
from palabre.innovation import service
from palabre.innovation.models import DEFAULT_STAGES, IdeaFollow, IdeaVote, StageChange
from palabre.people.service import Viewer
from palabre.privacy.models import AuditEntry
from tests.innovation.ideas_helpers import MANAGER, campaign, member


def actions(session: Session) -> list[str]:
    return list(session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)))


def test_a_campaign_gets_the_default_funnel_and_is_audited(session: Session) -> None:
    made = campaign(session)
    assert made.stages == list(DEFAULT_STAGES)
    assert actions(session) == ["campaign.create"]


def test_a_custom_funnel_always_ends_with_duplicate_and_refuses_bad_names(
    session: Session,
) -> None:
    made = service.create_campaign(
        session,
        name="Produit",
        question="Quoi ?",
        audience="customers",
        actor="test",
        stages=["idee", "etude", "lancee"],
    )
    assert made.stages == ["idee", "etude", "lancee", "duplicate"]
    with pytest.raises(ValidationError, match="stages: 'En cours'"):
        service.create_campaign(
            session, name="X", question="Q", audience="public", actor="t", stages=["En cours"]
        )
    with pytest.raises(ValidationError, match="audience"):
        service.create_campaign(session, name="Y", question="Q", audience="martians", actor="t")
    with pytest.raises(ConflictError, match="already called"):
        service.create_campaign(session, name="Produit", question="Q", audience="public", actor="t")
    with pytest.raises(ValidationError, match="closes before it opens"):
        service.create_campaign(
            session,
            name="Z",
            question="Q",
            audience="public",
            actor="t",
            opens_on=dt.date(2026, 5, 2),
            closes_on=dt.date(2026, 5, 1),
        )


def test_submitting_an_idea_starts_it_at_the_first_stage_followed_by_its_author(
    session: Session,
) -> None:
    made = campaign(session)
    alice = member(session, "Alice")
    idea = service.submit_idea(
        session,
        alice,
        made.id,
        title="  Télétravail   le vendredi ",
        body="Deux jours par semaine.",
        tags=["#RH", "rh", "bien-être"],
        links=["https://intranet.example/rh"],
    )
    assert (idea.title, idea.stage, idea.author_id) == (
        "Télétravail le vendredi",
        "proposed",
        alice.person_id,
    )
    assert idea.tags == ["RH", "bien-être"]
    assert idea.links == [{"url": "https://intranet.example/rh"}]
    history = session.scalars(sa.select(StageChange)).all()
    assert [(h.from_stage, h.to_stage) for h in history] == [(None, "proposed")]
    assert session.scalar(sa.select(IdeaFollow.person_id)) == alice.person_id
    assert actions(session)[-1] == "idea.submit"


def test_bad_input_names_the_field(session: Session) -> None:
    made = campaign(session)
    alice = member(session, "Alice")
    with pytest.raises(ValidationError, match="title"):
        service.submit_idea(session, alice, made.id, title="ok")
    with pytest.raises(ValidationError, match="links: line 2"):
        service.submit_idea(
            session,
            alice,
            made.id,
            title="Good title",
            links=["https://a.example", "javascript:alert(1)"],
        )


def test_an_account_without_a_person_cannot_take_part(session: Session) -> None:
    made = campaign(session)
    with pytest.raises(ValidationError, match="not linked to a person"):
        service.submit_idea(session, Viewer(actor="user:x", role="member"), made.id, title="Idée")


def test_audiences_decide_who_sees_and_who_takes_part(session: Session) -> None:
    staff = campaign(session, "Interne", "employees")
    clients = campaign(session, "Clients", "customers")
    customer = member(session, "Chloé", role="customer", kind="customer")
    employee = member(session, "Eve")
    # A customer does not see an internal campaign at all.
    with pytest.raises(NotFoundError):
        service.submit_idea(session, customer, staff.id, title="Une idée")
    assert [r.campaign.name for r in service.list_campaigns(session, customer)] == ["Clients"]
    # Employees read the customers' campaign but do not take part in it.
    with pytest.raises(service.ParticipationDeniedError):
        service.submit_idea(session, employee, clients.id, title="Une idée")
    assert service.submit_idea(session, customer, clients.id, title="Livraison le samedi").id


def test_a_team_campaign_admits_the_current_members_of_the_team_and_below(
    session: Session,
) -> None:
    ops = Team(name="Ops", path="Ops")
    session.add(ops)
    session.flush()
    night = Team(name="Nuit", parent_id=ops.id, path="Ops/Nuit")
    session.add(night)
    session.flush()
    made = service.create_campaign(
        session, name="Ops", question="Q", audience="team", team_id=ops.id, actor="t"
    )
    inside, outside, former = member(session, "In"), member(session, "Out"), member(session, "Old")
    session.add(TeamMembership(person_id=inside.person_id, team_id=night.id))
    session.add(
        TeamMembership(person_id=former.person_id, team_id=ops.id, until=dt.date(2020, 1, 1))
    )
    session.flush()
    assert service.submit_idea(session, inside, made.id, title="Rotation des astreintes")
    for stranger in (outside, former):
        with pytest.raises(service.ParticipationDeniedError):
            service.submit_idea(session, stranger, made.id, title="Rotation")


def test_a_closed_campaign_takes_no_idea(session: Session) -> None:
    made = campaign(session)
    made.closes_on = dt.date.today() - dt.timedelta(days=1)
    with pytest.raises(ConflictError, match="not open"):
        service.submit_idea(session, member(session, "Alice"), made.id, title="Trop tard")


def test_one_support_vote_per_person_and_it_can_be_withdrawn(session: Session) -> None:
    made = campaign(session)
    idea = service.submit_idea(session, member(session, "Alice"), made.id, title="Vélos")
    bob = member(session, "Bob")
    assert service.vote_for_idea(session, bob, idea.id) is True
    assert service.vote_for_idea(session, bob, idea.id) is False
    assert session.scalar(sa.select(sa.func.count()).select_from(IdeaVote)) == 1
    assert service.vote_for_idea(session, bob, idea.id, support=False) is True
    assert session.scalar(sa.select(sa.func.count()).select_from(IdeaVote)) == 0
    assert actions(session)[-2:] == ["idea.vote", "idea.unvote"]


def test_comment_and_follow_are_audited_and_a_commenter_follows(session: Session) -> None:
    made = campaign(session)
    idea = service.submit_idea(session, member(session, "Alice"), made.id, title="Vélos")
    bob = member(session, "Bob")
    service.comment_on_idea(session, bob, idea.id, "Oui, avec des bornes de recharge.")
    assert service.follow_idea(session, bob, idea.id) is False  # already, by commenting
    assert service.follow_idea(session, bob, idea.id, follow=False) is True
    assert actions(session)[-2:] == ["idea.comment", "idea.unfollow"]
    with pytest.raises(ValidationError, match="body"):
        service.comment_on_idea(session, bob, idea.id, "   ")


def test_campaign_ideas_most_supported_first_and_the_board_by_stage(session: Session) -> None:
    made = campaign(session)
    alice = member(session, "Alice")
    first = service.submit_idea(session, alice, made.id, title="Première idée")
    second = service.submit_idea(session, alice, made.id, title="Seconde idée")
    service.vote_for_idea(session, member(session, "Bob"), second.id)
    _, rows = service.campaign_ideas(session, MANAGER, made.id)
    assert [(r.id, r.votes, r.author) for r in rows] == [
        (second.id, 1, "Alice"),
        (first.id, 0, "Alice"),
    ]
    _, board = service.funnel_board(session, MANAGER, made.id)
    assert list(board) == list(DEFAULT_STAGES)
    assert {r.id for r in board["proposed"]} == {first.id, second.id}
