"""The signal analyzer: language, sentiment, six calibrated signals and their evidence.

Inference is numpy only. Every message is tokenised once, cut into sentences, and
turned into named features (see :mod:`palabre.text.features`); one weight matrix gives
all heads at once. Sentiment is read from the message as a whole; a signal is read on
each sentence and the message takes its strongest sentence (a complaint in the last
sentence of a friendly message still counts), then an isotonic map fitted on held-out
data turns that score into a calibrated probability.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from palabre.text.features import (
    SentenceFeatures,
    finalize,
    message_counts,
    sentence_factors,
    sentence_features,
)
from palabre.text.language import OTHER, LanguageIdentifier
from palabre.text.lexicon import SIGNALS, LanguageLexicon, load_lexicon
from palabre.text.tokenize import split_tokens, tokenize

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


def default_model_path() -> Path:
    """The weights shipped with the package."""
    return Path(str(resources.files("palabre.text") / "weights" / "signals.npz"))


class SignalAnalyzer:
    """Analyses messages with the shipped (or a given) weights file."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or default_model_path()
        if not self.path.exists():
            raise ModelFileError(
                f"signal model not found: {self.path} (build it with python -m palabre.text.train)"
            )
        with np.load(self.path, allow_pickle=False) as data:
            arrays = {k: data[k] for k in data.files}
        try:
            self.feature_names: list[str] = str(arrays["vocab"]).split("\n")
            self.weights: np.ndarray = arrays["weights"].astype(np.float32)
            self.heads: list[str] = str(arrays["heads"]).split("\n")
            self.meta: dict[str, Any] = json.loads(str(arrays["meta"]))
            self.calibration: dict[str, tuple[np.ndarray, np.ndarray]] = {
                h: (arrays[f"calx_{h}"], arrays[f"caly_{h}"])
                for h in self.heads
                if f"calx_{h}" in arrays
            }
            self.identifier = LanguageIdentifier.from_arrays(arrays)
        except KeyError as exc:
            raise ModelFileError(f"{self.path}: not a palabre signal model ({exc})") from None
        self.vocab = {name: i for i, name in enumerate(self.feature_names)}
        # A zero row after the last feature: unknown names point at it.
        self._zero_row = len(self.feature_names)
        self.bias = self.weights[self.vocab["<bias>"]].copy()
        self.weights = np.vstack([self.weights, np.zeros((1, self.weights.shape[1]), np.float32)])
        self.weights[self.vocab["<bias>"]] = 0.0
        self.head_index = {h: i for i, h in enumerate(self.heads)}
        self.sentiment_cols = [self.head_index[h] for h in SENTIMENT_HEADS]
        self.signal_cols = [self.head_index[s] for s in SIGNALS]
        self._lex = {lang: load_lexicon(lang) for lang in ("fr", "en")}
        # Per signal, the words (and word pairs) whose weight is strong enough to be
        # shown as evidence.
        self._strong: dict[str, dict[str, float]] = {}
        for signal in SIGNALS:
            col = self.weights[: self._zero_row, self.head_index[signal]]
            picked = np.flatnonzero(col > _EVIDENCE_WEIGHT).tolist()
            self._strong[signal] = {
                self.feature_names[j]: float(col[j])
                for j in picked
                if self.feature_names[j][0] not in "<!" and ":" not in self.feature_names[j]
            }

    # -- features ---------------------------------------------------------------------

    def _known(self, word: str) -> bool:
        return self._lex["en"].knows(word) or self._lex["fr"].knows(word)

    def sentences(
        self, text: str, language: str | None = None
    ) -> tuple[str, list[SentenceFeatures]]:
        """The message's language and its sentences' features (at least one sentence)."""
        tokens = tokenize(text, self._known)
        lang = language or self.identifier.predict_one(text, tokens)
        lex: LanguageLexicon = self._lex.get(lang, self._lex["en"])
        parts = [sentence_features(s, lex) for s in split_tokens(tokens)]
        return lang, parts or [sentence_features([], lex)]

    def featurize(self, text: str, language: str | None = None) -> dict[str, float]:
        """The message's model inputs (what training fits on)."""
        _, parts = self.sentences(text, language)
        counts, n = message_counts(parts)
        return finalize(counts, n)

    # -- analysis ---------------------------------------------------------------------

    def raw_scores(
        self, texts: list[str], languages: list[str | None] | None = None
    ) -> tuple[list[str], np.ndarray, np.ndarray, list[list[SentenceFeatures]]]:
        """Languages, message scores (all heads), sentence scores rolled up to the
        message (each head's strongest sentence), and the sentences' features.

        The model is linear in the counts: each sentence's weights are gathered once
        (``u``), then a message is the bias plus its sentences' ``u`` weighted by their
        contrast factor over the square root of the message length, and a sentence is
        the bias plus its ``u`` over the square root of its own length.
        """
        get = self.vocab.get
        zero = self._zero_row
        ids: list[int] = []
        vals: list[float] = []
        starts: list[int] = []
        sentence_scale: list[float] = []
        message_weight: list[float] = []
        first_sentence: list[int] = []
        langs: list[str] = []
        all_parts: list[list[SentenceFeatures]] = []
        for i, text in enumerate(texts):
            given = languages[i] if languages is not None else None
            lang, parts = self.sentences(text, given)
            langs.append(lang)
            all_parts.append(parts)
            first_sentence.append(len(starts))
            factors = sentence_factors(parts) if len(parts) > 1 else (1.0,)
            inv_len = 1.0 / math.sqrt(max(sum(p.n_tokens for p in parts), 1))
            for part, factor in zip(parts, factors, strict=True):
                starts.append(len(ids))
                ids.append(zero)  # keeps every segment non-empty for reduceat
                vals.append(0.0)
                ids.extend([get(name, zero) for name in part.names])
                vals.extend(part.values)
                sentence_scale.append(1.0 / math.sqrt(max(part.n_tokens, 1)))
                message_weight.append(factor * inv_len)
        contrib = self.weights[np.asarray(ids, dtype=np.int64)]
        contrib *= np.asarray(vals, dtype=np.float32)[:, None]
        u = np.add.reduceat(contrib, np.asarray(starts, dtype=np.int64), axis=0)
        first = np.asarray(first_sentence, dtype=np.int64)
        message = self.bias + np.add.reduceat(
            u * np.asarray(message_weight, dtype=np.float32)[:, None], first, axis=0
        )
        per_sentence = self.bias + u * np.asarray(sentence_scale, dtype=np.float32)[:, None]
        rolled = np.maximum.reduceat(per_sentence, first, axis=0)
        return langs, message, rolled, all_parts

    def calibrate(self, head: str, raw: np.ndarray) -> np.ndarray:
        """Calibrated probability of a binary head from its raw scores."""
        knots = self.calibration.get(head)
        out: np.ndarray = (
            1.0 / (1.0 + np.exp(-raw)) if knots is None else np.interp(raw, knots[0], knots[1])
        )
        return out

    def analyze(
        self, texts: list[str], languages: list[str | None] | None = None
    ) -> list[MessageSignals]:
        """Analyse a batch of messages (``languages[i]`` overrides identification)."""
        if not texts:
            return []
        langs, message_logits, rolled, all_parts = self.raw_scores(texts, languages)
        sent = message_logits[:, self.sentiment_cols].astype(np.float64)
        sent -= sent.max(axis=1, keepdims=True)
        probs = np.exp(sent)
        probs /= probs.sum(axis=1, keepdims=True)
        label_idx = probs.argmax(axis=1).tolist()
        score = (probs[:, 2] - probs[:, 0]).tolist()
        columns = [
            self.calibrate(s, rolled[:, self.head_index[s]].astype(np.float64)).tolist()
            for s in SIGNALS
        ]
        out: list[MessageSignals] = []
        for i in range(len(texts)):
            signals = {s: columns[k][i] for k, s in enumerate(SIGNALS)}
            raised = [s for s in SIGNALS if signals[s] >= EVIDENCE_THRESHOLD]
            evidence = {s: self._evidence(s, all_parts[i]) for s in raised}
            out.append(
                MessageSignals(
                    language=langs[i],
                    sentiment_label=SENTIMENT_LABELS[label_idx[i]],
                    sentiment_score=score[i],
                    signals=signals,
                    evidence={k: v for k, v in evidence.items() if v},
                )
            )
        return out

    def _evidence(self, signal: str, parts: list[SentenceFeatures]) -> list[str]:
        """Spans that pushed ``signal`` up: its cue phrases first, then the words and
        word pairs with the largest positive weight."""
        cues = sorted((c for p in parts for c in p.cues if c[0] == signal), key=lambda c: -c[2])
        spans: list[str] = []
        for _, span, _ in cues:
            if span not in spans:
                spans.append(span)
        strong = self._strong[signal]
        words = sorted(
            {(strong[n], n) for p in parts for n in p.names if n in strong}, reverse=True
        )
        for _, name in words:
            if len(spans) >= _MAX_EVIDENCE:
                break
            if not any(name in s for s in spans):
                spans.append(name)
        return spans[:_MAX_EVIDENCE]


@cache
def default_analyzer() -> SignalAnalyzer:
    """The analyzer over the shipped weights, loaded once per process."""
    return SignalAnalyzer()


def language_of(text: str) -> str:
    """``fr``, ``en`` or ``other`` with the shipped identifier."""
    analyzer = default_analyzer()
    return analyzer.identifier.predict_one(text, tokenize(text)) if text else OTHER
