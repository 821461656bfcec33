"""Pydantic shapes of campaigns, ideas and notifications as the JSON API shows and accepts them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class CampaignCreate(BaseModel):
    """A new campaign (``team_id`` / ``segment_id`` for those audiences)."""

    name: str = Field(max_length=200)
    question: str = Field(max_length=5000)
    audience: str = Field(description="employees, customers, public, segment or team")
    team_id: int | None = None
    segment_id: int | None = None
    opens_on: dt.date | None = None
    closes_on: dt.date | None = None
    stages: list[str] | None = Field(default=None, description="the funnel (default: standard)")


class CampaignUpdate(BaseModel):
    """A change of a campaign: absent fields stay as they are; ``closes_on: null`` leaves it
    open-ended, ``opens_on: null`` open from now on, ``stages: null`` the default funnel."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(default="", max_length=200)
    question: str = Field(default="", max_length=5000)
    audience: str = Field(default="", description="employees, customers, public, segment or team")
    team_id: int | None = None
    segment_id: int | None = None
    opens_on: dt.date | None = None
    closes_on: dt.date | None = None
    stages: list[str] | None = Field(default=None, description="the funnel (null: standard)")


class CampaignRead(BaseModel):
    """A campaign."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    question: str
    audience: str
    audience_team_id: int | None
    audience_segment_id: int | None
    opens_on: dt.date | None
    closes_on: dt.date | None
    stages: list[str]


class CampaignListItemRead(BaseModel):
    """A campaign in the list, with its number of ideas and whether it is open today."""

    campaign: CampaignRead
    ideas: int
    open: bool


class IdeaCreate(BaseModel):
    """A new idea."""

    title: str = Field(max_length=300)
    body: str = Field(default="", max_length=20_000)
    tags: list[str] = Field(default_factory=list, max_length=12)
    links: list[str] = Field(default_factory=list, max_length=10)


class IdeaListItemRead(BaseModel):
    """An idea in a list."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    title: str
    stage: str
    tags: list[str]
    votes: int
    comments: int
    author: str | None
    created_at: dt.datetime
    merged_into_id: int | None


class SimilarIdeaRead(BaseModel):
    """An existing idea like the title given, with its score (0-100)."""

    idea: IdeaListItemRead
    campaign_id: int
    score: float


class StageChangeRead(BaseModel):
    """One step of an idea through its funnel."""

    model_config = ConfigDict(from_attributes=True)

    from_stage: str | None
    to_stage: str
    actor: str
    note: str | None
    changed_at: dt.datetime


class CommentRead(BaseModel):
    """A comment."""

    model_config = ConfigDict(from_attributes=True)

    author: str | None
    body: str
    created_at: dt.datetime


class IdeaRead(BaseModel):
    """An idea with its supporters count, comments and stage history."""

    id: int
    campaign_id: int
    title: str
    body: str
    tags: list[str]
    links: list[dict[str, str]]
    stage: str
    author: str | None
    supporters: int
    following: bool
    supporting: bool
    merged_into_id: int | None
    source_message_id: int | None
    created_at: dt.datetime
    comments: list[CommentRead]
    history: list[StageChangeRead]


class CommentCreate(BaseModel):
    """A new comment."""

    body: str = Field(max_length=5000)


class StageMove(BaseModel):
    """Move an idea to a stage, with an optional note."""

    stage: str = Field(max_length=40)
    note: str | None = Field(default=None, max_length=2000)


class MergeRequest(BaseModel):
    """Merge this idea into ``into``."""

    into: int = Field(ge=1)
    note: str | None = Field(default=None, max_length=2000)


class MergeRead(BaseModel):
    """What a merge did."""

    model_config = ConfigDict(from_attributes=True)

    duplicate_id: int
    into_id: int
    transfers_asked: int
    already_supporting: int
    notified: int


class TransferAnswer(BaseModel):
    """Accept or decline moving one's vote to the surviving idea."""

    accept: bool


class NotificationRead(BaseModel):
    """An in-app notification (``details`` depend on ``kind``, see docs/ideas.md)."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str
    idea_id: int | None
    details: dict[str, Any]
    created_at: dt.datetime
    read_at: dt.datetime | None


class Changed(BaseModel):
    """Whether the request changed something (False: it was already so)."""

    changed: bool


# --- crowd validation ----------------------------------------------------------------------


class StatementCreate(BaseModel):
    """A new statement of a campaign."""

    text: str = Field(max_length=1000)


class StatementRead(BaseModel):
    """A statement (its author is not shown: statements are anonymous)."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    campaign_id: int
    text: str
    moderation: str


class NextStatementRead(BaseModel):
    """The next statement the caller has not voted on (None: all done), and progress."""

    statement: StatementRead | None
    voted: int
    total: int


class StatementVoteCreate(BaseModel):
    """A vote: 1 agree, -1 disagree, 0 pass."""

    vote: int = Field(ge=-1, le=1)


class ModerationSet(BaseModel):
    """A manager's moderation: ``in`` (accepted), ``out`` (rejected) or ``unmoderated``."""

    moderation: str


class MapStatementRead(BaseModel):
    """A statement on the opinion map and the share leaning its way."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    text: str
    direction: str
    share: float


class MapGroupRead(BaseModel):
    """An opinion group; statements and points only when it reaches the minimum size."""

    model_config = ConfigDict(from_attributes=True)

    index: int
    size: int
    shown: bool
    representative: list[MapStatementRead]
    points: list[tuple[float, float]]


class OpinionMapRead(BaseModel):
    """The opinion map of a campaign."""

    model_config = ConfigDict(from_attributes=True)

    participants: int
    clustered: int
    statements: int
    votes: int
    ready: bool
    groups: list[MapGroupRead]
    consensus: list[MapStatementRead]
    divisive: list[MapStatementRead]


class IdeaBrief(BaseModel):
    """An idea as a pair shows it."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    title: str
    body: str


class PairRead(BaseModel):
    """Two ideas to compare, left then right (None: fewer than two ideas)."""

    left: IdeaBrief | None
    right: IdeaBrief | None


class PairAnswerCreate(BaseModel):
    """The answer to a pair: ``left``, ``right`` or ``cannot_decide``."""

    left: int
    right: int
    choice: str


class PairwiseScoreRead(BaseModel):
    """An idea's chance of beating a random other idea, with its 95 % interval."""

    idea_id: int
    title: str
    score: float
    low: float
    high: float
    wins: int
    losses: int
    ties: int
    appearances: int


class RoleAssign(BaseModel):
    """Assign a person to a role of an idea."""

    role: str = Field(description="ideator, expert, validator or champion")
    person_id: int = Field(ge=1)


class CarrierRead(BaseModel):
    """One assignment of a person to a role of an idea (released ones included)."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    role: str
    person_id: int
    name: str
    stage: str = Field(description="the idea's stage when the person was assigned")
    assigned_by: str
    assigned_at: dt.datetime
    released_at: dt.datetime | None


class RoleSuggestionRead(BaseModel):
    """A person suggested for a role, with their load and the reason in both languages."""

    role: str
    person_id: int
    name: str
    kind: str
    score: float
    load: int
    why_fr: str
    why_en: str


class IdeaRolesRead(BaseModel):
    """Who carries an idea; the suggestions are given to innovation managers only."""

    suggestions: list[RoleSuggestionRead] | None
    assignments: list[CarrierRead]
