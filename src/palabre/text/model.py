"""The signal analyzer: language, sentiment, six calibrated signals and their evidence.

Inference is numpy only. A batch of messages is featurised in one pass
(:mod:`palabre.text.features`); one weight matrix gives all heads at once. The
model is linear, so each sentence's rows are gathered once: a sentence's score is
the bias plus its sum over the square root of its length, a message's score the bias
plus its sentences' sums (weighted by their contrast factor) over the square root of
the message length. Sentiment is read on the message as a whole; a signal on each
sentence, the message taking its strongest sentence (a complaint in the last sentence
of a friendly message still counts), then an isotonic map fitted on held-out data
turns that score into a calibrated probability.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from palabre.text.features import Batch, Featurizer
from palabre.text.language import OTHER, LanguageIdentifier
from palabre.text.lexicon import SIGNALS, load_lexicon
from palabre.text.residual import Inputs, Residual, message_features
from palabre.text.table import FeatureSpace, TokenTable

SENTIMENT_HEADS = ("sent_negative", "sent_neutral", "sent_positive")
SENTIMENT_LABELS = ("negative", "neutral", "positive")
#: A signal's evidence is listed when its probability reaches this. Not 0.5: the
#: calibrated probabilities of disappointment and misunderstanding top out near 0.3-0.5
#: (GoEmotions annotators agree that rarely), and those are the messages to explain.
EVIDENCE_THRESHOLD = 0.25
_MAX_EVIDENCE = 4
_EVIDENCE_WEIGHT = 1.0


class ModelFileError(ValueError):
    """The weights file is missing or not a palabre signal model."""


@dataclass(frozen=True)
class MessageSignals:
    """What the analysis says about one message."""

    language: str
    sentiment_label: str
    sentiment_score: float
    signals: dict[str, float]
    evidence: dict[str, list[str]]

    def to_json(self, message_id: str) -> dict[str, Any]:
        """The line ``palabre signals score`` writes for this message."""
        return {
            "id": message_id,
            "language": self.language,
            "sentiment": {"label": self.sentiment_label, "score": round(self.sentiment_score, 4)},
            "signals": {k: round(v, 4) for k, v in self.signals.items()},
            "evidence": self.evidence,
        }


@dataclass
class SignalBatch:
    """The analysis of many messages, column by column (compact to pass between
    processes); ``batch[i]`` is one :class:`MessageSignals`."""

    languages: list[str]
    labels: np.ndarray  # index into SENTIMENT_LABELS
    scores: np.ndarray  # sentiment score in [-1, 1]
    probs: np.ndarray  # (n, len(SIGNALS)) calibrated probabilities
    #: Evidence of the messages that have some, by message index.
    evidence: dict[int, dict[str, list[str]]]
    #: With a workspace residual: what it adds to each signal's log-odds ``(n, signals)``
    #: (applied after the adaptation's terms and recalibration), and the learned words
    #: that raised each signal, by message index.
    residual: np.ndarray | None = None
    residual_words: dict[int, dict[str, list[str]]] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.languages)

    def __getitem__(self, i: int) -> MessageSignals:
        return MessageSignals(
            language=self.languages[i],
            sentiment_label=SENTIMENT_LABELS[int(self.labels[i])],
            sentiment_score=float(self.scores[i]),
            signals=dict(zip(SIGNALS, self.probs[i].tolist(), strict=True)),
            evidence=self.evidence.get(i, {}),
        )

    def __iter__(self) -> Iterator[MessageSignals]:
        return (self[i] for i in range(len(self)))

    def json_rows(self, ids: list[str]) -> Iterator[dict[str, Any]]:
        """The output lines of ``palabre signals score`` for messages ``ids``."""
        scores = np.round(self.scores.astype(np.float64), 4).tolist()
        probs = np.round(self.probs.astype(np.float64), 4).tolist()
        for i, mid in enumerate(ids):
            yield {
                "id": mid,
                "language": self.languages[i],
                "sentiment": {"label": SENTIMENT_LABELS[int(self.labels[i])], "score": scores[i]},
                "signals": dict(zip(SIGNALS, probs[i], strict=True)),
                "evidence": self.evidence.get(i, {}),
            }

    @staticmethod
    def concat(parts: list[SignalBatch]) -> SignalBatch:
        """One batch from consecutive batches (message indices shift)."""
        evidence: dict[int, dict[str, list[str]]] = {}
        words: dict[int, dict[str, list[str]]] = {}
        offset = 0
        for part in parts:
            evidence.update({offset + i: ev for i, ev in part.evidence.items()})
            words.update({offset + i: ev for i, ev in part.residual_words.items()})
            offset += len(part)
        residuals = [p.residual for p in parts if p.residual is not None]
        return SignalBatch(
            languages=[x for p in parts for x in p.languages],
            labels=np.concatenate([p.labels for p in parts]) if parts else np.zeros(0, np.int8),
            scores=np.concatenate([p.scores for p in parts]) if parts else np.zeros(0),
            probs=(
                np.concatenate([p.probs for p in parts])
                if parts
                else np.zeros((0, len(SIGNALS)), np.float32)
            ),
            evidence=evidence,
            residual=np.concatenate(residuals) if residuals else None,
            residual_words=words,
        )


def default_model_path() -> Path:
    """The weights shipped with the package."""
    return Path(str(resources.files("palabre.text") / "weights" / "signals.npz"))


def load_arrays(path: Path) -> dict[str, np.ndarray]:
    """The arrays of a weights file (a clear error when it is not one)."""
    if not path.exists():
        raise ModelFileError(
            f"signal model not found: {path} (build it with python -m palabre.text.train)"
        )
    try:
        with np.load(path, allow_pickle=False) as data:
            return {k: data[k] for k in data.files}
    except (OSError, ValueError) as exc:
        raise ModelFileError(f"{path}: not a palabre signal model ({exc})") from None


class SignalAnalyzer:
    """Analyses messages with the shipped (or a given) weights file."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or default_model_path()
        arrays = load_arrays(self.path)
        try:
            names = str(arrays["features"]).split("\n")
            weights = arrays["weights"].astype(np.float32)
            self.heads: list[str] = str(arrays["heads"]).split("\n")
            self.meta: dict[str, Any] = json.loads(str(arrays["meta"]))
            # Isotonic maps by head, and by "head@language" where a language has its own.
            self.calibration: dict[str, tuple[np.ndarray, np.ndarray]] = {
                k[5:]: (arrays[k], arrays["caly_" + k[5:]]) for k in arrays if k.startswith("calx_")
            }
            self.identifier = LanguageIdentifier.from_arrays(arrays)
        except KeyError as exc:
            raise ModelFileError(f"{self.path}: not a palabre signal model ({exc})") from None
        self.space = FeatureSpace(names)
        # Row 0 (unknown features) is zeros; the file holds the other rows in order.
        self.weights = np.vstack([np.zeros((1, weights.shape[1]), np.float32), weights])
        self.bias = self.weights[self.space.bias_row].copy()
        self.weights[self.space.bias_row] = 0.0
        self.dense_weights = self.weights[self.space.dense_rows]
        self.head_index = {h: i for i, h in enumerate(self.heads)}
        self.sentiment_cols = [self.head_index[h] for h in SENTIMENT_HEADS]
        self.signal_cols = [self.head_index[s] for s in SIGNALS]
        offsets = self.meta.get("sentiment_offsets", {})
        self.sentiment_offsets = {
            lang: np.asarray(offsets.get(lang, [0.0, 0.0, 0.0]), dtype=np.float64)
            for lang in ("fr", "en", OTHER)
        }
        self.table = TokenTable(
            {lang: load_lexicon(lang) for lang in ("fr", "en")},
            self.space,
            self.identifier.word_logodds_,
        )
        self.featurizer = Featurizer(self.table, self.identifier)
        # Per signal, the words and word pairs strong enough to be shown as evidence.
        # Function words (``ne``, ``plus``, ``the``) carry weight but explain nothing.
        function_words = {w for lex in self.table.lexicons for w in lex.stopwords | lex.negators}
        self.function_words = frozenset(function_words)
        shown = np.array(
            [
                n[0] not in "<!~" and ":" not in n and n not in function_words
                for n in self.space.names
            ],
            dtype=bool,
        )
        self._strong = (self.weights[:, self.signal_cols] > _EVIDENCE_WEIGHT) & shown[:, None]
        self._strong_any = self._strong.any(axis=1)
        self._strong_words: list[dict[int, tuple[float, str]]] = [
            {
                r: (float(self.weights[r, col]), self.space.names[r])
                for r in np.flatnonzero(self._strong[:, k]).tolist()
            }
            for k, col in enumerate(self.signal_cols)
        ]

    # -- analysis ---------------------------------------------------------------------

    def featurize(self, texts: list[str], languages: list[str | None] | None = None) -> Batch:
        """The batch's model inputs (what training fits on)."""
        return self.featurizer.batch(texts, languages)

    def raw_scores(
        self, texts: list[str], languages: list[str | None] | None = None
    ) -> tuple[list[str], np.ndarray, np.ndarray, Batch]:
        """Languages, message scores (all heads), sentence scores rolled up to the
        message (each head's strongest sentence), and the batch's features."""
        b = self.featurizer.batch(texts, languages)
        n = b.size
        heads = self.weights.shape[1]
        message = np.tile(self.bias, (n, 1))
        rolled = message.copy()
        if len(b.kept):
            per = self._sentence_sums(b)
            first = np.flatnonzero(np.r_[True, b.sent_msg[1:] != b.sent_msg[:-1]])
            owners = b.sent_msg[first]
            scale = b.sent_factor / np.sqrt(np.maximum(b.msg_len[b.sent_msg], 1))
            message[owners] += np.add.reduceat(per * scale[:, None], first, axis=0)
            sentence = self.bias + per / np.sqrt(np.maximum(b.sent_len, 1))[:, None]
            rolled[owners] = np.maximum.reduceat(sentence, first, axis=0)
        assert message.shape == (n, heads)
        return b.languages, message, rolled, b

    def _sentence_sums(self, b: Batch) -> np.ndarray:
        """Each sentence's weighted sum of its rows (zero rows skipped: about half)."""
        flat = b.rows.reshape(-1)
        nz = np.flatnonzero(flat)
        contrib = np.take(self.weights, flat[nz], axis=0)
        contrib *= b.vals.reshape(-1)[nz, None]
        bounds = np.searchsorted(nz, 3 * b.sent_start)
        empty = np.diff(np.append(bounds, len(nz))) == 0
        per = np.zeros((len(bounds), self.weights.shape[1]), dtype=np.float32)
        if len(nz):
            sums = np.add.reduceat(contrib, np.minimum(bounds, len(nz) - 1), axis=0)
            per[~empty] = sums[~empty]
        per += b.dense @ self.dense_weights
        return per

    def calibrate(self, head: str, raw: np.ndarray) -> np.ndarray:
        """Calibrated probability of a binary head from its raw scores."""
        knots = self.calibration.get(head)
        out: np.ndarray = (
            1.0 / (1.0 + np.exp(-raw)) if knots is None else np.interp(raw, knots[0], knots[1])
        )
        return out

    def sentiment_logits(self, languages: list[str], message: np.ndarray) -> np.ndarray:
        """Logits of negative / neutral / positive (with the per-language offsets)."""
        logits = message[:, self.sentiment_cols].astype(np.float64)
        for lang, offset in self.sentiment_offsets.items():
            if offset.any():
                mask = np.array([x == lang for x in languages], dtype=bool)
                logits[mask] += offset
        return logits

    def sentiment(self, languages: list[str], message: np.ndarray) -> np.ndarray:
        """Probabilities of negative / neutral / positive (with the per-language offsets)."""
        return softmax(self.sentiment_logits(languages, message))

    def signal_probabilities(self, languages: list[str], rolled: np.ndarray) -> np.ndarray:
        """Calibrated probabilities ``(n, len(SIGNALS))`` from the rolled-up raw scores."""
        probs = np.empty((len(languages), len(SIGNALS)), dtype=np.float32)
        for k, s in enumerate(SIGNALS):
            probs[:, k] = self.calibrate(s, rolled[:, self.signal_cols[k]].astype(np.float64))
            for lang in ("fr", "en"):
                if f"{s}@{lang}" in self.calibration:
                    mask = np.array([x == lang for x in languages], dtype=bool)
                    raw = rolled[mask, self.signal_cols[k]].astype(np.float64)
                    probs[mask, k] = self.calibrate(f"{s}@{lang}", raw)
        return probs

    def head_probabilities(
        self, texts: list[str], languages: list[str | None] | None, head: str
    ) -> np.ndarray:
        """Calibrated probability of one binary head (a signal, or an auxiliary
        GoEmotions class such as ``anger``) for each text, ignoring per-language maps."""
        _, _, rolled, _ = self.raw_scores(texts, languages)
        return self.calibrate(head, rolled[:, self.head_index[head]].astype(np.float64))

    def result(
        self, languages: list[str], sentiment: np.ndarray, probs: np.ndarray, batch: Batch
    ) -> SignalBatch:
        """The :class:`SignalBatch` of sentiment probabilities ``(n, 3)`` and signal
        probabilities, with the evidence of the raised signals."""
        return SignalBatch(
            languages=languages,
            labels=sentiment.argmax(axis=1).astype(np.int8),
            scores=(sentiment[:, 2] - sentiment[:, 0]).astype(np.float32),
            probs=probs,
            evidence=self._evidence(batch, probs),
        )

    def analyze(
        self,
        texts: list[str],
        languages: list[str | None] | None = None,
        residual: Residual | None = None,
    ) -> SignalBatch:
        """Analyse a batch of messages (``languages[i]`` overrides identification); a
        workspace ``residual`` adds its logits (see :meth:`with_residual`)."""
        langs, message, rolled, batch = self.raw_scores(texts, languages)
        logits = self.sentiment_logits(langs, message)
        probs = self.signal_probabilities(langs, rolled)
        return self.with_residual(langs, logits, probs, batch, residual)

    def with_residual(
        self,
        languages: list[str],
        logits: np.ndarray,
        probs: np.ndarray,
        batch: Batch,
        residual: Residual | None,
    ) -> SignalBatch:
        """The result of sentiment ``logits`` and signal ``probs``; with a residual, its
        sentiment logits are added here and its signal log-odds carried in the batch (the
        adaptation applies them after its terms and recalibration)."""
        if not residual:
            return self.result(languages, softmax(logits), probs, batch)
        extra, words = residual.scores(batch, self.space, self.function_words)
        out = self.result(languages, softmax(logits + extra[:, :3]), probs, batch)
        out.residual = extra[:, 3:]
        out.residual_words = words
        return out

    def adaptation_inputs(
        self, texts: list[str], languages: list[str | None] | None = None
    ) -> Inputs:
        """What a workspace residual is fitted on (:func:`palabre.text.residual.fit_head`)."""
        langs, message, rolled, batch = self.raw_scores(texts, languages)
        return Inputs(
            languages=langs,
            probs=self.signal_probabilities(langs, rolled).astype(np.float64),
            sentiment_logits=self.sentiment_logits(langs, message),
            features=message_features(batch, self.space),
            names=self.space.names,
        )

    def _evidence(self, b: Batch, probs: np.ndarray) -> dict[int, dict[str, list[str]]]:
        """Spans that pushed each raised signal up: its cue phrases first (strongest
        first), then the words and word pairs with the largest positive weight."""
        raised = probs >= EVIDENCE_THRESHOLD
        pairs = np.nonzero(raised)
        if not len(pairs[0]):
            return {}
        wanted = set(zip(pairs[0].tolist(), pairs[1].tolist(), strict=True))
        base = self.table.base
        cues: dict[tuple[int, int], list[tuple[float, str]]] = {}
        for m, s, p, n, value in b.hits:
            if (m, s) in wanted:
                span = " ".join([base[i] for i in b.ids[p : p + n].tolist()])
                cues.setdefault((m, s), []).append((value, span))
        rows_of: dict[int, list[int]] = {}
        if len(b.kept):
            any_raised = np.asarray(raised.any(axis=1), dtype=bool)
            r0, r2 = b.rows[:, 0], b.rows[:, 2]
            cand = np.flatnonzero(self._strong_any[r0] | self._strong_any[r2])
            cand = cand[any_raised[b.tok_msg[cand]]]
            for m, x, y in zip(
                b.tok_msg[cand].tolist(), r0[cand].tolist(), r2[cand].tolist(), strict=True
            ):
                rows_of.setdefault(m, []).extend((x, y))
        out: dict[int, dict[str, list[str]]] = {}
        for m, s in sorted(wanted):
            found_cues = sorted(cues.get((m, s), ()), key=lambda c: -c[0])
            texts = {span for _, span in found_cues}
            spans: list[str] = []
            for _, span in found_cues:
                # "résilier" inside "je vais résilier": the longer span says it all.
                if span not in spans and not any(span in o and span != o for o in texts):
                    spans.append(span)
            strong = self._strong_words[s]
            ranked = sorted({strong[r] for r in rows_of.get(m, ()) if r in strong}, reverse=True)
            for _, name in ranked:
                if len(spans) >= _MAX_EVIDENCE:
                    break
                if not any(name in x for x in spans):
                    spans.append(name)
            if spans:
                out.setdefault(m, {})[SIGNALS[s]] = spans[:_MAX_EVIDENCE]
        return out


def softmax(logits: np.ndarray) -> np.ndarray:
    """Row-wise softmax (float64)."""
    z = np.asarray(logits, dtype=np.float64)
    z = z - z.max(axis=1, keepdims=True)
    probs: np.ndarray = np.exp(z)
    probs /= probs.sum(axis=1, keepdims=True)
    return probs


@cache
def default_analyzer() -> SignalAnalyzer:
    """The analyzer over the shipped weights, loaded once per process."""
    return SignalAnalyzer()


def language_of(text: str) -> str:
    """``fr``, ``en`` or ``other`` with the shipped identifier."""
    if not text:
        return OTHER
    return default_analyzer().analyze([text]).languages[0]
