"""A large file is read in a second process: what arrives is what an in-process read gives."""

from __future__ import annotations

from pathlib import Path

from palabre.connectors import parallel
from palabre.connectors.bulk import sqlite_time
from palabre.connectors.generic import GenericMessagesConnector
from palabre.connectors.records import ChannelRecord, IdentityRecord, MessageColumns


def _write(path: Path, rows: int) -> None:
    lines = ["id,channel,author,created_at,text,reply_to,edited_at"]
    for n in range(rows):
        parent = f"m{n - 1}" if n % 3 else ""
        edited = "2025-02-01T10:00:00+02:00" if n % 7 == 0 else ""
        lines.append(
            f"m{n},c{n % 4},u{n % 9},2025-01-01T00:{n % 60:02d}:00Z,texte {n} é,{parent},{edited}"
        )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _columns(batches: list[list[object]]) -> list[MessageColumns]:
    return [item for batch in batches for item in batch if isinstance(item, MessageColumns)]


def test_the_reader_process_sends_what_an_in_process_read_gives_times_as_storage_text(
    tmp_path: Path,
) -> None:
    path = tmp_path / "m.csv"
    _write(path, 500)
    local = list(GenericMessagesConnector(path).batches(100))
    remote = [
        batch
        for batch, _ in parallel.read_in_parallel(
            GenericMessagesConnector(path), 100, times_as_text=True
        )
    ]
    here, there = _columns(local), _columns(remote)
    assert [len(c) for c in there] == [len(c) for c in here] == [100] * 5
    for mine, theirs in zip(here, there, strict=True):
        assert theirs.times_as_text
        assert theirs.external_id == mine.external_id
        assert theirs.digest == mine.digest
        assert theirs.lines == mine.lines
        assert theirs.reply_to == mine.reply_to
        assert theirs.created_at == [sqlite_time(t) for t in mine.created_at]
        assert theirs.edited_at == [sqlite_time(t) for t in mine.edited_at]
    others = [type(r) for batch in remote for r in batch if not isinstance(r, MessageColumns)]
    assert others.count(ChannelRecord) == 4
    assert others.count(IdentityRecord) == 9


def test_text_columns_cross_as_json_and_anything_json_refuses_is_pickled() -> None:
    columns = MessageColumns(
        "m.csv",
        external_id=["a", "b"],
        channel=["c", "c"],
        author=["u", None],
        created_at=["2025-01-01 00:00:00.000000"] * 2,
        text=["un", "deux \U0001f642"],
        thread=["a", "a"],
        reply_to=[None, "a"],
        edited_at=[None, None],
        language=["fr", None],
        url=[None, None],
        title=[None, None],
        digest=["d1", "d2"],
        lines=[2, 3],
        times_as_text=True,
    )
    tag, payload = parallel._to_wire(columns, True)
    assert tag == parallel._COLUMNS_JSON
    assert isinstance(payload, bytes)
    assert parallel._from_wire((tag, payload)) == columns

    columns.text[1] = "a lone surrogate \udce9"  # what an undecodable byte becomes
    tag, payload = parallel._to_wire(columns, True)
    assert tag == parallel._COLUMNS
    assert parallel._from_wire((tag, payload)) == columns
