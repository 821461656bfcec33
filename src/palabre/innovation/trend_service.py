"""Trends in the store: reading the messages the detector needs, writing what it found,
and listing the stored trends for a reader.

The trend stage of ``palabre analyze`` (:mod:`palabre.pipeline.trend_run`) reads every
message of the last :data:`WINDOW_DAYS` days before the latest one (all channels but
surveys) with :func:`read_trend_rows`, runs :class:`~palabre.innovation.trends.TrendDetector`
and stores the result with :func:`replace_trends`. Readers get them from
:func:`list_trends`: the examples a reader sees are only those from channels their role
may read (:func:`palabre.fabric.browse.channel_rule`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.orm import Session

from palabre.db.base import table_of
from palabre.fabric.browse import channel_rule
from palabre.fabric.models import Channel, Message
from palabre.identity.models import Identity, Person
from palabre.innovation.models import TREND_LEVELS, StoredTrend
from palabre.innovation.trend_records import Trend, TrendRow
from palabre.pipeline.models import MessageSignal

#: how many days before the latest message the detector reads (its baseline is 91 days
#: plus a 7-day recent window: 180 leaves three months of trends after the warm-up)
WINDOW_DAYS: Final = 180
#: channel kinds the detector never reads (pulse answers: private, monthly cadence)
EXCLUDED_CHANNEL_KINDS: Final = ("survey",)
_ID_BATCH: Final = 900

_message = table_of(Message)


def read_trend_rows(session: Session, days: int = WINDOW_DAYS) -> list[TrendRow]:
    """The messages of the ``days`` days up to the latest message, as the detector reads
    them (one query; the language is the message's own, else the one the pipeline found)."""
    readable = sa.and_(
        _message.c.channel_id == Channel.id, Channel.kind.not_in(EXCLUDED_CHANNEL_KINDS)
    )
    latest = session.scalar(
        sa.select(sa.func.max(_message.c.created_at)).select_from(_message).join(Channel, readable)
    )
    if latest is None:
        return []
    if isinstance(latest, dt.datetime) and latest.tzinfo is None:
        latest = latest.replace(tzinfo=dt.UTC)  # SQLite: aggregates skip the column type
    start = latest - dt.timedelta(days=days)
    query = (
        sa.select(
            _message.c.id,
            _message.c.created_at,
            _message.c.title,
            _message.c.text,
            sa.func.coalesce(_message.c.language, MessageSignal.language),
            Channel.kind,
            Person.kind,
        )
        .select_from(_message)
        .join(Channel, readable)
        .outerjoin(MessageSignal, MessageSignal.message_id == _message.c.id)
        .outerjoin(Identity, Identity.id == _message.c.author_identity_id)
        .outerjoin(Person, Person.id == Identity.person_id)
        .where(_message.c.created_at > start)
        .order_by(_message.c.created_at, _message.c.id)
    )
    return [
        TrendRow(
            str(r[0]),
            r[1],
            f"{r[2]}. {r[3]}" if r[2] and r[2].strip() else r[3],
            r[4],
            r[5],
            r[6],
        )
        for r in session.execute(query)
    ]


def people_names(session: Session) -> list[str]:
    """The names the workspace knows people by (persons' and identities' display names):
    the detector does not take a person being mentioned more for a topic."""
    names: set[str] = set()
    for column in (Person.display_name, Identity.display_name):
        names.update(n for n in session.scalars(sa.select(column).distinct()) if n)
    return sorted(names)


def replace_trends(session: Session, trends: Sequence[Trend], now: dt.datetime) -> int:
    """Replace every stored trend with ``trends`` (in the caller's transaction)."""
    session.execute(sa.delete(StoredTrend))
    for t in trends:
        session.add(
            StoredTrend(
                label=t.label[:200],
                terms=list(t.terms),
                languages=list(t.languages),
                first_flagged=t.first_flagged,
                last_flagged=t.last_flagged,
                level=t.level,
                first_strong=t.first_strong,
                days_flagged=t.days_flagged,
                peak_count_week=t.peak_count_week,
                peak_score=float(t.peak_score),
                examples=[
                    {"message_id": int(e.id), "day": e.day.isoformat(), "excerpt": e.excerpt}
                    for e in t.examples
                ],
                computed_at=now,
            )
        )
    session.flush()
    return len(trends)


@dataclass(frozen=True, slots=True)
class TrendExample:
    """An example message a reader may open: its thread, day and excerpt."""

    message_id: int
    thread_id: int
    day: dt.date
    excerpt: str


@dataclass(frozen=True, slots=True)
class TrendView:
    """A stored trend with the examples its reader may see."""

    id: int
    label: str
    terms: tuple[str, ...]
    languages: tuple[str, ...]
    level: str
    first_flagged: dt.date
    last_flagged: dt.date
    first_strong: dt.date | None
    days_flagged: int
    peak_count_week: int
    peak_score: float
    examples: tuple[TrendExample, ...]


def list_trends(
    session: Session,
    role: str | None,
    *,
    level: str | None = None,
    since: dt.date | None = None,
) -> list[TrendView]:
    """The stored trends, latest flagged first (strong before weak on the same day).

    ``role`` None (the command line, run by the operator) shows every example; otherwise
    only examples from channels ``role`` may read. ``level`` keeps one level; ``since``
    the trends flagged on or after that day.
    """
    if level is not None and level not in TREND_LEVELS:
        raise ValueError(f"level must be one of {', '.join(TREND_LEVELS)}, not {level!r}")
    query = sa.select(StoredTrend)
    if level is not None:
        query = query.where(StoredTrend.level == level)
    if since is not None:
        query = query.where(StoredTrend.last_flagged >= since)
    stored = list(
        session.scalars(
            query.order_by(
                StoredTrend.last_flagged.desc(),
                (StoredTrend.level == "strong").desc(),
                StoredTrend.peak_score.desc(),
                StoredTrend.id,
            )
        )
    )
    ids = sorted({int(e["message_id"]) for t in stored for e in t.examples})
    threads = _readable_threads(session, ids, role)
    return [
        TrendView(
            id=t.id,
            label=t.label,
            terms=tuple(str(x) for x in t.terms),
            languages=tuple(str(x) for x in t.languages),
            level=t.level,
            first_flagged=t.first_flagged,
            last_flagged=t.last_flagged,
            first_strong=t.first_strong,
            days_flagged=t.days_flagged,
            peak_count_week=t.peak_count_week,
            peak_score=t.peak_score,
            examples=tuple(
                TrendExample(
                    int(e["message_id"]),
                    threads[int(e["message_id"])],
                    dt.date.fromisoformat(str(e["day"])),
                    str(e["excerpt"]),
                )
                for e in t.examples
                if int(e["message_id"]) in threads
            ),
        )
        for t in stored
    ]


def _readable_threads(session: Session, ids: list[int], role: str | None) -> dict[int, int]:
    """Message id → thread id, for the messages that still exist and ``role`` may read."""
    found: dict[int, int] = {}
    for start in range(0, len(ids), _ID_BATCH):
        query = (
            sa.select(_message.c.id, _message.c.thread_id)
            .join(Channel, Channel.id == _message.c.channel_id)
            .where(_message.c.id.in_(ids[start : start + _ID_BATCH]))
        )
        if role is not None:
            query = query.where(channel_rule(role))
        found.update((int(m), int(t)) for m, t in session.execute(query))
    return found


def trend_as_dict(trend: TrendView) -> dict[str, Any]:
    """``trend`` as plain JSON values (the CLI's ``--json`` and the API)."""
    return {
        "id": trend.id,
        "label": trend.label,
        "terms": list(trend.terms),
        "languages": list(trend.languages),
        "level": trend.level,
        "first_flagged": trend.first_flagged.isoformat(),
        "last_flagged": trend.last_flagged.isoformat(),
        "first_strong": trend.first_strong.isoformat() if trend.first_strong else None,
        "days_flagged": trend.days_flagged,
        "peak_count_week": trend.peak_count_week,
        "peak_score": round(trend.peak_score, 3),
        "examples": [
            {
                "message_id": e.message_id,
                "thread_id": e.thread_id,
                "day": e.day.isoformat(),
                "excerpt": e.excerpt,
            }
            for e in trend.examples
        ],
    }
