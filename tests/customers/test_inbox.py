"""The answer inbox: which customer messages need an answer, in which order, and what
answering, dismissing and assigning do (tests/customers/dialogue_world.py is the data)."""

from __future__ import annotations

import math

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from palabre.customers import dialogue, inbox
from palabre.customers.dialogue_models import InboxItem
from palabre.errors import ConflictError, NotFoundError, ValidationError
from palabre.fabric.models import Message
from palabre.identity.models import Person
from palabre.privacy.models import AuditEntry
from tests.customers.dialogue_world import World, build, hours

AS_OF = hours(48)


@pytest.fixture
def world(session: Session) -> World:
    return build(session)


def _keys(world: World, entries: list[inbox.InboxEntry]) -> list[str]:
    names = {message.id: key for key, message in world.messages.items()}
    return [names[entry.message_id] for entry in entries]


def test_priority_is_risk_times_reach_times_waiting_time() -> None:
    assert inbox.risk_of(0.5, 0.0, 0.0) == 0.5
    assert inbox.risk_of(0.5, 0.5, 0.0) == 0.75
    assert inbox.priority(0.5, 3, 48) == pytest.approx(0.6 * 3 * 3)
    assert inbox.priority(0.0, 0, 0) == pytest.approx(0.1)


def test_the_inbox_lists_unanswered_customer_questions_by_priority(
    session: Session, world: World
) -> None:
    found = inbox.needs_answer(session, "analyst", as_of=AS_OF)
    assert _keys(world, found.items) == ["a1", "b1", "c1"]
    a1, b1, c1 = found.items
    assert (a1.risk, a1.reach, a1.waiting_hours) == (0.5, 3, 48)
    assert a1.priority == pytest.approx(5.4)
    assert (b1.risk, b1.reach, b1.waiting_hours) == (pytest.approx(0.8), 0, 24)
    assert b1.priority == pytest.approx(1.8)
    assert (c1.risk, c1.reach, c1.waiting_hours) == (0, 1, 1)
    assert c1.priority == pytest.approx(0.1 * 2 * (1 + 1 / 24))
    assert a1.url == "https://forum.example/a1"
    assert not a1.community


def test_admins_also_see_private_channels_and_nobody_sees_internal_chat(
    session: Session, world: World
) -> None:
    found = inbox.needs_answer(session, "admin", as_of=AS_OF)
    assert _keys(world, found.items) == ["a1", "b1", "a-private", "c1"]
    private = found.items[2]
    assert private.priority == pytest.approx(0.1 * (1 + math.log2(4)) * (1 + 42 / 24))


def test_the_inbox_filters_by_segment_and_channel_and_pages(session: Session, world: World) -> None:
    gold = world.segments["Gold"].id
    found = inbox.needs_answer(session, "analyst", as_of=AS_OF, segment_id=gold)
    assert _keys(world, found.items) == ["a1", "c1"]
    private = world.channels["private-support"].id
    assert inbox.needs_answer(session, "admin", as_of=AS_OF, channel_id=private).total == 1
    second = inbox.needs_answer(session, "analyst", as_of=AS_OF, page=2, per_page=2)
    assert (_keys(world, second.items), second.total, second.pages) == (["c1"], 3, 2)


def test_a_message_posted_after_the_reading_time_is_not_in_the_inbox(
    session: Session, world: World
) -> None:
    found = inbox.needs_answer(session, "analyst", as_of=hours(30))
    assert _keys(world, found.items) == ["a1", "b1"]


def test_answering_an_imported_message_records_the_answer_with_the_link_to_the_source(
    session: Session, world: World
) -> None:
    analyst = world.account("analyst", "ana")
    item = inbox.answer(session, analyst, world.messages["b1"].id, "  We are sorry, Bob.  ")
    answer = session.get(Message, item.answer_message_id)
    assert answer is not None
    assert (answer.source, answer.text) == ("palabre", "We are sorry, Bob.")
    assert (answer.thread_id, answer.reply_to_id) == (
        world.messages["b1"].thread_id,
        world.messages["b1"].id,
    )
    assert (item.state, item.source_url) == ("answered", "https://forum.example/b1")
    # The account had no person: it got an employee one, who wrote the answer.
    assert analyst.person_id is not None
    assert session.get(Person, analyst.person_id).kind == "employee"  # type: ignore[union-attr]
    remaining = inbox.needs_answer(session, "analyst", as_of=answer.created_at)
    assert world.messages["b1"].id not in [e.message_id for e in remaining.items]
    entry = session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "inbox.answered")
    ).one()
    assert (entry.actor, entry.subject_id) == ("user:ana", str(world.messages["b1"].id))
    assert entry.details["where"] == "recorded"
    with pytest.raises(ConflictError):
        inbox.answer(session, analyst, world.messages["b1"].id, "Again")


def test_answering_in_the_community_posts_in_the_thread_the_customer_reads(
    session: Session, world: World
) -> None:
    customer = world.account("customer", "alice", person="Alice")
    thread = dialogue.start_thread(session, customer, "Login fails", "I cannot sign in?")
    question = session.scalars(sa.select(Message).where(Message.thread_id == thread.id)).one()
    listed = inbox.needs_answer(session, "analyst")
    posted = [e for e in listed.items if e.message_id == question.id]
    assert [(e.community, e.author, e.channel_name) for e in posted] == [
        (True, "Alice", "Community")
    ]
    manager = world.account("manager", "max", person="Eve")
    item = inbox.answer(session, manager, question.id, "Try resetting your password.")
    assert item.source_url is None
    _thread, posts = dialogue.thread_posts(session, thread.id)
    assert [(p.author, p.staff, p.text) for p in posts] == [
        ("Alice", False, "I cannot sign in?"),
        ("Eve", True, "Try resetting your password."),
    ]


def test_only_customer_questions_the_reader_may_read_can_be_answered(
    session: Session, world: World
) -> None:
    analyst = world.account("analyst", "ana")
    for key in ("e1", "a-chat", "a-private"):
        with pytest.raises(NotFoundError):
            inbox.answer(session, analyst, world.messages[key].id, "Hello")
    with pytest.raises(ValidationError, match="text"):
        inbox.answer(session, analyst, world.messages["a1"].id, "   ")


def test_dismissing_needs_a_reason_and_takes_the_message_out(
    session: Session, world: World
) -> None:
    analyst = world.account("analyst", "ana")
    with pytest.raises(ValidationError, match="reason"):
        inbox.dismiss(session, analyst, world.messages["c1"].id, " ")
    item = inbox.dismiss(session, analyst, world.messages["c1"].id, "Spam")
    assert (item.state, item.dismissed_reason) == ("dismissed", "Spam")
    found = inbox.needs_answer(session, "analyst", as_of=AS_OF)
    assert _keys(world, found.items) == ["a1", "b1"]
    assert session.scalar(
        sa.select(AuditEntry.details).where(AuditEntry.action == "inbox.dismissed")
    ) == {"reason": "Spam"}


def test_assigning_names_who_answers(session: Session, world: World) -> None:
    analyst = world.account("analyst", "ana")
    customer = world.account("customer", "alice", person="Alice")
    inbox.assign(session, analyst, world.messages["a1"].id, analyst)
    found = inbox.needs_answer(session, "analyst", as_of=AS_OF)
    assert found.items[0].assigned_to == "ana"
    with pytest.raises(ValidationError, match="assignee"):
        inbox.assign(session, analyst, world.messages["a1"].id, customer)
    inbox.assign(session, analyst, world.messages["a1"].id, None)
    item = session.scalars(sa.select(InboxItem)).one()
    assert (item.assigned_to_id, item.state) == (None, "needs_answer")
