"""A small in-process cache of computed opinion maps, keyed by the campaign's last change.

Computing a campaign's opinion groups (PCA, k-means, silhouettes, representative
statements) takes a noticeable time once a conversation holds thousands of votes, and
the manager's page asks for it on every view. The result only changes when a vote or a
statement of the campaign changes, so it is kept per (database, campaign, seed) with a
fingerprint of those changes, read in one cheap query: a new or changed vote, a new
statement or a moderation decision gives a new fingerprint, and the map is computed
again. Each worker process keeps its own cache (nothing is shared or written).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from typing import Final, Generic, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import Session

from palabre.innovation.models import Statement, StatementVote

#: Campaign maps kept per process; the least recently used goes first.
MAX_ENTRIES: Final = 64

T = TypeVar("T")


def change_key(session: Session, campaign_id: int) -> tuple[Hashable, ...]:
    """A fingerprint of the campaign's votes and statements: it changes with any of them.

    Votes: their count, highest id and latest time (a changed vote gets a new time).
    Statements: their count, highest id, and the sums of the ids accepted and moderated
    out (a moderation decision moves an id from one sum to another).
    """
    votes = session.execute(
        sa.select(
            sa.func.count(StatementVote.id),
            sa.func.max(StatementVote.id),
            sa.func.max(StatementVote.voted_at),
        )
        .join(Statement, Statement.id == StatementVote.statement_id)
        .where(Statement.campaign_id == campaign_id)
    ).one()
    statements = session.execute(
        sa.select(
            sa.func.count(Statement.id),
            sa.func.max(Statement.id),
            sa.func.sum(sa.case((Statement.moderation == "in", Statement.id), else_=0)),
            sa.func.sum(sa.case((Statement.moderation == "out", Statement.id), else_=0)),
        ).where(Statement.campaign_id == campaign_id)
    ).one()
    when = votes[2].isoformat() if votes[2] is not None else None
    return (
        int(votes[0]),
        votes[1],
        when,
        int(statements[0]),
        statements[1],
        int(statements[2] or 0),
        int(statements[3] or 0),
    )


class MapCache(Generic[T]):
    """Values per (database, campaign, seed), valid while the campaign's fingerprint holds."""

    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self._entries: OrderedDict[tuple[str, int, int], tuple[tuple[Hashable, ...], T]] = (
            OrderedDict()
        )
        self._lock = threading.Lock()
        self._max = max_entries
        self.computed = 0  # how many times a value had to be computed (for tests and stats)

    @staticmethod
    def _where(session: Session) -> str:
        # Two workspaces may both have a campaign 1: the database tells them apart.
        return str(session.get_bind().engine.url)

    def get(
        self, session: Session, campaign_id: int, seed: int, key: tuple[Hashable, ...]
    ) -> T | None:
        """The value kept for this campaign and seed, if its fingerprint is still ``key``."""
        slot = (self._where(session), campaign_id, seed)
        with self._lock:
            found = self._entries.get(slot)
            if found is None or found[0] != key:
                return None
            self._entries.move_to_end(slot)
            return found[1]

    def put(
        self, session: Session, campaign_id: int, seed: int, key: tuple[Hashable, ...], value: T
    ) -> None:
        """Keep ``value`` for this campaign and seed under fingerprint ``key``."""
        slot = (self._where(session), campaign_id, seed)
        with self._lock:
            self.computed += 1
            self._entries[slot] = (key, value)
            self._entries.move_to_end(slot)
            while len(self._entries) > self._max:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        """Forget everything."""
        with self._lock:
            self._entries.clear()
