"""Crowd validation in a campaign: agree / disagree statements (Pol.is) and pairwise answers.

Who may do what (docs/opinions.md and docs/pairwise.md):

* a campaign's participants (its audience, as for ideas: see
  :mod:`palabre.innovation.service`) vote on its statements, add their own, and answer
  pairs of its ideas while the campaign is open;
* a participant's statement waits for a manager (``admin``, ``innovation``); a
  manager's statement is accepted at once; participants vote on accepted ones only;
* only managers see the opinion map, and it never names a participant nor shows
  anyone's votes: groups under :data:`MIN_GROUP_SIZE` participants show their size
  only (DESIGN.md's minimum group size), and the map is withheld below that many
  clustered participants.

Every change is an action function that writes its audit entry in the caller's
transaction; none commits. A vote's audit entry names the statement, never the value.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Final

import numpy as np
import sqlalchemy as sa
from sqlalchemy.orm import Session

from palabre.errors import NotFoundError, ValidationError
from palabre.innovation.crowd_cache import MapCache, change_key
from palabre.innovation.models import (
    MODERATION,
    PAIRWISE_CHOICES,
    Campaign,
    Idea,
    PairwiseAnswer,
    Statement,
    StatementVote,
)
from palabre.innovation.opinions import OpinionModel, Vote, build_vote_matrix
from palabre.innovation.pairwise import IdeaScore, PairwiseModel, PairwiseVote, next_pair
from palabre.innovation.service import (
    ParticipationDeniedError,
    get_campaign,
    is_manager,
    is_open,
    may_take_part,
)
from palabre.people.service import Viewer
from palabre.privacy import audit

#: Fewest participants a group needs before its statements and points are shown.
MIN_GROUP_SIZE: Final = 5
#: Longest statement, in characters (Pol.is keeps them short too).
MAX_STATEMENT: Final = 1000
VOTE_VALUES: Final[dict[str, int]] = {"agree": 1, "disagree": -1, "pass": 0}


def participant_key(viewer: Viewer) -> str:
    """The key votes are stored under for a person of the workspace."""
    if viewer.person_id is None:
        raise ValidationError(
            "your account is not linked to a person: ask an administrator to link it"
        )
    return f"person:{viewer.person_id}"


def _taking_part(
    session: Session,
    viewer: Viewer,
    campaign_id: int,
    *,
    need_person: bool = True,
    today: dt.date | None = None,
) -> Campaign:
    campaign = get_campaign(session, viewer, campaign_id)
    if not may_take_part(session, viewer, campaign):
        raise ParticipationDeniedError(
            f"campaign {campaign.name!r} is not open to your account's audience"
        )
    if not is_open(campaign, today):
        raise ValidationError(f"campaign {campaign.name!r} is not open today")
    if need_person:
        participant_key(viewer)
    return campaign


def _managed(session: Session, viewer: Viewer, campaign_id: int) -> Campaign:
    if not is_manager(viewer):
        raise ParticipationDeniedError("only innovation managers do this")
    return get_campaign(session, viewer, campaign_id)


# --- statements --------------------------------------------------------------------------


def add_statement(
    session: Session, viewer: Viewer, campaign_id: int, text: str, *, today: dt.date | None = None
) -> Statement:
    """Add a statement (audited): a manager's is accepted, a participant's awaits moderation.

    A manager's account needs no person (seeding a conversation is not taking part in it).
    ``today`` is the day the campaign must be open on (the machine's date by default; the
    demo company passes its own calendar's).
    """
    campaign = _taking_part(
        session, viewer, campaign_id, need_person=not is_manager(viewer), today=today
    )
    text = " ".join(text.split())
    if not 1 <= len(text) <= MAX_STATEMENT:
        raise ValidationError(f"text: a statement has 1 to {MAX_STATEMENT} characters")
    statement = Statement(
        campaign_id=campaign.id,
        text=text,
        author_id=viewer.person_id,
        moderation="in" if is_manager(viewer) else "unmoderated",
    )
    session.add(statement)
    session.flush()
    audit.record(
        session,
        actor=viewer.actor,
        action="statement.add",
        subject_type="statement",
        subject_id=statement.id,
        details={"campaign_id": campaign.id, "moderation": statement.moderation},
    )
    return statement


def moderate_statement(
    session: Session, viewer: Viewer, statement_id: int, moderation: str
) -> Statement:
    """Accept (``in``) or reject (``out``) a statement (managers; audited)."""
    statement = session.get(Statement, statement_id)
    if statement is None:
        raise NotFoundError(f"statement {statement_id} does not exist")
    _managed(session, viewer, statement.campaign_id)
    if moderation not in MODERATION:
        raise ValidationError(f"moderation: {moderation!r} is not one of {', '.join(MODERATION)}")
    if statement.moderation != moderation:
        before, statement.moderation = statement.moderation, moderation
        session.flush()
        audit.record(
            session,
            actor=viewer.actor,
            action="statement.moderate",
            subject_type="statement",
            subject_id=statement.id,
            details={"from": before, "to": moderation},
        )
    return statement


def vote_on_statement(
    session: Session,
    viewer: Viewer,
    statement_id: int,
    value: int,
    *,
    today: dt.date | None = None,
) -> bool:
    """Vote +1 / -1 / 0 on an accepted statement, or change one's vote; True when it changed.

    ``today``: as for :func:`add_statement`.
    """
    if value not in (-1, 0, 1):
        raise ValidationError(f"vote: {value} is not 1 (agree), -1 (disagree) or 0 (pass)")
    statement = session.get(Statement, statement_id)
    if statement is None:
        raise NotFoundError(f"statement {statement_id} does not exist")
    _taking_part(session, viewer, statement.campaign_id, today=today)
    if statement.moderation != "in":
        raise ValidationError(f"statement {statement_id} is not open to votes")
    key = participant_key(viewer)
    existing = session.scalar(
        sa.select(StatementVote).where(
            StatementVote.statement_id == statement.id, StatementVote.participant == key
        )
    )
    if existing is not None and existing.value == value:
        return False
    if existing is None:
        session.add(
            StatementVote(
                statement_id=statement.id, participant=key, person_id=viewer.person_id, value=value
            )
        )
    else:
        existing.value = value
        existing.voted_at = dt.datetime.now(dt.UTC)
    session.flush()
    # The entry says that the person voted, never how: votes are not shown to anyone.
    audit.record(
        session,
        actor=viewer.actor,
        action="statement.vote",
        subject_type="statement",
        subject_id=statement.id,
    )
    return True


@dataclass(frozen=True)
class VotingState:
    """What the voting page shows: the next statement, and how far the participant is."""

    campaign: Campaign
    statement: Statement | None
    voted: int
    total: int


def next_statement(session: Session, viewer: Viewer, campaign_id: int) -> VotingState:
    """The next accepted statement the participant has not voted on (fewest votes first)."""
    campaign = get_campaign(session, viewer, campaign_id)
    key = f"person:{viewer.person_id}" if viewer.person_id is not None else None
    mine = sa.select(StatementVote.statement_id).where(StatementVote.participant == key)
    accepted = sa.select(Statement.id).where(
        Statement.campaign_id == campaign.id, Statement.moderation == "in"
    )
    total = session.scalar(sa.select(sa.func.count()).select_from(accepted.subquery())) or 0
    voted = (
        session.scalar(
            sa.select(sa.func.count()).where(
                StatementVote.participant == key, StatementVote.statement_id.in_(accepted)
            )
        )
        or 0
    )
    counts = (
        sa.select(StatementVote.statement_id, sa.func.count().label("n"))
        .group_by(StatementVote.statement_id)
        .subquery()
    )
    statement = session.scalar(
        sa.select(Statement)
        .outerjoin(counts, counts.c.statement_id == Statement.id)
        .where(
            Statement.campaign_id == campaign.id,
            Statement.moderation == "in",
            Statement.id.not_in(mine),
        )
        .order_by(sa.func.coalesce(counts.c.n, 0), Statement.id)
        .limit(1)
    )
    return VotingState(campaign, statement, voted, total)


def statements_to_moderate(session: Session, viewer: Viewer, campaign_id: int) -> list[Statement]:
    """The campaign's statements awaiting a manager, oldest first."""
    campaign = _managed(session, viewer, campaign_id)
    return list(
        session.scalars(
            sa.select(Statement)
            .where(Statement.campaign_id == campaign.id, Statement.moderation == "unmoderated")
            .order_by(Statement.id)
        )
    )


# --- the opinion map ---------------------------------------------------------------------


@dataclass(frozen=True)
class MapStatement:
    """A statement on the map, with how the group (or everyone) leans on it."""

    id: int
    text: str
    direction: str  # "agree" or "disagree"
    share: float  # the share of the group (or of voters) leaning that way


@dataclass(frozen=True)
class MapGroup:
    """One opinion group: its size; its statements only when it is large enough."""

    index: int
    size: int
    shown: bool
    representative: list[MapStatement]
    points: list[tuple[float, float]]


@dataclass(frozen=True)
class OpinionMap:
    """The opinion map of a campaign, as the manager's page shows it."""

    campaign: Campaign
    participants: int
    clustered: int
    statements: int
    votes: int
    groups: list[MapGroup]
    consensus: list[MapStatement]
    divisive: list[MapStatement]

    @property
    def ready(self) -> bool:
        """Whether enough people were clustered for a map that identifies nobody."""
        return self.clustered >= MIN_GROUP_SIZE and bool(self.groups)


def _votes_of(session: Session, campaign_id: int) -> list[Vote]:
    rows = session.execute(
        sa.select(
            StatementVote.participant,
            StatementVote.statement_id,
            StatementVote.value,
            StatementVote.voted_at,
        )
        .join(Statement, Statement.id == StatementVote.statement_id)
        .where(Statement.campaign_id == campaign_id)
        .order_by(StatementVote.id)
    )
    return [
        Vote(participant, str(statement), int(value), int(when.timestamp() * 1000))
        for participant, statement, value, when in rows
    ]


#: Computed maps, kept until a vote or statement of their campaign changes.
MAPS: Final[MapCache[OpinionMap]] = MapCache()


def opinion_map(session: Session, viewer: Viewer, campaign_id: int, seed: int = 0) -> OpinionMap:
    """Groups of the campaign's voters by the Pol.is method, over the stored votes (managers).

    The map is computed once per state of the campaign's votes and statements
    (:mod:`palabre.innovation.crowd_cache`), not on every view.
    """
    campaign = _managed(session, viewer, campaign_id)
    key = change_key(session, campaign.id)
    cached = MAPS.get(session, campaign.id, seed, key)
    if cached is not None:
        return replace(cached, campaign=campaign)
    found = _compute_map(session, campaign, seed)
    MAPS.put(session, campaign.id, seed, key, found)
    return found


def _moderated_out(session: Session, campaign_id: int) -> set[int]:
    return set(
        session.scalars(
            sa.select(Statement.id).where(
                Statement.campaign_id == campaign_id, Statement.moderation == "out"
            )
        )
    )


def participant_groups(session: Session, campaign_id: int, seed: int = 0) -> dict[str, int]:
    """Each clustered participant's group, as the opinion map computes them (evaluation only).

    The app never shows anyone's group; this serves the demo's evaluation, which scores the
    groups against the planted ones (``benchmarks/demo_opinion_groups.py``).
    """
    matrix = build_vote_matrix(_votes_of(session, campaign_id))
    if matrix.values.shape[0] == 0:
        return {}
    out = _moderated_out(session, campaign_id)
    model = OpinionModel(random_state=seed).fit(
        matrix.values, matrix.moderated_mask(str(s) for s in out)
    )
    return {
        participant: int(group)
        for participant, group, clustered in zip(
            matrix.participants, model.participant_group_, model.clustered_, strict=True
        )
        if clustered
    }


def _compute_map(session: Session, campaign: Campaign, seed: int) -> OpinionMap:
    votes = _votes_of(session, campaign.id)
    texts = dict(
        session.execute(
            sa.select(Statement.id, Statement.text).where(Statement.campaign_id == campaign.id)
        ).all()
    )
    out = _moderated_out(session, campaign.id)
    matrix = build_vote_matrix(votes)
    n_people, n_statements = matrix.values.shape
    empty = OpinionMap(campaign, n_people, 0, n_statements, len(votes), [], [], [])
    if n_people < MIN_GROUP_SIZE or n_statements < 2:
        return empty
    model = OpinionModel(random_state=seed).fit(
        matrix.values, matrix.moderated_mask(str(s) for s in out)
    )
    clustered = int(model.clustered_.sum())
    if clustered < MIN_GROUP_SIZE:
        return OpinionMap(campaign, n_people, clustered, n_statements, len(votes), [], [], [])
    values = matrix.values

    def leaning(column: int, rows: np.ndarray | None = None) -> MapStatement:
        cells = values[:, column] if rows is None else values[rows, column]
        cast = cells[~np.isnan(cells)]
        agree, disagree = float(np.sum(cast == 1)), float(np.sum(cast == -1))
        direction = "agree" if agree >= disagree else "disagree"
        share = (agree if direction == "agree" else disagree) / len(cast) if len(cast) else 0.0
        statement_id = int(matrix.statements[column])
        return MapStatement(statement_id, texts.get(statement_id, ""), direction, share)

    groups = []
    for index, group in enumerate(model.groups_):
        shown = group.size >= MIN_GROUP_SIZE
        rows = np.array(group.members, dtype=np.int64)
        groups.append(
            MapGroup(
                index=index,
                size=group.size,
                shown=shown,
                representative=[
                    leaning(rep.statement, rows) for rep in group.representative if shown
                ],
                points=[
                    (round(float(x), 3), round(float(y), 3)) for x, y in model.projection_[rows]
                ]
                if shown
                else [],
            )
        )
    return OpinionMap(
        campaign,
        n_people,
        clustered,
        n_statements,
        len(votes),
        groups,
        [leaning(s) for s in model.consensus_],
        [leaning(s) for s in model.divisive_],
    )


# --- pairwise ----------------------------------------------------------------------------


def pairwise_ideas(session: Session, campaign: Campaign) -> list[Idea]:
    """The ideas a pairwise survey compares: every idea of the campaign but merged duplicates."""
    return list(
        session.scalars(
            sa.select(Idea)
            .where(Idea.campaign_id == campaign.id, Idea.merged_into_id.is_(None))
            .order_by(Idea.id)
        )
    )


def _answers(session: Session, campaign_id: int) -> list[PairwiseVote]:
    rows = session.execute(
        sa.select(
            PairwiseAnswer.participant,
            PairwiseAnswer.left_idea_id,
            PairwiseAnswer.right_idea_id,
            PairwiseAnswer.choice,
        )
        .where(PairwiseAnswer.campaign_id == campaign_id)
        .order_by(PairwiseAnswer.id)
    )
    answers = []
    for participant, left, right, choice in rows:
        winner, loser = (right, left) if choice == "right" else (left, right)
        answers.append(
            PairwiseVote(participant, str(winner), str(loser), choice == PAIRWISE_CHOICES[2])
        )
    return answers


def choose_pair(
    session: Session, viewer: Viewer, campaign_id: int, rng: np.random.Generator
) -> tuple[Campaign, tuple[Idea, Idea] | None]:
    """The next pair of ideas to show the participant, chosen adaptively (None: under 2 ideas)."""
    campaign = get_campaign(session, viewer, campaign_id)
    ideas = pairwise_ideas(session, campaign)
    if len(ideas) < 2:
        return campaign, None
    by_id = {str(idea.id): idea for idea in ideas}
    answers = [a for a in _answers(session, campaign.id) if a.winner in by_id and a.loser in by_id]
    # The intervals are not needed to choose a pair: skip their posterior draws.
    model = PairwiseModel(n_draws=0).fit(answers, list(by_id))
    key = f"person:{viewer.person_id}" if viewer.person_id is not None else None
    left, right = next_pair(model.pair_state(), rng, participant=key)
    return campaign, (by_id[left], by_id[right])


def answer_pair(
    session: Session,
    viewer: Viewer,
    campaign_id: int,
    left_id: int,
    right_id: int,
    choice: str,
    *,
    today: dt.date | None = None,
) -> PairwiseAnswer:
    """Record a participant's answer to a pair (audited); ``today`` as for :func:`add_statement`."""
    campaign = _taking_part(session, viewer, campaign_id, today=today)
    if choice not in PAIRWISE_CHOICES:
        raise ValidationError(f"choice: {choice!r} is not one of {', '.join(PAIRWISE_CHOICES)}")
    if left_id == right_id:
        raise ValidationError("a pair holds two different ideas")
    # Ids only: loading every idea for each answer made answering cost grow with the campaign.
    ids = set(
        session.scalars(
            sa.select(Idea.id).where(Idea.campaign_id == campaign.id, Idea.merged_into_id.is_(None))
        )
    )
    for name, idea_id in (("left", left_id), ("right", right_id)):
        if idea_id not in ids:
            raise ValidationError(f"{name}: idea {idea_id} is not compared in this campaign")
    answer = PairwiseAnswer(
        campaign_id=campaign.id,
        left_idea_id=left_id,
        right_idea_id=right_id,
        choice=choice,
        participant=participant_key(viewer),
        person_id=viewer.person_id,
    )
    session.add(answer)
    session.flush()
    audit.record(
        session,
        actor=viewer.actor,
        action="pairwise.answer",
        subject_type="campaign",
        subject_id=campaign.id,
        details={"answer_id": answer.id},
    )
    return answer


@dataclass(frozen=True)
class ScoredIdea:
    """An idea and its pairwise standing."""

    idea: Idea
    score: IdeaScore


def pairwise_scores(
    session: Session, viewer: Viewer, campaign_id: int, seed: int = 0
) -> list[ScoredIdea]:
    """Each idea's chance of beating a random other idea, with its 95 % interval; best first.

    Empty while nobody answered a pair.
    """
    campaign = get_campaign(session, viewer, campaign_id)
    ideas = pairwise_ideas(session, campaign)
    by_id = {str(idea.id): idea for idea in ideas}
    answers = [a for a in _answers(session, campaign.id) if a.winner in by_id and a.loser in by_id]
    if len(ideas) < 2 or not answers:
        return []
    model = PairwiseModel(random_state=seed).fit(answers, list(by_id))
    return [ScoredIdea(by_id[score.idea], score) for score in model.ranking()]
