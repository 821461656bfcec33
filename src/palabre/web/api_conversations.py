"""JSON API of conversations: channels, threads and message search."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from palabre.accounts.models import UserAccount
from palabre.fabric import browse
from palabre.fabric.browse import BROWSER_ROLES, SearchQuery
from palabre.fabric.schemas import (
    ChannelRead,
    MessagePageRead,
    MessageRead,
    ThreadPageRead,
    ThreadRead,
    ThreadSummaryRead,
)
from palabre.web.access import requires
from palabre.web.api import PREFIX
from palabre.web.deps import AppSettings, DbSession
from palabre.web.listing import OptionalRowId, RowId, day_start

router = APIRouter(prefix=PREFIX, tags=["conversations"])

PageNumber = Annotated[int, Query(ge=1, le=100_000)]
PerPage = Annotated[int, Query(ge=1, le=100)]
Reader = Annotated[UserAccount, requires(*BROWSER_ROLES)]


@router.get("/channels", response_model=list[ChannelRead])
def list_channels(db: DbSession, user: Reader) -> list[ChannelRead]:
    """The channels the caller may read, most recently active first."""
    return [ChannelRead.model_validate(c) for c in browse.list_channels(db, user.role)]


@router.get("/channels/{channel_id}/threads", response_model=ThreadPageRead)
def channel_threads(
    db: DbSession, channel_id: RowId, user: Reader, page: PageNumber = 1, per_page: PerPage = 25
) -> ThreadPageRead:
    """A channel and one page of its threads, most recently active first."""
    channel, found = browse.channel_threads(db, user.role, channel_id, page=page, per_page=per_page)
    return ThreadPageRead(
        channel=ChannelRead.model_validate(channel),
        items=[ThreadSummaryRead.model_validate(t) for t in found.items],
        total=found.total,
        page=found.page,
        per_page=found.per_page,
    )


@router.get("/threads/{thread_id}", response_model=ThreadRead)
def get_thread(db: DbSession, thread_id: RowId, user: Reader) -> ThreadRead:
    """A thread's messages in order; ``reply_to_id`` links each reply to its parent."""
    return ThreadRead.model_validate(browse.get_thread(db, user.role, thread_id))


@router.get("/messages/search", response_model=MessagePageRead)
def search_messages(
    db: DbSession,
    settings: AppSettings,
    user: Reader,
    q: Annotated[str | None, Query(max_length=200, description="text or title contains")] = None,
    author: Annotated[str | None, Query(max_length=200, description="author's name")] = None,
    since: Annotated[
        str | None, Query(alias="from", max_length=10, description="first day, YYYY-MM-DD")
    ] = None,
    until: Annotated[
        str | None, Query(alias="to", max_length=10, description="last day, YYYY-MM-DD")
    ] = None,
    channel: OptionalRowId = None,
    page: PageNumber = 1,
    per_page: PerPage = 25,
) -> MessagePageRead:
    """Messages the caller may read matching every criterion given, newest first.

    Days are read in the workspace's display time zone."""
    zone = settings.display_time_zone
    query = SearchQuery(
        text=(q or "").strip() or None,
        author=(author or "").strip() or None,
        channel_id=channel,
        since=day_start(since, "from", zone),
        until=day_start(until, "to", zone, next_day=True),
    )
    found = browse.search_messages(db, user.role, query, page=page, per_page=per_page)
    return MessagePageRead(
        items=[MessageRead.model_validate(m) for m in found.items],
        total=found.total,
        page=found.page,
        per_page=found.per_page,
        total_exact=found.exact,
    )
