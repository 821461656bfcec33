"""Small workspaces for the opinion-leader tests, loaded through the ordinary import path
(a connector that yields canonical records, with replies, mentions and reactions)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from typing import ClassVar, Final

from sqlalchemy.orm import Session, sessionmaker

from palabre.connectors.base import Connector
from palabre.connectors.importer import run_import
from palabre.connectors.records import (
    ChannelRecord,
    IdentityRecord,
    MessageRecord,
    Reaction,
    Record,
)

DAY: Final = dt.datetime(2025, 3, 3, 9, tzinfo=dt.UTC)


class RecordsSource(Connector):
    """A source that yields the records it was given (the import path does the rest)."""

    kind: ClassVar[str] = "records"
    default_channel_kind = "community"

    def __init__(self, records: Sequence[Record]) -> None:
        super().__init__("records")
        self.given = list(records)

    def check(self) -> None:
        """Nothing to check: the records are in memory."""

    def total(self) -> int | None:
        """As many as given."""
        return len(self.given)

    def records(self) -> Iterator[Record]:
        """The records, in order."""
        yield from self.given


def load(sessions: sessionmaker[Session], records: Sequence[Record]) -> None:
    """Import ``records`` (they must import cleanly)."""
    report = run_import(sessions, RecordsSource(records), source="test", actor="test")
    assert report.status == "succeeded", report.as_dict()
    assert report.rejected == 0, report.as_dict()


def at(hours: float) -> dt.datetime:
    """``hours`` after the first day's morning."""
    return DAY + dt.timedelta(hours=hours)


def counted_records() -> list[Record]:
    """A handful of messages whose interactions are known one by one (see test_graph)."""
    people = [IdentityRecord(name, display_name=name.title()) for name in ("ana", "bob", "cat")]
    people += [
        IdentityRecord("dan", display_name="Dan"),
        IdentityRecord("robot", display_name="Robot", is_bot=True),
    ]
    return [
        ChannelRecord("forum", "Forum", kind="community", visibility="public"),
        ChannelRecord("tickets", "Tickets", kind="support", visibility="private"),
        *people,
        MessageRecord(
            "m1",
            "forum",
            "ana",
            at(0),
            "Un sujet",
            reactions=(
                Reaction("👍", "bob", at(1)),
                Reaction("❤️", "cat", at(2)),
                Reaction("👍", "robot", at(3)),
            ),
        ),
        MessageRecord(
            "m2", "forum", "bob", at(1), "@ana oui", reply_to_external_id="m1", mentions=("ana",)
        ),
        MessageRecord("m3", "forum", "cat", at(2), "d'accord", reply_to_external_id="m1"),
        MessageRecord("m4", "forum", "ana", at(3), "merci Bob", reply_to_external_id="m2"),
        MessageRecord("m5", "forum", "ana", at(4), "et aussi", reply_to_external_id="m4"),
        MessageRecord("m6", "forum", "robot", at(5), "rappel", reply_to_external_id="m1"),
        MessageRecord("m7", "forum", "dan", at(24 * 10), "plus tard", reply_to_external_id="m1"),
        MessageRecord("p1", "tickets", "dan", at(6), "ma commande ?"),
        MessageRecord("p2", "tickets", "ana", at(7), "elle arrive", reply_to_external_id="p1"),
    ]


#: Two groups of six; each has a leader everybody answers, and they meet over one reply.
GROUPS: Final = (
    ("ana", "bob", "cat", "dan", "eve", "fred"),
    ("gil", "hugo", "ines", "jade", "karl", "lea"),
)
#: What each group's leader writes about (French): the leader's topic.
TOPICS: Final = (
    "Les emballages consignés réduiraient nos déchets de moitié.",
    "La livraison en vélo cargo en ville serait plus rapide.",
)


def community_records() -> list[Record]:
    """Two communities of six people, their leaders, their topics (see the constants)."""
    records: list[Record] = [ChannelRecord("forum", "Forum", kind="community")]
    records += [
        IdentityRecord(name, display_name=name.title(), person_kind="customer")
        for group in GROUPS
        for name in group
    ]
    hour = 0.0
    for group, topic in zip(GROUPS, TOPICS, strict=True):
        leader, *members = group
        for post in range(3):
            root = f"{leader}-{post}"
            hour += 1
            records.append(
                MessageRecord(
                    root,
                    "forum",
                    leader,
                    at(hour),
                    topic,
                    reactions=tuple(Reaction("👍", m, at(hour + 1)) for m in members),
                )
            )
            for m in members:
                hour += 0.1
                records.append(
                    MessageRecord(
                        f"{m}-re-{root}",
                        "forum",
                        m,
                        at(hour),
                        "Tout à fait, bonne idée.",
                        reply_to_external_id=root,
                    )
                )
        # Members talk a little among themselves, in a ring.
        for i, m in enumerate(members):
            hour += 0.1
            other = members[(i + 1) % len(members)]
            records.append(MessageRecord(f"{m}-chat", "forum", m, at(hour), "Bonjour à tous."))
            records.append(
                MessageRecord(
                    f"{other}-re-{m}",
                    "forum",
                    other,
                    at(hour + 0.05),
                    "Bonjour !",
                    reply_to_external_id=f"{m}-chat",
                )
            )
    # Bob answers on the first topic; the second group's leader asks about it too, and
    # two of his group answer.
    records.append(
        MessageRecord(
            "bob-topic",
            "forum",
            "bob",
            at(hour + 0.5),
            "Oui, des emballages consignés, j'en rêve.",
            reply_to_external_id="ana-0",
        )
    )
    records.append(
        MessageRecord(
            "gil-topic", "forum", "gil", at(hour + 0.6), "Et chez nous, des emballages consignés ?"
        )
    )
    for name in ("hugo", "ines"):
        records.append(
            MessageRecord(
                f"{name}-re-gil-topic",
                "forum",
                name,
                at(hour + 0.7),
                "Pourquoi pas.",
                reply_to_external_id="gil-topic",
            )
        )
    # The bridge: one member of the first group answers the second group's leader.
    records.append(
        MessageRecord(
            "bridge", "forum", "fred", at(hour + 1), "Intéressant.", reply_to_external_id="gil-0"
        )
    )
    return records
