"""Dialogue pages: the answer inbox (customer voice roles) and the customer community
(every signed-in account: customers post, employees answer).

Who may open what is documented in docs/dialogue.md; the services decide what each
action does (:mod:`palabre.customers.inbox`, :mod:`palabre.customers.dialogue`).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import sqlalchemy as sa
from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from palabre.accounts.models import UserAccount
from palabre.customers import dialogue, inbox
from palabre.errors import ValidationError
from palabre.fabric import browse
from palabre.identity.models import Segment
from palabre.web.access import authenticated, requires
from palabre.web.deps import DbSession
from palabre.web.listing import OptionalRowId, RowId, pager
from palabre.web.templating import render

router = APIRouter(include_in_schema=False)

Answerer = Annotated[UserAccount, requires(*inbox.INBOX_ROLES)]
Anyone = Annotated[UserAccount, authenticated()]
PageNumber = Annotated[int, Query(ge=1, le=100_000)]


def _text(form: object, name: str) -> str:
    value = form.get(name)  # type: ignore[attr-defined]
    return value if isinstance(value, str) else ""


@router.get("/customers/inbox")
def inbox_page(
    request: Request,
    db: DbSession,
    user: Answerer,
    segment: OptionalRowId = None,
    channel: OptionalRowId = None,
    days: Annotated[int, Query(ge=1, le=365)] = 30,
    answered: OptionalRowId = None,
    page: PageNumber = 1,
) -> HTMLResponse:
    """Customer messages of the period (the last ``days`` days) that need an answer, the
    most urgent first, and the response-time KPIs of the same period per segment;
    ``answered`` names the message just answered (its notice)."""
    # No question in the last ``days`` days (an archive, the demo): the last ``days`` days
    # that have some, said on the page. The list keeps to the period: a question waiting
    # for months is listed by asking for a longer one, and every question of the history
    # was tested at each view (4.5 s a view at 1 M messages; 0.2 s for 30 days).
    period = inbox.question_period(db, user.role, days=days)
    found = inbox.needs_answer(
        db, user.role, segment_id=segment, channel_id=channel, since=period.start, page=page
    )
    done = inbox.answered_item(db, user.role, answered) if answered is not None else None
    context = {
        "found": found,
        "pager": pager(request, found),
        "kpis": inbox.response_kpis(db, user.role, days=days, as_of=period.end),
        # The period's last day (it ends at the midnight after it), when it was moved.
        "kpis_last_day": (period.end - dt.timedelta(days=1)).date() if period.shifted else None,
        "days": days,
        "segments": db.scalars(
            sa.select(Segment).where(Segment.kind == "customer").order_by(Segment.name)
        ).all(),
        "channels": [
            c
            for c in browse.channel_choices(db, user.role)
            if c.kind in browse.CUSTOMER_CHANNEL_KINDS
        ],
        "segment_id": segment,
        "channel_id": channel,
        "done": done,
    }
    return render(request, "dialogue/inbox.html", context, user=user)


@router.post("/customers/inbox/{message_id}/answer", response_model=None)
async def answer(request: Request, db: DbSession, message_id: RowId, user: Answerer) -> Response:
    """Answer the message from palabre (in its thread), then back to the inbox."""
    form = await request.form()
    inbox.answer(db, user, message_id, _text(form, "text"))
    return RedirectResponse(f"/customers/inbox?answered={message_id}", status_code=303)


@router.post("/customers/inbox/{message_id}/dismiss", response_model=None)
async def dismiss(request: Request, db: DbSession, message_id: RowId, user: Answerer) -> Response:
    """Take the message out of the inbox, with the reason given."""
    form = await request.form()
    inbox.dismiss(db, user, message_id, _text(form, "reason"))
    return RedirectResponse("/customers/inbox", status_code=303)


@router.post("/customers/inbox/{message_id}/assign", response_model=None)
async def assign(request: Request, db: DbSession, message_id: RowId, user: Answerer) -> Response:
    """Take the message (``to=me``) or give it back to nobody (``to=``)."""
    form = await request.form()
    to = _text(form, "to")
    if to not in ("me", ""):
        raise ValidationError("to: 'me' or empty")
    inbox.assign(db, user, message_id, user if to == "me" else None)
    return RedirectResponse("/customers/inbox", status_code=303)


# -- the community ------------------------------------------------------------------------


def _community_page(
    request: Request,
    db: DbSession,
    user: UserAccount,
    page: int = 1,
    values: dict[str, str] | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    found = dialogue.list_threads(db, page=page)
    context = {
        "found": found,
        "pager": pager(request, found),
        "values": values or {"title": "", "text": ""},
        "error": error,
    }
    return render(request, "dialogue/community.html", context, user=user, status_code=status_code)


@router.get("/community")
def community(request: Request, db: DbSession, user: Anyone, page: PageNumber = 1) -> HTMLResponse:
    """The community's threads, the most recently active first, and the form to start one."""
    return _community_page(request, db, user, page)


@router.post("/community/threads", response_model=None)
async def start_thread(request: Request, db: DbSession, user: Anyone) -> Response:
    """Start a thread; a bad field shows the form again with what was typed."""
    form = await request.form()
    values = {name: _text(form, name) for name in ("title", "text")}
    try:
        thread = dialogue.start_thread(db, user, values["title"], values["text"])
    except ValidationError as error:
        return _community_page(
            request, db, user, values=values, error=error.message, status_code=422
        )
    return RedirectResponse(f"/community/threads/{thread.id}", status_code=303)


@router.get("/community/threads/{thread_id}")
def community_thread(
    request: Request, db: DbSession, thread_id: RowId, user: Anyone
) -> HTMLResponse:
    """A community thread: its posts in order, employees' answers marked, and a reply form."""
    thread, posts = dialogue.thread_posts(db, thread_id)
    context = {"thread": thread, "posts": posts}
    return render(request, "dialogue/thread.html", context, user=user)


@router.post("/community/threads/{thread_id}/replies", response_model=None)
async def reply(request: Request, db: DbSession, thread_id: RowId, user: Anyone) -> Response:
    """Reply in the thread."""
    form = await request.form()
    message = dialogue.reply(db, user, thread_id, _text(form, "text"))
    return RedirectResponse(f"/community/threads/{thread_id}#message-{message.id}", status_code=303)
