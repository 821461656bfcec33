"""Conversations pages and API: which channels each role reads, a thread as a reply tree,
search by text / author / channel / dates, escaping, and pinned query counts.

The data comes through the importer: a generic CSV and an HR/CRM export written for
these tests, and the Slack export of the connector tests (private and direct channels,
reactions, files)."""

from __future__ import annotations

import re
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from palabre.accounts.models import ROLES
from palabre.connectors.importer import import_path
from palabre.fabric import search
from tests.people.data import channel_id, import_company, thread_of
from tests.web.querycount import statements


@pytest.fixture
def ids(sessions: sessionmaker[Session]) -> dict[str, int]:
    """The company and the Slack export imported; ids of channels and threads by name."""
    import_company(sessions, slack=True)
    with sessions() as db:
        found = {
            name: channel_id(db, name)
            for name in ("support", "équipe", "general", "direction", "dm: alice, bob")
        }
        found["delivery"] = thread_of(db, "s1")
        found["invoice"] = thread_of(db, "s5")
        found["summer"] = thread_of(db, "c1")
        return found


@pytest.fixture
def company_only(sessions: sessionmaker[Session]) -> None:
    """The company's CSV messages alone (no Slack export): search answers are exact."""
    import_company(sessions)


# What each role finds in the channel list (role -> channels), decided in fabric.browse.
READABLE = {
    "admin": {"support", "équipe", "general", "projets", "direction", "dm: alice, bob"},
    "analyst": {"support", "équipe", "general", "projets"},
    "innovation": {"support", "équipe", "general", "projets"},
    "manager": {"support", "équipe", "general", "projets"},
    "hr": {"équipe", "general", "projets"},
    "member": {"équipe", "general", "projets"},
}


@pytest.mark.parametrize("role", sorted(READABLE))
def test_each_role_reads_the_channels_its_duties_need(
    ids: dict[str, int], client_as: Callable[[str], TestClient], role: str
) -> None:
    client = client_as(role)
    listed = {channel["name"] for channel in client.get("/api/v1/channels").json()}
    assert READABLE[role] <= listed
    assert listed <= READABLE[role] | {"mpdm-alice--bob--carol-1"}
    page = client.get("/conversations").text
    for name in ("support", "direction"):
        shown = f">{name}</a>" in page
        assert shown is (name in READABLE[role]), (role, name)
    # A channel or thread the role may not read is answered like one that does not exist.
    for name in ("support", "direction", "dm: alice, bob"):
        status = client.get(f"/conversations/channels/{ids[name]}").status_code
        assert status == (200 if name in READABLE[role] else 404), (role, name)
    delivery = client.get(f"/conversations/threads/{ids['delivery']}").status_code
    assert delivery == (200 if "support" in READABLE[role] else 404)


def test_a_customer_has_no_conversations_browser(
    ids: dict[str, int], client_as: Callable[[str], TestClient]
) -> None:
    assert "customer" in ROLES
    customer = client_as("customer")
    assert customer.get("/conversations").status_code == 403
    assert customer.get("/api/v1/messages/search", params={"q": "a"}).status_code == 403


def test_the_home_page_lists_the_latest_conversations_each_role_may_read(
    ids: dict[str, int], client_as: Callable[[str], TestClient]
) -> None:
    admin = client_as("admin").get("/").text
    latest = admin[admin.index("Latest conversations") :]
    # Six threads at most, each linked; the support thread answered last is among them.
    assert latest.count('class="thread-item"') == 6
    assert f'href="/conversations/threads/{ids["invoice"]}"' in latest
    assert "&lt;b&gt;Invoice&lt;/b&gt;" in latest
    # An employee role reads no customer channel: no support thread on its home page.
    member = client_as("member").get("/").text
    assert "Latest conversations" in member
    assert f'href="/conversations/threads/{ids["invoice"]}"' not in member
    assert "&lt;b&gt;Invoice&lt;/b&gt;" not in member
    # A customer has no conversations browser: no list to link to.
    assert "Latest conversations" not in client_as("customer").get("/").text


def test_the_channel_list_counts_threads_and_messages(
    ids: dict[str, int], client_as: Callable[[str], TestClient]
) -> None:
    channels = {c["name"]: c for c in client_as("analyst").get("/api/v1/channels").json()}
    support = channels["support"]
    assert (support["kind"], support["threads"], support["messages"]) == ("support", 2, 5)
    assert support["last_activity"] == "2025-03-05T08:00:00Z"


def test_a_channel_lists_its_threads_most_recently_active_first(
    ids: dict[str, int], client_as: Callable[[str], TestClient]
) -> None:
    analyst = client_as("analyst")
    page = analyst.get(f"/conversations/channels/{ids['support']}").text
    assert page.index("&lt;b&gt;Invoice&lt;/b&gt;") < page.index("Livraison en retard")
    assert "3 replies" in page
    api = analyst.get(f"/api/v1/channels/{ids['support']}/threads", params={"per_page": 1})
    body = api.json()
    assert (body["total"], len(body["items"]), body["items"][0]["title"]) == (
        2,
        1,
        "<b>Invoice</b>",
    )
    second = analyst.get(
        f"/conversations/channels/{ids['support']}", params={"page": 2}
    )  # pages keep their place
    assert second.status_code == 200


class _Depth(HTMLParser):
    def __init__(self, needle: str) -> None:
        super().__init__()
        self.needle, self.open, self.found = needle, 0, -1

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.open += tag == "article"

    def handle_endtag(self, tag: str) -> None:
        self.open -= tag == "article"

    def handle_data(self, data: str) -> None:
        if self.needle in data and self.found < 0:
            self.found = self.open


def _article_depth(page: str, needle: str) -> int:
    """How many <article> elements enclose the first text containing ``needle``."""
    parser = _Depth(needle)
    parser.feed(page)
    return parser.found


def test_a_thread_shows_replies_nested_under_what_they_answer_in_order(
    ids: dict[str, int], client_as: Callable[[str], TestClient]
) -> None:
    page = client_as("analyst").get(f"/conversations/threads/{ids['delivery']}").text
    order = [page.index(text) for text in ("Ma commande", "LIVRAISON.", "Merci !", "Colis")]
    assert order == sorted(order)
    # Each reply sits inside the message it answers: "Colis" answers "Merci", which
    # answers "Désolé", which answers the opening message.
    assert _article_depth(page, "Ma commande") == 1
    assert _article_depth(page, "Merci !") == 3
    assert _article_depth(page, "Colis renvoyé") == 4
    assert 'href="https://support.example.com/t/1"' in page  # back to the source
    # Times in the reader's language and the display time zone (UTC by default).
    assert "Mar 3, 2025, 8:00:00\u202fAM" in page
    french = client_as("manager").get(
        f"/conversations/threads/{ids['delivery']}", headers={"Accept-Language": "fr"}
    )
    assert "3 mars 2025, 08:00:00" in french.text


def test_a_thread_summarises_reactions_and_links_attachments(
    ids: dict[str, int], client_as: Callable[[str], TestClient], sessions: sessionmaker[Session]
) -> None:
    admin = client_as("admin")
    threads = admin.get(f"/api/v1/channels/{ids['general']}/threads").json()["items"]
    by_reactions = None
    for item in threads:
        thread = admin.get(f"/api/v1/threads/{item['id']}").json()
        for message in thread["messages"]:
            if message["reactions"]:
                by_reactions = item["id"]
                assert message["reactions"] == [
                    {"emoji": "+1", "count": 3},
                    {"emoji": "eyes", "count": 2},
                ]
    assert by_reactions is not None
    page = admin.get(f"/conversations/threads/{by_reactions}").text
    assert ":+1: 3" in page
    assert ":eyes: 2" in page
    with_file = admin.get("/conversations/search", params={"q": "compte rendu"}).text
    thread_link = re.search(r'href="/conversations/threads/(\d+)#message-\d+"', with_file)
    assert thread_link is not None
    files = admin.get(f"/conversations/threads/{thread_link.group(1)}").text
    assert 'href="https://files.slack.com/files-pri/T01ACME-F01REPORT/compte-rendu.pdf"' in files


def test_imported_text_is_escaped_and_unsafe_links_are_dropped(
    ids: dict[str, int], client_as: Callable[[str], TestClient]
) -> None:
    analyst = client_as("analyst")
    pages = [
        analyst.get(f"/conversations/threads/{ids['invoice']}").text,
        analyst.get(f"/conversations/channels/{ids['support']}").text,
        analyst.get("/conversations/search", params={"q": "charged"}).text,
    ]
    for page in pages:
        assert "<script>alert" not in page
        assert "<b>Invoice</b>" not in page
        assert "javascript:" not in page
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; charged twice\nsecond line" in pages[0]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"q": "livraison"}, ["s2", "s1"]),
        ({"q": "ÉLODIE"}, ["c2"]),
        ({"q": "100%"}, ["s1"]),
        ({"q": "0_2"}, ["s4"]),
        ({"q": "0x2"}, []),
        ({"author": "denise"}, ["s3", "s1"]),
        ({"author": "Alice Martin"}, ["c2", "s2"]),
        ({"q": "e", "from": "2025-03-04", "to": "2025-03-04"}, ["c2", "c1"]),
        ({"from": "2025-03-05"}, ["s5"]),
        ({"to": "2025-03-03", "author": "bruno"}, ["s4"]),
    ],
)
def test_search_by_text_author_and_dates(
    company_only: None,
    client_as: Callable[[str], TestClient],
    params: dict[str, str],
    expected: list[str],
) -> None:
    found = client_as("analyst").get("/api/v1/messages/search", params=params).json()
    texts = {m["id"]: m["text"] for m in found["items"]}
    wanted = {
        "s1": "Ma commande",
        "s2": "Désolé",
        "s3": "Merci",
        "s4": "Colis",
        "s5": "<script>",
        "c1": "Qui connaît",
        "c2": "Moi, demande",
    }
    got = [
        next(key for key, start in wanted.items() if text.startswith(start))
        for text in texts.values()
    ]
    assert got == expected
    assert found["total"] == len(expected)


def test_search_stays_within_the_channels_the_reader_may_read(
    ids: dict[str, int], client_as: Callable[[str], TestClient]
) -> None:
    member = client_as("member").get("/api/v1/messages/search", params={"q": "livraison"})
    # The support thread is not for members; the Slack #general message is.
    assert [m["channel_name"] for m in member.json()["items"]] == ["general"]
    in_channel = client_as("admin").get(
        "/api/v1/messages/search", params={"q": "livraison", "channel": ids["support"]}
    )
    assert in_channel.json()["total"] == 2


def test_the_search_page_paginates_and_explains_empty_and_bad_input(
    ids: dict[str, int],
    client_as: Callable[[str], TestClient],
    sessions: sessionmaker[Session],
    tmp_path: Path,
) -> None:
    admin = client_as("admin")
    assert "Type a word" in admin.get("/conversations/search").text
    assert "No message matches" in admin.get("/conversations/search", params={"q": "zzz"}).text
    bad = admin.get("/conversations/search", params={"from": "03/04/2025"})
    assert bad.status_code == 422
    assert "from: &#39;03/04/2025&#39; is not a date" in bad.text
    rows = "\n".join(
        f"p{n},volume,support,zoe,2025-04-01T{n // 60:02d}:{n % 60:02d}:00Z,needle {n}"
        for n in range(30)
    )
    path = tmp_path / "many.csv"
    path.write_text("id,channel,channel_kind,author,created_at,text\n" + rows + "\n")
    import_path(sessions, "messages", path, actor="test")
    first = admin.get("/conversations/search", params={"q": "needle"}).text
    assert "30 messages found" in first
    assert "Page 1 of 2" in first
    assert "needle 29" in first
    assert "needle 4\n" not in first
    second = admin.get("/conversations/search", params={"q": "needle", "page": "2"}).text
    assert "needle 4" in second
    assert 'rel="prev"' in second


def test_a_search_with_more_hits_than_it_counts_says_so(
    company_only: None,
    client_as: Callable[[str], TestClient],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    admin = client_as("admin")
    exact = admin.get("/api/v1/messages/search", params={"q": "e"}).json()
    assert exact["total_exact"] is True
    assert exact["total"] > 2
    # Counting stops at the limit (250 by default): the page and the API say "more".
    monkeypatch.setattr(search, "SEARCH_COUNT_LIMIT", 2)
    capped = admin.get("/api/v1/messages/search", params={"q": "e"}).json()
    assert (capped["total"], capped["total_exact"]) == (2, False)
    assert len(capped["items"]) == exact["total"]  # the page itself is whole
    assert "2+ messages found" in admin.get("/conversations/search", params={"q": "e"}).text


def test_list_pages_run_a_fixed_number_of_queries(
    app: FastAPI,
    ids: dict[str, int],
    client_as: Callable[[str], TestClient],
    sessions: sessionmaker[Session],
    tmp_path: Path,
) -> None:
    admin = client_as("admin")
    engine = app.state.engine

    def count(url: str) -> int:
        with statements(engine) as seen:
            assert admin.get(url).status_code == 200
        return len(seen)

    before = {
        "home": count("/"),
        "thread": count(f"/conversations/threads/{ids['delivery']}"),
        "channel": count(f"/conversations/channels/{ids['support']}"),
        "channels": count("/conversations"),
        "search": count("/conversations/search?q=e"),
    }
    # Forty more replies by new authors in the same thread and channel.
    rows = "\n".join(
        f"r{n},support,support,author{n},2025-03-06T10:{n:02d}:00Z,s1,s1,reply {n}"
        for n in range(40)
    )
    path = tmp_path / "replies.csv"
    path.write_text("id,channel,channel_kind,author,created_at,thread_id,reply_to,text\n" + rows)
    import_path(sessions, "messages", path, actor="test")
    after = {
        "home": count("/"),
        "thread": count(f"/conversations/threads/{ids['delivery']}"),
        "channel": count(f"/conversations/channels/{ids['support']}"),
        "channels": count("/conversations"),
        "search": count("/conversations/search?q=e"),
    }
    assert after == before
    assert before["home"] <= 12
    assert before["thread"] <= 6
    assert before["channel"] <= 8
    assert before["channels"] <= 4
    assert before["search"] <= 8
