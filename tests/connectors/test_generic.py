"""The generic messages format: CSV or JSONL, one message a row."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from palabre.connectors import generic
from palabre.connectors.bulk import sqlite_text, sqlite_time
from palabre.connectors.generic import GenericMessagesConnector, parse_timestamp
from palabre.connectors.records import (
    ChannelRecord,
    IdentityRecord,
    MessageColumns,
    MessageRecord,
    Rejection,
)


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


@pytest.mark.parametrize(
    "text",
    [
        "2025-03-01T09:30:05Z",
        "2025-03-01T09:30:05+00:00",
        "2025-03-01 09:30:05",
        "2024-02-29T23:59:59Z",
        "2025-01-01T00:01:03.072000+00:00",
        "2025-01-01T00:01:03.072Z",
        "2025-01-01 00:01:03.000000",
        "2025-01-01T00:01:03.000001",
    ],
)
def test_a_usual_utc_time_becomes_its_digest_and_storage_texts_without_a_datetime(
    text: str,
) -> None:
    parsed = parse_timestamp(text)
    assert generic.utc_texts(text, {}) == (
        orjson.loads(orjson.dumps(parsed)),
        sqlite_text(parsed),
    )


@pytest.mark.parametrize(
    "text",
    [
        "2025-02-30T00:00:00Z",  # no such day: parse_timestamp says so
        "2025-01-01T24:00:00Z",
        "2025-01-01T00:60:00Z",
        "0000-01-01T00:00:00Z",
        "2019-W01-1T00:00:00Z",  # an ISO week date: parse_timestamp reads it
        "2025-03-01T09:30:05+01:00",  # another zone: converted by parse_timestamp
        "2025-03-01T09:30:05.25Z",  # two digits of fractions: left to the parser
        "2025-03-01T09:30:05.2500000Z",
        "2025-03-01T09:30:05.２５０Z",  # digits, but not ASCII ones
        "２０２５-03-01T09:30:05Z",
        "2025-03-01X09:30:05",
        "2025-03-01",
        "1735689600",
    ],
)
def test_any_other_spelling_is_left_to_parse_timestamp(text: str) -> None:
    parts: dict[str, bool] = {}
    assert generic.utc_texts(text, parts) is None
    assert generic.utc_texts(text, parts) is None  # remembered invalid, still refused


@settings(max_examples=300, deadline=None)
@given(
    moment=st.datetimes(
        min_value=dt.datetime(1, 1, 1), max_value=dt.datetime(9999, 12, 31, 23, 59, 59)
    ),
    separator=st.sampled_from(["T", " "]),
    zone=st.sampled_from(["", "Z", "+00:00"]),
    precision=st.sampled_from(["seconds", "milliseconds", "microseconds"]),
)
def test_the_fast_path_agrees_with_the_parser_on_every_time_it_takes(
    moment: dt.datetime, separator: str, zone: str, precision: str
) -> None:
    text = moment.isoformat(separator, precision) + zone
    parsed = parse_timestamp(text)
    assert generic.utc_texts(text, {}) == (
        orjson.loads(orjson.dumps(parsed)),
        sqlite_text(parsed),
    )


def test_times_as_text_give_the_same_digests_and_the_storage_text(tmp_path: Path) -> None:
    path = tmp_path / "m.csv"
    path.write_text(
        "id,channel,author,created_at,text,edited_at\n"
        "m1,c,u,2025-03-01T09:30:05Z,usual spelling,\n"
        "m2,c,u,2025-03-01T10:30:05+01:00,another zone,2025-03-02T08:00:00.5Z\n"
        "m3,c,u,1735689600,epoch seconds,\n",
        encoding="utf-8",
    )
    as_objects = GenericMessagesConnector(path)
    as_text = GenericMessagesConnector(path)
    as_text.times_as_text = True
    (objects,) = [c for b in as_objects.batches(10) for c in b if isinstance(c, MessageColumns)]
    (texts,) = [c for b in as_text.batches(10) for c in b if isinstance(c, MessageColumns)]
    assert not objects.times_as_text
    assert texts.times_as_text
    assert texts.digest == objects.digest
    assert texts.created_at == [sqlite_time(t) for t in objects.created_at]
    assert texts.edited_at == [None, "2025-03-02 08:00:00.500000", None]
    assert texts.created_at[1] == "2025-03-01 09:30:05.000000"
