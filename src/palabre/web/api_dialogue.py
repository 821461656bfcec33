"""JSON API of the dialogue: the answer inbox, its actions and the response-time KPIs.

Who may call it: :data:`palabre.customers.inbox.INBOX_ROLES` (docs/dialogue.md).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from palabre.accounts.models import UserAccount
from palabre.customers import inbox
from palabre.web.access import requires
from palabre.web.api import PREFIX
from palabre.web.deps import DbSession
from palabre.web.listing import OptionalRowId, RowId

router = APIRouter(prefix=f"{PREFIX}/customers/inbox", tags=["customers"])
Answerer = Annotated[UserAccount, requires(*inbox.INBOX_ROLES)]


class InboxEntryRead(BaseModel):
    """A customer message that needs an answer, with its priority and what makes it."""

    model_config = ConfigDict(from_attributes=True)

    message_id: int
    thread_id: int
    thread_title: str | None
    channel_id: int
    channel_name: str
    community: bool
    author: str
    person_id: int
    created_at: dt.datetime
    text: str
    url: str | None
    signals: dict[str, float]
    risk: float
    reach: int
    waiting_hours: float
    priority: float
    assigned_to: str | None


class InboxPage(BaseModel):
    """One page of the inbox."""

    items: list[InboxEntryRead]
    total: int
    page: int
    per_page: int


class ResponseKpisRead(BaseModel):
    """Response times of one segment (``segment_id`` null: all customers)."""

    model_config = ConfigDict(from_attributes=True)

    segment_id: int | None
    segment: str
    questions: int
    answered: int
    open: int
    dismissed: int
    median_hours: float | None
    p90_hours: float | None
    within_24h: float | None


class InboxItemRead(BaseModel):
    """What was done about a message."""

    model_config = ConfigDict(from_attributes=True)

    message_id: int
    state: str
    answered_at: dt.datetime | None
    answer_message_id: int | None
    source_url: str | None
    dismissed_reason: str | None


class AnswerCreate(BaseModel):
    """The answer's text."""

    text: str = Field(max_length=20_000)


class Dismissal(BaseModel):
    """Why the message needs no answer."""

    reason: str = Field(max_length=2_000)


@router.get("", response_model=InboxPage)
def list_inbox(
    db: DbSession,
    user: Answerer,
    segment: OptionalRowId = None,
    channel: OptionalRowId = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=100)] = 25,
) -> InboxPage:
    """Customer messages that need an answer, the highest priority first."""
    found = inbox.needs_answer(
        db, user.role, segment_id=segment, channel_id=channel, page=page, per_page=per_page
    )
    return InboxPage(
        items=[InboxEntryRead.model_validate(e) for e in found.items],
        total=found.total,
        page=found.page,
        per_page=found.per_page,
    )


@router.get("/kpis", response_model=list[ResponseKpisRead])
def kpis(
    db: DbSession, user: Answerer, days: Annotated[int, Query(ge=1, le=365)] = 30
) -> list[inbox.ResponseKpis]:
    """Response-time KPIs of the last ``days`` days: all customers, then each segment."""
    return inbox.response_kpis(db, user.role, days=days)


@router.post("/{message_id}/answer", response_model=InboxItemRead)
def answer(db: DbSession, message_id: RowId, body: AnswerCreate, user: Answerer) -> object:
    """Answer from palabre: posted in the community thread, or recorded for an imported one."""
    return inbox.answer(db, user, message_id, body.text)


@router.post("/{message_id}/dismiss", response_model=InboxItemRead)
def dismiss(db: DbSession, message_id: RowId, body: Dismissal, user: Answerer) -> object:
    """Take the message out of the inbox, with a reason."""
    return inbox.dismiss(db, user, message_id, body.reason)
