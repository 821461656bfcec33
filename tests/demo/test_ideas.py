"""The demo's idea campaigns become campaigns and ideas of the innovation tables."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from palabre.connectors.importer import run_import
from palabre.db.engine import transaction
from palabre.demo import DemoConnector, generate_company
from palabre.demo.ideas import CAMPAIGN_NAMES, load_demo_ideas
from palabre.fabric.models import Message, Reaction
from palabre.identity.models import Identity, Person
from palabre.innovation.models import Campaign, Idea, IdeaComment, IdeaVote, StageChange


def test_the_demo_ideas_are_loaded_with_their_messages_supporters_and_comments(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    company = generate_company("tiny", seed=42)
    truth = company.ground_truth()
    assert (
        run_import(sessions, DemoConnector(scale="tiny", seed=42, truth_dir=tmp_path)).status
        == "succeeded"
    )
    with transaction(sessions) as session:
        report = load_demo_ideas(session, truth, today=dt.date(2026, 1, 1))
    planned = {i["id"]: i for i in truth["ideas"]}
    with sessions() as session:
        campaigns = {c.name: c for c in session.scalars(sa.select(Campaign))}
        assert set(campaigns) == {CAMPAIGN_NAMES[c["key"]] for c in truth["campaigns"]}
        durable = campaigns[CAMPAIGN_NAMES["durable"]]
        assert durable.opens_on == dt.date(2025, 3, 3)
        assert durable.question == "Comment rendre nos magasins plus durables ?"
        ideas = session.scalars(sa.select(Idea)).all()
        posted = set(
            session.scalars(
                sa.select(Message.external_id).where(Message.external_id.in_(list(planned)))
            )
        )
        assert report.ideas == len(ideas) == len(posted) > 0
        for idea in ideas:
            message = session.get(Message, idea.source_message_id)
            assert message is not None
            spec = planned[message.external_id]
            assert idea.title == spec["title"]
            author = session.scalar(
                sa.select(Person.external_id).where(Person.id == idea.author_id)
            )
            assert author == spec["author"]
            assert idea.created_at == message.created_at
            # Supporters: the distinct people behind the 👍 reactions of the message.
            voters = set(
                session.scalars(
                    sa.select(Identity.person_id)
                    .join(Reaction, Reaction.identity_id == Identity.id)
                    .where(Reaction.message_id == message.id, Reaction.emoji == "👍")
                )
            )
            assert (
                set(
                    session.scalars(
                        sa.select(IdeaVote.person_id).where(IdeaVote.idea_id == idea.id)
                    )
                )
                == voters
            )
            replies = session.scalar(
                sa.select(sa.func.count())
                .select_from(Message)
                .where(Message.reply_to_id == message.id)
            )
            assert (
                session.scalar(
                    sa.select(sa.func.count())
                    .select_from(IdeaComment)
                    .where(IdeaComment.idea_id == idea.id)
                )
                == replies
            )
        # Both campaigns are over: the three most supported of each are selected.
        for campaign in campaigns.values():
            ranked = sorted(
                (i for i in ideas if i.campaign_id == campaign.id),
                key=lambda i: (
                    -session.scalar(
                        sa.select(sa.func.count())
                        .select_from(IdeaVote)
                        .where(IdeaVote.idea_id == i.id)
                    )
                ),
            )
            assert sum(i.stage == "selected" for i in ranked) == min(3, len(ranked))
            assert {i.stage for i in ranked[:1]} == {"selected"}
        moves = session.scalars(
            sa.select(StageChange).where(StageChange.from_stage.is_not(None))
        ).all()
        assert moves
        assert all(m.actor == "demo" and "supporters" in (m.note or "") for m in moves)

    with transaction(sessions) as session:
        again = load_demo_ideas(session, truth, today=dt.date(2026, 1, 1))
    assert (again.campaigns, again.ideas) == (0, 0)
