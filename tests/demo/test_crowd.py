"""The demo company's crowd validation: a statement conversation with planted opinion
groups, pairwise answers following the ideas' planted appeal (palabre.demo.crowd_plan,
palabre.demo.crowd), scored against the ground truth (palabre.demo.crowd_eval)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from palabre.db.engine import transaction
from palabre.demo import generate_company
from palabre.demo.crowd import STATEMENT_CAMPAIGN, DemoCrowdReport, load_demo_crowd
from palabre.demo.crowd_eval import load_demo, score_crowd
from palabre.demo.crowd_plan import GROUPS, plan_votes
from palabre.demo.ideas import CAMPAIGN_NAMES
from palabre.errors import ValidationError
from palabre.identity.models import Person
from palabre.innovation import crowd, service
from palabre.innovation.models import Campaign, Idea, PairwiseAnswer, Statement, StatementVote
from palabre.people.service import Viewer
from palabre.privacy.models import AuditEntry


def test_the_ground_truth_plants_groups_statements_in_both_languages_and_moderation() -> None:
    crowd = generate_company("tiny", seed=42).ground_truth()["crowd"]
    participants = crowd["participants"]
    assert {p["group"] for p in participants} == set(GROUPS)
    assert {p["kind"] for p in participants} == {"customer", "employee"}
    assert len({p["person"] for p in participants}) == len(participants)
    statements = crowd["statements"]
    assert {s["language"] for s in statements} == {"fr", "en"}
    added = [s for s in statements if s["author"] is not None]
    assert len(added) >= 3
    assert {s["author"] for s in added} <= {p["person"] for p in participants}
    assert sum(s["moderation"] == "out" for s in statements) == 2
    # Some statements unite every group, others divide them.
    seeded = [s["stances"] for s in statements if s["author"] is None]
    assert any(len(set(st.values())) == 1 for st in seeded)
    assert any({1, -1} <= set(st.values()) for st in seeded)
    # The same seed gives the same plan; another seed another one.
    assert generate_company("tiny", seed=42).ground_truth()["crowd"] == crowd
    assert generate_company("tiny", seed=7).ground_truth()["crowd"] != crowd


def test_planted_votes_follow_each_group_stance_with_noise_and_passes() -> None:
    crowd = generate_company("small", seed=3).ground_truth()["crowd"]
    votes = plan_votes(crowd)
    group = {p["person"]: p["group"] for p in crowd["participants"]}
    stance = {s["key"]: s["stances"] for s in crowd["statements"]}
    assert {v.statement for v in votes} == {
        s["key"] for s in crowd["statements"] if s["moderation"] == "in"
    }
    values = Counter(v.value for v in votes)
    assert 0.05 < values[0] / len(votes) < 0.2  # passes
    firm = [v for v in votes if v.value != 0 and stance[v.statement][group[v.person]] != 0]
    along = sum(v.value == stance[v.statement][group[v.person]] for v in firm) / len(firm)
    assert 0.85 < along < 0.97  # mostly with one's group, never unanimously
    authors = {s["key"]: s["author"] for s in crowd["statements"] if s["author"]}
    assert not any(authors.get(v.statement) == v.person for v in votes)


def test_the_demo_crowd_is_stored_through_the_actions_and_finds_what_was_planted(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    truth, report = load_demo(sessions, "tiny", 42, tmp_path)
    crowd = truth["crowd"]
    with sessions() as session:
        campaign = session.scalar(sa.select(Campaign).where(Campaign.name == STATEMENT_CAMPAIGN))
        assert campaign is not None
        assert campaign.closes_on is None
        moderation = Counter(
            session.scalars(
                sa.select(Statement.moderation).where(Statement.campaign_id == campaign.id)
            )
        )
        assert moderation == {"in": len(crowd["statements"]) - 2, "out": 2}
        stored = session.scalar(sa.select(sa.func.count()).select_from(StatementVote))
        answers = session.scalar(sa.select(sa.func.count()).select_from(PairwiseAnswer))
        assert stored == report.votes == len(plan_votes(crowd))
        assert answers == report.answers > 0
        # Each vote and answer went through its action: one audit entry each.
        audited = dict(
            session.execute(
                sa.select(AuditEntry.action, sa.func.count()).group_by(AuditEntry.action)
            ).all()
        )
        assert audited["statement.vote"] == stored
        assert audited["pairwise.answer"] == answers
        assert audited["statement.moderate"] == len(crowd["statements"]) - len(
            [s for s in crowd["statements"] if s["author"] is None]
        )
        scores = score_crowd(session, truth)
    # The opinion map finds the planted groups (ARI 1 is perfect, 0 chance) and the
    # pairwise ranking follows the planted appeal.
    assert scores.groups >= 2
    assert scores.ari >= 0.6, scores
    assert set(scores.spearman) == {"durable", "service"}
    assert min(scores.spearman.values()) >= 0.6, scores
    # Loading again changes nothing.
    with transaction(sessions) as session:
        again = load_demo_crowd(session, truth)
    assert (again.statements, again.votes, again.answers) == (0, 0, 0)
    with sessions() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(StatementVote)) == stored


def test_the_latest_idea_campaign_stays_open_so_a_visitor_answers_pairs_today(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    truth, report = load_demo(sessions, "tiny", 42, tmp_path)
    ends = {c["key"]: c["end"] for c in truth["campaigns"]}
    assert max(ends, key=lambda key: ends[key]) == "service"
    assert report.reopened == CAMPAIGN_NAMES["service"]
    with transaction(sessions) as session:
        service_ = session.scalar(
            sa.select(Campaign).where(Campaign.name == CAMPAIGN_NAMES["service"])
        )
        durable = session.scalar(
            sa.select(Campaign).where(Campaign.name == CAMPAIGN_NAMES["durable"])
        )
        assert service_ is not None
        assert durable is not None
        assert service_.closes_on is None
        assert service.is_open(service_)
        assert durable.closes_on is not None
        assert not service.is_open(durable)
        # Re-opened through the edit action, audited once, after its answers were seeded
        # on the demo's calendar and its ideas triaged at its original close.
        [entry] = session.scalars(
            sa.select(AuditEntry).where(AuditEntry.action == "campaign.update")
        ).all()
        assert (entry.actor, entry.subject_id) == ("demo", str(service_.id))
        assert entry.details["changes"] == {"closes_on": {"before": ends["service"], "after": None}}
        seeded = session.scalar(
            sa.select(sa.func.count()).where(PairwiseAnswer.campaign_id == service_.id)
        )
        assert seeded > 0
        stages = Counter(
            session.scalars(sa.select(Idea.stage).where(Idea.campaign_id == service_.id))
        )
        assert stages["selected"] == 3
        # A customer of the demo answers a pair today (no date given: the machine's day).
        visitor = session.scalar(
            sa.select(Person.id).where(Person.kind == "customer").order_by(Person.id).limit(1)
        )
        assert visitor is not None
        customer = Viewer("user:visitor", "customer", visitor)
        _, pair = crowd.choose_pair(session, customer, service_.id, np.random.default_rng(1))
        assert pair is not None
        crowd.answer_pair(session, customer, service_.id, pair[0].id, pair[1].id, "left")
        ideas = list(session.scalars(sa.select(Idea.id).where(Idea.campaign_id == durable.id)))
        with pytest.raises(ValidationError, match="not open today"):
            crowd.answer_pair(session, customer, durable.id, ideas[0], ideas[1], "left")
    # A second load re-opens nothing and writes nothing.
    with transaction(sessions) as session:
        again = load_demo_crowd(session, truth)
    assert again == DemoCrowdReport(0, 0, 0, None)
    with sessions() as session:
        assert (
            session.scalar(
                sa.select(sa.func.count()).where(PairwiseAnswer.campaign_id == service_.id)
            )
            == seeded + 1
        )
        assert (
            len(
                session.scalars(
                    sa.select(AuditEntry).where(AuditEntry.action == "campaign.update")
                ).all()
            )
            == 1
        )
