"""Named customers in the customer-voice pillar: flag bearers and customers at risk (and
their API). Person-level
pages: only the roles that work with named customers see them (:data:`NAMED_ROLES`:
the customer analyst, who is the customer-relationship role, and the administrator;
not the employees' managers), and every view is audited (DESIGN, privacy model)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Final

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, ConfigDict

from palabre.accounts.models import UserAccount
from palabre.customers.bearer_data import DEFAULT_DAYS, MAX_DAYS, flag_bearers
from palabre.customers.risk_data import customers_at_risk
from palabre.pipeline import results
from palabre.web.access import requires
from palabre.web.api import PREFIX
from palabre.web.deps import DbSession
from palabre.web.listing import OptionalRowId, RowId
from palabre.web.templating import render

#: roles that see named customers (pages and API)
NAMED_ROLES: Final = ("admin", "analyst")

router = APIRouter(include_in_schema=False)
api_router = APIRouter(prefix=f"{PREFIX}/customers", tags=["customers"])
Named = Annotated[UserAccount, requires(*NAMED_ROLES)]
Days = Annotated[int, Query(ge=1, le=MAX_DAYS)]


@router.get("/customers/flag-bearers")
def bearers_page(
    request: Request,
    db: DbSession,
    user: Named,
    segment: OptionalRowId = None,
    days: Days = DEFAULT_DAYS,
) -> HTMLResponse:
    """The customers whose discontent reaches others, with the parts of their score and
    the messages that show it; for every customer or one segment."""
    report = flag_bearers(db, actor=f"user:{user.username}", segment_id=segment, days=days)
    context = {
        "report": report,
        "segments": results.watched_segments(db),
        "segment_id": segment,
        "days": days,
    }
    return render(request, "customers/flag_bearers.html", context, user=user)


class EvidenceRead(BaseModel):
    """A negative message of a flag bearer."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    thread_id: int
    created_at: dt.datetime
    excerpt: str
    url: str | None


class FlagBearerRead(BaseModel):
    """One flag bearer and the parts of their score."""

    model_config = ConfigDict(from_attributes=True)

    rank: int
    person_id: int
    name: str
    score: float
    negativity: float
    reach: float
    recurrence: float
    messages: int
    negative_days: int
    replies: float
    reactions: float
    mentions: int
    followers: int | None
    influence: float
    evidence: list[EvidenceRead]


class FlagBearersRead(BaseModel):
    """The ranking of a period, in a segment or among every customer."""

    model_config = ConfigDict(from_attributes=True)

    segment: str | None
    start: dt.date | None
    end: dt.date | None
    items: list[FlagBearerRead]


@api_router.get("/flag-bearers", response_model=FlagBearersRead)
def bearers_api(
    db: DbSession,
    user: Named,
    segment: OptionalRowId = None,
    days: Days = DEFAULT_DAYS,
    top: Annotated[int, Query(ge=1, le=500)] = 20,
) -> FlagBearersRead:
    """Flag bearers over the last ``days`` days (audited: named customers)."""
    report = flag_bearers(db, actor=f"user:{user.username}", segment_id=segment, days=days, top=top)
    return FlagBearersRead.model_validate(report)


@router.get("/customers/at-risk")
def at_risk_page(
    request: Request,
    db: DbSession,
    user: Named,
    segment: OptionalRowId = None,
) -> HTMLResponse:
    """The customers most likely to leave within 60 days, with their main reasons in words
    and their recent messages; for every customer or one segment."""
    report = customers_at_risk(db, actor=f"user:{user.username}", segment_id=segment)
    context = {
        "report": report,
        "segments": results.watched_segments(db),
        "segment_id": segment,
    }
    return render(request, "customers/at_risk.html", context, user=user)


@router.get("/customers/segments/{segment_id}/at-risk")
def segment_at_risk_page(
    request: Request, db: DbSession, segment_id: RowId, user: Named
) -> HTMLResponse:
    """One customer segment's customers at risk."""
    return at_risk_page(request, db, user, segment_id)


class RiskMessageRead(BaseModel):
    """A recent message of the customer carrying a worrying signal."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    thread_id: int
    created_at: dt.datetime
    signal: str
    probability: float
    excerpt: str
    url: str | None


class CustomerRiskRead(BaseModel):
    """One customer at risk: the probability of leaving within 60 days and why."""

    model_config = ConfigDict(from_attributes=True)

    rank: int
    person_id: int
    name: str
    probability: float
    reasons_fr: list[str]
    reasons_en: list[str]
    messages: list[RiskMessageRead]


class CustomersAtRiskRead(BaseModel):
    """The list as seen at ``as_of`` (null: nothing analysed yet)."""

    model_config = ConfigDict(from_attributes=True)

    segment: str | None
    as_of: dt.date | None
    customers: int
    items: list[CustomerRiskRead]


@api_router.get("/at-risk", response_model=CustomersAtRiskRead)
def at_risk_api(
    db: DbSession,
    user: Named,
    segment: OptionalRowId = None,
    top: Annotated[int, Query(ge=1, le=500)] = 50,
) -> CustomersAtRiskRead:
    """Customers by probability of leaving within 60 days (audited: named customers)."""
    report = customers_at_risk(db, actor=f"user:{user.username}", segment_id=segment, top=top)
    return CustomersAtRiskRead.model_validate(report)
