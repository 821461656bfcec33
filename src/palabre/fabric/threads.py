"""A whole thread as a reader sees it: its messages in order, replies under what they answer.

Its statements are built once per role (see :mod:`palabre.db.prepared`): a thread page
runs three of them, whatever the thread's size.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from functools import lru_cache
from typing import Final

import sqlalchemy as sa
from sqlalchemy.orm import Session

from palabre.db import prepared
from palabre.db.prepared import AnySelect
from palabre.errors import NotFoundError
from palabre.fabric.channel_access import channel_rule
from palabre.fabric.message_rows import (
    VIEW_COLUMNS,
    ChannelSummary,
    MessageView,
    ReactionCount,
    ThreadView,
    message_view,
    safe_url,
    thread_title,
    with_authors,
)
from palabre.fabric.models import Channel, Message, Reaction, Thread


@lru_cache(maxsize=16)
def _thread_and_channel(role: str) -> AnySelect:
    # Found only when the role may read its channel: hidden and missing look the same.
    return (
        sa.select(
            Thread.id,
            Thread.title,
            Thread.url,
            Channel.id.label("channel_id"),
            Channel.name.label("channel_name"),
            Channel.kind.label("channel_kind"),
            Channel.visibility.label("channel_visibility"),
            Channel.source.label("channel_source"),
            Channel.topic.label("channel_topic"),
            Channel.url.label("channel_url"),
        )
        .join(Channel, Channel.id == Thread.channel_id)
        .where(Thread.id == sa.bindparam("thread_id"), channel_rule(role))
    )


_MESSAGES: Final = (
    with_authors(sa.select(*VIEW_COLUMNS).select_from(Message))
    .where(Message.thread_id == sa.bindparam("thread_id"))
    .order_by(Message.created_at, Message.id)
)

_REACTIONS: Final = (
    sa.select(Reaction.message_id, Reaction.emoji, sa.func.count().label("n"))
    .where(Reaction.message_id.in_(sa.bindparam("ids", expanding=True)))
    .group_by(Reaction.message_id, Reaction.emoji)
    .order_by(Reaction.message_id, sa.desc("n"), Reaction.emoji)
)


def get_thread(session: Session, role: str, thread_id: int) -> ThreadView:
    """A thread with every message in order, replies nested under what they answer."""
    found = prepared.rows(session, _thread_and_channel(role), {"thread_id": thread_id}).first()
    if found is None:
        raise NotFoundError(f"no thread {thread_id} that you may read")
    rows = prepared.rows(session, _MESSAGES, {"thread_id": thread_id})
    messages = [message_view(row) for row in rows]
    counts = reaction_counts(session, [m.id for m in messages])
    for message in messages:
        message.reactions = counts.get(message.id, [])
    roots = _nest(messages)
    channel = ChannelSummary(
        id=found.channel_id,
        name=found.channel_name,
        kind=found.channel_kind,
        visibility=found.channel_visibility,
        source=found.channel_source,
        topic=found.channel_topic,
        url=safe_url(found.channel_url),
    )
    return ThreadView(
        id=found.id,
        title=thread_title(found.title, roots[0] if roots else None),
        url=safe_url(found.url),
        channel=channel,
        messages=messages,
        roots=roots,
    )


def _nest(messages: list[MessageView]) -> list[MessageView]:
    # A reply whose parent is not in this thread (or not imported yet) stays at the top.
    by_id = {m.id: m for m in messages}
    roots = []
    for message in messages:
        parent = by_id.get(message.reply_to_id) if message.reply_to_id is not None else None
        if parent is not None and parent is not message:
            parent.replies.append(message)
        else:
            roots.append(message)
    return roots


def reaction_counts(session: Session, message_ids: Sequence[int]) -> dict[int, list[ReactionCount]]:
    """The emojis given to each of ``message_ids``, the most given first."""
    counts: dict[int, list[ReactionCount]] = defaultdict(list)
    if not message_ids:
        return counts
    for message_id, emoji, count in prepared.rows(session, _REACTIONS, {"ids": list(message_ids)}):
        counts[message_id].append(ReactionCount(emoji, int(count)))
    return counts
