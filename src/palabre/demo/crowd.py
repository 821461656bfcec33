"""Load the demo company's crowd validation: a statement conversation and pairwise answers.

Everything goes through the action functions of :mod:`palabre.innovation.crowd`, as if
the demo's people had answered in the app: ``add_statement`` and ``moderate_statement``
for the conversation, ``vote_on_statement`` for each vote, ``answer_pair`` for each
pairwise answer, each with its audit entry (actor ``demo``). The actions are told the
day on the demo's own calendar (``today``), so that a campaign closed in the demo's
past still took its answers while it was open.

What is planted comes from the ground truth (``crowd`` and ``ideas`` in ``truth.json``,
see :mod:`palabre.demo.crowd_plan`). Loading twice changes nothing.

The idea campaigns closed in the demo's own calendar; once their answers are seeded, the
latest one is kept open as an ongoing wiki survey (its closing day removed through
:func:`palabre.innovation.campaign_edit.update_campaign`, audited like a manager's edit),
so that a visitor of the demo can answer pairs today.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import sqlalchemy as sa
from sqlalchemy.orm import Session

from palabre.demo.crowd_plan import OPENS, plan_votes
from palabre.demo.ideas import ACTOR, CAMPAIGN_NAMES
from palabre.fabric.models import Message
from palabre.identity.models import Person
from palabre.innovation import campaign_edit, crowd, service
from palabre.innovation.models import Campaign, Idea, PairwiseAnswer, Statement
from palabre.innovation.pairwise_simulation import SurveySimulation, simulate_survey
from palabre.people.service import Viewer
from palabre.privacy import audit

#: The statement campaign's name and question (its statements are French and English).
STATEMENT_CAMPAIGN: Final = "Votre avis : magasins, livraison, application"
STATEMENT_QUESTION: Final = (
    "D'accord, pas d'accord ? Dites-nous ce que vous pensez de nos magasins, de la "
    "livraison, de nos prix et de l'application."
)
#: Pairwise answers seeded per idea of a campaign (the ranking settles well before).
ANSWERS_PER_IDEA: Final = 20
MANAGER: Final = Viewer(actor=ACTOR, role="innovation")
ROLE_OF_KIND: Final[dict[str, str]] = {"customer": "customer", "employee": "member"}


@dataclass(frozen=True)
class DemoCrowdReport:
    """What was loaded: statements, their votes, pairwise answers, and the idea campaign
    re-opened for pairwise answers (None when it was open already)."""

    statements: int
    votes: int
    answers: int
    reopened: str | None = None


def _people(session: Session, source: str, external_ids: set[str]) -> dict[str, int]:
    if not external_ids:
        return {}
    rows = session.execute(
        sa.select(Person.external_id, Person.id).where(
            Person.source == source, Person.external_id.in_(external_ids)
        )
    ).all()
    return {str(external): int(pid) for external, pid in rows}


def load_demo_crowd(
    session: Session, truth: Mapping[str, Any], *, source: str = "demo"
) -> DemoCrowdReport:
    """Seed the statement conversation and the idea campaigns' pairwise answers (once)."""
    statements, votes = _conversation(session, truth, source)
    answers = sum(_pairwise(session, truth, key, source) for key in CAMPAIGN_NAMES)
    if statements or answers:
        audit.record(
            session,
            actor=ACTOR,
            action="demo.crowd",
            subject_type="campaign",
            details={"statements": statements, "votes": votes, "answers": answers},
        )
    reopened = _keep_latest_open(session, truth)
    return DemoCrowdReport(statements, votes, answers, reopened)


def _keep_latest_open(session: Session, truth: Mapping[str, Any]) -> str | None:
    """Remove the closing day of the idea campaign that ended last, once its answers are in.

    Its seeded answers keep their days (they were given while it ran); from now on it is
    an ongoing wiki survey. Returns its name when it was closed before, else None.
    """
    ends = {
        str(spec["key"]): str(spec["end"])
        for spec in truth.get("campaigns", [])
        if spec["key"] in CAMPAIGN_NAMES
    }
    if not ends:
        return None
    latest = CAMPAIGN_NAMES[max(ends, key=lambda key: ends[key])]
    campaign = session.scalar(sa.select(Campaign).where(Campaign.name == latest))
    if campaign is None or campaign.closes_on is None:
        return None
    campaign_edit.update_campaign(session, campaign, closes_on=None, actor=ACTOR)
    return campaign.name


def _conversation(session: Session, truth: Mapping[str, Any], source: str) -> tuple[int, int]:
    plan = truth.get("crowd")
    if not plan:
        return 0, 0
    if session.scalar(sa.select(Campaign.id).where(Campaign.name == STATEMENT_CAMPAIGN)):
        return 0, 0
    opens = dt.date.fromisoformat(plan.get("opens", OPENS.isoformat()))
    # An open conversation (no closing day): visitors of the demo can still vote.
    campaign = service.create_campaign(
        session,
        name=STATEMENT_CAMPAIGN,
        question=STATEMENT_QUESTION,
        audience="public",
        opens_on=opens,
        closes_on=None,
        actor=ACTOR,
    )
    participants = plan["participants"]
    people = _people(session, source, {p["person"] for p in participants})
    viewers = {
        p["person"]: Viewer(ACTOR, ROLE_OF_KIND[p["kind"]], people[p["person"]])
        for p in participants
        if p["person"] in people
    }
    # The statements themselves are kept (not just their ids): the session holds its
    # objects weakly, and each vote would otherwise load its statement again.
    made: dict[str, Statement] = {}
    for spec in plan["statements"]:
        if spec["author"] is None:
            made[spec["key"]] = crowd.add_statement(
                session, MANAGER, campaign.id, spec["text"], today=opens
            )
    added = {s["author"]: s for s in plan["statements"] if s["author"] is not None}
    by_person: dict[str, list[tuple[str, int, dt.date]]] = {}
    for vote in plan_votes(plan):
        by_person.setdefault(vote.person, []).append((vote.statement, vote.value, vote.day))
    cast = 0
    for participant in participants:
        viewer = viewers.get(participant["person"])
        if viewer is None:
            continue  # a person the import did not keep
        day = dt.date.fromisoformat(participant["day"])
        spec = added.get(participant["person"])
        if spec is not None:
            added_now = crowd.add_statement(session, viewer, campaign.id, spec["text"], today=day)
            crowd.moderate_statement(session, MANAGER, added_now.id, spec["moderation"])
            made[spec["key"]] = added_now
        for key, value, when in by_person.get(participant["person"], []):
            statement = made.get(key)
            if statement is not None and crowd.vote_on_statement(
                session, viewer, statement.id, value, today=when
            ):
                cast += 1
    return len(made), cast


def _pairwise(session: Session, truth: Mapping[str, Any], key: str, source: str) -> int:
    name = CAMPAIGN_NAMES[key]
    campaign = session.scalar(sa.select(Campaign).where(Campaign.name == name))
    if campaign is None or campaign.opens_on is None or campaign.closes_on is None:
        return 0
    if session.scalar(
        sa.select(PairwiseAnswer.id).where(PairwiseAnswer.campaign_id == campaign.id)
    ):
        return 0
    appeal_of = {
        i["id"]: float(i["appeal"]) for i in truth.get("ideas", []) if i["campaign"] == key
    }
    rows = session.execute(
        sa.select(Idea.id, Message.external_id)
        .join(Message, Message.id == Idea.source_message_id)
        .where(Idea.campaign_id == campaign.id, Idea.merged_into_id.is_(None))
    ).all()
    appeal = {str(idea): appeal_of[ext] for idea, ext in rows if ext in appeal_of}
    if len(appeal) < 3:
        return 0
    seed = int(truth.get("crowd", {}).get("seed", 0))
    # The answers are those of a simulated survey: each participant's tastes scatter
    # around the planted appeal, close pairs get "can't decide", pairs are adaptive.
    # The conversation's participants answer them, a session each, in a shuffled order.
    run = simulate_survey(
        appeal,
        [ANSWERS_PER_IDEA * len(appeal)],
        SurveySimulation(new_share=0.0),
        seed=seed,
        n_draws=0,
    )
    rng = np.random.default_rng([seed, 11, len(appeal)])
    pool = [p["person"] for p in truth.get("crowd", {}).get("participants", [])]
    people = _people(session, source, set(pool))
    kinds = {p["person"]: p["kind"] for p in truth.get("crowd", {}).get("participants", [])}
    known = sorted(people)
    if not known:
        return 0
    order = [known[k] for k in rng.permutation(len(known))]
    who: dict[str, Viewer] = {}
    span = (campaign.closes_on - campaign.opens_on).days
    total = len(run.votes)
    for n, vote in enumerate(run.votes):
        if vote.participant not in who:
            person = order[len(who) % len(order)]
            role = ROLE_OF_KIND.get(kinds.get(person, ""), "member")
            who[vote.participant] = Viewer(ACTOR, role, people[person])
        left, right = int(vote.winner), int(vote.loser)
        choice = "cannot_decide" if vote.cant_decide else "left"
        if rng.random() < 0.5:  # the winner was shown on either side
            left, right = right, left
            choice = "cannot_decide" if vote.cant_decide else "right"
        day = campaign.opens_on + dt.timedelta(days=n * span // max(1, total))
        crowd.answer_pair(
            session, who[vote.participant], campaign.id, left, right, choice, today=day
        )
    return total
