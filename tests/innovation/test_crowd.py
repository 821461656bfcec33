"""Crowd validation in a campaign: statements, their moderation and votes, the opinion map,
and pairwise answers (palabre.innovation.crowd)."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from palabre.db.engine import transaction
from palabre.errors import NotFoundError, ValidationError
from palabre.innovation import crowd, service
from palabre.innovation.models import StatementVote
from palabre.innovation.service import ParticipationDeniedError
from palabre.people.service import Viewer
from palabre.privacy.models import AuditEntry
from tests.innovation.camps import camps_conversation
from tests.innovation.ideas_helpers import MANAGER, campaign, member


def test_a_participant_statement_waits_for_a_manager_before_anyone_votes(
    session: Session,
) -> None:
    made = campaign(session)
    alice = member(session, "Alice")
    mine = crowd.add_statement(session, alice, made.id, "  Plus de   salles calmes ")
    assert (mine.text, mine.moderation) == ("Plus de salles calmes", "unmoderated")
    with pytest.raises(ValidationError, match="not open to votes"):
        crowd.vote_on_statement(session, alice, mine.id, 1)
    assert crowd.next_statement(session, alice, made.id).statement is None
    with pytest.raises(ParticipationDeniedError):
        crowd.moderate_statement(session, alice, mine.id, "in")
    crowd.moderate_statement(session, MANAGER, mine.id, "in")
    assert crowd.next_statement(session, alice, made.id).statement == mine
    seeded = crowd.add_statement(session, MANAGER, made.id, "Sans personne liée")
    assert (seeded.moderation, seeded.author_id) == ("in", None)
    by_manager = crowd.add_statement(
        session, member(session, "Ines", role="innovation"), made.id, "x"
    )
    assert by_manager.moderation == "in"


def test_one_vote_per_participant_and_statement_changeable_and_audited_without_its_value(
    session: Session,
) -> None:
    made = campaign(session)
    alice = member(session, "Alice")
    statement = crowd.add_statement(session, MANAGER_WITH_PERSON(session), made.id, "Cantine bio")
    assert crowd.vote_on_statement(session, alice, statement.id, 1)
    assert not crowd.vote_on_statement(session, alice, statement.id, 1)
    assert crowd.vote_on_statement(session, alice, statement.id, -1)
    assert session.scalars(sa.select(StatementVote.value)).all() == [-1]
    entries = session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "statement.vote")
    ).all()
    assert len(entries) == 2
    assert all(e.details == {} for e in entries)
    with pytest.raises(ValidationError, match="not 1"):
        crowd.vote_on_statement(session, alice, statement.id, 2)
    state = crowd.next_statement(session, alice, made.id)
    assert (state.statement, state.voted, state.total) == (None, 1, 1)


def MANAGER_WITH_PERSON(session: Session) -> Viewer:  # noqa: N802 - reads like the constant
    return member(session, "Ines", role="innovation")


def test_the_audience_decides_who_votes(session: Session) -> None:
    staff = campaign(session)
    statement = crowd.add_statement(session, MANAGER_WITH_PERSON(session), staff.id, "Badges")
    client = member(session, "Client", role="customer", kind="customer")
    with pytest.raises(NotFoundError):  # a customer does not even see a staff campaign
        crowd.vote_on_statement(session, client, statement.id, 1)
    shop = campaign(session, "Boutique", audience="customers")
    asked = crowd.add_statement(session, MANAGER_WITH_PERSON(session), shop.id, "Livraison")
    assert crowd.vote_on_statement(session, client, asked.id, 1)
    with pytest.raises(ParticipationDeniedError):  # employees read along, customers answer
        crowd.vote_on_statement(session, member(session, "Alice"), asked.id, 1)


def _vote_camps(session: Session, sizes: list[int]) -> tuple[int, np.ndarray]:
    made = campaign(session)
    manager = MANAGER_WITH_PERSON(session)
    values, truth = camps_conversation(sizes, n_statements=12, seed=3)
    ids = [crowd.add_statement(session, manager, made.id, f"Énoncé {s}").id for s in range(12)]
    for row in values:
        voter = member(session, "V")
        for column, value in enumerate(row):
            if not np.isnan(value):
                crowd.vote_on_statement(session, voter, ids[column], int(value))
    return made.id, truth


def test_the_opinion_map_finds_the_camps_and_hides_groups_under_the_minimum_size(
    session: Session,
) -> None:
    campaign_id, _truth = _vote_camps(session, [14, 10])
    found = crowd.opinion_map(session, MANAGER, campaign_id)
    assert found.ready
    assert found.participants == 24
    sizes = sorted(group.size for group in found.groups)
    assert sizes == [10, 14]
    for group in found.groups:
        assert group.shown
        assert len(group.points) == group.size
        assert group.representative
    with pytest.raises(ParticipationDeniedError):
        crowd.opinion_map(session, member(session, "Alice"), campaign_id)


def test_a_map_of_fewer_people_than_the_minimum_is_withheld(session: Session) -> None:
    campaign_id, _ = _vote_camps(session, [2, 2])
    found = crowd.opinion_map(session, MANAGER, campaign_id)
    assert not found.ready
    assert found.groups == []


def test_pairwise_answers_feed_the_scores_and_the_next_pair(session: Session) -> None:
    made = campaign(session)
    alice = member(session, "Alice")
    ideas = [
        service.submit_idea(session, alice, made.id, title=title, body="", tags=[])
        for title in ("Vélos", "Jardin", "Sieste")
    ]
    assert crowd.pairwise_scores(session, alice, made.id) == []
    rng = np.random.default_rng(0)
    for _ in range(12):
        _, pair = crowd.choose_pair(session, alice, made.id, rng)
        assert pair is not None
        assert pair[0].id != pair[1].id
        left, right = pair
        # Alice always prefers the bikes; between the two others she cannot decide.
        if ideas[0].id in (left.id, right.id):
            choice = "left" if left.id == ideas[0].id else "right"
        else:
            choice = "cannot_decide"
        crowd.answer_pair(session, alice, made.id, left.id, right.id, choice)
    scores = crowd.pairwise_scores(session, alice, made.id)
    assert scores[0].idea.id == ideas[0].id
    assert all(s.score.low <= s.score.score <= s.score.high for s in scores)
    with pytest.raises(ValidationError, match="not compared"):
        crowd.answer_pair(session, alice, made.id, ideas[0].id, 999_999, "left")
    with pytest.raises(ValidationError, match="choice"):
        crowd.answer_pair(session, alice, made.id, ideas[0].id, ideas[1].id, "both")


def test_palabre_crowd_ranking_prints_the_stored_pairwise_ranking(
    sessions: sessionmaker[Session], cli_env: dict[str, str]
) -> None:
    with transaction(sessions) as session:
        made = campaign(session)
        alice = member(session, "Alice")
        bikes, garden = (
            service.submit_idea(session, alice, made.id, title=t, body="", tags=[])
            for t in ("Vélos", "Jardin")
        )
        for _ in range(3):
            crowd.answer_pair(session, alice, made.id, garden.id, bikes.id, "right")
    done = subprocess.run(
        [sys.executable, "-m", "palabre", "crowd", "ranking", "Bureau 2027", "--json"],
        env=cli_env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)
    assert [row["title"] for row in rows] == ["Vélos", "Jardin"]
    assert rows[0]["low"] < rows[0]["score"] < rows[0]["high"]
    assert rows[0]["appearances"] == 3
