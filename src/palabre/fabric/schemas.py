"""Pydantic shapes of channels, threads and messages as the JSON API shows them."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict


class _FromAttributes(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class ChannelRead(_FromAttributes):
    """A channel the reader may read, with its size and last activity."""

    id: int
    name: str
    kind: str
    visibility: str
    source: str
    topic: str | None
    url: str | None
    threads: int
    messages: int
    last_activity: dt.datetime | None


class AuthorRead(_FromAttributes):
    """Who wrote a message."""

    identity_id: int | None
    name: str
    handle: str | None
    person_id: int | None
    person_kind: str | None


class ReactionCountRead(_FromAttributes):
    """How many times an emoji was given."""

    emoji: str
    count: int


class AttachmentRead(_FromAttributes):
    """A file attached to a message (a reference; ``url`` only for web links)."""

    name: str
    url: str | None
    mimetype: str | None
    size: int | None


class MessageRead(_FromAttributes):
    """A message; ``thread_title`` and ``channel_name`` are filled in search results."""

    id: int
    thread_id: int
    channel_id: int
    reply_to_id: int | None
    author: AuthorRead
    created_at: dt.datetime
    edited_at: dt.datetime | None
    title: str | None
    text: str
    language: str | None
    url: str | None
    attachments: list[AttachmentRead]
    reactions: list[ReactionCountRead]
    thread_title: str | None = None
    channel_name: str | None = None


class ThreadSummaryRead(_FromAttributes):
    """A thread in a channel's list."""

    id: int
    channel_id: int
    title: str
    url: str | None
    messages: int
    started_at: dt.datetime | None
    last_activity: dt.datetime | None
    author: AuthorRead | None


class ThreadPageRead(BaseModel):
    """A channel and one page of its threads, most recently active first."""

    channel: ChannelRead
    items: list[ThreadSummaryRead]
    total: int
    page: int
    per_page: int


class ThreadRead(_FromAttributes):
    """A whole thread, its messages in order (``reply_to_id`` gives the tree)."""

    id: int
    title: str
    url: str | None
    channel: ChannelRead
    messages: list[MessageRead]


class MessagePageRead(BaseModel):
    """One page of messages, newest first; ``total`` counts at most 250 (then
    ``total_exact`` is false: there are more)."""

    items: list[MessageRead]
    total: int
    page: int
    per_page: int
    total_exact: bool = True
