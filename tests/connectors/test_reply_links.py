"""Replies are linked to their parent, wherever the parent is (palabre.connectors.writer).

Most links are made as the reply is inserted (its parent's id is known: stored before,
or earlier in the same insert, whose ids SQLite gives as max + 1... and PostgreSQL takes
from its sequence first); the others after the import. Whatever the path and the batch
boundaries, every reply whose parent is stored ends up pointing at it, and the report
counts each link once.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased, sessionmaker

from palabre.connectors.importer import import_path
from palabre.fabric.models import Message

HEADER = "id,channel,author,created_at,text,reply_to\n"


def write(tmp_path: Path, name: str, rows: list[tuple[str, str]]) -> Path:
    """A generic messages CSV of (id, reply_to) rows, one minute apart."""
    lines = [
        f"{key},general,zoe,2025-04-01T10:{n:02d}:00Z,message {key},{parent}"
        for n, (key, parent) in enumerate(rows)
    ]
    path = tmp_path / name
    path.write_text(HEADER + "\n".join(lines) + "\n", encoding="utf-8")
    return path


def parents(sessions: sessionmaker[Session]) -> dict[str, str | None]:
    parent = aliased(Message)
    with sessions() as db:
        rows = db.execute(
            sa.select(Message.external_id, parent.external_id).outerjoin(
                parent, parent.id == Message.reply_to_id
            )
        )
        return dict(rows.all())


@pytest.mark.parametrize("batch_size", [2, 3, 1000])
def test_replies_point_at_their_parent_across_batches_repeats_and_imports(
    sessions: sessionmaker[Session], tmp_path: Path, batch_size: int
) -> None:
    first = [
        ("a", ""),
        ("b", "a"),  # parent earlier in the same insert (or the batch before)
        ("c", "zz"),  # parent never stored
        ("d", "e"),  # parent later in the file
        ("e", "a"),
        ("b", "a"),  # a repeated id: skipped, and it shifts the ids after it
        ("f", "e"),
        ("g", "f"),
    ]
    report = import_path(
        sessions, "messages", write(tmp_path, "one.csv", first), batch_size=batch_size
    )
    assert report.rejected == 1
    expected = {"a": None, "b": "a", "c": None, "d": "e", "e": "a", "f": "e", "g": "f"}
    assert parents(sessions) == expected
    assert report.replies_linked == 5

    # A later import of the same source: parents from the first one are found too.
    second = [("h", "g"), ("i", "h"), ("j", "a")]
    report = import_path(
        sessions, "messages", write(tmp_path, "two.csv", first[:5] + second), batch_size=batch_size
    )
    assert parents(sessions) == {**expected, "h": "g", "i": "h", "j": "a"}
    assert report.replies_linked == 3


@pytest.mark.parametrize("batch_size", [3, 1000])
def test_replies_after_their_parent_are_linked_in_their_own_row(
    sessions: sessionmaker[Session], tmp_path: Path, batch_size: int
) -> None:
    # On both databases the insert writes the parent's id: no UPDATE of stored messages
    # (on PostgreSQL such an UPDATE rewrote the row and all its index entries, text
    # trigrams included, and cost most of the import).
    engine = sessions.kw["bind"]
    updates: list[str] = []

    def record(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if statement.lstrip().upper().startswith("UPDATE MESSAGE "):
            updates.append(statement)

    rows = [("a", ""), ("b", "a"), ("c", "b"), ("d", "a"), ("e", "d"), ("f", "")]
    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        report = import_path(
            sessions, "messages", write(tmp_path, "thread.csv", rows), batch_size=batch_size
        )
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
    assert parents(sessions) == {"a": None, "b": "a", "c": "b", "d": "a", "e": "d", "f": None}
    assert report.replies_linked == 4
    assert updates == []
