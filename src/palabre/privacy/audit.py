"""Write audit records (DESIGN.md rule 4): every state change that matters calls :func:`record`.

Reads of person-level data are audited too (DESIGN.md, privacy model), with
:func:`record_read`. A read changes nothing else, so its record need not share a
transaction with anything: a session may *defer* its records of reads (the web
application's sessions do), and they are then written in batches by
:class:`palabre.privacy.audit_buffer.AuditBuffer` once the request has succeeded.
"""

from __future__ import annotations

import datetime as dt
import getpass
import os
from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy.orm import Session

from palabre.db.base import utcnow
from palabre.privacy.models import AuditEntry

#: The ``session.info`` key under which a session that defers its records of reads
#: keeps them (a list of :class:`PendingEntry`) until its transaction commits.
DEFERRED_READS: Final = "palabre.audit.deferred_reads"


@dataclass(frozen=True)
class PendingEntry:
    """An audit record of a read, taken at ``at``, not written yet."""

    at: dt.datetime
    actor: str
    action: str
    subject_type: str
    subject_id: str | None
    details: dict[str, Any]

    def row(self) -> dict[str, Any]:
        """The ``audit_log`` row of this record."""
        return {
            "at": self.at,
            "actor": self.actor,
            "action": self.action,
            "subject_type": self.subject_type,
            "subject_id": self.subject_id,
            "details": self.details,
        }


def system_actor() -> str:
    """The actor of a command-line action: ``cli:<os user>`` (``PALABRE_ACTOR`` overrides)."""
    explicit = os.environ.get("PALABRE_ACTOR")
    if explicit:
        return explicit
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli:unknown"


def record(
    session: Session,
    *,
    actor: str,
    action: str,
    subject_type: str,
    subject_id: str | int | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEntry:
    """Add an audit entry to the session's transaction (it commits or rolls back with it)."""
    entry = AuditEntry(
        actor=actor,
        action=action,
        subject_type=subject_type,
        subject_id=None if subject_id is None else str(subject_id),
        details=details or {},
    )
    session.add(entry)
    return entry


def record_read(
    session: Session,
    *,
    actor: str,
    action: str,
    subject_type: str,
    subject_id: str | int | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    """Audit that ``actor`` read person-level data.

    In a session that defers its reads (``session.info[DEFERRED_READS]``, set by the
    web application) the record waits with the session and is dropped if its
    transaction rolls back; elsewhere it is added to the transaction like
    :func:`record`. Deferring keeps a page that is only read from taking the
    database's write lock (SQLite has a single writer).
    """
    pending: list[PendingEntry] | None = session.info.get(DEFERRED_READS)
    if pending is None:
        record(
            session,
            actor=actor,
            action=action,
            subject_type=subject_type,
            subject_id=subject_id,
            details=details,
        )
        return
    pending.append(
        PendingEntry(
            at=utcnow(),
            actor=actor,
            action=action,
            subject_type=subject_type,
            subject_id=None if subject_id is None else str(subject_id),
            details=details or {},
        )
    )
