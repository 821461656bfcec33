"""Who carries an idea: managers assign people to roles stage after stage, release them,
and the load of open ideas carried lowers a busy person in the suggestions."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from palabre.errors import ConflictError, NotFoundError, ValidationError
from palabre.identity.models import Identity
from palabre.innovation import assignments, funnel, notifications, service
from palabre.innovation.models import IdeaRole, Notification
from palabre.innovation.service import ParticipationDeniedError
from palabre.privacy.models import AuditEntry
from tests.innovation.ideas_helpers import MANAGER, campaign, member, person
from tests.innovation.leaders_world import community_records, load


def audited(session: Session, action: str) -> list[dict[str, object]]:
    return list(
        session.scalars(
            sa.select(AuditEntry.details).where(AuditEntry.action == action).order_by(AuditEntry.id)
        )
    )


def test_assigning_records_the_stage_audits_and_tells_the_person(session: Session) -> None:
    made = campaign(session)
    alice, bob = member(session, "Alice"), member(session, "Bob")
    assert bob.person_id is not None
    idea = service.submit_idea(session, alice, made.id, title="Vélos en libre service")
    funnel.move_stage(session, MANAGER, idea.id, "under_review")

    role = assignments.assign(session, MANAGER, idea.id, "expert", bob.person_id)

    assert (role.stage, role.role, role.person_id, role.assigned_by) == (
        "under_review",
        "expert",
        bob.person_id,
        MANAGER.actor,
    )
    assert role.released_at is None
    told = notifications.list_notifications(session, bob.person_id)
    assert [(n.kind, n.idea_id, n.details["role"]) for n in told] == [
        ("role_assigned", idea.id, "expert")
    ]
    assert audited(session, "idea.role.assign") == [
        {"assignment": role.id, "role": "expert", "person": bob.person_id, "stage": "under_review"}
    ]
    with pytest.raises(ConflictError, match="already expert"):
        assignments.assign(session, MANAGER, idea.id, "expert", bob.person_id)
    # Another role for the same person is a different assignment.
    assignments.assign(session, MANAGER, idea.id, "champion", bob.person_id)


def test_releasing_keeps_the_row_dated_audits_and_tells_the_person(session: Session) -> None:
    made = campaign(session)
    alice = member(session, "Alice")
    assert alice.person_id is not None
    idea = service.submit_idea(session, alice, made.id, title="Un jardin partagé")
    role = assignments.assign(session, MANAGER, idea.id, "ideator", alice.person_id)

    assignments.release(session, MANAGER, role.id)

    kept = session.get(IdeaRole, role.id)
    assert kept is not None
    assert kept.released_at is not None
    assert kept.released_by == MANAGER.actor
    kinds = [n.kind for n in notifications.list_notifications(session, alice.person_id)]
    assert kinds == ["role_released", "role_assigned"]  # newest first
    assert audited(session, "idea.role.release") == [
        {"assignment": role.id, "role": "ideator", "person": alice.person_id}
    ]
    with pytest.raises(ConflictError, match="already released"):
        assignments.release(session, MANAGER, role.id)
    # Released, the person may be given the role again.
    assignments.assign(session, MANAGER, idea.id, "ideator", alice.person_id)


def test_only_managers_assign_and_bad_input_is_named(session: Session) -> None:
    made = campaign(session)
    alice = member(session, "Alice")
    assert alice.person_id is not None
    idea = service.submit_idea(session, alice, made.id, title="Une cantine bio")
    with pytest.raises(ParticipationDeniedError):
        assignments.assign(session, alice, idea.id, "expert", alice.person_id)
    role = assignments.assign(session, MANAGER, idea.id, "expert", alice.person_id)
    with pytest.raises(ParticipationDeniedError):
        assignments.release(session, alice, role.id)
    with pytest.raises(ParticipationDeniedError):
        assignments.suggestions(session, alice, idea.id)
    with pytest.raises(ValidationError, match="role: 'boss' is not a role"):
        assignments.assign(session, MANAGER, idea.id, "boss", alice.person_id)
    with pytest.raises(NotFoundError, match="person: no person 999999"):
        assignments.assign(session, MANAGER, idea.id, "expert", 999_999)
    with pytest.raises(NotFoundError, match="idea: no idea 999999"):
        assignments.assign(session, MANAGER, 999_999, "expert", alice.person_id)
    with pytest.raises(NotFoundError, match="assignment: no assignment 999999"):
        assignments.release(session, MANAGER, 999_999)
    assert session.scalar(sa.select(sa.func.count()).select_from(IdeaRole)) == 1


def test_the_load_counts_open_ideas_carried_only(session: Session) -> None:
    made = campaign(session)
    alice, bob = member(session, "Alice"), member(session, "Bob")
    assert alice.person_id is not None
    assert bob.person_id is not None
    ideas = [
        service.submit_idea(session, alice, made.id, title=title).id
        for title in ("Vélos partagés", "Jardin partagé", "Cantine bio", "Salle de sieste")
    ]
    for idea_id in ideas:
        assignments.assign(session, MANAGER, idea_id, "expert", bob.person_id)
    # Two roles on one idea count once.
    assignments.assign(session, MANAGER, ideas[0], "champion", bob.person_id)
    assert assignments.current_load(session, [bob.person_id, alice.person_id]) == {bob.person_id: 4}
    funnel.move_stage(session, MANAGER, ideas[1], "adopted")
    funnel.merge_ideas(session, MANAGER, ideas[2], ideas[0])
    released = session.scalar(
        sa.select(IdeaRole.id).where(IdeaRole.idea_id == ideas[3], IdeaRole.role == "expert")
    )
    assert released is not None
    assignments.release(session, MANAGER, released)
    assert assignments.current_load(session, [bob.person_id]) == {bob.person_id: 1}
    assert assignments.current_load(session, []) == {}


def test_the_page_groups_carriers_by_the_stage_they_were_assigned_at(session: Session) -> None:
    made = campaign(session)
    alice, bob, carol = member(session, "Alice"), member(session, "Bob"), member(session, "Carol")
    assert alice.person_id
    assert bob.person_id
    assert carol.person_id
    idea = service.submit_idea(session, alice, made.id, title="Vélos partagés")
    first = assignments.assign(session, MANAGER, idea.id, "ideator", alice.person_id)
    funnel.move_stage(session, MANAGER, idea.id, "selected")
    assignments.assign(session, MANAGER, idea.id, "champion", bob.person_id)
    assignments.release(session, MANAGER, first.id)
    funnel.move_stage(session, MANAGER, idea.id, "experimenting")
    assignments.assign(session, MANAGER, idea.id, "validator", carol.person_id)

    # Anyone who may see the idea sees who carries it, not only managers.
    groups = assignments.carriers(session, carol, idea.id)

    shown = [
        (g.stage, [(c.role, c.name, c.released_at is not None) for c in g.carriers]) for g in groups
    ]
    assert shown == [
        ("proposed", [("ideator", "Alice", True)]),
        ("selected", [("champion", "Bob", False)]),
        ("experimenting", [("validator", "Carol", False)]),
    ]


def test_a_person_is_found_by_number_or_name(session: Session) -> None:
    ana = person(session, "Ana Lopez")
    person(session, "Anatole Roy")
    assert assignments.find_person(session, str(ana)).id == ana
    assert assignments.find_person(session, f"#{ana}").id == ana
    assert assignments.find_person(session, "ana lopez").id == ana  # exact, any case
    assert assignments.find_person(session, "lopez").id == ana  # the only partial match
    with pytest.raises(ValidationError, match="names several people"):
        assignments.find_person(session, "ana")
    with pytest.raises(NotFoundError, match="nobody named 'Zoé'"):
        assignments.find_person(session, "Zoé")
    with pytest.raises(ValidationError, match="person: give"):
        assignments.find_person(session, "  ")


IDEA = ("Des emballages consignés", "Pour réduire nos déchets d'emballage.")


def test_a_busy_person_is_suggested_less(sessions: sessionmaker[Session]) -> None:
    load(sessions, community_records())
    with sessions() as session:
        made = campaign(session)
        author = member(session, "Alice")
        idea = service.submit_idea(session, author, made.id, title=IDEA[0], body=IDEA[1])
        free = assignments.suggestions(session, MANAGER, idea.id)
        ana = session.scalar(sa.select(Identity.person_id).where(Identity.external_id == "ana"))
        assert ana is not None
        assert [s.person.id for s in free.roles["ideator"]] == [ana]
        assert free.roles["ideator"][0].load == 0
        # Ana carries three other open ideas: her score is divided by 1 + 3.
        for title in ("Vélos partagés", "Jardin partagé", "Cantine bio"):
            other = service.submit_idea(session, author, made.id, title=title)
            assignments.assign(session, MANAGER, other.id, "champion", ana)

        busy = assignments.suggestions(session, MANAGER, idea.id)

        ideator = busy.roles["ideator"][0]
        assert ideator.person.id == ana  # still far ahead of anyone else on this topic
        assert ideator.load == 3
        assert ideator.score == pytest.approx(free.roles["ideator"][0].score / 4)
        assert ideator.why.en.endswith("already carries 3 things")
        viewed = audited(session, "leaders.viewed")
        assert len(viewed) == 2
        assert ana in viewed[0]["people"]


def test_the_digest_words_an_assignment_in_the_persons_language() -> None:
    note = Notification(
        person_id=1,
        kind="role_assigned",
        idea_id=7,
        details={"title": "Vélos partagés", "role": "expert", "stage": "selected"},
    )
    french = notifications.digest_text([note], "fr", "https://palabre.example")
    english = notifications.digest_text([note], "en", "https://palabre.example")
    assert "On vous a confié le rôle d'expert pour « Vélos partagés »" in french
    assert "You were asked to be expert of “Vélos partagés” (stage selected)." in english
    assert "https://palabre.example/ideas/7" in english
