"""Customer alerts in the app: the alerts page (acknowledge, close, reopen) and the JSON
API. Who may see them: the segment watch's roles (:data:`WATCH_ROLES`)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Final, Literal

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, ConfigDict

from palabre.accounts.models import UserAccount
from palabre.customers import alerts
from palabre.identity.models import Segment
from palabre.web.access import requires
from palabre.web.api import PREFIX
from palabre.web.api_customers import WATCH_ROLES
from palabre.web.customers_views import SIGNAL_LABELS
from palabre.web.deps import DbSession
from palabre.web.i18n import N_
from palabre.web.listing import RowId
from palabre.web.templating import render

router = APIRouter(include_in_schema=False)
api_router = APIRouter(prefix=f"{PREFIX}/customers", tags=["customers"])
Watcher = Annotated[UserAccount, requires(*WATCH_ROLES)]

STATE_LABELS: Final[dict[str, str]] = {
    "open": N_("Open"),
    "acknowledged": N_("Acknowledged"),
    "closed": N_("Closed"),
}
SEVERITY_LABELS: Final[dict[str, str]] = {
    "low": N_("Low"),
    "medium": N_("Medium"),
    "high": N_("High"),
}
#: which states the page lists, by its ``show`` parameter
SHOWN: Final[dict[str, tuple[str, ...]]] = {
    "current": ("open", "acknowledged"),
    "closed": ("closed",),
}


@router.get("/customers/alerts")
def alerts_page(
    request: Request,
    db: DbSession,
    user: Watcher,
    show: Annotated[Literal["current", "closed"], Query()] = "current",
) -> HTMLResponse:
    """The alerts raised by rules and anomalies, the latest first, with their deliveries,
    and the rules that raise them."""
    segments = {s.id: s.name for s in db.query(Segment)}
    context = {
        "views": alerts.list_alerts(db, states=SHOWN[show]),
        "rules": alerts.list_rules(db),
        "segment_names": segments,
        "show": show,
        "open_count": alerts.open_count(db),
        "signal_labels": SIGNAL_LABELS,
        "state_labels": STATE_LABELS,
        "severity_labels": SEVERITY_LABELS,
    }
    return render(request, "customers/alerts.html", context, user=user)


@router.post("/customers/alerts/{alert_id}/state")
def change_state(
    db: DbSession,
    alert_id: RowId,
    user: Watcher,
    state: Annotated[Literal["open", "acknowledged", "closed"], Form()],
) -> Response:
    """Acknowledge, close or reopen an alert (audited), then back to the list."""
    alert = alerts.get_alert(db, alert_id)
    alerts.set_alert_state(db, alert, state, actor=f"user:{user.username}")
    return RedirectResponse("/customers/alerts", status_code=303)


class DeliveryRead(BaseModel):
    """One line of an alert's delivery log."""

    model_config = ConfigDict(from_attributes=True)

    channel: str
    target: str
    status: str
    attempts: int
    error: str | None
    sent_at: dt.datetime | None


class AlertRead(BaseModel):
    """An alert raised by a rule or an anomaly."""

    id: int
    kind: Literal["rule", "anomaly"]
    rule: str | None
    segment_id: int
    segment: str
    signal: str
    day: dt.date
    last_day: dt.date
    share: float
    baseline_share: float | None
    change: float | None
    p_value: float | None
    volume: int
    severity: Literal["low", "medium", "high"]
    state: Literal["open", "acknowledged", "closed"]
    deliveries: list[DeliveryRead]


class AlertListRead(BaseModel):
    """Alerts, and how many are open."""

    open: int
    items: list[AlertRead]


@api_router.get("/alerts", response_model=AlertListRead)
def alerts_api(
    db: DbSession,
    user: Watcher,
    state: Annotated[list[Literal["open", "acknowledged", "closed"]] | None, Query()] = None,
) -> AlertListRead:
    """Alerts in the given states (default: open and acknowledged), the latest first."""
    views = alerts.list_alerts(db, states=state or ("open", "acknowledged"))
    items = [
        AlertRead(
            id=v.alert.id,
            kind=v.alert.kind,
            rule=v.rule_name,
            segment_id=v.alert.segment_id,
            segment=v.segment_name,
            signal=v.alert.signal,
            day=v.alert.day,
            last_day=v.alert.last_day,
            share=v.alert.value,
            baseline_share=v.alert.baseline,
            change=v.alert.change,
            p_value=v.alert.p_value,
            volume=v.alert.volume,
            severity=v.alert.severity,
            state=v.alert.state,
            deliveries=[DeliveryRead.model_validate(d) for d in v.deliveries],
        )
        for v in views
    ]
    return AlertListRead(open=alerts.open_count(db), items=items)
