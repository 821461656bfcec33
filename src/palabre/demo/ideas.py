"""Load the demo company's idea campaigns into the innovation tables.

The simulation posts each campaign as a message of the ``idees`` channel, each idea as
a root message there (its title the idea's title), its votes as 👍 reactions and its
comments as replies. Once those messages are imported, :func:`load_demo_ideas` makes
the campaigns and ideas of the innovation pillar out of them, linked to their
messages, with their supporters and comments, so the pages show real content.

After a campaign's closing day, its most supported ideas move on in the funnel the way
a manager would triage them: the three most supported are ``selected``, the next fifth
``under_review`` (each move is recorded with the actor ``demo`` and a note saying why).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.orm import Session

from palabre.demo.text import BANKS
from palabre.fabric.models import Message, Reaction
from palabre.identity.models import Identity, Person
from palabre.innovation import service
from palabre.innovation.models import Campaign, Idea, IdeaComment, IdeaFollow, IdeaVote
from palabre.innovation.models import StageChange as StageChangeRow
from palabre.privacy import audit

#: Display names of the demo's campaigns, by key (the question comes from the simulation).
CAMPAIGN_NAMES: Final[dict[str, str]] = {
    "durable": "Magasins durables 2025",
    "service": "Le service client de demain",
}
SUPPORT: Final = "👍"
ACTOR: Final = "demo"


@dataclass(frozen=True)
class DemoIdeasReport:
    """What was loaded: campaigns and ideas made, votes and comments carried over."""

    campaigns: int
    ideas: int
    votes: int
    comments: int


def _question(key: str, number: int) -> str:
    questions: Sequence[str] = BANKS["fr"]["campaign_question"]
    text = questions[number] if number < len(questions) else key
    # "Campagne d'idées : comment ... ?" -> "Comment ... ?"
    asked = text.split(":", 1)[1].strip() if ":" in text else text
    return asked[:1].upper() + asked[1:]


def _person_of_identity(session: Session, identity_ids: Sequence[int]) -> dict[int, int]:
    if not identity_ids:
        return {}
    rows = session.execute(
        sa.select(Identity.id, Identity.person_id).where(Identity.id.in_(set(identity_ids)))
    ).all()
    return {row[0]: row[1] for row in rows}


def load_demo_ideas(
    session: Session, truth: Mapping[str, Any], *, source: str = "demo", today: dt.date
) -> DemoIdeasReport:
    """Make the demo's campaigns and ideas from its imported messages (skipping loaded ones).

    ``truth`` is the ground truth (``campaigns`` and ``ideas``); ``today`` decides which
    campaigns are over (the demo's own calendar, not the machine's).
    """
    made_campaigns = made_ideas = votes = comments = 0
    for number, spec in enumerate(truth.get("campaigns", [])):
        key = str(spec["key"])
        name = CAMPAIGN_NAMES.get(key, key)
        if session.scalar(sa.select(Campaign.id).where(Campaign.name == name)) is not None:
            continue
        campaign = service.create_campaign(
            session,
            name=name,
            question=_question(key, number),
            audience="public",
            opens_on=dt.date.fromisoformat(spec["start"]),
            closes_on=dt.date.fromisoformat(spec["end"]),
            actor=ACTOR,
        )
        made_campaigns += 1
        planned = [i for i in truth.get("ideas", []) if i["campaign"] == key]
        loaded: list[tuple[Idea, int]] = []
        for item in planned:
            message = session.scalar(
                sa.select(Message).where(
                    Message.source == source, Message.external_id == item["id"]
                )
            )
            if message is None:
                continue  # a smaller scale may end before the idea was posted
            author = session.scalar(
                sa.select(Person.id).where(
                    Person.source == source, Person.external_id == item["author"]
                )
            )
            idea = service.add_idea(
                session,
                campaign,
                title=item["title"],
                body=message.text,
                author_id=author,
                actor=ACTOR,
                source_message_id=message.id,
                action="idea.demo",
            )
            idea.created_at = idea.updated_at = message.created_at
            session.execute(
                sa.update(StageChangeRow)
                .where(StageChangeRow.idea_id == idea.id)
                .values(changed_at=message.created_at)
            )
            supporters = _carry_votes(session, idea, message)
            comments += _carry_comments(session, idea, message)
            votes += supporters
            loaded.append((idea, supporters))
            made_ideas += 1
        if campaign.closes_on is not None and campaign.closes_on < today:
            _triage(session, campaign, loaded)
    audit.record(
        session,
        actor=ACTOR,
        action="demo.ideas",
        subject_type="campaign",
        details={"campaigns": made_campaigns, "ideas": made_ideas, "votes": votes},
    )
    return DemoIdeasReport(made_campaigns, made_ideas, votes, comments)


def _carry_votes(session: Session, idea: Idea, message: Message) -> int:
    rows = session.execute(
        sa.select(Reaction.identity_id, Reaction.created_at).where(
            Reaction.message_id == message.id, Reaction.emoji == SUPPORT
        )
    ).all()
    people = _person_of_identity(session, [r[0] for r in rows if r[0] is not None])
    seen: set[int] = set()
    for identity_id, when in rows:
        person = people.get(identity_id) if identity_id is not None else None
        if person is None or person in seen:
            continue
        seen.add(person)
        session.add(
            IdeaVote(idea_id=idea.id, person_id=person, created_at=when or message.created_at)
        )
    return len(seen)


def _carry_comments(session: Session, idea: Idea, message: Message) -> int:
    replies = list(
        session.scalars(
            sa.select(Message)
            .where(Message.reply_to_id == message.id)
            .order_by(Message.created_at, Message.id)
        )
    )
    people = _person_of_identity(
        session, [r.author_identity_id for r in replies if r.author_identity_id is not None]
    )
    followers = {idea.author_id}
    for reply in replies:
        person = people.get(reply.author_identity_id) if reply.author_identity_id else None
        session.add(
            IdeaComment(
                idea_id=idea.id, author_id=person, body=reply.text, created_at=reply.created_at
            )
        )
        if person is not None and person not in followers:
            followers.add(person)
            session.add(IdeaFollow(idea_id=idea.id, person_id=person))
    return len(replies)


def _triage(session: Session, campaign: Campaign, loaded: list[tuple[Idea, int]]) -> None:
    ranked = sorted(loaded, key=lambda pair: (-pair[1], pair[0].id))
    reviewed = max(3, len(ranked) // 5)
    closing = dt.datetime.combine(
        campaign.closes_on or dt.date.today(), dt.time(17), tzinfo=dt.UTC
    ) + dt.timedelta(days=3)
    for rank, (idea, supporters) in enumerate(ranked[: 3 + reviewed]):
        stage = "selected" if rank < 3 else "under_review"
        session.add(
            StageChangeRow(
                idea_id=idea.id,
                from_stage=idea.stage,
                to_stage=stage,
                actor=ACTOR,
                note=f"{supporters} supporters at the close of the campaign",
                changed_at=closing,
            )
        )
        idea.stage = stage
        idea.updated_at = closing
