"""Content digests of messages: how a re-import tells an unchanged message from an edited one.

Light on purpose (orjson and hashlib only): the reading process of an import computes
them too, without importing the database layer.
"""

from __future__ import annotations

import datetime as dt
import hashlib

import orjson

from palabre.connectors.records import MessageRecord


def plain_message_digest(
    channel: str,
    author: str | None,
    thread_key: str,
    reply_to: str | None,
    created_at: dt.datetime | str,
    edited_at: dt.datetime | None,
    text: str,
    language: str | None,
    url: str | None,
    title: str | None,
    reactions: object = None,
    mentions: object = None,
    attachments: object = None,
) -> str:
    """A digest of everything palabre stores about a message, from its fields.

    The generic connector calls it on its cells without building a record (no
    reactions, mentions or attachments); :func:`message_digest` on a record. The order
    of the fields is the digest's format: a store written earlier re-imports as
    unchanged only while it stays the same. ``created_at`` may be the text orjson
    writes for the aware datetime (``2025-03-01T09:30:00+00:00``): same digest.
    """
    payload = (
        channel,
        author,
        thread_key,
        reply_to,
        created_at,
        edited_at,
        text,
        language,
        url,
        title,
        reactions or None,
        mentions or None,
        attachments or None,
    )
    return hashlib.blake2b(orjson.dumps(payload), digest_size=16).hexdigest()


def message_digest(record: MessageRecord, thread_key: str) -> str:
    """A digest of everything palabre stores about a message.

    orjson serialises datetimes and the small attachment / reaction dataclasses
    natively, which keeps this at about a microsecond per message.
    """
    return plain_message_digest(
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
        record.reactions,
        record.mentions,
        record.attachments,
    )
