"""People suggested for the roles of an idea, on a seeded workspace of two communities
(tests/innovation/leaders_world.py): Ana leads the first and writes about returnable
packaging, Gil leads the second and asks about it once, Bob answers Ana on it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from palabre.errors import ValidationError
from palabre.identity.models import Identity
from palabre.innovation.roles import ROLES, suggest_roles
from tests.innovation.leaders_world import community_records, load

IDEA = ("Des emballages consignés", "Pour réduire nos déchets d'emballage.")


@pytest.fixture
def workspace(sessions: sessionmaker[Session]) -> sessionmaker[Session]:
    load(sessions, community_records())
    return sessions


def _names(found: object) -> dict[str, list[str]]:
    roles = found.roles  # type: ignore[attr-defined]
    return {role: [s.person.name for s in roles[role]] for role in ROLES}


def test_each_role_gets_the_people_the_rules_point_at(workspace: sessionmaker[Session]) -> None:
    with workspace() as session:
        found = suggest_roles(session, *IDEA, language="fr")
    names = _names(found)
    assert names["ideator"] == ["Ana"]  # she starts the conversations and gets answered
    assert names["champion"] == ["Gil"]  # the most influential other who wrote about it
    assert names["experts"] == ["Bob"]
    # Validators: the first community, where most of the topic is written, not its leader.
    assert names["validators"]
    assert set(names["validators"]) <= {"Cat", "Dan", "Eve", "Fred"}
    assert found.topic == "Des emballages consignés"
    assert found.topical_messages == 5  # Ana's three posts, Bob's answer, Gil's question
    ana = found.roles["ideator"][0]
    assert ana.why.en.startswith("started 3 conversations about “Des emballages consignés”")
    assert ana.why.fr.endswith("ne porte encore rien")
    validator = found.roles["validators"][0]
    assert "in community 1, where 80% of the messages" in validator.why.en


def test_nobody_is_suggested_twice_and_lists_are_strongest_first(
    workspace: sessionmaker[Session],
) -> None:
    with workspace() as session:
        found = suggest_roles(session, *IDEA, language="fr", per_role=5)
    everyone = [s.person.id for role in ROLES for s in found.roles[role]]
    assert len(everyone) == len(set(everyone))
    for role in ROLES:
        scores = [s.score for s in found.roles[role]]
        assert scores == sorted(scores, reverse=True)


def test_a_heavy_load_moves_a_role_to_someone_free(workspace: sessionmaker[Session]) -> None:
    with workspace() as session:
        ana = session.scalar(sa.select(Identity.person_id).where(Identity.external_id == "ana"))
        asked: list[int] = []

        def load(people: Sequence[int]) -> Mapping[int, int]:
            asked.extend(people)
            return {ana: 100}

        found = suggest_roles(session, *IDEA, language="fr", load=load)
    assert ana in asked
    names = _names(found)
    assert names["ideator"] == ["Gil"]  # the other who started a conversation on it
    carried = [s for role in ROLES for s in found.roles[role] if s.person.id == ana]
    assert [s.load for s in carried] in ([], [100])
    for s in carried:
        assert s.why.en.endswith("already carries 100 things")


def test_an_idea_nobody_talks_about_gets_no_ideator_or_expert(
    workspace: sessionmaker[Session],
) -> None:
    with workspace() as session:
        found = suggest_roles(session, "Une fusée lunaire", "Propulsion atomique", language="fr")
    assert found.topical_messages == 0
    assert all(found.roles[role] == [] for role in ROLES)


def test_an_idea_without_a_title_is_refused(workspace: sessionmaker[Session]) -> None:
    with workspace() as session, pytest.raises(ValidationError, match="title"):
        suggest_roles(session, "  ", "du texte")
