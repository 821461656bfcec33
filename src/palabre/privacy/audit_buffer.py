"""Records of reads written in batches, off the request: :class:`AuditBuffer`.

Every view of another person's profile is audited (DESIGN.md, privacy model). Written
by the request itself, each view is a write: on SQLite, where one writer holds the
database at a time, profiles read at the same moment queue behind each other's
commits. The web application instead hands the records of a request's reads to its
buffer once the request has committed; a background thread writes them together, in
one transaction, when :data:`MAX_ENTRIES` are waiting or :data:`MAX_DELAY` seconds
after the first, and :meth:`AuditBuffer.close` (the application's shutdown) writes
what is left. A record is lost only if the process dies without shutting down, and
then at most those of the last second.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from typing import Final

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from palabre.db.engine import transaction
from palabre.privacy.audit import DEFERRED_READS, PendingEntry
from palabre.privacy.models import AuditEntry

log = logging.getLogger("palabre.privacy")

#: Records waiting that make the writer write at once.
MAX_ENTRIES: Final = 200
#: Seconds a record waits at most before it is written (while the database answers).
MAX_DELAY: Final = 1.0


class AuditBuffer:
    """Collects records of reads from committed requests and writes them in batches.

    Thread-safe: requests run in a thread pool. The writer thread starts with the
    first record; records that fail to be written (the database is away) stay and are
    tried again at the next turn.
    """

    def __init__(
        self,
        sessions: sessionmaker[Session],
        *,
        max_entries: int = MAX_ENTRIES,
        max_delay: float = MAX_DELAY,
    ) -> None:
        self.sessions = sessions
        self.max_entries = max_entries
        self.max_delay = max_delay
        self._pending: list[PendingEntry] = []
        self._lock = threading.Lock()  # guards _pending and _thread
        self._writing = threading.Lock()  # one batch written at a time, in order
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def defer_reads(self, session: Session) -> None:
        """Make ``session`` keep its records of reads (see :func:`.audit.record_read`)."""
        session.info[DEFERRED_READS] = []

    def committed(self, session: Session) -> None:
        """``session`` committed: its records of reads join the buffer."""
        entries: list[PendingEntry] | None = session.info.pop(DEFERRED_READS, None)
        if entries:
            self.add(entries)

    def add(self, entries: Iterable[PendingEntry]) -> None:
        """Queue ``entries``; the writer writes them within :attr:`max_delay` seconds."""
        with self._lock:
            self._pending.extend(entries)
            full = len(self._pending) >= self.max_entries
            stopped = self._stop.is_set()
            if self._thread is None and not stopped:
                self._thread = threading.Thread(
                    target=self._run, name="palabre-audit-writer", daemon=True
                )
                self._thread.start()
        if stopped:
            self.flush()  # after close(): nobody else would write them
        elif full:
            self._wake.set()

    @property
    def pending(self) -> int:
        """How many records wait to be written."""
        with self._lock:
            return len(self._pending)

    def flush(self) -> int:
        """Write every waiting record now, in one transaction; how many were written.

        When the write fails the records are put back (before any that came since) and
        the error is raised.
        """
        with self._writing:
            with self._lock:
                batch, self._pending = self._pending, []
            if not batch:
                return 0
            try:
                with transaction(self.sessions) as session:
                    session.execute(sa.insert(AuditEntry), [entry.row() for entry in batch])
            except BaseException:
                with self._lock:
                    self._pending[:0] = batch
                raise
            return len(batch)

    def close(self) -> None:
        """Stop the writer and write what is left (the application's shutdown)."""
        self._stop.set()
        self._wake.set()
        with self._lock:
            thread = self._thread
        if thread is not None:
            thread.join()
        self.flush()

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self.max_delay)
            self._wake.clear()
            if self._stop.is_set():
                return  # close() writes the rest in its own thread
            try:
                self.flush()
            except Exception:
                # Kept for the next turn; the request that read is long answered.
                log.exception("audit records of reads could not be written; retrying")
