"""Searching messages by text (palabre.fabric.browse.search_messages) on the search index.

The text is looked for as a piece of the message or of its title, ignoring case; on
SQLite an FTS5 trigram table kept in step by triggers finds the candidates (migration
0004), on PostgreSQL trigram GIN indexes serve ILIKE. Whatever the path, the answer is
the one a scan of every message would give: these tests hold both databases to it.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from palabre.connectors.importer import import_path
from palabre.fabric import browse
from palabre.fabric.browse import SearchQuery, search_messages
from palabre.fabric.models import Message

HEADER = "id,channel,channel_kind,author,created_at,title,text\n"


def write(tmp_path: Path, name: str, rows: list[tuple[str, str, str]]) -> Path:
    """A generic messages CSV: (id, title, text) rows, one minute apart, in #support."""
    lines = [
        f"{key},support,support,zoe,2025-04-01T10:{n:02d}:00Z,{title},{text}"
        for n, (key, title, text) in enumerate(rows)
    ]
    path = tmp_path / name
    path.write_text(HEADER + "\n".join(lines) + "\n", encoding="utf-8")
    return path


def texts(sessions: sessionmaker[Session], text: str, **kwargs: int) -> list[str]:
    with sessions() as db:
        found = search_messages(db, "admin", SearchQuery(text=text), **kwargs)
        return [m.text for m in found.items]


def test_the_index_follows_new_edited_and_deleted_messages(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    first = [("m1", "", "Le vélo cargo est livré"), ("m2", "Vélo CARGO", "voir le titre")]
    import_path(sessions, "messages", write(tmp_path, "a.csv", first), actor="test")
    assert texts(sessions, "VÉLO cargo") == ["voir le titre", "Le vélo cargo est livré"]
    # Re-imported with another text: the old words are gone from the index, the new found.
    edited = [("m1", "", "La trottinette est livrée"), ("m2", "Vélo CARGO", "voir le titre")]
    import_path(sessions, "messages", write(tmp_path, "b.csv", edited), actor="test")
    assert texts(sessions, "vélo cargo") == ["voir le titre"]
    assert texts(sessions, "trottinette") == ["La trottinette est livrée"]
    with sessions() as db:
        db.execute(sa.delete(Message).where(Message.external_id == "m2"))
        db.commit()
    assert texts(sessions, "vélo cargo") == []


@pytest.mark.parametrize(
    ("needle", "expected"),
    [
        ("rd%", ["100% en retard%"]),  # % taken literally, in the index's path too
        ('"guillemets"', ['des "guillemets" ici']),  # quotes do not break the phrase
        ("ÇA", ["ça va"]),  # two letters: no trigram, the scan answers the same
        ("a v", ["ça va"]),  # spaces are part of the text looked for
    ],
)
def test_odd_needles_find_what_a_scan_finds(
    sessions: sessionmaker[Session], tmp_path: Path, needle: str, expected: list[str]
) -> None:
    rows = [
        ("x1", "", "100% en retard%"),
        ("x2", "", '"des ""guillemets"" ici"'),
        ("x3", "", "ça va"),
    ]
    import_path(sessions, "messages", write(tmp_path, "odd.csv", rows), actor="test")
    assert texts(sessions, needle) == expected


def test_many_hits_are_counted_up_to_the_limit_and_listed_newest_first(
    sessions: sessionmaker[Session], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = [(f"n{n}", "", f"needle {n}") for n in range(30)]
    rows.append(("other", "", "no match here"))
    import_path(sessions, "messages", write(tmp_path, "many.csv", rows), actor="test")
    with sessions() as db:
        whole = search_messages(db, "admin", SearchQuery(text="needle"), per_page=10)
    assert (whole.total, whole.exact) == (30, True)
    # Past the limit the count stops there, and the pages are the same ones.
    monkeypatch.setattr(browse, "SEARCH_COUNT_LIMIT", 12)
    with sessions() as db:
        capped = search_messages(db, "admin", SearchQuery(text="needle"), per_page=10)
        second = search_messages(db, "admin", SearchQuery(text="needle"), page=2, per_page=10)
    assert (capped.total, capped.exact, capped.pages) == (12, False, 2)
    assert [m.text for m in capped.items] == [m.text for m in whole.items]
    assert [m.text for m in capped.items][:2] == ["needle 29", "needle 28"]
    assert second.items[0].text == "needle 19"


def test_a_reader_who_may_read_few_of_many_hits_gets_them_counted_exactly(
    sessions: sessionmaker[Session], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = [f"s{n},support,support,zoe,2025-04-01T10:0{n}:00Z,,needle {n}" for n in range(5)]
    rows.append("c1,cafe,chat,zoe,2025-04-02T10:00:00Z,,needle in the chat")
    path = tmp_path / "mixed.csv"
    path.write_text(HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    import_path(sessions, "messages", path, actor="test")
    monkeypatch.setattr(browse, "SEARCH_COUNT_LIMIT", 3)
    with sessions() as db:
        hr = search_messages(db, "hr", SearchQuery(text="needle"))  # internal channels only
        admin = search_messages(db, "admin", SearchQuery(text="needle"))
    assert ([m.text for m in hr.items], hr.total, hr.exact) == (["needle in the chat"], 1, True)
    assert (admin.total, admin.exact, len(admin.items)) == (3, False, 6)
