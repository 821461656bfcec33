"""Aggregates kept per data version (palabre.web.versioned): kept while nothing changes,
never shown older than the data after a change."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from palabre.connectors.importer import import_path
from palabre.fabric.models import Channel
from palabre.identity.resolution import merge_persons
from palabre.web.versioned import VersionedCache
from tests.people.data import import_company, person_id
from tests.web.querycount import statements


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_value_is_computed_once_per_version_and_again_when_it_is_too_old() -> None:
    clock = Clock()
    cache = VersionedCache(max_age=30, clock=clock)
    computed: list[int] = []

    def compute() -> int:
        computed.append(len(computed))
        return len(computed)

    assert cache.get("k", (1, 2), compute) == 1
    assert cache.get("k", (1, 2), compute) == 1
    assert cache.get("other", (1, 2), compute) == 2
    assert cache.get("k", (1, 3), compute) == 3  # the data moved
    clock.now += 29
    assert cache.get("k", (1, 3), compute) == 3
    clock.now += 2
    assert cache.get("k", (1, 3), compute) == 4  # older than max_age
    assert len(computed) == 4


def test_a_full_cache_starts_again_rather_than_growing() -> None:
    cache = VersionedCache(max_entries=3)
    for key in range(10):
        cache.get(key, (1,), lambda key=key: key)
    assert cache.get(9, (1,), lambda: -1) == 9
    assert cache.get(0, (1,), lambda: -1) == -1  # dropped when the cache filled up


def _count(page: str, label: str) -> int:
    found = re.search(rf"<dt>{label}</dt><dd>([\d,\u202f\xa0]+)</dd>", page)
    assert found, f"no count {label!r} on the page"
    return int(re.sub(r"\D", "", found.group(1)))


@pytest.fixture
def admin(sessions: sessionmaker[Session], client_as: Callable[[str], TestClient]) -> TestClient:
    import_company(sessions, slack=True)
    return client_as("admin")


def test_the_home_page_reuses_its_counts_until_an_import_adds_rows(
    app: FastAPI, admin: TestClient, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    with statements(app.state.engine) as first:
        page = admin.get("/").text
    with statements(app.state.engine) as second:
        assert admin.get("/").text == page
    # Kept: the second view runs the version query instead of the counts and lists.
    assert len(second) <= len(first) - 8
    messages = _count(page, "Messages")
    path = tmp_path / "more.csv"
    path.write_text(
        "id,channel,channel_kind,author,created_at,text\n"
        "n1,nouveautés,community,zoé,2031-01-01T10:00:00Z,Première annonce de l'année\n"
        "n2,nouveautés,community,zoé,2031-01-01T11:00:00Z,Seconde annonce\n",
        encoding="utf-8",
    )
    import_path(sessions, "messages", path, actor="test")
    after = admin.get("/").text
    assert _count(after, "Messages") == messages + 2
    latest = after[after.index("Latest conversations") :]
    assert "Seconde annonce" in latest or "Première annonce" in latest


def test_a_change_that_adds_no_row_shows_at_once_because_it_is_audited(
    admin: TestClient, sessions: sessionmaker[Session]
) -> None:
    people = _count(admin.get("/").text, "People")
    with sessions() as db:
        merge_persons(
            db,
            person_id(db, "Alice Martin"),
            person_id(db, "Bruno Keller"),
            actor="test",
            force=True,
        )
        db.commit()
    assert _count(admin.get("/").text, "People") == people - 1


def test_a_change_made_outside_palabre_shows_once_the_value_is_too_old(
    app: FastAPI, admin: TestClient, sessions: sessionmaker[Session]
) -> None:
    clock = Clock()
    app.state.versioned = VersionedCache(max_age=30, clock=clock)
    assert "Canal renommé" not in admin.get("/conversations/search").text
    with sessions() as db:
        # Straight into the database: no audit record, the data version stays.
        db.execute(sa.update(Channel).values(name="Canal renommé"))
        db.commit()
    assert "Canal renommé" not in admin.get("/conversations/search").text
    clock.now += 31
    assert "Canal renommé" in admin.get("/conversations/search").text


def test_the_directory_lists_a_team_as_soon_as_an_import_creates_it(
    admin: TestClient, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    assert "Recherche/Lausanne" not in admin.get("/people").text
    path = tmp_path / "people.csv"
    path.write_text(
        "id,name,kind,email,team\nnew-1,Yves Rochat,employee,yves@example.ch,Recherche/Lausanne\n",
        encoding="utf-8",
    )
    report = import_path(sessions, "people", path, actor="test")
    assert report.counts.people.created == 1
    assert "Recherche/Lausanne" in admin.get("/people").text
