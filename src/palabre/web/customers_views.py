"""Customer voice pages: the segment watch (heatmap and series), the root causes, and the
messages behind a cell. Who may open them: :data:`palabre.web.api_customers.WATCH_ROLES`."""

from __future__ import annotations

from typing import Annotated, Final

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from palabre.accounts.models import UserAccount
from palabre.customers import alerts
from palabre.customers.root_causes import NEGATIVE_SIGNALS, RootCause, root_causes
from palabre.customers.watch import SIGNALS
from palabre.errors import ValidationError
from palabre.pipeline import results
from palabre.web.access import requires
from palabre.web.api_customers import WATCH_ROLES, parse_day
from palabre.web.corrections_views import CORRECTION_ROLES
from palabre.web.customer_people_views import NAMED_ROLES
from palabre.web.deps import DbSession
from palabre.web.i18n import N_
from palabre.web.listing import OptionalRowId, RowId, pager
from palabre.web.templating import render

router = APIRouter(include_in_schema=False)

#: How the pages name the signals.
SIGNAL_LABELS: Final[dict[str, str]] = {
    "discontent": N_("Discontent"),
    "drifting_away": N_("Drifting away"),
    "disappointment": N_("Disappointment"),
    "misunderstanding": N_("Misunderstanding"),
    "suggestion": N_("Suggestion"),
    "praise": N_("Praise"),
}
#: Signals whose rise is good news (the heatmap colours their rise as better, not worse).
GOOD_SIGNALS: Final = frozenset({"suggestion", "praise"})
#: Root causes shown per segment and signal on the dashboard.
CAUSES_SHOWN: Final = 3
#: A change this large (relative) is coloured strongly.
STRONG_CHANGE: Final = 0.5


def heat_class(signal: str, change: float | None, status: str) -> str:
    """The CSS class of a heatmap cell: worse or better, strong or mild, or neutral."""
    if change is None or status == "insufficient":
        return "heat-none"
    if abs(change) < 0.05:
        return "heat-flat"
    rising = change > 0
    worse = rising != (signal in GOOD_SIGNALS)
    strength = "strong" if abs(change) >= STRONG_CHANGE else "mild"
    return f"heat-{'worse' if worse else 'better'}-{strength}"


Watcher = Annotated[UserAccount, requires(*WATCH_ROLES)]


@router.get("/customers")
def dashboard(
    request: Request,
    db: DbSession,
    user: Watcher,
    as_of: Annotated[str, Query(max_length=10)] = "",
    window: Annotated[int, Query(ge=1, le=28)] = 7,
) -> HTMLResponse:
    """The segment watch: segments x signals against their baseline, and each segment's
    series (drawn by static/js/customers.js from the JSON API)."""
    found = results.heatmap(db, as_of=parse_day(as_of, "as_of"), window=window)
    causes = root_causes(
        db, role=user.role, signals=NEGATIVE_SIGNALS, limit=CAUSES_SHOWN, examples=2
    )
    by_segment: dict[str, dict[str, list[RootCause]]] = {}
    for cause in causes:
        by_segment.setdefault(cause.segment, {}).setdefault(cause.signal, []).append(cause)
    context = {
        "heatmap": found,
        "causes": by_segment,
        "cause_period": causes[0].period if causes else None,
        "negative_signals": NEGATIVE_SIGNALS,
        "signals": SIGNALS,
        "signal_labels": SIGNAL_LABELS,
        "heat_class": heat_class,
        "open_alerts": alerts.open_count(db),
        # Links to the pages of named customers, for the roles that may open them.
        "named": user.role in NAMED_ROLES,
        # The signal model page, for the roles that teach it.
        "may_correct": user.role in CORRECTION_ROLES,
    }
    return render(request, "customers/dashboard.html", context, user=user)


@router.get("/customers/segments/{segment_id}/messages")
def cell(
    request: Request,
    db: DbSession,
    segment_id: RowId,
    user: Watcher,
    since: Annotated[str, Query(alias="from", max_length=10)] = "",
    until: Annotated[str, Query(alias="to", max_length=10)] = "",
    signal: Annotated[str, Query(max_length=40)] = "",
    channel: OptionalRowId = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> HTMLResponse:
    """The messages behind a heatmap cell, the strongest first, with links to their
    threads (default period: the heatmap's current window)."""
    segment = results.watched_segment(db, segment_id)
    end = parse_day(until, "to") or results.latest_day(db)
    if end is None:
        raise ValidationError("to: nothing has been analysed yet (run palabre analyze)")
    start = parse_day(since, "from") or end
    found = results.cell_messages(
        db,
        user.role,
        segment_id,
        signal=signal or None,
        start=start,
        end=end,
        channel_id=channel,
        page=page,
    )
    context = {
        "segment": segment,
        "signal": signal or None,
        "signal_labels": SIGNAL_LABELS,
        "start": start,
        "end": end,
        "found": found,
        "pager": pager(request, found),
        "may_correct": user.role in CORRECTION_ROLES,
        "corrected": request.query_params.get("corrected"),
    }
    return render(request, "customers/messages.html", context, user=user)
