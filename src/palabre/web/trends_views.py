"""The trends page and API: emerging topics, weak and strong signals, with examples.

Served to innovation managers, customer-voice analysts and administrators. The trends
themselves are aggregates over every conversation; their example messages are shown
only when the reader's role may read their channel (:func:`palabre.fabric.browse.channel_rule`).
"""

from __future__ import annotations

from typing import Annotated, Final, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel

from palabre.accounts.models import UserAccount
from palabre.innovation.trend_service import list_trends, trend_as_dict
from palabre.web.access import requires
from palabre.web.api import PREFIX
from palabre.web.api_customers import parse_day
from palabre.web.deps import DbSession
from palabre.web.i18n import N_
from palabre.web.templating import render

router = APIRouter(include_in_schema=False)
api_router = APIRouter(prefix=PREFIX, tags=["innovation"])

#: Who may see trends: innovation managers, customer-voice analysts, administrators.
TRENDS_ROLES: Final = ("admin", "analyst", "innovation")
LEVEL_LABELS: Final[dict[str, str]] = {"weak": N_("weak signal"), "strong": N_("strong signal")}
Reader = Annotated[UserAccount, requires(*TRENDS_ROLES)]
Level = Annotated[Literal["", "weak", "strong"], Query()]
Day = Annotated[str, Query(max_length=10)]


@router.get("/innovation/trends")
def trends_page(
    request: Request, db: DbSession, user: Reader, level: Level = "", since: Day = ""
) -> HTMLResponse:
    """The current trends, strong and weak, with examples the reader may open."""
    found = list_trends(db, user.role, level=level or None, since=parse_day(since, "since"))
    context = {
        "trends": found,
        "level_labels": LEVEL_LABELS,
        "asked": {"level": level, "since": since},
    }
    return render(request, "innovation/trends.html", context, user=user)


class TrendExampleRead(BaseModel):
    """An example message of a trend, in a channel the caller may read."""

    message_id: int
    thread_id: int
    day: str
    excerpt: str


class TrendRead(BaseModel):
    """One stored trend (see docs/trends.md)."""

    id: int
    label: str
    terms: list[str]
    languages: list[str]
    level: str
    first_flagged: str
    last_flagged: str
    first_strong: str | None
    days_flagged: int
    peak_count_week: int
    peak_score: float
    examples: list[TrendExampleRead]


@api_router.get("/trends", response_model=list[TrendRead])
def trends_api(db: DbSession, user: Reader, level: Level = "", since: Day = "") -> list[TrendRead]:
    """The stored trends, latest flagged first; examples only from readable channels."""
    found = list_trends(db, user.role, level=level or None, since=parse_day(since, "since"))
    return [TrendRead.model_validate(trend_as_dict(t)) for t in found]
