"""Analysts correct a message's signals from the pages that show them (and the API).

The answer is stored and audited by :func:`palabre.text.service.correct_signal`; it
replaces the model's value at the next ``palabre analyze``, and ``palabre train`` learns
from it. Only the roles that analyse customer voice answer (:data:`CORRECTION_ROLES`),
and only for messages their role may read.
"""

from __future__ import annotations

from typing import Annotated, Final, Literal
from urllib.parse import urlencode

import sqlalchemy as sa
from fastapi import APIRouter, Form
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel
from sqlalchemy.orm import Session

from palabre.accounts.models import UserAccount
from palabre.errors import NotFoundError
from palabre.fabric.browse import channel_rule
from palabre.fabric.models import Channel, Message
from palabre.text import service
from palabre.web.access import requires
from palabre.web.auth import safe_next
from palabre.web.deps import DbSession
from palabre.web.listing import RowId

CORRECTION_ROLES: Final = ("admin", "analyst")

router = APIRouter(include_in_schema=False)
api_router = APIRouter(prefix="/api/v1", tags=["signals"])

Corrector = Annotated[UserAccount, requires(*CORRECTION_ROLES)]
SignalName = Literal[
    "discontent",
    "drifting_away",
    "disappointment",
    "misunderstanding",
    "suggestion",
    "praise",
    "sentiment",
]
Label = Literal["yes", "no", "negative", "neutral", "positive"]


def _readable(db: Session, role: str, message_id: int) -> None:
    found = db.scalar(
        sa.select(Message.id)
        .join(Channel, Channel.id == Message.channel_id)
        .where(Message.id == message_id, channel_rule(role))
    )
    if found is None:
        raise NotFoundError(f"no message {message_id} that you may read")


@router.post("/customers/messages/{message_id}/corrections")
def correct_page(
    db: DbSession,
    message_id: RowId,
    user: Corrector,
    signal: Annotated[SignalName, Form()],
    label: Annotated[Label, Form()],
    next_page: Annotated[str, Form(alias="next", max_length=2000)] = "/customers",
) -> Response:
    """Record the answer, then back to the page it was given on (saying so)."""
    _readable(db, user.role, message_id)
    service.correct_signal(db, message_id, signal, label, actor=f"user:{user.username}")
    target = safe_next(next_page)
    joiner = "&" if "?" in target else "?"
    query = urlencode({"corrected": message_id})
    return RedirectResponse(f"{target}{joiner}{query}#message-{message_id}", status_code=303)


class CorrectionCreate(BaseModel):
    """An analyst's answer for one signal of a message."""

    signal: SignalName
    label: Label


class CorrectionRead(BaseModel):
    """The answer as stored; it applies from the next ``palabre analyze``."""

    message_id: int
    signal: str
    label: str


@api_router.post("/messages/{message_id}/corrections", response_model=CorrectionRead)
def correct_api(
    db: DbSession, message_id: RowId, user: Corrector, body: CorrectionCreate
) -> CorrectionRead:
    """Record an answer for one signal of a message (replaces an earlier one)."""
    _readable(db, user.role, message_id)
    row = service.correct_signal(
        db, message_id, body.signal, body.label, actor=f"user:{user.username}"
    )
    return CorrectionRead(message_id=row.message_id, signal=row.signal, label=row.label)
