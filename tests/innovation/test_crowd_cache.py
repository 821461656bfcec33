"""The opinion map is computed once per state of a campaign's votes and statements
(palabre.innovation.crowd_cache), and a closed campaign takes answers only on the days
it was open (the ``today`` of the crowd actions)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.orm import Session

from palabre.errors import ValidationError
from palabre.innovation import crowd, service
from palabre.innovation.crowd_cache import change_key
from palabre.innovation.models import Campaign
from tests.innovation.ideas_helpers import MANAGER, campaign, member
from tests.innovation.test_crowd import MANAGER_WITH_PERSON, _vote_camps


def test_a_second_view_reuses_the_map_and_a_new_vote_or_moderation_recomputes_it(
    session: Session,
) -> None:
    crowd.MAPS.clear()
    campaign_id, _ = _vote_camps(session, [9, 8])
    before = crowd.MAPS.computed
    first = crowd.opinion_map(session, MANAGER, campaign_id)
    again = crowd.opinion_map(session, MANAGER, campaign_id)
    assert crowd.MAPS.computed == before + 1
    assert again.groups == first.groups
    assert again.votes == first.votes
    # A new participant's vote: the map is computed again and counts it.
    statement = crowd.next_statement(session, member(session, "Zoé"), campaign_id).statement
    assert statement is not None
    newcomer = member(session, "Nouvelle")
    assert crowd.vote_on_statement(session, newcomer, statement.id, 1)
    after_vote = crowd.opinion_map(session, MANAGER, campaign_id)
    assert crowd.MAPS.computed == before + 2
    assert after_vote.votes == first.votes + 1
    assert after_vote.participants == first.participants + 1
    # A changed vote (same count of votes) is a change too.
    assert crowd.vote_on_statement(session, newcomer, statement.id, -1)
    crowd.opinion_map(session, MANAGER, campaign_id)
    assert crowd.MAPS.computed == before + 3
    # Moderating a statement out changes the map's input: computed again.
    crowd.moderate_statement(session, MANAGER, statement.id, "out")
    crowd.opinion_map(session, MANAGER, campaign_id)
    assert crowd.MAPS.computed == before + 4
    crowd.opinion_map(session, MANAGER, campaign_id)
    assert crowd.MAPS.computed == before + 4


def test_the_change_key_of_two_campaigns_are_apart(session: Session) -> None:
    first, _ = _vote_camps(session, [5, 5])
    other = campaign(session, "Autre")
    quiet = change_key(session, other.id)
    crowd.add_statement(session, MANAGER_WITH_PERSON(session), first, "Encore un énoncé")
    assert change_key(session, other.id) == quiet
    assert change_key(session, first) != quiet


def _closed(session: Session) -> Campaign:
    return service.create_campaign(
        session,
        name="Printemps 2025",
        question="Quelle idée d'abord ?",
        audience="public",
        opens_on=dt.date(2025, 3, 3),
        closes_on=dt.date(2025, 3, 30),
        actor=MANAGER.actor,
    )


def test_a_closed_campaign_takes_answers_dated_while_it_was_open_and_refuses_others(
    session: Session,
) -> None:
    made = _closed(session)
    alice = member(session, "Alice")
    inside, after = dt.date(2025, 3, 10), dt.date(2025, 4, 2)
    statement = crowd.add_statement(session, MANAGER, made.id, "Soldes plus longues", today=inside)
    assert crowd.vote_on_statement(session, alice, statement.id, 1, today=inside)
    for day in (None, after):
        with pytest.raises(ValidationError, match="not open today"):
            crowd.vote_on_statement(session, alice, statement.id, -1, today=day)
    ideas = [
        service.add_idea(session, made, title=t, body=t, author_id=None, actor="test")
        for t in ("Casiers en gare", "Catalogue papier")
    ]
    answer = crowd.answer_pair(
        session, alice, made.id, ideas[0].id, ideas[1].id, "right", today=inside
    )
    assert answer.choice == "right"
    with pytest.raises(ValidationError, match="not open today"):
        crowd.answer_pair(session, alice, made.id, ideas[0].id, ideas[1].id, "left", today=after)
