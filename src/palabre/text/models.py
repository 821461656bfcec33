"""What a workspace teaches the signal model: analysts' corrections, its own domain words,
and the adaptation ``palabre train`` fits on them."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from palabre.db.base import Base, utcnow


class SignalCorrection(Base):
    """An analyst's answer for one signal of one message: does it carry it or not.

    ``signal`` is one of the six signals (``label`` ``yes`` / ``no``) or ``sentiment``
    (``label`` ``negative`` / ``neutral`` / ``positive``). One row per message and signal:
    a new answer replaces the old one (the audit log keeps every answer).
    """

    __tablename__ = "signal_correction"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(
        sa.ForeignKey("message.id", ondelete="CASCADE"), index=True
    )
    signal: Mapped[str] = mapped_column(sa.String(32))
    label: Mapped[str] = mapped_column(sa.String(16))
    actor: Mapped[str] = mapped_column(sa.String(200))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    __table_args__ = (sa.UniqueConstraint("message_id", "signal"),)


class DomainTerm(Base):
    """A word or phrase of the workspace's domain that raises (or lowers) a signal.

    ``language`` None: the term counts in every language. ``weight`` is added to the
    signal's log-odds for each occurrence (positive raises, negative lowers).
    """

    __tablename__ = "domain_term"

    id: Mapped[int] = mapped_column(primary_key=True)
    term: Mapped[str] = mapped_column(sa.String(200))
    language: Mapped[str | None] = mapped_column(sa.String(16))
    signal: Mapped[str] = mapped_column(sa.String(32))
    weight: Mapped[float] = mapped_column(sa.Float)
    actor: Mapped[str] = mapped_column(sa.String(200))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    __table_args__ = (sa.UniqueConstraint("term", "language", "signal"),)


class SignalAdaptation(Base):
    """One fit of ``palabre train``: the workspace's adaptation of the shipped model.

    ``parameters`` holds, per signal, the recalibration fitted on the corrections, the
    domain terms it applies and the residual model's non-zero weights by feature name (per
    signal and for sentiment; see :mod:`palabre.text.adaptation`); ``report`` the measured
    effect (cross-validated on the corrections). The newest row is the one in use.
    """

    __tablename__ = "signal_adaptation"

    id: Mapped[int] = mapped_column(primary_key=True)
    digest: Mapped[str] = mapped_column(sa.String(32))
    parameters: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    report: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    actor: Mapped[str] = mapped_column(sa.String(200))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
