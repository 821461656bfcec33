"""Early-warning features per customer: CRM attributes, behaviour drift and text signals.

:func:`build_features` turns plain rows (customers with their CRM attributes, and the
messages they wrote with each message's signal probabilities) into one row of named
features per customer, seen from a date ``as_of``. Only messages written strictly before
``as_of`` are read, so a model trained on these rows never sees the future it predicts.

Three families:

* CRM attributes, copied under ``crm:NAME`` (dates become a number of days before
  ``as_of``, so that every value is a number, a boolean, a category or missing);
* behaviour drift against the customer's own past: activity in the last 30 and 90 days
  against their baseline (the 180 days before that), the current silence (in days and
  against their usual rhythm), the longest silence of the last 90 days, the change of
  contact channels and of the share of replies;
* text signals: for discontent, drifting away, disappointment and misunderstanding, the
  messages above a probability threshold in the last 30 days, their share over 90 days
  and how that share moved against the baseline.

Keys that start with ``_`` are context for the wording of reasons (counts behind a
share), never model inputs. Pure code: no database, no files.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from palabre.errors import ValidationError

#: The signals whose aggregates feed the model (see palabre.text).
SIGNALS: tuple[str, ...] = ("discontent", "drifting_away", "disappointment", "misunderstanding")
#: A message "carries" a signal when its calibrated probability reaches this. Not 0.5:
#: the text model's probabilities of the rarer signals seldom pass 0.5 (docs/signals.md).
DEFAULT_THRESHOLD = 0.25
#: One-to-one channels: a customer moving from the forums to tickets and e-mails is a
#: known sign of a relationship turning into a dispute.
PRIVATE_KINDS = frozenset({"support", "email"})
CRM_PREFIX = "crm:"
#: Windows, in days before ``as_of``: recent, the drift window, and the baseline that
#: precedes the drift window.
RECENT_DAYS = 30
WINDOW_DAYS = 90
BASELINE_DAYS = 180

FeatureValue = float | int | bool | str | None
AttributeValue = str | int | float | bool | dt.date | dt.datetime | None

#: Behaviour and text features and the direction in which they raise the risk, when the
#: direction is known in advance (+1: more is riskier). The model keeps these monotone.
MONOTONE: dict[str, int] = {
    "silence_days": 1,
    "silence_vs_usual": 1,
    "longest_silence_90d": 1,
    **{f"{s}_count_30d": 1 for s in SIGNALS},
    **{f"{s}_share_90d": 1 for s in SIGNALS},
    **{f"{s}_share_change": 1 for s in SIGNALS},
}
BEHAVIOUR_FEATURES: tuple[str, ...] = (
    "messages_90d",
    "has_baseline",
    "activity_change_30d",
    "activity_change_90d",
    "silence_days",
    "silence_vs_usual",
    "longest_silence_90d",
    "channel_change",
    "private_share_change",
    "reply_ratio_change",
)
TEXT_FEATURES: tuple[str, ...] = tuple(
    f"{s}_{what}" for s in SIGNALS for what in ("count_30d", "share_90d", "share_change")
)


@dataclass(frozen=True, slots=True)
class CustomerRow:
    """One customer: an id and CRM attributes (numbers, booleans, text, dates, None)."""

    id: str
    attributes: Mapping[str, AttributeValue] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class MessageRow:
    """One message: who wrote it (person id), when, on which kind of channel."""

    author: str
    created_at: dt.datetime
    channel_kind: str
    is_reply: bool = False


@dataclass(frozen=True, slots=True)
class FeatureTable:
    """One row of named features per customer, in the order of ``ids``."""

    ids: list[str]
    rows: list[dict[str, FeatureValue]]
    as_of: dt.datetime


def _as_datetime(value: dt.datetime | dt.date, name: str) -> dt.datetime:
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            raise ValidationError(f"{name} must carry a time zone (got {value.isoformat()})")
        return value
    return dt.datetime.combine(value, dt.time(), tzinfo=dt.UTC)


def crm_features(
    attributes: Mapping[str, AttributeValue], as_of: dt.datetime
) -> dict[str, FeatureValue]:
    """CRM attributes as model inputs: dates become days before ``as_of``."""
    out: dict[str, FeatureValue] = {}
    for name, value in attributes.items():
        key = CRM_PREFIX + name
        if isinstance(value, dt.datetime):
            stamp = value if value.tzinfo else value.replace(tzinfo=dt.UTC)
            out[key] = (as_of - stamp).total_seconds() / 86400
        elif isinstance(value, dt.date):
            out[key] = float((as_of.date() - value).days)
        elif isinstance(value, float) and math.isnan(value):
            out[key] = None
        else:
            out[key] = value
    return out


def _share(hits: int, total: int) -> float:
    # One imaginary neutral message in the denominator: a single message of discontent
    # out of one is weaker evidence than twenty out of twenty.
    return hits / (total + 1)


def _distribution(kinds: Sequence[str]) -> dict[str, float]:
    counts: dict[str, float] = {}
    for kind in kinds:
        counts[kind] = counts.get(kind, 0.0) + 1.0
    return {k: v / len(kinds) for k, v in counts.items()}


def behaviour_features(
    ages: Sequence[float], kinds: Sequence[str], replies: Sequence[bool]
) -> dict[str, FeatureValue]:
    """Drift features of one customer from their messages' ages (days before ``as_of``).

    ``ages``, ``kinds`` and ``replies`` are aligned and sorted by age, youngest first,
    and hold only messages before ``as_of`` (every age > 0).
    """
    recent = [i for i, a in enumerate(ages) if a <= RECENT_DAYS]
    window = [i for i, a in enumerate(ages) if a <= WINDOW_DAYS]
    base = [i for i, a in enumerate(ages) if WINDOW_DAYS < a <= WINDOW_DAYS + BASELINE_DAYS]
    oldest = ages[-1] if ages else 0.0
    # The baseline covers the part of the 180 days in which the customer already wrote.
    span = min(float(BASELINE_DAYS), max(0.0, oldest - WINDOW_DAYS))
    has_baseline = span >= RECENT_DAYS and bool(base)
    row: dict[str, FeatureValue] = {
        "messages_90d": len(window),
        "has_baseline": has_baseline,
        "_messages_30d": len(recent),
    }
    usual = 0.0
    if has_baseline:
        usual = len(base) / span * RECENT_DAYS  # messages per 30 days, before the window
        # +1 on both sides: a customer who writes twice a year does not "fall by 100 %"
        # when a month passes without a message.
        row["activity_change_30d"] = (len(recent) + 1) / (usual + 1) - 1
        row["activity_change_90d"] = (len(window) / 3 + 1) / (usual + 1) - 1
        row["_usual_per_30d"] = usual
    else:
        row["activity_change_30d"] = 0.0
        row["activity_change_90d"] = 0.0
    if ages:
        silence = ages[0]
        row["silence_days"] = silence
        # How many messages the customer's usual rhythm says they would have written.
        row["silence_vs_usual"] = silence * usual / RECENT_DAYS if has_baseline else 1.0
    else:
        row["silence_days"] = None
        row["silence_vs_usual"] = 1.0
    points = [float(WINDOW_DAYS), *(ages[i] for i in reversed(window)), 0.0]
    row["longest_silence_90d"] = max(a - b for a, b in itertools.pairwise(points))
    for name in ("channel_change", "private_share_change", "reply_ratio_change"):
        row[name] = 0.0
    if window and base:
        now = _distribution([kinds[i] for i in window])
        before = _distribution([kinds[i] for i in base])
        keys = set(now) | set(before)
        row["channel_change"] = 0.5 * sum(abs(now.get(k, 0) - before.get(k, 0)) for k in keys)
        private_now = sum(v for k, v in now.items() if k in PRIVATE_KINDS)
        private_before = sum(v for k, v in before.items() if k in PRIVATE_KINDS)
        row["private_share_change"] = private_now - private_before
        row["_private_share_recent"] = private_now
        row["_private_share_baseline"] = private_before
        reply_now = sum(1 for i in window if replies[i]) / len(window)
        reply_before = sum(1 for i in base if replies[i]) / len(base)
        row["reply_ratio_change"] = reply_now - reply_before
        row["_reply_ratio_recent"] = reply_now
        row["_reply_ratio_baseline"] = reply_before
    return row


def text_features(
    ages: Sequence[float],
    hits: Mapping[str, Sequence[bool]],
) -> dict[str, FeatureValue]:
    """Signal aggregates of one customer; ``hits[s][i]``: message ``i`` carries ``s``."""
    window = [i for i, a in enumerate(ages) if a <= WINDOW_DAYS]
    base = [i for i, a in enumerate(ages) if WINDOW_DAYS < a <= WINDOW_DAYS + BASELINE_DAYS]
    row: dict[str, FeatureValue] = {}
    for signal in SIGNALS:
        flags = hits[signal]
        recent_hits = sum(1 for i, a in enumerate(ages) if a <= RECENT_DAYS and flags[i])
        window_hits = sum(1 for i in window if flags[i])
        base_hits = sum(1 for i in base if flags[i])
        share = _share(window_hits, len(window))
        row[f"{signal}_count_30d"] = recent_hits
        row[f"{signal}_share_90d"] = share
        row[f"{signal}_share_change"] = share - _share(base_hits, len(base))
        row[f"_{signal}_hits_90d"] = window_hits
        row[f"_{signal}_hits_baseline"] = base_hits
    row["_messages_baseline"] = len(base)
    return row


def build_features(
    customers: Sequence[CustomerRow],
    messages: Sequence[MessageRow],
    signals: Sequence[Mapping[str, float]] | None,
    as_of: dt.datetime | dt.date,
    *,
    threshold: float | Mapping[str, float] = DEFAULT_THRESHOLD,
) -> FeatureTable:
    """Feature rows of ``customers`` as seen at ``as_of`` (see the module docstring).

    ``signals[i]`` holds the signal probabilities of ``messages[i]`` (``None``: no text
    analysis, every text feature is 0). Messages at or after ``as_of``, and messages by
    people who are not in ``customers``, are ignored. ``threshold`` is one probability
    for every signal or one per signal.
    """
    when = _as_datetime(as_of, "as_of")
    if signals is not None and len(signals) != len(messages):
        raise ValidationError(
            f"signals has {len(signals)} rows but messages has {len(messages)}: "
            "they must be aligned, one row of probabilities per message"
        )
    limits = {
        s: float(threshold if isinstance(threshold, int | float) else threshold[s]) for s in SIGNALS
    }
    for signal, limit in limits.items():
        if not 0.0 <= limit <= 1.0:
            raise ValidationError(f"threshold of {signal} must be in [0, 1] (got {limit})")
    index: dict[str, int] = {}
    for position, customer in enumerate(customers):
        if customer.id in index:
            raise ValidationError(f"customer id {customer.id!r} appears twice (row {position})")
        index[customer.id] = position
    mine: list[list[tuple[float, int]]] = [[] for _ in customers]
    for number, message in enumerate(messages):
        who = index.get(message.author)
        if who is None:
            continue
        if message.created_at.tzinfo is None:
            raise ValidationError(f"message {number}: created_at must carry a time zone")
        age = (when - message.created_at).total_seconds() / 86400
        if age > 0:  # strictly before as_of: what is known at as_of
            mine[who].append((age, number))
    rows: list[dict[str, FeatureValue]] = []
    for customer, found in zip(customers, mine, strict=True):
        found.sort()
        ages = [age for age, _ in found]
        order = [number for _, number in found]
        kinds = [messages[n].channel_kind for n in order]
        replies = [messages[n].is_reply for n in order]
        hits = {
            s: [signals is not None and signals[n].get(s, 0.0) >= limits[s] for n in order]
            for s in SIGNALS
        }
        row = crm_features(customer.attributes, when)
        row.update(behaviour_features(ages, kinds, replies))
        row.update(text_features(ages, hits))
        rows.append(row)
    return FeatureTable(ids=[c.id for c in customers], rows=rows, as_of=when)
