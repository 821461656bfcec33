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
