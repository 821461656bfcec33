"""Every page a link leads to answers, for every role, in French and in English.

The tiny demo company is imported and analysed, then each role follows the links of
the pages it sees from the home page, as a person clicking around would (a few pages
of each kind). A link that leads to a server error, to a missing page or to a page the
role may not see is a bug: the pager of the answer inbox failed on its second page
(its macros lost the reader's language), which no test with fewer than 25 questions
could see.
"""

from __future__ import annotations

import re
from collections import Counter, deque
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from palabre.accounts.models import ROLES
from palabre.connectors.importer import run_import
from palabre.demo import DemoConnector
from palabre.pipeline.runner import run_analysis
from palabre.pipeline.stage import LocalEngine

_HREF = re.compile(r'href="(/[^"#]*)')
#: Pages of one kind (the same path with other numbers) visited at most.
PER_KIND = 2
#: Pages visited at most per role and language.
PER_ROLE = 80
#: Links not followed: files, the API, leaving, and actions that are forms anyway.
SKIPPED = ("/static/", "/api/", "/signout", "/signin")


@pytest.fixture
def demo(sessions: sessionmaker[Session], tmp_path: Path) -> None:
    report = run_import(sessions, DemoConnector(scale="tiny", seed=42, truth_dir=tmp_path))
    assert report.status == "succeeded"
    run_analysis(sessions, engine=LocalEngine(workers=1))


def _kind(url: str) -> str:
    path, _, query = url.partition("?")
    names = sorted(p.split("=")[0] for p in query.split("&") if p)
    return re.sub(r"\d+", "N", path) + "?" + "&".join(names)


def _crawl(client: TestClient, language: str) -> tuple[int, list[tuple[str, int]]]:
    """Follow the links from the home page; the pages that did not answer, and how many
    were visited."""
    seen: set[str] = set()
    kinds: Counter[str] = Counter()
    queue = deque(["/"])
    visited = 0
    failed: list[tuple[str, int]] = []
    while queue and visited < PER_ROLE:
        url = queue.popleft()
        if url in seen or url.startswith(SKIPPED):
            continue
        seen.add(url)
        kinds[_kind(url)] += 1
        if kinds[_kind(url)] > PER_KIND:
            continue
        response = client.get(url, headers={"Accept-Language": language})
        visited += 1
        if response.status_code not in (200, 302, 303, 307):
            failed.append((url, response.status_code))
            continue
        if response.status_code != 200:
            queue.append(response.headers["location"])
            continue
        if response.headers.get("content-type", "").startswith("text/html"):
            queue.extend(href.replace("&amp;", "&") for href in _HREF.findall(response.text))
    return visited, failed


@pytest.mark.parametrize("language", ["fr", "en"])
def test_every_page_a_role_is_led_to_answers(
    demo: None, client_as: Callable[[str], TestClient], language: str
) -> None:
    failures = {}
    for role in ROLES:
        visited, failed = _crawl(client_as(role), language)
        # Every role is led somewhere from its home page (a customer: a few pages).
        assert visited >= 3, (role, visited)
        if failed:
            failures[role] = failed
    assert failures == {}
