"""Import runs: what was imported, when, and with what outcome."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from palabre.db.base import Base, utcnow


class ImportRun(Base):
    """One ``palabre import`` (or upload): its counts and the reasons of its rejections."""

    __tablename__ = "import_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(40))
    source: Mapped[str] = mapped_column(sa.String(100))
    path: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[str] = mapped_column(sa.String(16), default="running")
    started_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column()
    actor: Mapped[str] = mapped_column(sa.String(200))
    counts: Mapped[dict[str, Any]] = mapped_column(default=dict)
    rejected: Mapped[int] = mapped_column(default=0)
    # The first rejections with their reasons (all are counted; a few thousand are kept).
    rejections: Mapped[list[Any]] = mapped_column(default=list)
    error: Mapped[str | None] = mapped_column(sa.Text)
