"""JSON API of the dialogue: the answer inbox, its actions and the response-time KPIs.

Who may call it: :data:`palabre.customers.inbox.INBOX_ROLES` (docs/dialogue.md).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from palabre.accounts.models import UserAccount
from palabre.customers import dialogue, inbox
from palabre.db.base import utcnow
from palabre.web.access import authenticated, requires
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
    days: Annotated[int | None, Query(ge=1, le=3650)] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=100)] = 25,
) -> InboxPage:
    """Customer messages that need an answer, the highest priority first; with ``days``,
    only those posted in the last ``days`` days (without: every one still waiting)."""
    since = utcnow() - dt.timedelta(days=days) if days is not None else None
    found = inbox.needs_answer(
        db,
        user.role,
        segment_id=segment,
        channel_id=channel,
        since=since,
        page=page,
        per_page=per_page,
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


# -- the community ------------------------------------------------------------------------

community_router = APIRouter(prefix=f"{PREFIX}/community", tags=["community"])
Anyone = Annotated[UserAccount, authenticated()]


class ThreadItemRead(BaseModel):
    """A community thread in the list."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    title: str
    author: str
    started_at: dt.datetime
    last_activity: dt.datetime
    replies: int
    answered_by_staff: bool


class ThreadPage(BaseModel):
    """One page of community threads."""

    items: list[ThreadItemRead]
    total: int
    page: int
    per_page: int


class PostRead(BaseModel):
    """A community post; ``staff``: written by an employee."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    author: str
    staff: bool
    created_at: dt.datetime
    title: str | None
    text: str
    reply_to_id: int | None


class CommunityThreadRead(BaseModel):
    """A community thread with its posts in order."""

    id: int
    title: str | None
    posts: list[PostRead]


class ThreadCreate(BaseModel):
    """A new thread: its title and first post."""

    title: str = Field(max_length=2_000)
    text: str = Field(max_length=20_000)


class ReplyCreate(BaseModel):
    """A reply (to the opening post unless ``reply_to_id``)."""

    text: str = Field(max_length=20_000)
    reply_to_id: int | None = Field(default=None, ge=1, le=2**31 - 1)


def _thread_read(db: DbSession, thread_id: int) -> CommunityThreadRead:
    thread, posts = dialogue.thread_posts(db, thread_id)
    return CommunityThreadRead(
        id=thread.id, title=thread.title, posts=[PostRead.model_validate(p) for p in posts]
    )


@community_router.get("/threads", response_model=ThreadPage)
def community_threads(
    db: DbSession,
    user: Anyone,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=100)] = 25,
) -> ThreadPage:
    """The community's threads, the most recently active first."""
    found = dialogue.list_threads(db, page=page, per_page=per_page)
    return ThreadPage(
        items=[ThreadItemRead.model_validate(t) for t in found.items],
        total=found.total,
        page=found.page,
        per_page=found.per_page,
    )


@community_router.post("/threads", response_model=CommunityThreadRead, status_code=201)
def start_community_thread(db: DbSession, body: ThreadCreate, user: Anyone) -> CommunityThreadRead:
    """Start a thread with its first post."""
    thread = dialogue.start_thread(db, user, body.title, body.text)
    return _thread_read(db, thread.id)


@community_router.get("/threads/{thread_id}", response_model=CommunityThreadRead)
def community_thread(db: DbSession, thread_id: RowId, user: Anyone) -> CommunityThreadRead:
    """A community thread and its posts."""
    return _thread_read(db, thread_id)


@community_router.post(
    "/threads/{thread_id}/replies", response_model=CommunityThreadRead, status_code=201
)
def reply_in_community(
    db: DbSession, thread_id: RowId, body: ReplyCreate, user: Anyone
) -> CommunityThreadRead:
    """Reply in a community thread; answers the thread with its posts."""
    dialogue.reply(db, user, thread_id, body.text, reply_to_id=body.reply_to_id)
    return _thread_read(db, thread_id)
