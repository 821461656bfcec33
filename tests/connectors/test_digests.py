"""Message digests: the generic connector's column digest equals the record digest.

A re-import tells an unchanged message by its digest, so a store written by either
path (records, or the generic connector's columns) must find the same one.
"""

from __future__ import annotations

import datetime as dt

import pytest

from palabre.connectors.digests import message_digest, plain_message_digest
from palabre.connectors.records import MessageRecord

MOMENT = dt.datetime(2025, 3, 1, 9, 30, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    "record",
    [
        MessageRecord("m1", "forum", "amelie", MOMENT, "Bonjour, ma commande est en retard."),
        MessageRecord(
            "m2",
            "support",
            "bob",
            MOMENT,
            "Thanks, it arrived 👍",
            thread_external_id="m1",
            reply_to_external_id="m1",
            edited_at=MOMENT + dt.timedelta(minutes=5),
            language="en",
            url="https://example.org/m2",
            title="Delivery",
        ),
    ],
)
def test_the_column_digest_of_a_plain_message_is_its_record_digest(record: MessageRecord) -> None:
    thread_key = record.thread_external_id or record.external_id
    assert plain_message_digest(
        record.channel_external_id,
        record.author_external_id,
        thread_key,
        record.reply_to_external_id,
        record.created_at,
        record.edited_at,
        record.text,
        record.language,
        record.url,
        record.title,
    ) == message_digest(record, thread_key)


def test_a_changed_cell_changes_the_digest() -> None:
    record = MessageRecord("m1", "forum", "amelie", MOMENT, "Bonjour")
    edited = MessageRecord("m1", "forum", "amelie", MOMENT, "Bonjour !")
    assert message_digest(record, "m1") != message_digest(edited, "m1")
