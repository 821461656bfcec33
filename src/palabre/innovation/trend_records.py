"""The plain records of trend detection: the rows read, and the trends and flags returned.

Kept apart from :mod:`palabre.innovation.trends` (the detector) so that callers
building rows or reading results need not know the detector's internals.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

Level = Literal["weak", "strong"]


@dataclass(frozen=True, slots=True)
class TrendRow:
    """One message as the trend detector reads it (``created_at`` naive means UTC)."""

    id: str
    created_at: dt.datetime
    text: str
    language: str | None = None
    channel_kind: str | None = None
    author_kind: str | None = None


def as_row(row: TrendRow | Mapping[str, object], position: int = 0) -> TrendRow:
    """A :class:`TrendRow` from a row or a mapping with the same keys (clear errors)."""
    if isinstance(row, TrendRow):
        return row
    where = f"row {position}"
    for name in ("id", "created_at", "text"):
        if row.get(name) is None:
            raise ValueError(f"{where}: field {name!r} is missing")
    created = row["created_at"]
    if not isinstance(created, dt.datetime):
        raise ValueError(f"{where}: field 'created_at' must be a datetime, not {created!r}")
    text = row["text"]
    if not isinstance(text, str):
        raise ValueError(f"{where}: field 'text' must be a string")

    def optional(name: str) -> str | None:
        value = row.get(name)
        return None if value is None else str(value)

    return TrendRow(
        str(row["id"]),
        created,
        text,
        optional("language"),
        optional("channel_kind"),
        optional("author_kind"),
    )


@dataclass(frozen=True, slots=True)
class Example:
    """A message that carries a trend: its id, day and a short excerpt around the term."""

    id: str
    day: dt.date
    excerpt: str


@dataclass(frozen=True, slots=True)
class TermFlag:
    """One term flagged on one day, with its evidence at both scales."""

    day: dt.date
    term: str
    languages: tuple[str, ...]
    level: Level
    count_day: int
    count_week: int
    expected_day: float
    expected_week: float
    score_day: float  # -log10 p at the daily scale
    score_week: float  # -log10 p over the recent window


@dataclass(frozen=True, slots=True)
class Trend:
    """An emerging topic: its terms, when it was flagged, how strong it got, examples."""

    id: int
    label: str
    terms: tuple[str, ...]
    languages: tuple[str, ...]
    first_flagged: dt.date
    last_flagged: dt.date
    level: Level  # the highest level reached
    first_strong: dt.date | None
    days_flagged: int
    peak_count_week: int
    peak_score: float
    examples: tuple[Example, ...]
