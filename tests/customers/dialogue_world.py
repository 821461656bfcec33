"""A tiny hand-made world for the inbox tests: every time, signal and reaction is chosen so
that each message's risk, reach and waiting time are known in advance."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from palabre.accounts import service as accounts
from palabre.accounts.models import UserAccount
from palabre.fabric.models import Channel, Mention, Message, Reaction, Thread
from palabre.identity.models import Identity, Person, Segment, SegmentMember
from palabre.pipeline.models import MessageSignal

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
PASSWORD = "correct horse battery staple"


def hours(n: float) -> dt.datetime:
    """``n`` hours after T0."""
    return T0 + dt.timedelta(hours=n)


@dataclass
class World:
    """What :func:`build` made, by name."""

    session: Session
    people: dict[str, Person] = field(default_factory=dict)
    identities: dict[str, Identity] = field(default_factory=dict)
    channels: dict[str, Channel] = field(default_factory=dict)
    threads: dict[str, Thread] = field(default_factory=dict)
    messages: dict[str, Message] = field(default_factory=dict)
    segments: dict[str, Segment] = field(default_factory=dict)

    def person(self, name: str, kind: str) -> Person:
        """A person with one identity on the forum."""
        person = Person(kind=kind, display_name=name)
        self.session.add(person)
        self.session.flush()
        identity = Identity(
            person_id=person.id,
            original_person_id=person.id,
            source="forum",
            channel_kind="support",
            external_id=name,
            display_name=name,
        )
        self.session.add(identity)
        self.session.flush()
        self.people[name] = person
        self.identities[name] = identity
        return person

    def channel(self, name: str, kind: str, visibility: str = "public") -> Channel:
        """An imported channel."""
        channel = Channel(
            source="forum",
            source_kind=kind,
            external_id=name,
            name=name,
            kind=kind,
            visibility=visibility,
        )
        self.session.add(channel)
        self.session.flush()
        self.channels[name] = channel
        return channel

    def say(
        self,
        key: str,
        author: str,
        channel: str,
        thread: str,
        at: dt.datetime,
        text: str,
        *,
        reply_to: str | None = None,
    ) -> Message:
        """A message; its thread is created by the first message naming it."""
        if thread not in self.threads:
            self.threads[thread] = Thread(
                channel_id=self.channels[channel].id,
                source="forum",
                external_id=thread,
                title=f"Thread {thread}",
                created_at=at,
            )
            self.session.add(self.threads[thread])
            self.session.flush()
        message = Message(
            source="forum",
            external_id=key,
            channel_id=self.channels[channel].id,
            thread_id=self.threads[thread].id,
            author_identity_id=self.identities[author].id,
            reply_to_id=self.messages[reply_to].id if reply_to else None,
            created_at=at,
            text=text,
            url=f"https://forum.example/{key}",
            content_hash=key.ljust(32, "0")[:32],
        )
        self.session.add(message)
        self.session.flush()
        self.messages[key] = message
        return message

    def signals(self, key: str, **values: float) -> None:
        """The analysis of message ``key``: the given signals, 0 for the others."""
        names = ("discontent", "drifting_away", "disappointment", "misunderstanding")
        self.session.add(
            MessageSignal(
                message_id=self.messages[key].id,
                language="en",
                sentiment_label="neutral",
                sentiment_score=0.0,
                suggestion=0.0,
                praise=0.0,
                content_hash="x" * 32,
                model_version="test",
                **{name: values.get(name, 0.0) for name in names},
            )
        )
        self.session.flush()

    def segment(self, name: str, *members: str) -> Segment:
        """A customer segment with these members (materialised)."""
        segment = Segment(name=name, rule="tier = gold", member_count=len(members))
        self.session.add(segment)
        self.session.flush()
        for member in members:
            self.session.add(SegmentMember(segment_id=segment.id, person_id=self.people[member].id))
        self.session.flush()
        self.segments[name] = segment
        return segment

    def account(self, role: str, username: str, person: str | None = None) -> UserAccount:
        """An account of ``role``, linked to the named person if any."""
        return accounts.create_user(
            self.session,
            username=username,
            role=role,
            password=PASSWORD,
            actor="test",
            person_id=self.people[person].id if person else None,
        )


def build(session: Session) -> World:
    """The inbox world (see tests/customers/test_inbox.py for what each message is for).

    Reach: Alice has 2 reactions and 1 reply from Carol (3); Bob none (0); Carol is
    mentioned once (1).
    """
    w = World(session)
    for name in ("Alice", "Bob", "Carol"):
        w.person(name, "customer")
    w.person("Eve", "employee")
    w.channel("support", "support")
    w.channel("private-support", "support", visibility="private")
    w.channel("staff-chat", "chat")
    # Alice opens t1, 48 hours before the inbox is read; Carol answers her (not a question).
    w.say("a1", "Alice", "support", "t1", hours(0), "My invoice is wrong again")
    w.say("c-reply", "Carol", "support", "t1", hours(1), "Same here", reply_to="a1")
    w.signals("a1", discontent=0.5)
    for emoji in ("+1", "angry"):
        session.add(Reaction(message_id=w.messages["a1"].id, emoji=emoji))
    # Bob opens t2, 24 hours before.
    w.say("b1", "Bob", "support", "t2", hours(24), "I think I will cancel")
    w.signals("b1", drifting_away=0.8)
    # Carol opens t3, 1 hour before; she is mentioned once.
    w.say("c1", "Carol", "support", "t3", hours(47), "Where is the new app")
    session.add(Mention(message_id=w.messages["b1"].id, identity_id=w.identities["Carol"].id))
    # Eve opens t4, Bob asks in it, Eve answers an hour later: answered.
    w.say("e1", "Eve", "support", "t4", hours(2), "New prices from April")
    w.say("b-q", "Bob", "support", "t4", hours(3), "Does it change my plan?", reply_to="e1")
    w.say("e2", "Eve", "support", "t4", hours(4), "No, it does not")
    # Not customer questions in a channel analysts read: internal chat, private channel.
    w.say("a-chat", "Alice", "staff-chat", "t5", hours(5), "Hello?")
    w.say("a-private", "Alice", "private-support", "t6", hours(6), "Private question?")
    w.segment("Gold", "Alice", "Carol")
    session.flush()
    return w
