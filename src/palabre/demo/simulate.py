"""Draw the demo company's messages day by day, streaming, in time order.

Each day has its own generator, seeded from the company seed and the day's index, so
a day's draws do not depend on how the text of earlier days came out. A message can
start things that happen later (a ticket gets its answer hours after it was opened):
those later messages wait in a small heap until their time comes, and every record
leaves in time order. Memory holds the world's people, that heap (a few days of
replies at most) and a few recent chat threads, never the whole history.

Each message comes with its :class:`MessageTruth` (what the simulator meant it to
carry), which is written apart from the records and never reaches the store.
"""

from __future__ import annotations

import datetime as dt
import heapq
import random
from collections.abc import Iterator
from dataclasses import dataclass, field

from palabre.connectors.records import (
    ChannelKind,
    ChannelRecord,
    IdentityRecord,
    MessageRecord,
    Reaction,
    Record,
    ThreadRecord,
    Visibility,
)
from palabre.demo.text import Composer
from palabre.demo.world import CITIES, DAYS, START, World

UTC = dt.UTC
END = dt.datetime.combine(START, dt.time(), tzinfo=UTC) + dt.timedelta(days=DAYS)

#: (external id, name, kind, visibility, topic)
BASE_CHANNELS: tuple[tuple[str, str, ChannelKind, Visibility, str], ...] = (
    ("communaute", "Communauté", "community", "public", "Le forum des clients (français)"),
    ("community", "Community", "community", "public", "The customer forum (English)"),
    ("idees", "Idées", "community", "public", "Campagnes d'idées ouvertes à tous"),
    ("social", "Mentions sociales", "social", "public", "@MaisonLemanique sur les réseaux"),
    ("support", "Tickets support", "support", "private", "Tickets du service client"),
    ("email", "E-mails clients", "email", "private", "Boîte service-client@"),
    ("chat-general", "#general", "chat", "public", "Tout le monde"),
    ("chat-bravo", "#bravo", "chat", "public", "Les mercis et les bravos"),
    ("intranet", "Actualités", "intranet", "public", "L'intranet de Maison Lémanique"),
    ("barometre", "Baromètre", "survey", "private", "Baromètre interne mensuel"),
)


def team_channel(team: tuple[str, ...]) -> str:
    """The chat channel of one team, ``chat-ventes-geneve``."""
    from palabre.demo.text import strip_accents

    slug = "-".join(strip_accents(part).lower().replace(" ", "-") for part in team)
    return f"chat-{slug}"


@dataclass(slots=True)
class MessageTruth:
    """What the simulator meant a message to carry: the evaluation's answer key."""

    id: str
    created_at: str
    channel: str
    author: str  # person external id (CRM/HR), or the identity of an anonymous author
    author_kind: str
    language: str
    kind: str  # post, reply, echo, ticket, answer, chat, kudos, pulse, idea, vote...
    signals: tuple[str, ...] = ()
    cause: str | None = None
    trend: str | None = None
    team: str | None = None
    pulse_score: int | None = None
    extra: dict[str, object] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        """A JSON-ready dict, empty fields left out."""
        out: dict[str, object] = {
            "id": self.id,
            "created_at": self.created_at,
            "channel": self.channel,
            "author": self.author,
            "author_kind": self.author_kind,
            "language": self.language,
            "kind": self.kind,
            "signals": list(self.signals),
        }
        for key in ("cause", "trend", "team", "pulse_score"):
            value = getattr(self, key)
            if value is not None:
                out[key] = value
        out.update(self.extra)
        return out


#: bank keys -> the names of the signals in the ground truth
SIGNAL_NAMES = {
    "discontent": "discontent",
    "disappointment": "disappointment",
    "misunderstanding": "misunderstanding",
    "drifting": "drifting_away",
    "suggestion": "suggestion",
    "praise": "praise",
}


@dataclass(slots=True)
class Day:
    """The state of the day being drawn."""

    index: int
    start: dt.datetime
    rng: random.Random

    def at(self, hours: tuple[float, float] = (7.0, 22.5)) -> dt.datetime:
        """A moment of the day between ``hours`` (UTC), busier around midday and evening."""
        low, high = hours
        mid = (low + high) / 2
        hour = min(high, max(low, self.rng.triangular(low, high, mid + 1.5)))
        return self.start + dt.timedelta(seconds=int(hour * 3600) + self.rng.randint(0, 59))


class Simulator:
    """Streams one company's records and the truth of each message."""

    def __init__(self, world: World, source: str = "demo") -> None:
        self.world = world
        self.source = source
        cities = {country: tuple(name for name, _ in pairs) for country, pairs in CITIES.items()}
        self.composer = Composer(cities)
        self._heap: list[tuple[dt.datetime, int, Record, MessageTruth | None]] = []
        self._seq = 0
        self._counter = 0
        # Customers reacting to each cause (echo authors), and each bearer's followers.
        self.reacting: dict[str, list[int]] = {}
        self.followers: dict[str, list[int]] = {}
        for customer in world.customers:
            if customer.cause is not None and customer.react_day is not None:
                self.reacting.setdefault(customer.cause, []).append(customer.index)
            if customer.influenced_by is not None:
                self.followers.setdefault(customer.influenced_by, []).append(customer.index)
        #: the last root of each chat channel today: where chat replies go
        self.chat_roots: dict[str, tuple[str, dt.datetime]] = {}
        self._budget = self._budget_per_day()
        #: the customers' total activity on day 0: volume falls as they drift away
        self.initial_weight = sum(c.activity for c in world.customers) or 1.0

    # -- volume ----------------------------------------------------------------------

    def _budget_per_day(self) -> float:
        """Customer posts per day that make the total land near the scale's target.

        Pulse answers and idea campaigns do not grow with the target; the rest does,
        about 2.3 messages per customer post and 0.3 employee message per customer post
        (measured on the generator; a test holds the total within 20 %).
        """
        world = self.world
        fixed = len(world.employees) * 12 * 0.72 + 2 * (len(world.employees) // 10 + 5) * 3.5
        flexible = max(world.scale.messages - fixed, world.scale.messages * 0.3)
        return flexible / 2.5 / DAYS

    # -- records -------------------------------------------------------------------

    def channels(self) -> list[ChannelRecord]:
        """Every channel of the company, the team chats included."""
        created = dt.datetime.combine(START, dt.time(), tzinfo=UTC) - dt.timedelta(days=400)
        found = [
            ChannelRecord(
                external_id=key,
                name=name,
                kind=kind,
                visibility=vis,
                topic=topic,
                created_at=created,
            )
            for key, name, kind, vis, topic in BASE_CHANNELS
        ]
        for team in self.world.teams:
            found.append(
                ChannelRecord(
                    external_id=team_channel(team),
                    name="#" + team_channel(team).removeprefix("chat-"),
                    kind="chat",
                    visibility="private",
                    topic="/".join(team),
                    created_at=created,
                )
            )
        return found

    def next_id(self) -> str:
        """The external id of the next message (deterministic: a counter)."""
        self._counter += 1
        return f"m{self._counter:08d}"

    def emit(
        self,
        when: dt.datetime,
        message: MessageRecord,
        truth: MessageTruth | None,
        thread: ThreadRecord | None = None,
    ) -> None:
        """Queue a message (and the thread it opens) to leave at its time."""
        if when >= END:
            return
        if thread is not None:
            self._seq += 1
            heapq.heappush(self._heap, (when, self._seq, thread, None))
        self._seq += 1
        heapq.heappush(self._heap, (when, self._seq, message, truth))

    def message(
        self,
        when: dt.datetime,
        channel: str,
        author: str,
        text: str,
        truth: MessageTruth,
        *,
        parent: MessageRecord | None = None,
        title: str | None = None,
        reactions: tuple[Reaction, ...] = (),
        mentions: tuple[str, ...] = (),
        thread_title: bool = False,
    ) -> MessageRecord:
        """Build a message, queue it, and return it (replies point at it)."""
        record = MessageRecord(
            external_id=truth.id,
            channel_external_id=channel,
            author_external_id=author,
            created_at=when,
            text=text,
            thread_external_id=(parent.thread_external_id or parent.external_id)
            if parent
            else None,
            reply_to_external_id=parent.external_id if parent else None,
            title=title,
            reactions=reactions,
            mentions=mentions,
        )
        thread = None
        if thread_title and parent is None and title:
            thread = ThreadRecord(
                external_id=truth.id, channel_external_id=channel, title=title, created_at=when
            )
        truth.created_at = when.isoformat()
        self.emit(when, record, truth, thread)
        return record

    def identities(self) -> list[IdentityRecord]:
        """Social accounts nobody in the CRM declares (the public talking about the brand)."""
        return [
            IdentityRecord(
                external_id=key,
                handle=key.removeprefix("social:"),
                display_name=key.removeprefix("social:@"),
                person_kind="unknown",
                locale="en-GB" if voice.language == "en" else "fr",
            )
            for key, voice in self.world.anonymous
        ]

    def stream(self) -> Iterator[tuple[Record, MessageTruth | None]]:
        """Every record in time order (channels and identities first), with its truth."""
        from palabre.demo import activity_customers, activity_staff

        for channel in self.channels():
            yield channel, None
        for identity in self.identities():
            yield identity, None
        staff = activity_staff.StaffPlan(self)
        seed = self.world.seed
        for index in range(DAYS):
            start = dt.datetime.combine(START + dt.timedelta(days=index), dt.time(), tzinfo=UTC)
            day = Day(index, start, random.Random(f"palabre-demo:{seed}:day:{index}"))
            activity_customers.customer_day(self, day)
            staff.day(day)
            end = start + dt.timedelta(days=1)
            while self._heap and self._heap[0][0] < end:
                _, _, record, truth = heapq.heappop(self._heap)
                yield record, truth
        while self._heap:
            _, _, record, truth = heapq.heappop(self._heap)
            yield record, truth
