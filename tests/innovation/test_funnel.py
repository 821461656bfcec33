"""The funnel: stage changes notify followers; merging duplicates asks supporters first."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from palabre.errors import ConflictError, NotFoundError, ValidationError
from palabre.innovation import funnel, notifications, service
from palabre.innovation.models import IdeaVote, Notification, VoteTransfer
from palabre.privacy.models import AuditEntry
from tests.innovation.ideas_helpers import MANAGER, campaign, member


def votes_on(session: Session, idea_id: int) -> set[int]:
    return set(session.scalars(sa.select(IdeaVote.person_id).where(IdeaVote.idea_id == idea_id)))


def kinds_for(session: Session, person_id: int | None) -> list[str]:
    return [n.kind for n in notifications.list_notifications(session, person_id)]


def test_a_stage_change_is_kept_in_the_history_audited_and_notifies_followers(
    session: Session,
) -> None:
    made = campaign(session)
    alice, bob, carol = member(session, "Alice"), member(session, "Bob"), member(session, "Carol")
    idea = service.submit_idea(session, alice, made.id, title="Vélos en libre service")
    service.follow_idea(session, bob, idea.id)
    funnel.move_stage(session, MANAGER, idea.id, "under_review", note="Étude par les RH")
    page = funnel.idea_page(session, bob, idea.id)
    assert [(h.from_stage, h.to_stage, h.note) for h in page.history] == [
        (None, "proposed", None),
        ("proposed", "under_review", "Étude par les RH"),
    ]
    assert page.history[1].actor == MANAGER.actor
    assert kinds_for(session, alice.person_id) == ["stage_changed"]
    assert kinds_for(session, bob.person_id) == ["stage_changed"]
    assert kinds_for(session, carol.person_id) == []  # not following
    note = notifications.list_notifications(session, bob.person_id)[0]
    assert note.details["to"] == "under_review"
    assert notifications.unread_count(session, bob.person_id) == 1
    assert notifications.mark_all_read(session, bob.person_id) == 1
    assert notifications.unread_count(session, bob.person_id) == 0
    assert session.scalar(
        sa.select(AuditEntry.details).where(AuditEntry.action == "idea.stage")
    ) == {"from": "proposed", "to": "under_review", "note": "Étude par les RH"}


def test_only_managers_move_ideas_and_only_to_stages_of_the_funnel(session: Session) -> None:
    made = campaign(session)
    alice = member(session, "Alice")
    idea = service.submit_idea(session, alice, made.id, title="Vélos")
    with pytest.raises(service.ParticipationDeniedError):
        funnel.move_stage(session, alice, idea.id, "selected")
    with pytest.raises(ValidationError, match="not a stage"):
        funnel.move_stage(session, MANAGER, idea.id, "shipped")
    with pytest.raises(ValidationError, match="merging"):
        funnel.move_stage(session, MANAGER, idea.id, "duplicate")
    with pytest.raises(ConflictError, match="already at stage"):
        funnel.move_stage(session, MANAGER, idea.id, "proposed")


def test_merging_an_idea_nobody_supports_asks_nobody(session: Session) -> None:
    made = campaign(session)
    alice = member(session, "Alice")
    a = service.submit_idea(session, alice, made.id, title="Parking vélo")
    b = service.submit_idea(session, member(session, "Bob"), made.id, title="Parking à vélos")
    report = funnel.merge_ideas(session, MANAGER, a.id, b.id)
    assert (report.transfers_asked, report.already_supporting) == (0, 0)
    assert (a.stage, a.merged_into_id) == ("duplicate", b.id)
    assert kinds_for(session, alice.person_id) == ["idea_merged"]  # she follows her idea
    assert session.scalars(sa.select(VoteTransfer)).all() == []


def test_merging_never_moves_a_vote_without_its_supporters_consent(session: Session) -> None:
    made = campaign(session)
    a = service.submit_idea(session, member(session, "Alice"), made.id, title="Parking vélo")
    b = service.submit_idea(session, member(session, "Bob"), made.id, title="Parking à vélos")
    yes, no, both = member(session, "Yann"), member(session, "Noé"), member(session, "Béa")
    for voter in (yes, no, both):
        service.vote_for_idea(session, voter, a.id)
    service.vote_for_idea(session, both, b.id)

    report = funnel.merge_ideas(session, MANAGER, a.id, b.id)
    assert (report.transfers_asked, report.already_supporting) == (2, 1)
    # Nothing moved yet: the supporters are asked.
    assert votes_on(session, a.id) == {yes.person_id, no.person_id, both.person_id}
    assert votes_on(session, b.id) == {both.person_id}
    assert kinds_for(session, yes.person_id) == ["vote_transfer"]
    assert kinds_for(session, both.person_id) == ["idea_merged"]
    with pytest.raises(ConflictError, match="merged into"):
        service.vote_for_idea(session, member(session, "Zoé"), a.id)

    [asked_yes] = funnel.pending_transfers(session, yes.person_id)
    [asked_no] = funnel.pending_transfers(session, no.person_id)
    with pytest.raises(NotFoundError):  # only the supporter answers for their vote
        funnel.answer_transfer(session, no, asked_yes.id, accept=True)
    funnel.answer_transfer(session, yes, asked_yes.id, accept=True)
    funnel.answer_transfer(session, no, asked_no.id, accept=False)
    assert votes_on(session, a.id) == {no.person_id, both.person_id}
    assert votes_on(session, b.id) == {yes.person_id, both.person_id}
    with pytest.raises(ConflictError, match="already answered"):
        funnel.answer_transfer(session, yes, asked_yes.id, accept=False)
    audited = session.scalars(
        sa.select(AuditEntry.action)
        .where(AuditEntry.action.like("%transfer%"))
        .order_by(AuditEntry.id)
    ).all()
    assert audited == ["vote_transfer.accept", "vote_transfer.decline"]
    assert session.scalar(
        sa.select(AuditEntry.details).where(AuditEntry.action == "idea.merge")
    ) == {
        "into": b.id,
        "from_stage": "proposed",
        "transfers_asked": 2,
        "already_supporting": 1,
    }


def test_merge_refuses_itself_a_merged_target_and_a_second_merge(session: Session) -> None:
    made = campaign(session)
    alice = member(session, "Alice")
    a, b, c = (
        service.submit_idea(session, alice, made.id, title=t)
        for t in ("Idée A", "Idée B", "Idée C")
    )
    with pytest.raises(ValidationError, match="itself"):
        funnel.merge_ideas(session, MANAGER, a.id, a.id)
    funnel.merge_ideas(session, MANAGER, a.id, b.id)
    with pytest.raises(ConflictError, match="already merged"):
        funnel.merge_ideas(session, MANAGER, a.id, c.id)
    with pytest.raises(ConflictError, match="merge into that one"):
        funnel.merge_ideas(session, MANAGER, c.id, a.id)
    page = funnel.idea_page(session, MANAGER, b.id)
    assert [d.id for d in page.duplicates] == [a.id]
    assert session.scalar(sa.select(sa.func.count()).select_from(Notification)) >= 1
