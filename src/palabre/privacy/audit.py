"""Write audit records (DESIGN.md rule 4): every state change that matters calls :func:`record`."""

from __future__ import annotations

import getpass
import os
from typing import Any

from sqlalchemy.orm import Session

from palabre.privacy.models import AuditEntry


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
