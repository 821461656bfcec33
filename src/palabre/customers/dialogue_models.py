"""Tables of the dialogue: the state of a customer message in the answer inbox.

A message needs an answer by what the fabric says (a customer's question with no
employee message after it, see :mod:`palabre.customers.inbox`); a row here exists only
once someone acted on it: assigned it, answered it from palabre, or dismissed it.
The community space itself needs no table of its own: its channel, threads and posts
are ordinary fabric rows with source ``palabre``.
"""

from __future__ import annotations

import datetime as dt
from typing import Final

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from palabre.db.base import Base, utcnow

INBOX_STATES: Final = ("needs_answer", "answered", "dismissed")


class InboxItem(Base):
    """What was done about one customer message that needs (or needed) an answer."""

    __tablename__ = "inbox_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(
        sa.ForeignKey("message.id", ondelete="CASCADE"), unique=True
    )
    state: Mapped[str] = mapped_column(sa.String(16), default="needs_answer")
    assigned_to_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    answered_at: Mapped[dt.datetime | None] = mapped_column()
    # The palabre message that carries the answer (in the question's own thread).
    answer_message_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("message.id", ondelete="SET NULL")
    )
    # For an imported channel: where the answer is to be read / posted at the source.
    source_url: Mapped[str | None] = mapped_column(sa.Text)
    dismissed_reason: Mapped[str | None] = mapped_column(sa.Text)
    updated_by: Mapped[str] = mapped_column(sa.String(200))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    __table_args__ = (
        sa.CheckConstraint(
            "state in ('needs_answer', 'answered', 'dismissed')", name="inbox_state"
        ),
        sa.Index("ix_inbox_item_state", "state"),
    )
