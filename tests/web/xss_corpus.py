"""The XSS payload corpus as a workspace's content, and the HTML pages that can show it.

Shared by ``test_xss.py`` (the HTML as served) and ``browser/test_xss_browser.py``
(the pages run in Chromium). The payloads (``tests/fixtures/xss/payloads.txt``) enter
the store the way real data does: a generic messages CSV (channel names, author
names, titles, texts, and a date column that gets rejected, so that the payload
reaches the import report) and a people CSV (names, team, profile attributes, even
attribute names) through ``run_import``; then as segment names and descriptions and
as the signed-in account's display name.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from sqlalchemy.orm import Session, sessionmaker

from palabre.accounts.models import ROLES
from palabre.connectors.importer import import_path
from palabre.connectors.models import ImportRun
from palabre.fabric.models import Channel, Message, Thread
from palabre.identity import segments
from palabre.identity.models import Identity, Person, Segment
from palabre.web.access import Policy

PAYLOADS_FILE = Path(__file__).resolve().parents[1] / "fixtures" / "xss" / "payloads.txt"
#: Attribute names made of payloads (people CSV headers become profile field names).
HEADER_PAYLOADS = ("<b class=xss>field</b>", '" onmouseover="window.__xss=1')
#: What template injection would print if user text were evaluated as a template.
EVALUATED = ("tmpl49tmpl", "1338337")


def load_payloads() -> list[str]:
    """The payloads of the corpus, in file order."""
    lines = PAYLOADS_FILE.read_text(encoding="utf-8").splitlines()
    return [line for line in lines if line.strip() and not line.startswith("# ")]


@dataclass
class Corpus:
    """What the corpus created, by kind of object: the ids that fill path parameters."""

    payloads: list[str]
    ids: dict[str, list[Any]] = field(default_factory=dict)


def _write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, quoting=csv.QUOTE_ALL)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def import_corpus(sessions: sessionmaker[Session], folder: Path, actor: str) -> Corpus:
    """Import every payload as messages and people, and define a segment per payload."""
    payloads = load_payloads()
    message_rows = []
    for index, payload in enumerate(payloads):
        channel = payload if index % 4 == 0 else f"channel-{index % 3}"
        thread = f"t{index // 2}"
        message_rows.append(
            [
                f"m{index}",
                channel,
                f"author{index}",
                payload,
                "2025-03-01T09:00:00Z",
                thread,
                payload,
                payload,
            ]
        )
        if index % 5 == 0:  # a bad date: the reason quoting it lands in the import report
            message_rows.append(
                [f"bad{index}", "bad", f"author{index}", payload, payload, "", "", payload]
            )
    messages = _write_csv(
        folder / "xss-messages.csv",
        ["id", "channel", "author", "author_name", "created_at", "thread_id", "title", "text"],
        message_rows,
    )
    people_rows = [
        [f"p{index}", payload, "customer", f"Équipe/{payload}", payload, payload, payload]
        for index, payload in enumerate(payloads)
    ]
    people = _write_csv(
        folder / "xss-people.csv",
        ["id", "name", "kind", "team", "city", *HEADER_PAYLOADS],
        people_rows,
    )
    import_path(sessions, "messages", messages, actor=actor)
    import_path(sessions, "people", people, actor=actor)
    with sessions.begin() as session:
        for index, payload in enumerate(payloads):
            segments.create_segment(
                session,
                name=f"{payload} #{index}",
                rule="city is not null",
                kind="any",
                description=payload,
                actor=actor,
            )
    corpus = Corpus(payloads)
    with sessions() as session:
        corpus.ids = {
            "person": list(session.scalars(sa.select(Person.id).order_by(Person.id).limit(8))),
            "thread": list(session.scalars(sa.select(Thread.id).order_by(Thread.id).limit(8))),
            "channel": list(session.scalars(sa.select(Channel.id).order_by(Channel.id).limit(8))),
            "message": list(session.scalars(sa.select(Message.id).order_by(Message.id).limit(8))),
            "identity": list(
                session.scalars(sa.select(Identity.id).order_by(Identity.id).limit(8))
            ),
            "run": list(session.scalars(sa.select(ImportRun.id).order_by(ImportRun.id))),
            "segment": list(session.scalars(sa.select(Segment.id).order_by(Segment.id).limit(4))),
        }
    return corpus


# -- the pages that can show user content ------------------------------------------------

#: Path parameter name -> the kind of object whose ids fill it (``run_id`` -> "run").
PARAM_KINDS: dict[str, str] = {
    "person_id": "person",
    "people_id": "person",
    "thread_id": "thread",
    "channel_id": "channel",
    "message_id": "message",
    "identity_id": "identity",
    "run_id": "run",
    "segment_id": "segment",
    "job_id": "job",
    "username": "username",
    "campaign_id": "campaign",
    "idea_id": "idea",
}
#: Routes whose answer is not a page about stored content.
#: GET routes that show none of the corpus: the sign-in page, and a person's export,
#: a JSON download (``Content-Disposition: attachment``) that no browser renders.
NOT_CONTENT = {"/signin", "/people/{person_id}/export"}


@dataclass(frozen=True)
class PageRoute:
    """An HTML GET route: its path template, who may open it, its text query parameters."""

    path: str
    policy: Policy
    params: tuple[str, ...]
    text_queries: tuple[str, ...]

    def reader_role(self) -> str:
        """The role that reads the page: admin when admitted, else the first role that is."""
        for role in ("admin", *ROLES):
            if self.policy.admits(role):
                return role
        raise AssertionError(f"no role opens {self.path}")


def html_get_routes(app: FastAPI) -> list[PageRoute]:
    """Every GET page of the application (not the API, not static files), found in the app."""
    policies: dict[tuple[str, str], Policy] = app.state.route_policies
    found = []
    for context in iter_route_contexts(app.routes):
        path = str(context.path)
        if not isinstance(context.original_route, APIRoute) or "GET" not in (context.methods or ()):
            continue
        if path.startswith("/api/") or path in NOT_CONTENT:
            continue
        dependant = context.dependant
        queries = tuple(
            param.alias
            for param in _flat_query_params(dependant)
            if param.field_info.annotation in (str, str | None)
        )
        params = tuple(re.findall(r"\{([^}:]+)", path))
        found.append(PageRoute(path, policies[("GET", path)], params, queries))
    return found


def _flat_query_params(dependant: Any) -> Iterator[Any]:
    yield from dependant.query_params
    for sub in dependant.dependencies:
        yield from _flat_query_params(sub)


def urls_of(route: PageRoute, ids: dict[str, list[Any]], payload: str) -> list[str]:
    """The URLs to fetch for ``route``: every combination of known ids (a few), and once
    more with each text query parameter set to ``payload`` (reflected input)."""
    from urllib.parse import quote

    paths = [route.path]
    for name in route.params:
        kind = PARAM_KINDS.get(name)
        assert kind is not None, (
            f"{route.path}: no filler for the path parameter {{{name}}}: add it to "
            "PARAM_KINDS in tests/web/xss_corpus.py"
        )
        values = ids.get(kind) or []
        assert values, f"{route.path}: the corpus created no {kind} to fill {{{name}}}"
        paths = [
            re.sub(r"\{" + re.escape(name) + r"(:[^}]*)?\}", quote(str(value), safe=""), path)
            for path in paths
            for value in values[:3]
        ]
    urls = list(paths)
    if route.text_queries:
        query = "&".join(f"{name}={quote(payload, safe='')}" for name in route.text_queries)
        urls.extend(f"{path}?{query}" for path in paths)
    return urls


# -- looking for markup that a payload created --------------------------------------------

_URL_ATTRIBUTES = {
    "href",
    "src",
    "action",
    "formaction",
    "data",
    "xlink:href",
    "poster",
    "background",
}
_FORBIDDEN_ELEMENTS = {"iframe", "object", "embed", "base", "style", "frame", "frameset", "applet"}
_BAD_SCHEME = re.compile(r"^(javascript|vbscript|data:text/html)", re.IGNORECASE)


class _Inspector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        where = f"<{tag} {' '.join(f'{k}={v!r}' for k, v in attrs)}>"
        names = {name for name, _ in attrs}
        if tag in _FORBIDDEN_ELEMENTS:
            self.problems.append(f"a <{tag}> element: {where}")
        if tag == "script" and not (dict(attrs).get("src") or "").startswith("/static/"):
            self.problems.append(f"a script that is not a static file: {where}")
        if tag == "link" and not (dict(attrs).get("href") or "").startswith("/static/"):
            self.problems.append(f"a link to something not static: {where}")
        if tag == "meta" and "http-equiv" in names:
            self.problems.append(f"a meta http-equiv: {where}")
        for name, value in attrs:
            text = value or ""
            self.text.append(text)
            if name.startswith("on") or name.startswith("hx-on") or name == "srcdoc":
                self.problems.append(f"an {name} attribute: {where}")
            if "xss" in name:
                self.problems.append(f"an attribute named by a payload: {where}")
            if name in ("id", "class") and "xss" in text.lower():
                self.problems.append(f"an element marked by a payload: {where}")
            cleaned = re.sub(r"[\x00-\x20]", "", text)
            if name in _URL_ATTRIBUTES and _BAD_SCHEME.match(cleaned):
                self.problems.append(f"a script URL in {name}: {where}")

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def injected_markup(html: str) -> tuple[list[str], str]:
    """What in ``html`` looks created by a payload, and the page's text (data and attributes)."""
    inspector = _Inspector()
    inspector.feed(html)
    inspector.close()
    text = "\n".join(inspector.text)
    problems = list(inspector.problems)
    problems.extend(f"template evaluated: {marker}" for marker in EVALUATED if marker in text)
    return problems, text
