"""The customer community: customers post, employees answer, all in fabric rows."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from palabre.customers import dialogue
from palabre.errors import NotFoundError, ValidationError
from palabre.fabric.models import Channel, Message
from palabre.identity.models import Person
from palabre.privacy.models import AuditEntry
from tests.customers.dialogue_world import World, build


def _actions(session: Session) -> list[str]:
    return list(session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)))


def test_a_customer_posts_a_thread_and_the_community_is_created_on_first_use(
    session: Session,
) -> None:
    world = World(session)
    customer = world.account("customer", "zoe")
    assert dialogue.find_community(session) is None
    assert dialogue.list_threads(session).total == 0
    thread = dialogue.start_thread(session, customer, " Billing ", "Why twice?")
    channel = dialogue.find_community(session)
    assert channel is not None
    assert (channel.source, channel.kind, channel.visibility) == ("palabre", "community", "public")
    assert (thread.channel_id, thread.title, thread.source) == (channel.id, "Billing", "palabre")
    person = session.get(Person, customer.person_id)
    assert person is not None
    assert (person.kind, person.display_name) == ("customer", "zoe")
    dialogue.start_thread(session, customer, "Second", "Hello")
    assert session.scalar(sa.select(sa.func.count()).select_from(Channel)) == 1
    assert _actions(session)[-4:] == [
        "community.channel_created",
        "account.person_created",
        "community.thread_started",
        "community.thread_started",
    ]


def test_an_employee_answers_and_the_list_shows_the_thread_answered(session: Session) -> None:
    world = build(session)
    customer = world.account("customer", "alice", person="Alice")
    member = world.account("member", "eve", person="Eve")
    first = dialogue.start_thread(session, customer, "First", "One?")
    second = dialogue.start_thread(session, customer, "Second", "Two?")
    reply = dialogue.reply(session, member, first.id, "Answer one")
    opening = session.scalars(
        sa.select(Message).where(Message.thread_id == first.id).order_by(Message.id)
    ).first()
    assert opening is not None
    assert (reply.reply_to_id, reply.source) == (opening.id, "palabre")
    threads = dialogue.list_threads(session)
    # The answered thread was active last, so it comes first.
    assert [(t.id, t.author, t.replies, t.answered_by_staff) for t in threads.items] == [
        (first.id, "Alice", 1, True),
        (second.id, "Alice", 0, False),
    ]
    _thread, posts = dialogue.thread_posts(session, first.id)
    assert [(p.author, p.staff) for p in posts] == [("Alice", False), ("Eve", True)]


def test_posts_are_checked_and_only_community_threads_take_replies(session: Session) -> None:
    world = build(session)
    customer = world.account("customer", "alice", person="Alice")
    with pytest.raises(ValidationError, match="title"):
        dialogue.start_thread(session, customer, "  ", "text")
    with pytest.raises(ValidationError, match="text"):
        dialogue.start_thread(session, customer, "Title", "x" * (dialogue.MAX_TEXT + 1))
    thread = dialogue.start_thread(session, customer, "Title", "text")
    with pytest.raises(ValidationError, match="reply_to"):
        dialogue.reply(session, customer, thread.id, "hi", reply_to_id=world.messages["a1"].id)
    with pytest.raises(NotFoundError):
        dialogue.reply(session, customer, world.threads["t1"].id, "hi")
    with pytest.raises(NotFoundError):
        dialogue.thread_posts(session, world.threads["t1"].id)
