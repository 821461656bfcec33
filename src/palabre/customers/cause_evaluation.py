"""Scoring root causes on the demo company, whose causes are planted.

:func:`load_demo` draws a demo company and keeps what a deployment would hold of its
customers' public messages (time, text, the author's segments by the segment rules
given) beside the planted answer: the root cause each message voices (replies in the
thread of a cause's message count for that cause). Signals come from the shipped text
model, as in ``palabre analyze``.

:func:`score_causes` attributes each topic to the planted cause most of its signal
carriers voice (at least ``min_share`` of them), then, for each planted cause, in each
segment it applies to (all its members exposed) and in the month it starts, reads the
rank of the best topic attributed to it among the causes of the cause's main signal: a
hit when it is the first.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from palabre.connectors.records import ChannelRecord, MessageRecord
from palabre.customers import causes
from palabre.customers.watch import SIGNALS, THRESHOLDS
from palabre.demo import MessageTruth, generate_company
from palabre.identity.rules import parse_rule
from palabre.pipeline.cause_runner import FIT_SAMPLE, NEGATIVE
from palabre.pipeline.cause_stages import TopicFitStage
from palabre.text.parallel import analyze_parallel
from palabre.text.topics import UNASSIGNED, TopicModel, assign

#: channel kinds the watch leaves out (as the pipeline does)
_UNWATCHED = frozenset({"survey"})


@dataclass
class DemoCorpus:
    """The demo's watched customer messages, scored, with their segments and causes."""

    ids: list[str]
    created_at: list[dt.datetime]
    texts: list[str]
    languages: list[str]
    probs: np.ndarray  # (n, len(SIGNALS))
    segments: list[tuple[int, ...]]  # the indexes (in the segments given) of the author's
    cause: list[str | None]
    segment_names: list[str]
    planted: list[dict[str, object]]
    #: segment index -> keys of the causes every member of it is exposed to
    exposed: dict[int, set[str]]

    def carriers(self, signals: Sequence[str] = SIGNALS) -> np.ndarray:
        """Which messages carry at least one of ``signals``."""
        columns = [SIGNALS.index(s) for s in signals]
        thresholds = np.asarray([THRESHOLDS[s] for s in signals])
        return np.asarray((self.probs[:, columns] >= thresholds).any(axis=1))


def load_demo(
    segments: Sequence[tuple[str, str]],
    scale: str | int = "small",
    seed: int = 42,
    workers: int = 2,
) -> DemoCorpus:
    """Draw the demo company; keep its customers' watched messages, scored, with the
    indexes of the ``segments`` (name, rule) their author belongs to."""
    company = generate_company(scale, seed)
    truth = company.ground_truth()
    rules = [parse_rule(rule) for _, rule in segments]
    member: dict[str, tuple[int, ...]] = {}
    exposed: dict[int, set[str]] = {}
    cause_rules = [(str(c["key"]), parse_rule(str(c["segment_rule"]))) for c in truth["causes"]]
    members: dict[int, list[dict[str, Any]]] = {}
    for customer in company.world.customers:
        attributes = dict(customer.attributes())
        mine = tuple(i for i, rule in enumerate(rules) if rule.evaluate(attributes))
        member[customer.external_id] = mine
        for i in mine:
            members.setdefault(i, []).append(attributes)
    for i, people in members.items():
        exposed[i] = {key for key, rule in cause_rules if all(rule.evaluate(a) for a in people)}
    meant: dict[str, MessageTruth] = {}
    kinds: dict[str, str] = {}
    ids, created, texts, langs, seg, cause = [], [], [], [], [], []
    thread_cause: dict[str, str] = {}
    for record in company.records(lambda t: meant.__setitem__(t.id, t)):
        if isinstance(record, ChannelRecord):
            kinds[record.external_id] = record.kind
            continue
        if not isinstance(record, MessageRecord):
            continue
        m = meant[record.external_id]
        if m.cause is not None:
            thread_cause.setdefault(record.thread_external_id or record.external_id, m.cause)
        if m.author_kind != "customer" or kinds.get(record.channel_external_id) in _UNWATCHED:
            continue
        mine = member.get(m.author, ())
        if not mine:
            continue
        ids.append(record.external_id)
        created.append(record.created_at)
        texts.append(record.text)
        langs.append(record.language)
        seg.append(mine)
        root = record.thread_external_id or record.external_id
        cause.append(m.cause or thread_cause.get(root))
    batch = analyze_parallel(texts, langs, workers)
    return DemoCorpus(
        ids,
        created,
        texts,
        list(batch.languages),
        np.asarray(batch.probs, dtype=np.float64),
        seg,
        cause,
        [name for name, _ in segments],
        list(truth["causes"]),
        exposed,
    )


@dataclass(frozen=True)
class CauseResult:
    """One planted cause in one segment: the rank of its best topic (None: not listed)."""

    cause: str
    segment: str
    period: dt.date
    signal: str
    rank: int | None
    top_label: str | None
    labels: tuple[str, ...]

    @property
    def hit(self) -> bool:
        """Whether the planted cause is the first cause listed."""
        return self.rank == 1


@dataclass(frozen=True)
class CauseScore:
    """Everything :func:`score_causes` measured."""

    results: tuple[CauseResult, ...]
    unassigned_share: float  # of the messages carrying a negative signal
    unassigned_all: float  # of every watched message
    topics: int
    fit_seconds: float
    assign_seconds: float

    @property
    def hit_rate(self) -> float:
        """Share of (cause, segment) cases where the planted cause ranks first."""
        return sum(r.hit for r in self.results) / max(len(self.results), 1)


def attribute(topic_causes: Counter[str], min_share: float = 0.4) -> str:
    """The planted cause most of a topic's carriers voice ("" below ``min_share``)."""
    total = sum(topic_causes.values())
    named = {k: v for k, v in topic_causes.items() if k}
    if not named or total == 0:
        return ""
    key, count = max(named.items(), key=lambda item: (item[1], item[0]))
    return key if count >= min_share * total else ""


def score_causes(
    corpus: DemoCorpus,
    model: TopicModel | None = None,
    *,
    sample: int = FIT_SAMPLE,
    seed: int = 0,
    min_share: float = 0.4,
) -> CauseScore:
    """Fit topics on (a sample of) the signal carriers, assign every message, compute the
    drivers and score each planted cause in each segment it applies to."""
    carriers = np.flatnonzero(corpus.carriers(NEGATIVE))
    rng = np.random.default_rng(seed)
    fit_on = carriers if carriers.size <= sample else rng.choice(carriers, sample, replace=False)
    fit_on = np.sort(fit_on)
    began = time.perf_counter()
    model = (model or TopicFitStage().model).fit(
        [corpus.texts[i] for i in fit_on], [corpus.languages[i] for i in fit_on]
    )
    fit_seconds = time.perf_counter() - began
    began = time.perf_counter()
    assigned = assign(model.topics_, corpus.texts, corpus.languages)
    assign_seconds = time.perf_counter() - began
    topic_of = assigned.topics
    labels = {i: t.label for i, t in enumerate(model.topics_)}
    per_topic: dict[int, Counter[str]] = {}
    for c in carriers:
        if topic_of[c] != UNASSIGNED:
            per_topic.setdefault(int(topic_of[c]), Counter())[corpus.cause[c] or ""] += 1
    owner = {t: attribute(c, min_share) for t, c in per_topic.items()}
    rows: dict[str, list[Any]] = {
        "segment_id": [],
        "created_at": [],
        "topic_id": [],
        **{s: [] for s in SIGNALS},
    }
    for i, segs in enumerate(corpus.segments):
        for s_index in segs:
            rows["segment_id"].append(s_index)
            rows["created_at"].append(corpus.created_at[i])
            rows["topic_id"].append(None if topic_of[i] == UNASSIGNED else int(topic_of[i]))
            for k, s in enumerate(SIGNALS):
                rows[s].append(float(corpus.probs[i, k]))
    frame = pl.DataFrame(
        rows,
        schema={
            "segment_id": pl.Int64,
            "created_at": pl.Datetime("us", "UTC"),
            "topic_id": pl.Int64,
            **dict.fromkeys(SIGNALS, pl.Float64),
        },
    )
    table = causes.drivers(causes.period_counts(frame))
    results = []
    for planted in corpus.planted:
        key = str(planted["key"])
        signals = dict(planted["signals"])  # type: ignore[call-overload]
        signal = max(signals, key=lambda s: signals[s])
        period = causes.period_of(dt.date.fromisoformat(str(planted["start"])))
        for s_index, name in enumerate(corpus.segment_names):
            if key not in corpus.exposed.get(s_index, set()):
                continue
            listed = causes.top_causes(table, s_index, period, signal)
            ranks = [
                int(r["rank"])
                for r in listed.iter_rows(named=True)
                if owner.get(r["topic_id"]) == key
            ]
            top = listed["topic_id"].to_list()
            results.append(
                CauseResult(
                    key,
                    name,
                    period,
                    signal,
                    min(ranks) if ranks else None,
                    labels.get(top[0]) if top else None,
                    tuple(labels[t] for t, o in owner.items() if o == key),
                )
            )
    unassigned_carriers = float(np.mean(topic_of[carriers] == UNASSIGNED)) if carriers.size else 0.0
    return CauseScore(
        tuple(results),
        unassigned_carriers,
        assigned.unassigned_share(),
        len(model.topics_),
        fit_seconds,
        assign_seconds,
    )
