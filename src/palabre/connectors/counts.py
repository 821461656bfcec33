"""What an import did: created / updated / unchanged counts per kind of object."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Tally:
    """created / updated / unchanged counts for one kind of object."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"created": self.created, "updated": self.updated, "unchanged": self.unchanged}


@dataclass
class Counts:
    """Everything an import did, by kind of object."""

    channels: Tally = field(default_factory=Tally)
    identities: Tally = field(default_factory=Tally)
    threads: Tally = field(default_factory=Tally)
    messages: Tally = field(default_factory=Tally)
    people: Tally = field(default_factory=Tally)
    reactions: int = 0
    mentions: int = 0
    #: records left out because they belong to an erased person (palabre.privacy.erasure)
    erased: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "channels": self.channels.as_dict(),
            "identities": self.identities.as_dict(),
            "threads": self.threads.as_dict(),
            "messages": self.messages.as_dict(),
            "people": self.people.as_dict(),
            "reactions": self.reactions,
            "mentions": self.mentions,
            "erased": self.erased,
        }

    def totals(self) -> dict[str, int]:
        """created / updated / unchanged summed over every kind of object."""
        tallies = [self.channels, self.identities, self.threads, self.messages, self.people]
        return {
            "created": sum(t.created for t in tallies),
            "updated": sum(t.updated for t in tallies),
            "unchanged": sum(t.unchanged for t in tallies),
        }
