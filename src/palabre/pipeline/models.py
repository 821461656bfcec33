"""Tables of the analysis pipeline: per-message signals and the stages' watermarks."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from palabre.db.base import Base, utcnow


class MessageSignal(Base):
    """What the text analysis says about one message (written by the ``score`` stage).

    ``content_hash`` is the message's ``content_hash`` when it was scored: a message
    edited since (re-imported with other content) no longer matches and is scored again.
    """

    __tablename__ = "message_signal"

    message_id: Mapped[int] = mapped_column(
        sa.ForeignKey("message.id", ondelete="CASCADE"), primary_key=True
    )
    language: Mapped[str] = mapped_column(sa.String(16))
    sentiment_label: Mapped[str] = mapped_column(sa.String(16))
    sentiment_score: Mapped[float] = mapped_column(sa.Float)
    discontent: Mapped[float] = mapped_column(sa.Float)
    drifting_away: Mapped[float] = mapped_column(sa.Float)
    disappointment: Mapped[float] = mapped_column(sa.Float)
    misunderstanding: Mapped[float] = mapped_column(sa.Float)
    # Indexed: ideas from the field are the most likely suggestions, read from the top.
    suggestion: Mapped[float] = mapped_column(sa.Float, index=True)
    praise: Mapped[float] = mapped_column(sa.Float)
    evidence: Mapped[dict[str, Any]] = mapped_column(default=dict)
    content_hash: Mapped[str] = mapped_column(sa.String(32))
    model_version: Mapped[str] = mapped_column(sa.String(64))
    # Later stages find what changed since they last ran by this time (indexed).
    scored_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)

    __table_args__ = (
        sa.CheckConstraint(
            "sentiment_label in ('negative', 'neutral', 'positive')", name="sentiment_label"
        ),
    )


class AnalysisWatermark(Base):
    """How far one stage has got, and with which version of itself.

    ``finished_at`` is empty while a run of the stage is under way (or was interrupted).
    ``last_message_id``: every message up to it has been seen by the stage (the score
    stage); ``scored_through``: the latest ``message_signal.scored_at`` a downstream stage
    has folded in; ``inputs_digest``: a digest of the other inputs (segment membership).
    """

    __tablename__ = "analysis_watermark"

    stage: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    last_message_id: Mapped[int] = mapped_column(default=0)
    version: Mapped[str] = mapped_column(sa.String(64))
    scored_through: Mapped[dt.datetime | None] = mapped_column()
    inputs_digest: Mapped[str | None] = mapped_column(sa.String(64))
    finished_at: Mapped[dt.datetime | None] = mapped_column()
