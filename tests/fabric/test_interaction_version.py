"""Aggregates kept while the interactions stay the same: computed again when a message,
a reaction or a merge arrives, and never kept from a transaction that wrote."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from palabre.db.engine import transaction
from palabre.fabric.interaction_version import KeptByVersion, interactions_version
from palabre.fabric.models import Channel, Message, Reaction, Thread
from palabre.identity.models import Identity, Person


def _world(sessions: sessionmaker[Session]) -> int:
    """A channel, a thread, one person's identity and one message; the message's id."""
    with transaction(sessions) as session:
        person = Person(kind="customer", display_name="Ada")
        session.add(person)
        session.flush()
        identity = Identity(
            person_id=person.id,
            original_person_id=person.id,
            source="t",
            channel_kind="community",
            external_id="ada",
        )
        channel = Channel(source="t", source_kind="t", external_id="c", name="c", kind="community")
        session.add_all([identity, channel])
        session.flush()
        thread = Thread(channel_id=channel.id, source="t", external_id="th")
        session.add(thread)
        session.flush()
        message = Message(
            source="t",
            external_id="m1",
            channel_id=channel.id,
            thread_id=thread.id,
            author_identity_id=identity.id,
            created_at=dt.datetime(2026, 1, 5, tzinfo=dt.UTC),
            text="hello",
            content_hash="0" * 32,
        )
        session.add(message)
        session.flush()
        return message.id


def test_a_value_is_kept_until_the_interactions_change(sessions: sessionmaker[Session]) -> None:
    message = _world(sessions)
    kept: KeptByVersion[int] = KeptByVersion(size=4, max_age=600)
    computed: list[int] = []

    def compute() -> int:
        computed.append(1)
        return len(computed)

    with sessions() as session:
        assert kept.get(session, "k", compute) == 1
        assert kept.get(session, "k", compute) == 1
        assert kept.get(session, "other", compute) == 2
    with transaction(sessions) as session:
        session.add(Reaction(message_id=message, identity_id=None, emoji="+1"))
    with sessions() as session:
        assert kept.get(session, "k", compute) == 3


def test_nothing_is_kept_from_a_transaction_that_wrote(sessions: sessionmaker[Session]) -> None:
    message = _world(sessions)
    kept: KeptByVersion[str] = KeptByVersion(size=4, max_age=600)

    def emojis(session: Session) -> str:
        return ",".join(session.scalars(sa.select(Reaction.emoji).order_by(Reaction.id)))

    with sessions() as session:
        session.add(Reaction(message_id=message, identity_id=None, emoji="undone"))
        session.flush()
        written = interactions_version(session)
        assert kept.get(session, "k", lambda: emojis(session)) == "undone"
        session.rollback()
    # Another reaction where the undone one was: on SQLite it takes the same id, so the
    # workspace has the same largest ids as in the transaction that was undone.
    with transaction(sessions) as session:
        session.add(Reaction(message_id=message, identity_id=None, emoji="kept"))
    with sessions() as session:
        if session.get_bind().dialect.name == "sqlite":
            assert interactions_version(session) == written
        assert kept.get(session, "k", lambda: emojis(session)) == "kept"
