"""Rendering pages: the Jinja environment, what every page knows, and the navigation.

Every page is rendered with :func:`render`, which adds to the context: ``user``
(the signed-in account or None), ``locale``, ``time_zone``, ``nav`` (the pillars this
user may open), ``csrf_token``/``csrf_field()`` and ``locales`` (for the switch).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Final
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape

from palabre import __version__
from palabre.accounts.models import UserAccount
from palabre.web import i18n
from palabre.web.access import Policy
from palabre.web.csrf import FIELD
from palabre.web.i18n import N_
from palabre.web.sessions import csrf_token

TEMPLATES_DIR: Final = Path(__file__).parent / "templates"


@dataclass(frozen=True)
class NavItem:
    """One pillar in the header: its label (an msgid), path and whether it is the current one."""

    label: str
    path: str
    current: bool = False


#: The pillars, in header order. An item appears once a GET route exists at its path
#: and that route's declared roles admit the reader: pages added later show up by
#: themselves, for exactly the roles they declare.
PILLARS: Final[tuple[tuple[str, str], ...]] = (
    (N_("Home"), "/"),
    (N_("Customer voice"), "/customers"),
    (N_("Innovation"), "/innovation"),
    (N_("People"), "/people"),
    (N_("ROI"), "/roi"),
    (N_("Conversations"), "/conversations"),
    (N_("Community"), "/community"),
    (N_("Admin"), "/admin"),
)


#: How the interface names each role.
ROLE_LABELS: Final[dict[str, str]] = {
    "admin": N_("Administrator"),
    "analyst": N_("Customer analyst"),
    "innovation": N_("Innovation manager"),
    "hr": N_("Human resources"),
    "manager": N_("Manager"),
    "member": N_("Employee"),
    "customer": N_("Customer"),
}


@lru_cache(maxsize=1)
def environment() -> Environment:
    """The Jinja environment of the web pages (autoescaping on, i18n installed)."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(("html",)),
        trim_blocks=True,
        lstrip_blocks=True,
        # Templates are compiled once per process and kept: checking every template file
        # (and the files it extends and imports) for changes on each page is wasted work
        # for a server; a new version of palabre is a restart.
        auto_reload=False,
        cache_size=-1,
    )
    i18n.install(env)
    return env


def visible_pillars(request: Request, user: UserAccount | None) -> list[NavItem]:
    """The pillars whose page exists and admits ``user``; the one being viewed is marked."""
    if user is None:
        return []
    policies: dict[tuple[str, str], Policy] = request.app.state.route_policies
    here = request.url.path
    items = []
    for label, path in PILLARS:
        policy = policies.get(("GET", path))
        if policy is not None and policy.admits(user.role):
            current = here == path if path == "/" else here.startswith(path)
            items.append(NavItem(label, path, current))
    return items


def request_locale(request: Request, user: UserAccount | None) -> str:
    """The interface language of this request (see :func:`palabre.web.i18n.choose_locale`)."""
    return i18n.choose_locale(
        request.session.get("locale"),
        user.locale if user is not None else None,
        request.headers.get("accept-language"),
    )


def current_path(request: Request) -> str:
    """The path and query of this request: where to come back after a switch or sign-in."""
    query = request.url.query
    return request.url.path + (f"?{query}" if query else "")


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
    user: UserAccount | None = None,
) -> HTMLResponse:
    """Render ``template`` as this request's page (``user``: default, the signed-in account)."""
    if user is None:
        user = getattr(request.state, "user", None)
    locale = request_locale(request, user)
    token = csrf_token(request)
    values: dict[str, Any] = {
        "request": request,
        "user": user,
        "locale": locale,
        "locales": [(code, i18n.LOCALE_NAMES[code]) for code in i18n.LOCALES],
        "time_zone": request.app.state.settings.display_time_zone,
        "nav": visible_pillars(request, user),
        "role_labels": ROLE_LABELS,
        "csrf_token": token,
        "csrf_field": lambda: Markup(
            f'<input type="hidden" name="{FIELD}" value="{escape(token)}">'
        ),
        "here": current_path(request),
        "here_quoted": quote(current_path(request), safe=""),
        "version": __version__,
    }
    values.update(context or {})
    html = environment().get_template(template).render(values)
    return HTMLResponse(html, status_code=status_code, headers={"Content-Language": locale})
