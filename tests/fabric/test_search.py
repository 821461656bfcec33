"""Searching messages by text (palabre.fabric.search.search_messages) on the search index.

The text is looked for as a piece of the message or of its title, ignoring case; on
SQLite an FTS5 trigram table finds the candidates up to its watermark and the newer
rows are tested one by one (migrations 0004 and 0009), on PostgreSQL trigram GIN
indexes serve ILIKE. Whatever the path, the answer is the one a scan of every message
would give: these tests hold both databases to it, before and after the index catches up.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from palabre.connectors.importer import import_path
from palabre.fabric import search, search_index
from palabre.fabric.models import Message
from palabre.fabric.search import SearchQuery, search_messages

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


@pytest.fixture(params=["pending", "indexed"])
def index_state(request: pytest.FixtureRequest) -> str:
    """Search right after an import (rows above the watermark) or once indexed."""
    return str(request.param)


def load(sessions: sessionmaker[Session], path: Path, state: str) -> None:
    """Import ``path``, then bring the search index up to date when ``state`` asks."""
    import_path(sessions, "messages", path, actor="test")
    if state == "indexed":
        with sessions.begin() as db:
            search_index.catch_up(db)
            assert search_index.pending_count(db) == 0


def texts(sessions: sessionmaker[Session], text: str, **kwargs: int) -> list[str]:
    with sessions() as db:
        found = search_messages(db, "admin", SearchQuery(text=text), **kwargs)
        return [m.text for m in found.items]


def test_the_index_follows_new_edited_and_deleted_messages(
    sessions: sessionmaker[Session], tmp_path: Path, index_state: str
) -> None:
    first = [("m1", "", "Le vélo cargo est livré"), ("m2", "Vélo CARGO", "voir le titre")]
    load(sessions, write(tmp_path, "a.csv", first), index_state)
    assert texts(sessions, "VÉLO cargo") == ["voir le titre", "Le vélo cargo est livré"]
    # Re-imported with another text: the old words are gone from the index, the new found.
    edited = [("m1", "", "La trottinette est livrée"), ("m2", "Vélo CARGO", "voir le titre")]
    load(sessions, write(tmp_path, "b.csv", edited), index_state)
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
        # What a regular expression would read as operators is looked for as written.
        ("(ht) [2024]", ["prix (HT) [2024] a+b*c? ^d$ |e| {g} \\ fin"]),
        ("a+b*c?", ["prix (HT) [2024] a+b*c? ^d$ |e| {g} \\ fin"]),
        ("^d$ |e| {g}", ["prix (HT) [2024] a+b*c? ^d$ |e| {g} \\ fin"]),
        ("\\", ["prix (HT) [2024] a+b*c? ^d$ |e| {g} \\ fin"]),
        ("a.c", []),  # not "abc": the dot is a dot
    ],
)
def test_odd_needles_find_what_a_scan_finds(
    sessions: sessionmaker[Session],
    tmp_path: Path,
    needle: str,
    expected: list[str],
    index_state: str,
) -> None:
    rows = [
        ("x1", "", "100% en retard%"),
        ("x2", "", '"des ""guillemets"" ici"'),
        ("x3", "", "ça va"),
        ("x4", "", "prix (HT) [2024] a+b*c? ^d$ |e| {g} \\ fin"),
        ("x5", "", "abc"),
    ]
    load(sessions, write(tmp_path, "odd.csv", rows), index_state)
    assert texts(sessions, needle) == expected


def test_many_hits_are_counted_up_to_the_limit_and_listed_newest_first(
    sessions: sessionmaker[Session],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    index_state: str,
) -> None:
    rows = [(f"n{n}", "", f"needle {n}") for n in range(30)]
    rows.append(("other", "", "no match here"))
    load(sessions, write(tmp_path, "many.csv", rows), index_state)
    with sessions() as db:
        whole = search_messages(db, "admin", SearchQuery(text="needle"), per_page=10)
    assert (whole.total, whole.exact) == (30, True)
    # Past the limit the count stops there, and the pages are the same ones.
    monkeypatch.setattr(search, "SEARCH_COUNT_LIMIT", 12)
    with sessions() as db:
        capped = search_messages(db, "admin", SearchQuery(text="needle"), per_page=10)
        second = search_messages(db, "admin", SearchQuery(text="needle"), page=2, per_page=10)
    assert (capped.total, capped.exact, capped.pages) == (12, False, 2)
    assert [m.text for m in capped.items] == [m.text for m in whole.items]
    assert [m.text for m in capped.items][:2] == ["needle 29", "needle 28"]
    assert second.items[0].text == "needle 19"
    # Pages past the counted hits still list the rows a scan finds; past the last row,
    # none, with the same capped total.
    with sessions() as db:
        third = search_messages(db, "admin", SearchQuery(text="needle"), page=3, per_page=10)
        beyond = search_messages(db, "admin", SearchQuery(text="needle"), page=4, per_page=10)
    assert [m.text for m in third.items] == [f"needle {n}" for n in range(9, -1, -1)]
    assert (third.total, third.exact) == (12, False)
    assert (beyond.items, beyond.total, beyond.exact) == ([], 12, False)


def test_a_reader_who_may_read_few_of_many_hits_gets_them_counted_exactly(
    sessions: sessionmaker[Session],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    index_state: str,
) -> None:
    rows = [f"s{n},support,support,zoe,2025-04-01T10:0{n}:00Z,,needle {n}" for n in range(5)]
    rows.append("c1,cafe,chat,zoe,2025-04-02T10:00:00Z,,needle in the chat")
    path = tmp_path / "mixed.csv"
    path.write_text(HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    load(sessions, path, index_state)
    monkeypatch.setattr(search, "SEARCH_COUNT_LIMIT", 3)
    with sessions() as db:
        hr = search_messages(db, "hr", SearchQuery(text="needle"))  # internal channels only
        admin = search_messages(db, "admin", SearchQuery(text="needle"))
    assert ([m.text for m in hr.items], hr.total, hr.exact) == (["needle in the chat"], 1, True)
    assert (admin.total, admin.exact, len(admin.items)) == (3, False, 6)


def deferred(sessions: sessionmaker[Session]) -> bool:
    """True on SQLite (a watermark); on PostgreSQL, checks that nothing ever lags."""
    with sessions.begin() as db:
        if search_index.indexed_through(db) is not None:
            return True
        # PostgreSQL's trigram indexes follow every write: nothing pending, nothing to do.
        assert search_index.pending_above(db) is None
        assert search_index.pending_count(db) == 0
        assert search_index.catch_up(db) == 0
        return False


def test_imports_leave_rows_pending_and_catch_up_indexes_them_in_chunks(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    rows = [(f"p{n}", "", f"pièce {n}") for n in range(7)]
    import_path(sessions, "messages", write(tmp_path, "p.csv", rows), actor="test")
    if not deferred(sessions):
        assert len(texts(sessions, "pièce")) == 7
        return
    seen: list[tuple[int, int]] = []
    with sessions.begin() as db:
        assert search_index.pending_count(db) == 7
        top = db.scalar(sa.select(sa.func.max(Message.id)))
        indexed = search_index.catch_up(db, chunk=3, progress=lambda d, t: seen.append((d, t)))
        assert (indexed, search_index.pending_count(db)) == (7, 0)
        assert search_index.indexed_through(db) == top
        assert search_index.pending_above(db) is None
        # Every message is in the index once: a second run has nothing to do.
        assert search_index.catch_up(db) == 0
        assert db.scalar(sa.text("SELECT count(*) FROM message_fts_data")) is not None
    assert seen == [(3, 7), (6, 7), (7, 7)]
    with sessions() as db:
        hits = db.execute(
            sa.text("SELECT rowid FROM message_fts WHERE message_fts MATCH '\"pièce\"'")
        )
        assert len(list(hits)) == 7


def test_deleting_the_newest_indexed_rows_never_hands_their_ids_to_unindexed_rows(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    """SQLite gives a new row the highest id plus one: after the top rows are deleted, a
    new row may get an id the watermark had covered, and must still be found."""
    watermark = deferred(sessions)
    rows = [("d1", "", "premier"), ("d2", "", "deuxième"), ("d3", "", "troisième")]
    load(sessions, write(tmp_path, "d.csv", rows), "indexed")
    with sessions.begin() as db:
        # In the order that once fooled a watermark lowered only by one step.
        db.execute(sa.delete(Message).where(Message.external_id == "d2"))
        db.execute(sa.delete(Message).where(Message.external_id == "d3"))
        if watermark:
            assert search_index.indexed_through(db) == db.scalar(
                sa.select(Message.id).where(Message.external_id == "d1")
            )
    import_path(
        sessions, "messages", write(tmp_path, "e.csv", [("e1", "", "nouveau venu")]), actor="test"
    )
    assert texts(sessions, "nouveau venu") == ["nouveau venu"]
    assert texts(sessions, "troisième") == []
    with sessions.begin() as db:
        assert search_index.catch_up(db) == (1 if watermark else 0)
    assert texts(sessions, "nouveau venu") == ["nouveau venu"]
    assert texts(sessions, "premier") == ["premier"]
