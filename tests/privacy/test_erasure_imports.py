"""An erasure holds for every later import of the same accounts, whatever the format:
here a Discourse forum (topics are threads with titles of their own)."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from palabre.connectors.importer import import_path
from palabre.db.engine import transaction
from palabre.fabric.models import Message, Thread
from palabre.identity.models import Identity, Person
from palabre.privacy import erasure

FORUM = Path(__file__).resolve().parents[1] / "fixtures" / "discourse" / "forum"


def _topic(session: Session) -> Thread:
    return session.scalars(sa.select(Thread).where(Thread.external_id == "topic-501")).one()


def _opener(session: Session, thread: Thread) -> Message:
    return session.scalars(
        sa.select(Message)
        .where(Message.thread_id == thread.id)
        .order_by(Message.created_at, Message.id)
        .limit(1)
    ).one()


def test_a_topic_opened_by_an_erased_person_keeps_no_title_through_a_reimport(
    sessions: sessionmaker[Session],
) -> None:
    first = import_path(sessions, "discourse", FORUM, actor="test")
    assert first.status == "succeeded"
    with sessions() as db:
        topic = _topic(db)
        assert topic.title == "Crash à l'ouverture des factures"
        opener = _opener(db, topic)
        identity = db.get(Identity, opener.author_identity_id)
        assert identity is not None
        author = identity.person_id
        theirs = db.scalar(
            sa.select(sa.func.count())
            .select_from(Message)
            .join(Identity, Identity.id == Message.author_identity_id)
            .where(Identity.person_id == author)
        )
        others = db.scalar(sa.select(sa.func.count()).select_from(Message)) - (theirs or 0)
    assert theirs
    assert others > 0
    with transaction(sessions) as session:
        erasure.erase_person(session, author, actor="test")
    with sessions() as db:
        topic = _topic(db)
        assert (topic.title, topic.url) == (None, None)

    again = import_path(sessions, "discourse", FORUM, actor="test")
    assert again.status == "succeeded"
    assert again.rejected == 0
    assert again.counts.erased >= theirs
    with sessions() as db:
        topic = _topic(db)
        assert (topic.title, topic.url) == (None, None)
        assert _opener(db, topic).text == ""
        # Everyone else's posts are as they were: imported once, unchanged since.
        kept = db.scalar(sa.select(sa.func.count()).select_from(Message).where(Message.text != ""))
        assert kept == others
    assert again.counts.messages.created == 0


SLACK = Path(__file__).resolve().parents[1] / "fixtures" / "slack" / "export"


def test_a_slack_user_erased_is_neither_named_nor_quoted_again_by_a_reimport(
    sessions: sessionmaker[Session],
) -> None:
    first = import_path(sessions, "slack", SLACK, actor="test")
    assert first.status == "succeeded"
    with sessions() as db:
        bob = db.scalars(sa.select(Identity).where(Identity.external_id == "U02BOB")).one()
        person = bob.person_id
        written = db.scalar(
            sa.select(sa.func.count())
            .select_from(Message)
            .where(Message.author_identity_id == bob.id)
        )
        people_before = db.scalar(sa.select(sa.func.count()).select_from(Identity))
    assert written
    with transaction(sessions) as session:
        erasure.erase_person(session, person, actor="test")

    again = import_path(sessions, "slack", SLACK, actor="test")
    assert again.status == "succeeded"
    assert again.rejected == 0
    # users.json names him again, with his address: his account stays anonymous.
    assert again.counts.erased >= 1 + (written or 0)
    with sessions() as db:
        assert db.scalars(sa.select(Identity).where(Identity.external_id == "U02BOB")).all() == []
        assert (
            db.scalars(sa.select(Identity).where(Identity.email == "bob@partner.example")).all()
            == []
        )
        assert db.scalar(sa.select(sa.func.count()).select_from(Identity)) == people_before
        texts = db.scalars(
            sa.select(Message.text)
            .join(Identity, Identity.id == Message.author_identity_id)
            .where(Identity.person_id == person)
        ).all()
        assert texts
        assert set(texts) == {""}
        found = db.get(Person, person)
        assert found is not None
        assert found.display_name is None
