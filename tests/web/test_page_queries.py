"""The pages of the load benchmark run a pinned number of SQL statements.

Each statement a page runs costs the server's CPU (SQLAlchemy's share more than the
database's, on SQLite both in the server process): a statement more on one of these
pages is a regression the load benchmark would show only hours later. The numbers are
pinned exactly, statement by statement in the comments, on both databases; a change
that needs one more says so by changing the number here, where it is reviewed.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from palabre.fabric import search_index
from tests.people.data import import_company, person_id, thread_of
from tests.web.conftest import Account, sign_in
from tests.web.querycount import statements


@pytest.fixture
def company(sessions: sessionmaker[Session]) -> dict[str, int]:
    """The small company with the Slack export; a customer and a thread by name."""
    import_company(sessions, slack=True)
    with sessions() as db:
        return {"denise": person_id(db, "Denise Favre"), "delivery": thread_of(db, "s1")}


Count = Callable[[str], list[str]]


@pytest.fixture
def admin(app: FastAPI, make_account: Callable[..., Account]) -> Count:
    """The statements a page runs for a signed-in administrator (as the benchmark's)."""
    client = TestClient(app, follow_redirects=False)
    assert sign_in(client, make_account("admin")) == 303

    def run(url: str) -> list[str]:
        with statements(app.state.engine) as seen:
            assert client.get(url).status_code == 200
        return list(seen)

    return run


def test_the_home_page_reads_the_account_and_the_data_version_once_its_aggregates_are_kept(
    company: dict[str, int], admin: Count
) -> None:
    cold = admin("/")
    # account, data version, then the counts (6) and the latest conversations (4)
    assert len(cold) == 12
    # Kept while the data version stays: the account and the data version.
    assert len(admin("/")) == 2


def test_the_channel_list_is_counted_once_per_data_version(
    company: dict[str, int], admin: Count
) -> None:
    # account, data version, the channels with their counts (one statement)
    assert len(admin("/conversations")) == 3
    # Kept while the data version stays: the account and the data version.
    assert len(admin("/conversations")) == 2


def test_the_directory_runs_five_statements(company: dict[str, int], admin: Count) -> None:
    admin("/people")  # the team list and the count are kept per data version from here on
    # account, data version, the page of people, their teams, their headlines
    assert len(admin("/people")) == 5
    # A filtered directory counts its own people.
    assert len(admin("/people?kind=customer")) == 6


def test_a_profile_runs_seven_statements(company: dict[str, int], admin: Count) -> None:
    url = f"/people/{company['denise']}"
    # account; the person (with whom they were merged into: none); then fields,
    # identities, teams, persons merged into it; contributions: the page with its total
    assert len(admin(url)) == 7


def test_a_thread_runs_four_statements(company: dict[str, int], admin: Count) -> None:
    # account, the thread with its channel (if readable), messages, reactions
    assert len(admin(f"/conversations/threads/{company['delivery']}")) == 4


def test_a_search_runs_at_most_six_statements_whatever_the_index_holds(
    app: FastAPI,
    company: dict[str, int],
    admin: Count,
    sessions: sessionmaker[Session],
) -> None:
    url = "/conversations/search?q=livraison"
    admin(url)  # the channel choices are kept per data version from here on
    sqlite = app.state.engine.dialect.name == "sqlite"
    # account, [SQLite: the index's watermark], count, page, data version; PostgreSQL
    # finds the page and counts its hits in one statement.
    assert len(admin(url)) == (5 if sqlite else 3)
    with sessions.begin() as db:
        search_index.catch_up(db)
    admin(url)  # catching up moved no data version: nothing to compute again
    # With the index up to date and few hits (SQLite): the index's readable hits
    # counted, then tested and counted exactly, then listed.
    assert len(admin(url)) == (6 if sqlite else 3)
    # A word too short for the trigram index is tested row by row: no index statement.
    assert len(admin("/conversations/search?q=li")) == (4 if sqlite else 3)
