"""Score the crowd validation palabre computes on a loaded demo workspace against its truth.

* opinion groups: the adjusted Rand index (ARI) between the groups the opinion map
  computes from the stored votes (:func:`palabre.innovation.crowd.participant_groups`)
  and the groups planted in the ground truth, over the participants the map clusters;
* pairwise ranking: for each idea campaign, the Spearman correlation between the scores
  of the ranking page (:func:`palabre.innovation.crowd.pairwise_scores`) and the ideas'
  planted appeal.

Used by ``benchmarks/demo_opinion_groups.py`` and the tests.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from palabre.db.engine import transaction
from palabre.demo.crowd import STATEMENT_CAMPAIGN, DemoCrowdReport, load_demo_crowd
from palabre.demo.crowd_plan import adjusted_rand, planted_groups
from palabre.demo.ideas import CAMPAIGN_NAMES, load_demo_ideas
from palabre.fabric.models import Message
from palabre.identity.models import Person
from palabre.innovation import crowd
from palabre.innovation.models import Campaign, PairwiseAnswer, Statement, StatementVote
from palabre.people.service import Viewer

MANAGER = Viewer(actor="demo-evaluation", role="innovation")


@dataclass(frozen=True)
class CrowdScores:
    """How well the computed crowd validation finds what was planted."""

    participants: int  # who voted on the statements
    clustered: int  # of them, those the map clusters
    votes: int
    groups: int  # groups found (planted: len(GROUPS))
    ari: float
    spearman: dict[str, float]  # idea campaign key -> Spearman of the ranking
    answers: dict[str, int]  # idea campaign key -> pairwise answers


def load_demo(
    sessions: sessionmaker[Session], scale: str, seed: int, truth_dir: Path
) -> tuple[dict[str, Any], DemoCrowdReport]:
    """Import the demo company into an empty, migrated workspace with its ideas and crowd."""
    from palabre.connectors.importer import run_import
    from palabre.demo import DemoConnector

    connector = DemoConnector(scale=scale, seed=seed, truth_dir=truth_dir)
    run_import(sessions, connector)
    truth = connector.company.ground_truth()
    with transaction(sessions) as session:
        last = session.scalar(sa.select(sa.func.max(Message.created_at)))
        load_demo_ideas(session, truth, today=last.date() if last else dt.date(2026, 1, 1))
        report = load_demo_crowd(session, truth)
    return truth, report


def score_crowd(session: Session, truth: Mapping[str, Any], seed: int = 0) -> CrowdScores:
    """Score the workspace's statement campaign and pairwise rankings against ``truth``."""
    from scipy.stats import spearmanr

    campaign = session.scalar(sa.select(Campaign).where(Campaign.name == STATEMENT_CAMPAIGN))
    if campaign is None:
        raise ValueError(f"no campaign {STATEMENT_CAMPAIGN!r}: load the demo's crowd first")
    found = crowd.participant_groups(session, campaign.id, seed)
    # Participant keys are "person:<id>": back to the demo's external ids, then to groups.
    by_id = {int(key.split(":", 1)[1]): group for key, group in found.items()}
    external = dict(
        session.execute(
            sa.select(Person.id, Person.external_id).where(Person.id.in_(list(by_id)))
        ).all()
    )
    planted = planted_groups(truth["crowd"])
    pairs = [
        (planted[str(external[pid])], group)
        for pid, group in by_id.items()
        if str(external.get(pid)) in planted
    ]
    statements = sa.select(Statement.id).where(Statement.campaign_id == campaign.id)
    voters, votes = session.execute(
        sa.select(sa.func.count(sa.distinct(StatementVote.participant)), sa.func.count()).where(
            StatementVote.statement_id.in_(statements)
        )
    ).one()
    appeal = {i["id"]: float(i["appeal"]) for i in truth.get("ideas", [])}
    spearman: dict[str, float] = {}
    answers: dict[str, int] = {}
    for key, name in CAMPAIGN_NAMES.items():
        ideas_campaign = session.scalar(sa.select(Campaign).where(Campaign.name == name))
        if ideas_campaign is None:
            continue
        scored = crowd.pairwise_scores(session, MANAGER, ideas_campaign.id, seed)
        sources = dict(
            session.execute(
                sa.select(Message.id, Message.external_id).where(
                    Message.id.in_([s.idea.source_message_id for s in scored])
                )
            ).all()
        )
        known = []
        for s in scored:
            source = sources.get(s.idea.source_message_id or -1)
            if source is not None and source in appeal:
                known.append((s.score.score, appeal[source]))
        if len(known) >= 3:
            statistic = spearmanr([k[0] for k in known], [k[1] for k in known]).statistic
            spearman[key] = float(statistic)
            answers[key] = int(
                session.scalar(
                    sa.select(sa.func.count()).where(
                        PairwiseAnswer.campaign_id == ideas_campaign.id
                    )
                )
                or 0
            )
    return CrowdScores(
        participants=int(voters),
        clustered=len(found),
        votes=int(votes),
        groups=len(set(found.values())),
        ari=adjusted_rand([p[0] for p in pairs], [p[1] for p in pairs]) if pairs else 0.0,
        spearman=spearman,
        answers=answers,
    )
