"""Finding ideas: similar ideas while typing a title, and ideas from the field.

Ideas from the field are ordinary messages (customer conversations, employee chat)
that the analysis (``palabre analyze``, table ``message_signal``) found likely to be a
suggestion. Campaign managers see the strongest ones that are not yet an idea, and one
action turns a message into an idea linked to it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Final

import sqlalchemy as sa
from sqlalchemy.orm import Session

from palabre.errors import ConflictError, NotFoundError
from palabre.fabric.models import Channel, Message
from palabre.identity.models import Identity, Person
from palabre.innovation.models import Campaign, Idea
from palabre.innovation.service import (
    IdeaRow,
    ParticipationDeniedError,
    add_idea,
    get_campaign,
    idea_rows,
    is_manager,
    may_see,
)
from palabre.innovation.similar import DEFAULT_THRESHOLD, most_similar
from palabre.people.service import Viewer
from palabre.pipeline.models import MessageSignal

#: A message is proposed as a candidate idea from this suggestion probability on.
DEFAULT_MIN_PROBABILITY: Final = 0.6
#: How many recent ideas the similarity search looks through.
SIMILAR_POOL: Final = 5000


@dataclass(frozen=True)
class SimilarIdea:
    """An existing idea that looks like the title being typed."""

    idea: IdeaRow
    campaign_id: int
    score: float


def similar_ideas(
    session: Session,
    viewer: Viewer,
    title: str,
    *,
    campaign_id: int | None = None,
    limit: int = 5,
    threshold: float = DEFAULT_THRESHOLD,
) -> list[SimilarIdea]:
    """Ideas the reader may see whose title looks like ``title``, best first.

    Within one campaign when ``campaign_id`` is given; merged duplicates are left out
    (their surviving idea is the one to support).
    """
    query = (
        sa.select(Idea.id, Idea.title, Idea.campaign_id)
        .where(Idea.merged_into_id.is_(None))
        .order_by(Idea.id.desc())
        .limit(SIMILAR_POOL)
    )
    if campaign_id is not None:
        query = query.where(Idea.campaign_id == get_campaign(session, viewer, campaign_id).id)
    rows = list(session.execute(query).all())
    visible = {
        c.id
        for c in session.scalars(sa.select(Campaign).where(Campaign.id.in_({r[2] for r in rows})))
        if may_see(viewer, c)
    }
    candidates = [(idea_id, t) for idea_id, t, c in rows if c in visible]
    matches = most_similar(title, candidates, limit=limit, threshold=threshold)
    if not matches:
        return []
    ideas = {
        i.id: i
        for i in session.scalars(sa.select(Idea).where(Idea.id.in_([m.key for m in matches])))
    }
    cards = {row.id: row for row in idea_rows(session, list(ideas.values()))}
    return [SimilarIdea(cards[m.key], ideas[m.key].campaign_id, m.score) for m in matches]


# --- ideas from the field -------------------------------------------------------------


@dataclass(frozen=True)
class FieldCandidate:
    """A message likely to be a suggestion, not yet an idea."""

    message_id: int
    text: str
    author: str | None
    channel: str
    created_at: dt.datetime
    probability: float
    thread_id: int


def _manager(viewer: Viewer) -> None:
    if not is_manager(viewer):
        raise ParticipationDeniedError("only innovation managers see ideas from the field")


def field_candidates(
    session: Session,
    viewer: Viewer,
    *,
    min_probability: float = DEFAULT_MIN_PROBABILITY,
    limit: int = 50,
) -> list[FieldCandidate]:
    """The messages most likely to be suggestions that no idea was made from yet."""
    _manager(viewer)
    rows = session.execute(
        sa.select(
            Message.id,
            Message.text,
            Person.display_name,
            Channel.name,
            Message.created_at,
            MessageSignal.suggestion,
            Message.thread_id,
        )
        .join(MessageSignal, MessageSignal.message_id == Message.id)
        .join(Channel, Channel.id == Message.channel_id)
        .outerjoin(Identity, Identity.id == Message.author_identity_id)
        .outerjoin(Person, Person.id == Identity.person_id)
        .where(
            MessageSignal.suggestion >= min_probability,
            ~sa.exists().where(Idea.source_message_id == Message.id),
        )
        .order_by(MessageSignal.suggestion.desc(), Message.id.desc())
        .limit(limit)
    ).all()
    return [FieldCandidate(m, t, a, ch, c, float(p), th) for m, t, a, ch, c, p, th in rows]


def _default_title(text: str) -> str:
    first = " ".join(text.split())
    for stop in (". ", "! ", "? ", "\n"):
        head, sep, _ = first.partition(stop)
        if sep and len(head) >= 10:
            first = head
            break
    return first if len(first) <= 120 else first[:117].rstrip() + "..."


def idea_from_message(
    session: Session,
    viewer: Viewer,
    campaign_id: int,
    message_id: int,
    *,
    title: str | None = None,
) -> Idea:
    """Turn a message into an idea of the campaign, linked to it, its author as the author.

    The title defaults to the message's first sentence; the body is the message.
    Audited as ``idea.from_message``; a message becomes at most one idea.
    """
    _manager(viewer)
    campaign = get_campaign(session, viewer, campaign_id)
    message = session.get(Message, message_id)
    if message is None:
        raise NotFoundError(f"message: no message {message_id}")
    made = session.scalar(sa.select(Idea.id).where(Idea.source_message_id == message.id))
    if made is not None:
        raise ConflictError(f"message {message_id} is already idea {made}")
    author = None
    if message.author_identity_id is not None:
        author = session.scalar(
            sa.select(Identity.person_id).where(Identity.id == message.author_identity_id)
        )
    return add_idea(
        session,
        campaign,
        title=title or _default_title(message.title or message.text),
        body=message.text,
        author_id=author,
        actor=viewer.actor,
        source_message_id=message.id,
        action="idea.from_message",
    )
