"""The opinion leaders page: communities of the interaction graph, their leaders, the
leaders of a topic and the people suggested for an idea's roles, each with why.

Person-level analytics: served to innovation managers and administrators only, and
every view is audited (``leaders.viewed``, DESIGN.md privacy model).
"""

from __future__ import annotations

from typing import Annotated, Final

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from palabre.accounts.models import UserAccount
from palabre.innovation.leader_service import day_window, leaders_report, record_view
from palabre.innovation.leaders import MIN_COMMUNITY
from palabre.innovation.roles import ROLES, suggest_roles
from palabre.web.access import requires
from palabre.web.api_customers import parse_day
from palabre.web.deps import DbSession
from palabre.web.i18n import N_
from palabre.web.templating import render

router = APIRouter(include_in_schema=False)

#: Who may see opinion leaders (person-level): innovation managers and administrators.
LEADERS_ROLES: Final = ("admin", "innovation")
#: How the page names the roles of an idea.
ROLE_LABELS: Final[dict[str, str]] = {
    "ideator": N_("Ideator"),
    "experts": N_("Experts"),
    "champion": N_("Champion"),
    "validators": N_("Validators"),
}
KIND_LABELS: Final[dict[str, str]] = {
    "customer": N_("customer"),
    "employee": N_("employee"),
    "partner": N_("partner"),
    "unknown": N_("unknown"),
}
Short = Annotated[str, Query(max_length=10)]
Text = Annotated[str, Query(max_length=2000)]


@router.get("/innovation/leaders")
def leaders_page(
    request: Request,
    db: DbSession,
    user: Annotated[UserAccount, requires(*LEADERS_ROLES)],
    since: Short = "",
    until: Short = "",
    community: Annotated[int | None, Query(ge=1, le=100_000)] = None,
    topic: Annotated[str, Query(max_length=200)] = "",
    idea_title: Annotated[str, Query(max_length=300)] = "",
    idea_body: Text = "",
) -> HTMLResponse:
    """Communities and their leaders in a window; a topic's leaders; an idea's roles."""
    start, end = day_window(parse_day(since, "since"), parse_day(until, "until"))
    report = leaders_report(
        db, since=start, until=end, community=community, topic=topic.strip() or None
    )
    roles = None
    if idea_title.strip():
        roles = suggest_roles(db, idea_title, idea_body, since=start, until=end)
    record_view(
        db,
        f"user:{user.username}",
        report,
        since=since,
        until=until,
        community=community,
        topic=topic,
        idea_title=idea_title,
    )
    context = {
        "report": report,
        "roles": roles,
        "role_names": ROLES,
        "role_labels": ROLE_LABELS,
        "kind_labels": KIND_LABELS,
        "min_community": MIN_COMMUNITY,
        "asked": {
            "since": since,
            "until": until,
            "community": community,
            "topic": topic,
            "idea_title": idea_title,
            "idea_body": idea_body,
        },
    }
    return render(request, "innovation/leaders.html", context, user=user)
