"""The audit log: who did what to which subject, and when."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from palabre.db.base import Base, utcnow


class AuditEntry(Base):
    """One audited action, written in the same transaction as the change it records."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(sa.String(200))
    action: Mapped[str] = mapped_column(sa.String(100), index=True)
    subject_type: Mapped[str] = mapped_column(sa.String(50))
    subject_id: Mapped[str | None] = mapped_column(sa.String(200))
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)

    __table_args__ = (sa.Index("ix_audit_log_subject", "subject_type", "subject_id"),)
