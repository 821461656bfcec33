"""Campaigns and ideas whose every text is an XSS payload, for tests/web/test_xss.py."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from palabre.db.base import utcnow
from palabre.db.engine import transaction
from palabre.fabric.models import Message
from palabre.identity.models import Person
from palabre.innovation import assignments, crowd, funnel, service
from palabre.innovation.trend_records import Example, Trend
from palabre.innovation.trend_service import replace_trends
from palabre.people.service import Viewer


def add_ideas(sessions: sessionmaker[Session], payloads: list[str]) -> dict[str, list[str]]:
    """A campaign, ideas, comments, a stage move and a merge, written with ``payloads``;
    returns the ids to fill ``{campaign_id}`` and ``{idea_id}``."""
    manager = Viewer(actor="test", role="innovation")
    with transaction(sessions) as session:
        author = Person(kind="employee", display_name=payloads[1])
        session.add(author)
        session.flush()
        writer = Viewer(actor=payloads[2][:200], role="member", person_id=author.id)
        campaign = service.create_campaign(
            session, name=payloads[0][:200], question=payloads[3], audience="public", actor="test"
        )
        ideas = []
        for n, payload in enumerate(payloads[4:10]):
            ideas.append(
                service.submit_idea(
                    session,
                    writer,
                    campaign.id,
                    title=f"{payload[:280]} {n}",
                    body=payloads[(n + 11) % len(payloads)],
                    tags=[payloads[(n + 12) % len(payloads)][:40]],
                )
            )
            service.comment_on_idea(session, writer, ideas[-1].id, payload)
        funnel.move_stage(session, manager, ideas[0].id, "selected", note=payloads[5])
        funnel.merge_ideas(session, manager, ideas[1].id, ideas[0].id, note=payloads[6])
        # Who carries the idea: payload names, one released (the section "who carries it").
        carrier = Person(kind="employee", display_name=payloads[7][:300])
        session.add(carrier)
        session.flush()
        made = assignments.assign(session, manager, ideas[0].id, "champion", carrier.id)
        assignments.assign(session, manager, ideas[0].id, "expert", author.id)
        assignments.release(session, manager, made.id)
        add_crowd(session, campaign.id, payloads)
        add_trends(session, payloads)
        return {"campaign": [str(campaign.id)], "idea": [str(i.id) for i in ideas[:3]]}


def add_crowd(session: Session, campaign_id: int, payloads: list[str]) -> None:
    """Statements whose texts are payloads (accepted and awaiting moderation), enough
    voters for an opinion map, and pairwise answers for the ranking of the campaign."""
    voters = []
    for n in range(8):
        person = Person(kind="employee", display_name=f"voter {n}")
        session.add(person)
        session.flush()
        voters.append(Viewer(actor=f"voter:{n}", role="member", person_id=person.id))
    manager = Viewer(actor="test", role="innovation", person_id=voters[0].person_id)
    statements = [
        crowd.add_statement(session, manager, campaign_id, payload[:1000])
        for payload in payloads[:8]
    ]
    crowd.add_statement(session, voters[1], campaign_id, payloads[8][:1000])  # awaits moderation
    for v, voter in enumerate(voters):
        for s, statement in enumerate(statements):
            crowd.vote_on_statement(session, voter, statement.id, 1 if (v + s) % 2 else -1)
    ideas = crowd.pairwise_ideas(session, service.get_campaign(session, manager, campaign_id))
    for n in range(6):
        left, right = ideas[n % len(ideas)], ideas[(n + 1) % len(ideas)]
        crowd.answer_pair(session, voters[n], campaign_id, left.id, right.id, "left")


def add_trends(session: Session, payloads: list[str]) -> None:
    """Stored trends whose labels, terms and example excerpts are payloads (examples on
    imported messages, so that the trends page shows them)."""
    ids = list(session.scalars(sa.select(Message.id).order_by(Message.id).limit(len(payloads))))
    day = dt.date(2025, 3, 1)
    trends = [
        Trend(
            id=n,
            label=payload[:200],
            terms=(payload, payloads[(n + 5) % len(payloads)]),
            languages=("fr",),
            first_flagged=day,
            last_flagged=day,
            level="strong" if n % 2 else "weak",
            first_strong=day if n % 2 else None,
            days_flagged=1,
            peak_count_week=3,
            peak_score=2.0,
            examples=(Example(str(ids[n % len(ids)]), day, payloads[(n + 9) % len(payloads)]),),
        )
        for n, payload in enumerate(payloads)
    ]
    replace_trends(session, trends, utcnow())
