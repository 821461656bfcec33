"""User content is escaped: the XSS corpus, imported as messages, people and profile fields,
never becomes markup in any page that can show it.

The pages are found in the application itself (every HTML GET route, path parameters
filled with the ids of the imported objects, text query parameters set to a payload),
so a page added later is checked without editing this test.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from palabre.accounts.models import ROLES
from palabre.db.engine import transaction
from palabre.errors import ValidationError
from palabre.text import service as signals
from palabre.web.imports_worker import worker_of
from tests.web.conftest import Account, csrf_of, sign_in
from tests.web.xss_corpus import (
    html_get_routes,
    import_corpus,
    injected_markup,
    load_payloads,
    urls_of,
)
from tests.web.xss_dialogue import add_community
from tests.web.xss_ideas import add_ideas


def test_the_corpus_covers_the_classic_families_of_payloads() -> None:
    payloads = "\n".join(load_payloads())
    for family in (
        "<script>",
        "onerror=",
        "javascript:",
        "<svg",
        '">',
        "{{7*7}}",
        "＜script＞",
        "\u202e",
    ):
        assert family in payloads, family


def test_no_payload_becomes_markup_in_any_page(
    app: FastAPI,
    make_account: Callable[..., Account],
    sessions: sessionmaker[Session],
    tmp_path: Path,
) -> None:
    payloads = load_payloads()
    corpus = import_corpus(sessions, tmp_path, actor="test")
    clients: dict[str, TestClient] = {}
    for role in ROLES:
        # Every reader's own name is a payload too: the header shows it on every page.
        account = make_account(role, display_name=payloads[(ROLES.index(role) * 7) % len(payloads)])
        clients[role] = TestClient(app, follow_redirects=False)
        assert sign_in(clients[role], account) == 303
    admin = clients["admin"]

    # An upload through the page: its job page and progress fragment show the report.
    uploaded = admin.post(
        "/admin/imports",
        data={"kind": "messages", "source": "<b class=xss>src</b>", "csrf_token": csrf_of(admin)},
        files={
            "file": (
                "<img src=x onerror=window.__xss=1>.csv",
                (tmp_path / "xss-messages.csv").read_bytes(),
            )
        },
    )
    assert uploaded.status_code == 303
    assert worker_of(app).wait(timeout=120)
    corpus.ids["job"] = [uploaded.headers["location"].rsplit("/", 1)[-1]]
    corpus.ids["username"] = [f"{role}-user" for role in ROLES]
    corpus.ids.update(add_ideas(sessions, payloads))
    # One community thread first, then imported ones: both kinds of thread page get filled.
    community = add_community(sessions, payloads)["thread"]
    corpus.ids["thread"] = [community[0], *corpus.ids["thread"]]

    # The signal model page shows the domain terms and the answered messages.
    with transaction(sessions) as db:
        for index, payload in enumerate(payloads):
            # A payload too long, blank once its spaces are folded or a duplicate is refused.
            with contextlib.suppress(ValidationError):
                signals.add_domain_term(db, payload, "discontent", actor=f"user:{payload}")
            if index < len(corpus.ids["message"]):
                message_id = corpus.ids["message"][index]
                signals.correct_signal(db, message_id, "praise", "no", actor=f"user:{payload}")

    problems: list[str] = []
    texts: list[str] = []
    fetched: list[str] = []

    def check(url: str, html: str) -> None:
        found, text = injected_markup(html)
        problems.extend(f"{url}: {problem}" for problem in found)
        texts.append(text)

    # A bad rule quoting a payload comes back in the form, with the error and its caret.
    for payload in payloads[:12]:
        answer = admin.post(
            "/admin/segments",
            data={
                "name": "bad rule",
                "rule": f"city = {payload}",
                "description": payload,
                "csrf_token": csrf_of(admin),
            },
        )
        assert answer.status_code == 422
        check("POST /admin/segments (bad rule)", answer.text)

    routes = html_get_routes(app)
    for index, route in enumerate(routes):
        client = clients[route.reader_role()]
        for url in urls_of(route, corpus.ids, payloads[index % len(payloads)]):
            response = client.get(url)
            assert response.status_code < 500, url
            if response.headers.get("content-type", "").startswith("text/html"):
                fetched.append(url)
                check(url, response.text)

    assert problems == []
    musts = ("/", "/admin/imports", "/admin/segments", "/admin/users", "/customers/inbox")
    assert "/customers/model" in fetched
    for must in (*musts, "/innovation/trends"):
        assert must in fetched
    assert any(url.startswith("/admin/imports/runs/") for url in fetched)
    assert any(url.startswith("/admin/imports/jobs/") for url in fetched)
    assert f"/community/threads/{community[0]}" in fetched
    # The test is only worth something if the payloads were on the pages, as text.
    everything = "\n".join(texts)
    unseen = [payload for payload in payloads if payload.strip() not in everything]
    assert unseen == []
