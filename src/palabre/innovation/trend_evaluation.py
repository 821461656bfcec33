"""Scoring the trend detector on the demo company, whose trends and causes are planted.

:func:`load_demo` draws a demo company and keeps what a deployment would hold (each
message's id, time, text, channel kind, author kind; no language: the detector
guesses it; the people's names) beside the planted answer of each message: the trend it was written
about, the root cause it voices (replies and answers in the thread of a cause's
message count for that cause), a weary chat line of a team losing motivation, an
idea-campaign post.

:func:`score_trends` attributes each detected trend to the planted event most of its
example messages carry (at least ``min_share`` of them), and measures, for each
planted trend, whether and when it was found (delay from its start and from its
first mention), the detections of root causes (true detections, reported apart),
and the false alarms (detected trends that no planted event explains), per month.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from palabre.connectors.records import ChannelRecord, IdentityRecord, MessageRecord, PersonRecord
from palabre.demo import MessageTruth, generate_company
from palabre.innovation.trends import Trend, TrendRow


@dataclass
class DemoMessages:
    """The demo's messages as trend rows, and the planted event behind each (if any)."""

    rows: list[TrendRow]
    events: dict[str, str]  # message id -> "trend:KEY", "cause:KEY", "morale:TEAM", "campaign"
    trends: list[dict[str, object]]  # the ground truth's planted trends
    causes: list[dict[str, object]]
    first_mention: dict[str, dt.date] = field(default_factory=dict)
    names: list[str] = field(default_factory=list)  # people's names, as the workspace knows them
    mentions: dict[str, list[dt.date]] = field(default_factory=dict)  # trend -> its posts' days


def load_demo(scale: str | int = "small", seed: int = 42) -> DemoMessages:
    """Draw the demo company and keep its messages with their planted events."""
    company = generate_company(scale, seed)
    truth = company.ground_truth()
    morale_start = {
        str(t["team"]): dt.date.fromisoformat(str(t["start"])) for t in truth["low_morale_teams"]
    }
    meant: dict[str, MessageTruth] = {}
    kinds: dict[str, str] = {}
    records: list[MessageRecord] = []
    names = {p.display_name for p in company.people() if p.display_name}
    for record in company.records(lambda t: meant.__setitem__(t.id, t)):
        if isinstance(record, IdentityRecord | PersonRecord) and record.display_name:
            names.add(record.display_name)
        if isinstance(record, ChannelRecord):
            kinds[record.external_id] = record.kind
        elif isinstance(record, MessageRecord):
            records.append(record)
    events: dict[str, str] = {}
    rows: list[TrendRow] = []
    first: dict[str, dt.date] = {}
    mentions: dict[str, list[dt.date]] = {}
    for record in records:
        m = meant[record.external_id]
        event = _event(m, record, morale_start)
        root = record.thread_external_id
        if event is None and root is not None and root in events:
            parent = events[root]
            event = parent if parent.startswith(("cause:", "trend:")) else None
        if event is not None:
            events[record.external_id] = event
        if m.trend is not None:
            first.setdefault(m.trend, record.created_at.date())
            mentions.setdefault(m.trend, []).append(record.created_at.date())
        rows.append(
            TrendRow(
                record.external_id,
                record.created_at,
                record.text,
                None,
                kinds.get(record.channel_external_id),
                m.author_kind,
            )
        )
    return DemoMessages(
        rows, events, list(truth["trends"]), list(truth["causes"]), first, sorted(names), mentions
    )


def _event(m: MessageTruth, record: MessageRecord, morale_start: dict[str, dt.date]) -> str | None:
    if m.trend is not None:
        return f"trend:{m.trend}"
    if m.cause is not None:
        return f"cause:{m.cause}"
    weary = m.kind == "chat" and m.team in morale_start and "discontent" in m.signals
    if weary and record.created_at.date() >= morale_start[str(m.team)]:
        return f"morale:{m.team}"
    if m.channel == "idees":
        return "campaign"
    return None


@dataclass(frozen=True)
class PlantedResult:
    """One planted trend or cause: found or not, when, and by which detected trends."""

    key: str
    kind: str  # "trend" or "cause"
    start: dt.date
    strength: str | None
    first_mention: dt.date | None
    detected: dt.date | None
    level: str | None  # the highest level of the trends attributed to it
    mentions_before: int  # posts about the planted trend up to the detection day (not replies)
    labels: tuple[str, ...]

    @property
    def delay(self) -> int | None:
        """Days from the planted start to the first flag (None: not found)."""
        return None if self.detected is None else (self.detected - self.start).days


@dataclass(frozen=True)
class TrendScore:
    """Everything :func:`score_trends` measured."""

    planted: tuple[PlantedResult, ...]
    attributed: dict[int, str]  # detected trend id -> event ("" for a false alarm)
    false_alarms: tuple[Trend, ...]
    false_alarms_per_month: dict[str, int]
    detected: int

    @property
    def recall(self) -> float:
        """Share of the planted trends found."""
        trends = [p for p in self.planted if p.kind == "trend"]
        return sum(p.detected is not None for p in trends) / max(len(trends), 1)

    @property
    def precision(self) -> float:
        """Share of the detected trends that a planted event explains."""
        return 1.0 - len(self.false_alarms) / max(self.detected, 1)


def attribute(trend: Trend, events: dict[str, str], min_share: float = 0.4) -> str:
    """The planted event carried by most of ``trend``'s examples ("" below ``min_share``)."""
    labels = Counter(events.get(e.id, "") for e in trend.examples)
    labels.pop("", None)
    if not labels or not trend.examples:
        return ""
    event, count = max(labels.items(), key=lambda item: (item[1], item[0]))
    return event if count >= min_share * len(trend.examples) else ""


def score_trends(trends: Sequence[Trend], demo: DemoMessages, min_share: float = 0.4) -> TrendScore:
    """Score detected ``trends`` against the demo's planted trends and causes."""
    attributed = {t.id: attribute(t, demo.events, min_share) for t in trends}
    mention_days = {f"trend:{key}": days for key, days in demo.mentions.items()}
    planted: list[PlantedResult] = []
    for kind, items in (("trend", demo.trends), ("cause", demo.causes)):
        for item in items:
            key = str(item["key"])
            event = f"{kind}:{key}"
            mine = [t for t in trends if attributed[t.id] == event]
            detected = min((t.first_flagged for t in mine), default=None)
            level = None
            if mine:
                level = "strong" if any(t.level == "strong" for t in mine) else "weak"
            before = sum(
                1 for d in mention_days.get(event, []) if detected is not None and d <= detected
            )
            planted.append(
                PlantedResult(
                    key,
                    kind,
                    dt.date.fromisoformat(str(item["start"])),
                    str(item["strength"]) if "strength" in item else None,
                    demo.first_mention.get(key) if kind == "trend" else None,
                    detected,
                    level,
                    before,
                    tuple(t.label for t in mine),
                )
            )
    false = tuple(t for t in trends if not attributed[t.id])
    per_month = Counter(t.first_flagged.strftime("%Y-%m") for t in false)
    return TrendScore(
        tuple(planted), attributed, false, dict(sorted(per_month.items())), len(trends)
    )
