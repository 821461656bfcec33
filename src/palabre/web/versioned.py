"""Aggregates a server process keeps while the workspace's data stays the same.

Some parts of a page cost many queries and change rarely: the home page's counts and
latest conversations, the directory's team list, the channels a search may be narrowed
to. Each is kept per process under a key, with the **data version** it was computed
at, and computed again as soon as the version moves: a page never shows them older
than the data it was asked for.

The data version (:func:`data_version`) is the largest id of the tables that grow
(messages, threads, people, identities, channels, imports) and of the audit log. Every
change that matters writes an audit record in its own transaction (DESIGN.md rule 4:
a merge, an erasure, an edited profile, a renamed channel, a finished import), so the
audit log's largest id moves with every change that does not add a row. One query
reads it all, once per request. As a safety net for a change made outside palabre, an
entry is also computed again after :data:`MAX_AGE` seconds.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, Final, TypeVar

import sqlalchemy as sa
from fastapi import Request
from sqlalchemy.orm import Session

from palabre.connectors.models import ImportRun
from palabre.db import prepared
from palabre.fabric.models import Channel, Message, Thread
from palabre.identity.models import Identity, Person
from palabre.privacy.models import AuditEntry

#: Seconds an entry is kept at most even when the data version has not moved.
MAX_AGE: Final = 30.0
#: Entries a process keeps (a key per role and aggregate: a few dozen in practice).
MAX_ENTRIES: Final = 512

DataVersion = tuple[int | None, ...]
_T = TypeVar("_T")

_VERSION_OF: Final = (Message.id, Thread.id, Person.id, Identity.id, Channel.id, ImportRun.id)


def _version_statement() -> sa.Select[Any]:
    columns = [sa.select(sa.func.max(column)).scalar_subquery() for column in _VERSION_OF]
    columns.append(sa.select(sa.func.max(AuditEntry.id)).scalar_subquery())
    return sa.select(*columns)


#: Built once: the statement never changes, and building it costs more than running it.
_VERSION: Final = _version_statement()


def data_version(request: Request, db: Session) -> DataVersion:
    """The workspace's data version as this request's transaction sees it (read once)."""
    version: DataVersion | None = getattr(request.state, "data_version", None)
    if version is None:
        version = tuple(prepared.rows(db, _VERSION).one())
        request.state.data_version = version
    return version


@dataclass(frozen=True)
class _Entry:
    version: DataVersion
    taken_at: float
    value: Any


class VersionedCache:
    """Values computed once per data version (and at most :attr:`max_age` seconds old).

    Thread-safe. Values are shared by every request of the process: they must be
    immutable (frozen dataclasses, tuples) or never changed by their readers.
    """

    def __init__(
        self,
        *,
        max_age: float = MAX_AGE,
        max_entries: int = MAX_ENTRIES,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_age = max_age
        self.max_entries = max_entries
        self.clock = clock
        self._entries: dict[Hashable, _Entry] = {}
        self._lock = threading.Lock()

    def get(self, key: Hashable, version: DataVersion, compute: Callable[[], _T]) -> _T:
        """The value under ``key`` at ``version``: kept, or ``compute()``-d and kept."""
        now = self.clock()
        with self._lock:
            entry = self._entries.get(key)
        if entry is not None and entry.version == version and now - entry.taken_at < self.max_age:
            value: _T = entry.value
            return value
        value = compute()
        with self._lock:
            if len(self._entries) >= self.max_entries and key not in self._entries:
                self._entries.clear()  # rare: keys are few; start again rather than track use
            self._entries[key] = _Entry(version, now, value)
        return value

    def clear(self) -> None:
        """Forget every value."""
        with self._lock:
            self._entries.clear()


def cached(request: Request, db: Session, key: Hashable, compute: Callable[[], _T]) -> _T:
    """``compute()``'s value for ``key`` at this request's data version (the app's cache).

    Only for reading requests (GET, HEAD): a request that writes sees its own
    uncommitted rows, and a value computed from them must not outlive a rollback.
    """
    if request.method not in ("GET", "HEAD"):
        return compute()
    cache: VersionedCache = request.app.state.versioned
    return cache.get(key, data_version(request, db), compute)
