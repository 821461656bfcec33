"""Use cases over the social fabric (read side for now)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from palabre.connectors.models import ImportRun
from palabre.fabric.models import Channel, Mention, Message, Reaction, Thread
from palabre.identity.models import Identity, Person, Segment, Team


def _count(session: Session, model: Any, *where: Any) -> int:
    statement = sa.select(sa.func.count()).select_from(model)
    for clause in where:
        statement = statement.where(clause)
    return int(session.scalar(statement) or 0)


def workspace_counts(session: Session) -> dict[str, Any]:
    """What the workspace holds; merged-away people are not counted as people, erased
    people (anonymous rows that keep the counts whole) are, and also apart."""
    replies = _count(session, Message, Message.reply_to_external_id.is_not(None))
    return {
        "people": _count(session, Person, Person.merged_into_id.is_(None)),
        "erased_people": _count(
            session, Person, Person.merged_into_id.is_(None), Person.erased_at.is_not(None)
        ),
        "identities": _count(session, Identity),
        "channels": _count(session, Channel),
        "threads": _count(session, Thread),
        "messages": _count(session, Message),
        "replies": replies,
        "reactions": _count(session, Reaction),
        "mentions": _count(session, Mention),
        "segments": _count(session, Segment),
        "teams": _count(session, Team),
        "imports": _count(session, ImportRun),
    }
