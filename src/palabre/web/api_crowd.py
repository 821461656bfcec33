"""JSON API of crowd validation: statements and their votes, the opinion map, pairwise votes.

Who may call what is the same as the pages (:mod:`palabre.web.crowd_views`); writes need
the session's CSRF token in ``X-CSRF-Token``.
"""

from __future__ import annotations

import secrets
from typing import Annotated

import numpy as np
from fastapi import APIRouter

from palabre.accounts.models import UserAccount
from palabre.innovation import crowd
from palabre.innovation.schemas import (
    Changed,
    IdeaBrief,
    ModerationSet,
    NextStatementRead,
    OpinionMapRead,
    PairAnswerCreate,
    PairRead,
    PairwiseScoreRead,
    StatementCreate,
    StatementRead,
    StatementVoteCreate,
)
from palabre.web.access import authenticated, requires
from palabre.web.api import PREFIX
from palabre.web.deps import DbSession
from palabre.web.innovation_views import MANAGERS
from palabre.web.listing import RowId, viewer_of

router = APIRouter(prefix=PREFIX, tags=["crowd"])

Manager = Annotated[UserAccount, requires(*MANAGERS)]
Anyone = Annotated[UserAccount, authenticated()]


@router.get("/campaigns/{campaign_id}/statements/next", response_model=NextStatementRead)
def next_statement(db: DbSession, campaign_id: RowId, user: Anyone) -> NextStatementRead:
    """The next accepted statement the caller has not voted on, and how far they are."""
    state = crowd.next_statement(db, viewer_of(user), campaign_id)
    return NextStatementRead(
        statement=StatementRead.model_validate(state.statement) if state.statement else None,
        voted=state.voted,
        total=state.total,
    )


@router.post("/campaigns/{campaign_id}/statements", response_model=StatementRead, status_code=201)
def add_statement(
    db: DbSession, campaign_id: RowId, body: StatementCreate, user: Anyone
) -> StatementRead:
    """Add a statement (a participant's waits for moderation)."""
    made = crowd.add_statement(db, viewer_of(user), campaign_id, body.text)
    return StatementRead.model_validate(made)


@router.post("/statements/{statement_id}/vote", response_model=Changed)
def vote(db: DbSession, statement_id: RowId, body: StatementVoteCreate, user: Anyone) -> Changed:
    """Vote 1 (agree), -1 (disagree) or 0 (pass), or change one's vote."""
    return Changed(changed=crowd.vote_on_statement(db, viewer_of(user), statement_id, body.vote))


@router.post("/statements/{statement_id}/moderation", response_model=StatementRead)
def moderate(
    db: DbSession, statement_id: RowId, body: ModerationSet, user: Manager
) -> StatementRead:
    """Accept or reject a statement (innovation managers)."""
    made = crowd.moderate_statement(db, viewer_of(user), statement_id, body.moderation)
    return StatementRead.model_validate(made)


@router.get("/campaigns/{campaign_id}/opinions", response_model=OpinionMapRead)
def opinions(db: DbSession, campaign_id: RowId, user: Manager) -> OpinionMapRead:
    """The opinion map (innovation managers): groups, consensus, divisive statements."""
    return OpinionMapRead.model_validate(crowd.opinion_map(db, viewer_of(user), campaign_id))


@router.get("/campaigns/{campaign_id}/pairs/next", response_model=PairRead)
def next_pair(db: DbSession, campaign_id: RowId, user: Anyone) -> PairRead:
    """Two ideas to compare, chosen adaptively (both None under two ideas)."""
    rng = np.random.default_rng(secrets.randbits(64))
    _, pair = crowd.choose_pair(db, viewer_of(user), campaign_id, rng)
    if pair is None:
        return PairRead(left=None, right=None)
    return PairRead(left=IdeaBrief.model_validate(pair[0]), right=IdeaBrief.model_validate(pair[1]))


@router.post("/campaigns/{campaign_id}/pairs", response_model=Changed, status_code=201)
def answer_pair(db: DbSession, campaign_id: RowId, body: PairAnswerCreate, user: Anyone) -> Changed:
    """Answer a pair: ``left``, ``right`` or ``cannot_decide``."""
    crowd.answer_pair(db, viewer_of(user), campaign_id, body.left, body.right, body.choice)
    return Changed(changed=True)


@router.get("/campaigns/{campaign_id}/pairwise-scores", response_model=list[PairwiseScoreRead])
def pairwise_scores(db: DbSession, campaign_id: RowId, user: Anyone) -> list[PairwiseScoreRead]:
    """Each idea's score (chance of beating a random other idea) and 95 % interval, best first."""
    return [
        PairwiseScoreRead(
            idea_id=s.idea.id,
            title=s.idea.title,
            score=s.score.score,
            low=s.score.low,
            high=s.score.high,
            wins=s.score.wins,
            losses=s.score.losses,
            ties=s.score.ties,
            appearances=s.score.appearances,
        )
        for s in crowd.pairwise_scores(db, viewer_of(user), campaign_id)
    ]
