"""The generic messages format: CSV or JSONL, one message a row."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import orjson
import pytest

from palabre.connectors import generic
from palabre.connectors.generic import GenericMessagesConnector, parse_timestamp
from palabre.connectors.records import ChannelRecord, IdentityRecord, MessageRecord, Rejection


def _records(path: Path, **options: object) -> list[object]:
    connector = GenericMessagesConnector(path, **options)
    connector.check()
    return list(connector.records())


def _messages(records: list[object]) -> list[MessageRecord]:
    return [r for r in records if isinstance(r, MessageRecord)]


def test_jsonl_objects_may_each_carry_their_own_optional_keys(tmp_path: Path) -> None:
    # The first object has no reply_to; the second does: it must still be read.
    lines = [
        {
            "id": "a",
            "channel": "c",
            "author": "u",
            "created_at": "2025-01-01T10:00:00Z",
            "text": "x",
        },
        {
            "id": "b",
            "channel": "c",
            "author": "v",
            "created_at": "2025-01-01T11:00:00Z",
            "text": "y",
            "reply_to": "a",
            "language": "fr",
        },
    ]
    path = tmp_path / "m.jsonl"
    path.write_bytes(b"\n".join(orjson.dumps(line) for line in lines))
    first, second = _messages(_records(path))
    assert first.reply_to_external_id is None
    assert second.reply_to_external_id == "a"
    assert second.thread_external_id == "a"  # a reply joins its parent's thread
    assert second.language == "fr"


def test_csv_row_becomes_channel_identity_and_message_in_that_order(tmp_path: Path) -> None:
    path = tmp_path / "m.csv"
    path.write_text(
        "id,channel,author,author_email,author_name,created_at,text,title\n"
        "m1,forum,amelie,Amelie@Example.ch,Amélie D.,"
        "2025-03-01T09:30:00+01:00,Bonjour !,Livraison\n",
        encoding="utf-8",
    )
    channel, identity, message = _records(path)
    assert isinstance(channel, ChannelRecord)
    assert channel.kind == "community"
    assert isinstance(identity, IdentityRecord)
    assert (identity.external_id, identity.display_name, identity.email) == (
        "amelie",
        "Amélie D.",
        "Amelie@Example.ch",
    )
    assert isinstance(message, MessageRecord)
    assert message.created_at == dt.datetime(2025, 3, 1, 8, 30, tzinfo=dt.UTC)
    assert message.title == "Livraison"
    assert message.location == f"{path}:2"


def test_each_author_and_channel_is_declared_once(tmp_path: Path) -> None:
    path = tmp_path / "m.csv"
    rows = "".join(f"m{i},c{i % 2},u{i % 3},2025-01-01T00:00:{i:02d}Z,t\n" for i in range(12))
    path.write_text("id,channel,author,created_at,text\n" + rows, encoding="utf-8")
    records = _records(path)
    assert sum(isinstance(r, ChannelRecord) for r in records) == 2
    assert sum(isinstance(r, IdentityRecord) for r in records) == 3
    assert len(_messages(records)) == 12


def test_authors_past_the_memory_limit_are_declared_once_per_generation_not_per_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Five authors, remembered four at a time (per generation): once the first
    # generation is full, the fifth author's messages must not each re-declare it.
    monkeypatch.setattr(generic, "_SEEN_LIMIT", 4)
    authors = ["u0", "u1", "u2", "u3", *["u4", "u0"] * 10]
    path = tmp_path / "m.csv"
    rows = "".join(
        f"m{i},c,{author},2025-01-01T00:00:{i:02d}Z,t\n" for i, author in enumerate(authors)
    )
    path.write_text("id,channel,author,created_at,text\n" + rows, encoding="utf-8")
    records = _records(path)
    declared = [r.external_id for r in records if isinstance(r, IdentityRecord)]
    assert declared == ["u0", "u1", "u2", "u3", "u4"]
    assert len(_messages(records)) == len(authors)


def test_an_author_forgotten_by_both_generations_is_declared_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Memory stays bounded: two generations of two cannot hold six authors.
    monkeypatch.setattr(generic, "_SEEN_LIMIT", 2)
    authors = ["u0", "u1", "u2", "u3", "u4", "u5", "u0"]
    path = tmp_path / "m.csv"
    rows = "".join(
        f"m{i},c,{author},2025-01-01T00:00:{i:02d}Z,t\n" for i, author in enumerate(authors)
    )
    path.write_text("id,channel,author,created_at,text\n" + rows, encoding="utf-8")
    declared = [r.external_id for r in _records(path) if isinstance(r, IdentityRecord)]
    assert declared == authors


@pytest.mark.parametrize(
    ("row", "field"),
    [
        ("m1,,u,2025-01-01T00:00:00Z,t", "channel"),
        (",c,u,2025-01-01T00:00:00Z,t", "id"),
        ("m1,c,u,yesterday,t", "created_at"),
    ],
)
def test_a_bad_row_is_rejected_with_its_line_and_field(
    tmp_path: Path, row: str, field: str
) -> None:
    path = tmp_path / "m.csv"
    path.write_text("id,channel,author,created_at,text\n" + row + "\n", encoding="utf-8")
    (rejection,) = [r for r in _records(path) if isinstance(r, Rejection)]
    assert rejection.location == f"{path}:2"
    assert rejection.field == field


def test_unknown_channel_kind_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "m.csv"
    path.write_text(
        "id,channel,author,created_at,text,channel_kind\nm1,c,u,2025-01-01T00:00:00Z,t,forum\n",
        encoding="utf-8",
    )
    (rejection,) = [r for r in _records(path) if isinstance(r, Rejection)]
    assert rejection.field == "channel_kind"


def test_timestamps_accept_iso_forms_and_epoch_seconds() -> None:
    utc = dt.UTC
    assert parse_timestamp("2025-03-01T09:30:00Z") == dt.datetime(2025, 3, 1, 9, 30, tzinfo=utc)
    assert parse_timestamp("2025-03-01") == dt.datetime(2025, 3, 1, tzinfo=utc)
    assert parse_timestamp("1735689600") == dt.datetime(2025, 1, 1, tzinfo=utc)
    with pytest.raises(ValueError, match="ISO 8601"):
        parse_timestamp("01/03/2025")
