"""The stages of ``palabre analyze``, in order: score the messages, aggregate per segment
and day, then look for alerts. Each is pure (Polars tables in, Polars tables out)."""

from __future__ import annotations

import hashlib
from functools import cache
from typing import ClassVar, Final

import numpy as np
import orjson
import polars as pl

from palabre.customers import alerting, watch
from palabre.pipeline.stage import Stage, Tables
from palabre.text.adaptation import Adaptation
from palabre.text.model import EVIDENCE_THRESHOLD, SENTIMENT_LABELS
from palabre.text.parallel import analyze_parallel

#: the signal columns of ``message_signal``, in the order the text module gives them
SIGNALS: Final = watch.SIGNALS
_LANGUAGE_HINTS: Final = frozenset({"fr", "en"})


@cache
def model_version(encoder: str | None = None) -> str:
    """The shipped weights' identity: a digest of the weights file (new weights: rescore),
    and the sentence encoder's name and head when one is on (toggling it: rescore)."""
    from palabre.text.embedding_head import model_version as weights_version

    return weights_version(encoder or None)


def language_hint(language: str | None) -> str | None:
    """The language a source declared, as the scorer takes it: ``fr`` or ``en`` when the
    source says so (``fr-CH`` included); otherwise None, and the scorer identifies it."""
    if not language:
        return None
    primary = language.replace("_", "-").split("-")[0].strip().lower()
    return primary if primary in _LANGUAGE_HINTS else None


def message_text(title: str | None, text: str) -> str:
    """What is scored: the title (a forum topic's, an e-mail's subject) then the text."""
    if not title or not title.strip():
        return text
    head = title.strip()
    return f"{head}{'' if head[-1] in '.!?…' else '.'} {text}"


class ScoreStage(Stage):
    """Language, sentiment and the six signals of each message (``palabre.text``).

    Input ``messages``: ``id``, ``text``, ``title``, ``language`` (as the source declared
    it, may be null). Output ``message_signal``: ``id``, ``language``,
    ``sentiment_label``, ``sentiment_score``, one probability column per signal and
    ``evidence`` (JSON text, ``{}`` when no signal is raised).
    """

    name: ClassVar[str] = "score"
    version: ClassVar[str] = "1"
    inputs: ClassVar[tuple[str, ...]] = ("messages",)
    outputs: ClassVar[tuple[str, ...]] = ("message_signal",)
    parallel: ClassVar[bool] = True

    def __init__(self, adaptation: Adaptation | None = None, encoder: str | None = None) -> None:
        #: the workspace's adaptation of the model (``palabre train``), applied on top
        self.adaptation = adaptation
        #: the sentence encoder blended into English messages (None: the linear model)
        self.encoder = encoder or None

    def run(self, tables: Tables, *, workers: int = 1) -> dict[str, pl.DataFrame]:
        """Score every row of ``messages``, in order."""
        messages = tables["messages"]
        titles = messages["title"].to_list()
        texts = [
            message_text(t, x) for t, x in zip(titles, messages["text"].to_list(), strict=True)
        ]
        hints = [language_hint(v) for v in messages["language"].to_list()]
        residual = None if self.adaptation is None else self.adaptation.residual
        batch = analyze_parallel(texts, hints, workers, encoder=self.encoder, residual=residual)
        if self.adaptation is None:
            probs = batch.probs.astype(np.float64)
            evidence_of = [batch.evidence.get(i, {}) for i in range(messages.height)]
        else:
            probs, evidence_of = self.adaptation.adapt_batch(texts, batch, EVIDENCE_THRESHOLD)
        labels = np.asarray(SENTIMENT_LABELS, dtype=object)[batch.labels.astype(np.int64)]
        columns: dict[str, pl.Series] = {
            "id": messages["id"].cast(pl.Int64),
            "language": pl.Series("language", batch.languages, dtype=pl.String),
            "sentiment_label": pl.Series("sentiment_label", labels.tolist(), dtype=pl.String),
            "sentiment_score": pl.Series(
                "sentiment_score", batch.scores.astype(np.float64), dtype=pl.Float64
            ),
        }
        for k, signal in enumerate(SIGNALS):
            columns[signal] = pl.Series(signal, probs[:, k])
        evidence = [orjson.dumps(shown).decode() for shown in evidence_of]
        columns["evidence"] = pl.Series("evidence", evidence, dtype=pl.String)
        return {"message_signal": pl.DataFrame(columns)}


class SegmentDayStage(Stage):
    """The segment watch's daily counts (:func:`palabre.customers.watch.daily_counts`).

    Input ``scored``: one row per (scored message, customer segment of its author) with
    :data:`palabre.customers.watch.SCORED_COLUMNS`. Output ``segment_day``.
    """

    name: ClassVar[str] = "segment_day"
    # The thresholds are part of what the stage computes: changing one recomputes.
    version: ClassVar[str] = (
        "1-"
        + hashlib.sha256(
            ",".join(f"{s}={watch.THRESHOLDS[s]}" for s in SIGNALS).encode()
        ).hexdigest()[:12]
    )
    inputs: ClassVar[tuple[str, ...]] = ("scored",)
    outputs: ClassVar[tuple[str, ...]] = ("segment_day",)

    def run(self, tables: Tables, *, workers: int = 1) -> dict[str, pl.DataFrame]:
        """Daily counts of the rows of ``scored``."""
        return {"segment_day": watch.daily_counts(tables["scored"])}


class AlertStage(Stage):
    """Rules breached and anomalies found on the days asked about
    (:mod:`palabre.customers.alerting`).

    Inputs: ``segment_day`` (the watch's daily counts, from far enough back: see
    :func:`palabre.customers.alerting.history_start`), ``rules`` (the enabled rules: the
    fields of :class:`palabre.customers.alerting.RuleSpec`) and ``days`` (column ``day``).
    Output ``findings``: one row per :class:`palabre.customers.alerting.Finding`.
    """

    name: ClassVar[str] = "alerts"
    version: ClassVar[str] = f"1-{alerting.MIN_ANOMALY_CHANGE}"
    inputs: ClassVar[tuple[str, ...]] = ("segment_day", "rules", "days")
    outputs: ClassVar[tuple[str, ...]] = ("findings",)

    def __init__(self, persistence: int = 2) -> None:
        self.persistence = persistence

    def run(self, tables: Tables, *, workers: int = 1) -> dict[str, pl.DataFrame]:
        """Findings of the rules, then of the anomaly test, on each day of ``days``."""
        days = tables["days"]["day"].to_list()
        rules = [alerting.RuleSpec(**row) for row in tables["rules"].iter_rows(named=True)]
        daily = tables["segment_day"]
        found = [
            *alerting.rule_findings(daily, rules, days),
            *alerting.anomaly_findings(daily, days, persistence=self.persistence),
        ]
        schema: dict[str, pl.DataType | type[pl.DataType]] = {
            "key": pl.String,
            "kind": pl.String,
            "rule_id": pl.Int64,
            "segment_id": pl.Int64,
            "signal": pl.String,
            "day": pl.Date,
            "value": pl.Float64,
            "baseline": pl.Float64,
            "volume": pl.Int64,
            "change": pl.Float64,
            "p_value": pl.Float64,
            "severity": pl.String,
        }
        rows = [tuple(getattr(f, name) for name in schema) for f in found]
        return {"findings": pl.DataFrame(rows, schema=schema, orient="row")}
