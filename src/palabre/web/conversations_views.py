"""Conversations pages: channels, a channel's threads, a thread, and search.

Which channels a role may read is decided in :mod:`palabre.fabric.browse` (and
documented in docs/web.md); a channel or thread the reader may not read answers 404,
exactly like one that does not exist.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from palabre.accounts.models import UserAccount
from palabre.fabric import browse
from palabre.fabric.browse import BROWSER_ROLES, SearchQuery
from palabre.people.service import root_id, visible_kinds
from palabre.web.access import requires
from palabre.web.deps import AppSettings, DbSession
from palabre.web.listing import RowId, day_start, optional_int, pager
from palabre.web.people_views import labels
from palabre.web.templating import render
from palabre.web.versioned import cached

router = APIRouter(include_in_schema=False)

Page = Annotated[int, Query(ge=1, le=100_000)]


def _reader_context(db: DbSession, user: UserAccount) -> dict[str, object]:
    # Authors link to their profile only when the reader may open it.
    return {
        "linkable_kinds": visible_kinds(user.role),
        "own_person_id": root_id(db, user.person_id),
        **labels(),
    }


@router.get("/conversations")
def channels(
    request: Request, db: DbSession, user: Annotated[UserAccount, requires(*BROWSER_ROLES)]
) -> HTMLResponse:
    """The channels the reader may read, with their threads, messages and last activity."""
    # Kept while the data stays the same: the counts read every channel's messages.
    listed = cached(
        request,
        db,
        ("conversations", "channels", user.role),
        lambda: tuple(browse.list_channels(db, user.role)),
    )
    context = {"channels": listed, **labels()}
    return render(request, "conversations/channels.html", context, user=user)


@router.get("/conversations/channels/{channel_id}")
def channel(
    request: Request,
    db: DbSession,
    channel_id: RowId,
    user: Annotated[UserAccount, requires(*BROWSER_ROLES)],
    page: Page = 1,
) -> HTMLResponse:
    """A channel's threads, the most recently active first."""
    summary, found = browse.channel_threads(db, user.role, channel_id, page=page)
    context = {
        "channel": summary,
        "found": found,
        "pager": pager(request, found),
        **_reader_context(db, user),
    }
    return render(request, "conversations/channel.html", context, user=user)


@router.get("/conversations/threads/{thread_id}")
def thread(
    request: Request,
    db: DbSession,
    thread_id: RowId,
    user: Annotated[UserAccount, requires(*BROWSER_ROLES)],
) -> HTMLResponse:
    """A thread: the opening message and the replies, nested under what they answer."""
    view = browse.get_thread(db, user.role, thread_id)
    context = {"thread": view, **_reader_context(db, user)}
    return render(request, "conversations/thread.html", context, user=user)


@router.get("/conversations/search")
def search(
    request: Request,
    db: DbSession,
    settings: AppSettings,
    user: Annotated[UserAccount, requires(*BROWSER_ROLES)],
    q: Annotated[str, Query(max_length=200)] = "",
    author: Annotated[str, Query(max_length=200)] = "",
    since: Annotated[str, Query(alias="from", max_length=10)] = "",
    until: Annotated[str, Query(alias="to", max_length=10)] = "",
    channel: Annotated[str, Query(max_length=20)] = "",
    page: Page = 1,
) -> HTMLResponse:
    """Messages by text, author, channel and dates (``from`` and ``to`` included)."""
    zone = settings.display_time_zone
    query = SearchQuery(
        text=q.strip() or None,
        author=author.strip() or None,
        channel_id=optional_int(channel, "channel"),
        since=day_start(since, "from", zone),
        until=day_start(until, "to", zone, next_day=True),
    )
    found = None if query.is_empty else browse.search_messages(db, user.role, query, page=page)
    context = {
        "query": query,
        "q": q,
        "author": author,
        "since": since,
        "until": until,
        "channel_id": query.channel_id,
        "channels": cached(
            request,
            db,
            ("conversations", "channel-choices", user.role),
            lambda: tuple(browse.channel_choices(db, user.role)),
        ),
        "found": found,
        "pager": pager(request, found) if found is not None else None,
        **_reader_context(db, user),
    }
    return render(request, "conversations/search.html", context, user=user)
