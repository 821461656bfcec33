"""The pages of the frame: home (by pillar) and the language switch."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Final

import sqlalchemy as sa
from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy.orm import Session

from palabre.accounts import service as accounts
from palabre.accounts.models import UserAccount
from palabre.connectors.models import ImportRun
from palabre.errors import ValidationError
from palabre.fabric import browse
from palabre.fabric.models import Channel, Message, Thread
from palabre.identity.models import Identity, Person
from palabre.people.service import root_id, visible_kinds
from palabre.web import i18n
from palabre.web.access import Policy, authenticated, public
from palabre.web.auth import safe_next
from palabre.web.deps import DbSession
from palabre.web.i18n import N_
from palabre.web.templating import render
from palabre.web.versioned import cached

router = APIRouter(include_in_schema=False)


@dataclass(frozen=True)
class PillarCard:
    """A pillar on the home page; ``href`` is None while its page does not exist yet."""

    title: str
    summary: str
    href: str | None


# Label msgids are shared with the navigation (templating.PILLARS).
_CARDS: tuple[tuple[str, str, str], ...] = (
    (
        N_("Customer voice"),
        "/customers",
        N_(
            "Discontent, drift and misunderstanding in the segments you watch, and who voices them."
        ),
    ),
    (
        N_("Innovation"),
        "/innovation",
        N_("Idea campaigns, votes, emerging trends and the people who lead them."),
    ),
    (
        N_("People"),
        "/people",
        N_("Profiles, skills, recognition and the team barometer, never exposing an individual."),
    ),
    (
        N_("ROI"),
        "/roi",
        N_(
            "Initiatives measured honestly: effects with their uncertainty, against control groups."
        ),
    ),
    (
        N_("Conversations"),
        "/conversations",
        N_("Every channel, thread and reply, searchable by text, author and date."),
    ),
)

COUNT_LABELS: tuple[tuple[str, str], ...] = (
    ("people", N_("People")),
    ("identities", N_("Identities")),
    ("channels", N_("Channels")),
    ("threads", N_("Threads")),
    ("messages", N_("Messages")),
    ("imports", N_("Imports")),
)


#: How many of the latest conversations the home page lists.
LATEST_THREADS: Final = 6


def _count(db: Session, statement: sa.Select[Any]) -> int:
    return int(db.scalar(statement) or 0)


def _counts(db: Session) -> dict[str, int]:
    def rows(model: Any) -> sa.Select[Any]:
        return sa.select(sa.func.count()).select_from(model)

    return {
        "people": _count(db, rows(Person).where(Person.merged_into_id.is_(None))),
        "identities": _count(db, rows(Identity)),
        "channels": _count(db, rows(Channel)),
        "threads": _count(db, rows(Thread)),
        "messages": _count(db, rows(Message)),
        "imports": _count(db, rows(ImportRun)),
    }


def home_counts(request: Request, db: Session) -> dict[str, int]:
    """The counts the home page shows.

    Counting a million messages costs tens of milliseconds: the counts are kept per
    process while the workspace's data version stays the same (:mod:`palabre.web.versioned`).
    """
    return dict(cached(request, db, ("home", "counts"), lambda: _counts(db)))


def home_cards(request: Request, user: UserAccount) -> list[PillarCard]:
    """The pillar cards this user sees: linked when they may open the page, "coming soon"
    while the page does not exist, left out when it exists for other roles only."""
    policies: dict[tuple[str, str], Policy] = request.app.state.route_policies
    cards = []
    for title, path, summary in _CARDS:
        policy = policies.get(("GET", path))
        if policy is None:
            cards.append(PillarCard(title, summary, None))
        elif policy.admits(user.role):
            cards.append(PillarCard(title, summary, path))
    return cards


@router.get("/")
def home(
    request: Request,
    db: DbSession,
    user: Annotated[UserAccount, authenticated()],
) -> HTMLResponse:
    """What the workspace holds, pillar by pillar (each pillar fills its card later)."""
    latest: tuple[browse.ThreadSummary, ...] = ()
    if user.role in browse.BROWSER_ROLES:
        latest = cached(
            request,
            db,
            ("home", "latest", user.role),
            lambda: tuple(browse.latest_threads(db, user.role, limit=LATEST_THREADS)),
        )
    context = {
        "counts": home_counts(request, db),
        "count_labels": COUNT_LABELS,
        "cards": home_cards(request, user),
        "latest": latest,
        "linkable_kinds": visible_kinds(user.role),
        "own_person_id": root_id(db, user.person_id),
    }
    return render(request, "home.html", context, user=user)


@router.post("/language")
def switch_language(
    request: Request,
    db: DbSession,
    user: Annotated[UserAccount | None, public()],
    locale: Annotated[str, Form(max_length=35)],
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> RedirectResponse:
    """Remember the chosen language in the session (and on the account) and go back."""
    if locale not in i18n.LOCALES:
        raise ValidationError(f"locale {locale!r} is not one of: {', '.join(i18n.LOCALES)}")
    request.session["locale"] = locale
    if user is not None:
        accounts.set_locale(db, user, locale, actor=f"user:{user.username}")
    return RedirectResponse(safe_next(next), status_code=303)
