"""What a graph of who answers, mentions and reacts to whom is made of, in one short key.

Aggregates over every interaction of a workspace (the interaction graph and its
communities, each person's reach) take seconds at a million messages and change only
when the data does. :func:`interactions_version` reads, in a few index lookups, what
they are made of: the workspace, the largest ids of the tables that grow (a re-import
that changes rows starts an import run), the merges made and undone (they move
identities between people), the people erased (their words are gone), and which
channels are public. A process keeps such an
aggregate under this key (:class:`KeptByVersion`) and computes it again when the key
moves, or after ``max_age`` seconds should the data change outside palabre.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Final, Generic, TypeVar

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session

from palabre.connectors.models import ImportRun
from palabre.fabric.models import Channel, Mention, Message, Reaction
from palabre.identity.models import Identity, Person, PersonMerge

_T = TypeVar("_T")

#: ``session.info`` key set while the session's transaction holds writes it flushed: a
#: version read then could be undone by a rollback and later meet other data with the
#: same largest ids, so nothing computed in such a transaction is kept.
_WROTE: Final = "palabre.interactions.wrote"


@event.listens_for(Session, "after_flush")
def _wrote(session: Session, _context: object) -> None:
    session.info[_WROTE] = True


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _ended(session: Session) -> None:
    session.info.pop(_WROTE, None)


_LARGEST = (Message.id, Reaction.id, Mention.id, Identity.id, ImportRun.id, PersonMerge.id)


def interactions_version(session: Session) -> tuple[object, ...]:
    """A key that changes whenever the interactions between people may have changed."""
    largest = session.execute(
        sa.select(
            *(sa.select(sa.func.max(column)).scalar_subquery() for column in _LARGEST),
            sa.select(sa.func.count(PersonMerge.undone_at)).scalar_subquery(),
            # An erasure empties messages without adding a row (palabre.privacy.erasure).
            sa.select(sa.func.count(Person.erased_at)).scalar_subquery(),
        )
    ).one()
    public = tuple(
        session.scalars(
            sa.select(Channel.id).where(Channel.visibility == "public").order_by(Channel.id)
        )
    )
    return (str(session.get_bind().engine.url), *largest, hash(public))


class KeptByVersion(Generic[_T]):
    """Values a process keeps while :func:`interactions_version` stays the same.

    ``get(session, key, compute)`` answers the value kept under ``key`` for the current
    version, or computes, keeps and answers it. At most ``size`` values are kept, the
    least recently used going first; none is older than ``max_age`` seconds.
    """

    def __init__(self, *, size: int, max_age: float) -> None:
        self.size = size
        self.max_age = max_age
        self._kept: OrderedDict[tuple[object, ...], tuple[float, _T]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, session: Session, key: Hashable, compute: Callable[[], _T]) -> _T:
        """The value of ``key`` at the data's current version."""
        if session.info.get(_WROTE):
            return compute()
        full = (interactions_version(session), key)
        if session.info.get(_WROTE):  # reading the version flushed pending writes
            return compute()
        now = time.monotonic()
        with self._lock:
            kept = self._kept.get(full)
            if kept is not None and now - kept[0] < self.max_age:
                self._kept.move_to_end(full)
                return kept[1]
        value = compute()
        with self._lock:
            self._kept[full] = (now, value)
            self._kept.move_to_end(full)
            while len(self._kept) > self.size:
                self._kept.popitem(last=False)
        return value

    def clear(self) -> None:
        """Forget every value (tests)."""
        with self._lock:
            self._kept.clear()
