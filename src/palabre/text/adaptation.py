"""A workspace's adaptation of the shipped signal model, fitted on its analysts' corrections.

The shipped weights come from open labelled data; a company's customers have their own
words (a product name, an in-house term that always means trouble) and their own base
rates. Two small, explainable layers on top of the model's calibrated probabilities:

* **domain terms**: each occurrence of a term adds its ``weight`` to the signal's
  log-odds (a term an analyst added, in one language or all); matched on words, ignoring
  case and accents;
* **recalibration**: per signal, ``p' = sigmoid(a * z + b)`` where ``z`` is the log-odds
  after the terms, fitted by :func:`fit_adaptation` on the corrections (logistic
  regression with a pull towards ``a = 1, b = 0``, so that a few dozen answers nudge the
  model instead of replacing it). It is kept only when it beats the unchanged model in
  cross-validation on the corrections themselves; otherwise the signal stays as shipped;
* **residual**: per signal and for the 3-class sentiment, a sparse linear model over the
  shipped model's own features, added to its logits (:mod:`palabre.text.residual`):
  what many corrections teach beyond a recalibration. Also kept only when it beats the
  model before it in cross-validation.

Pure numpy: the fit and its application take arrays and texts, not the database.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Final

import numpy as np
import orjson
import scipy.sparse as sp

from palabre.text.lexicon import SIGNALS
from palabre.text.residual import SENTIMENT, HeadFit, Inputs, Residual, fit_head

if TYPE_CHECKING:
    from palabre.text.model import SignalBatch

#: corrections a signal needs (with both answers among them) before it is recalibrated
MIN_CORRECTIONS: Final = 20
#: cross-validation folds of the fit's report
FOLDS: Final = 5
#: strength of the pull towards the shipped calibration (a = 1, b = 0)
PRIOR: Final = 1.0
_EPS: Final = 1e-4


def fold(text: str) -> str:
    """Lower case without accents: how terms and texts are compared."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@dataclass(frozen=True)
class Term:
    """A domain term: its text, the signal it moves, by how much, in which language."""

    term: str
    signal: str
    weight: float
    language: str | None = None


@dataclass
class Adaptation:
    """Domain terms, per-signal recalibrations (``a``, ``b``) and the residual model."""

    terms: list[Term] = field(default_factory=list)
    recalibration: dict[str, tuple[float, float]] = field(default_factory=dict)
    residual: Residual = field(default_factory=Residual)

    def __post_init__(self) -> None:
        # One pattern per term: overlapping terms ("merci Zorglub", "Zorglub") both count.
        self._patterns = [
            (term, re.compile(rf"(?<!\w){re.escape(fold(term.term))}(?!\w)")) for term in self.terms
        ]

    @property
    def digest(self) -> str:
        """What identifies this adaptation: a different one means messages are rescored."""
        return hashlib.sha256(orjson.dumps(self.to_json())).hexdigest()[:16]

    def to_json(self) -> dict[str, Any]:
        """Plain data, stored in ``signal_adaptation.parameters``."""
        data = {
            "terms": [
                {"term": t.term, "signal": t.signal, "weight": t.weight, "language": t.language}
                for t in self.terms
            ],
            "recalibration": {s: list(ab) for s, ab in sorted(self.recalibration.items())},
        }
        # Without a residual the payload (and the digest) is what it was before there was one.
        if self.residual:
            data["residual"] = self.residual.to_json()
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Adaptation:
        """The adaptation :meth:`to_json` wrote."""
        terms = [
            Term(str(t["term"]), str(t["signal"]), float(t["weight"]), t.get("language"))
            for t in data.get("terms", [])
        ]
        recalibration = {
            str(s): (float(ab[0]), float(ab[1])) for s, ab in data.get("recalibration", {}).items()
        }
        return cls(terms, recalibration, Residual.from_json(data.get("residual", {})))

    def term_scores(
        self, texts: Sequence[str], languages: Sequence[str]
    ) -> tuple[np.ndarray, list[dict[str, list[str]]]]:
        """Per message, the log-odds the terms add to each signal, and the terms found."""
        shift = np.zeros((len(texts), len(SIGNALS)), dtype=np.float64)
        found: list[dict[str, list[str]]] = [{} for _ in texts]
        if not self.terms:
            return shift, found
        index = {s: k for k, s in enumerate(SIGNALS)}
        for i, (text, language) in enumerate(zip(texts, languages, strict=True)):
            folded = fold(text)
            for term, pattern in self._patterns:
                if term.language is not None and term.language != language:
                    continue
                count = len(pattern.findall(folded))
                if not count:
                    continue
                shift[i, index[term.signal]] += term.weight * count
                if term.weight > 0:
                    spans = found[i].setdefault(term.signal, [])
                    if term.term not in spans:
                        spans.append(term.term)
        return shift, found

    def apply(
        self,
        texts: Sequence[str],
        languages: Sequence[str],
        probs: np.ndarray,
        residual: np.ndarray | None = None,
    ) -> tuple[np.ndarray, list[dict[str, list[str]]]]:
        """The adapted probabilities ``(n, signals)`` and, per message, the terms found.

        ``residual``: what the residual model adds to each signal's log-odds (the
        analyzer computes it with the features: ``SignalBatch.residual``).
        """
        shift, found = self.term_scores(texts, languages)
        z = _logit(probs.astype(np.float64)) + shift
        for k, signal in enumerate(SIGNALS):
            a, b = self.recalibration.get(signal, (1.0, 0.0))
            z[:, k] = a * z[:, k] + b
        if residual is not None:
            z += residual
        return _sigmoid(z), found

    def adapt_batch(
        self, texts: Sequence[str], batch: SignalBatch, threshold: float
    ) -> tuple[np.ndarray, list[dict[str, list[str]]]]:
        """Adapted signal probabilities of an analysed ``batch`` (a ``SignalBatch`` scored
        with this adaptation's residual) and each message's evidence: the terms found and
        the learned words first, for the signals at ``threshold`` or above."""
        probs, found = self.apply(texts, batch.languages, batch.probs, batch.residual)
        evidence = [batch.evidence.get(i, {}) for i in range(len(texts))]
        # Only the messages with a term or a learned word change (usually a few).
        touched = {i for i, terms in enumerate(found) if terms} | set(batch.residual_words)
        for i in sorted(touched):
            shown = {k: list(v) for k, v in evidence[i].items()}
            learned = batch.residual_words.get(i, {})
            for signal in {*found[i], *learned}:
                if probs[i, SIGNALS.index(signal)] < threshold:
                    continue
                extra = [*found[i].get(signal, []), *learned.get(signal, [])]
                listed = shown.setdefault(signal, [])
                listed[:0] = [t for t in dict.fromkeys(extra) if t not in listed]
            evidence[i] = shown
        return probs, evidence


def _logit(p: np.ndarray) -> np.ndarray:
    q = np.clip(p, _EPS, 1 - _EPS)
    out: np.ndarray = np.log(q / (1 - q))
    return out


def _sigmoid(z: np.ndarray) -> np.ndarray:
    out: np.ndarray = 1.0 / (1.0 + np.exp(-z))
    return out


def fit_platt(z: np.ndarray, y: np.ndarray, prior: float = PRIOR) -> tuple[float, float]:
    """``a, b`` of ``sigmoid(a z + b)`` by Newton's method on the log-loss, with an L2
    pull of ``prior`` towards ``(1, 0)``: the unchanged model."""
    a, b = 1.0, 0.0
    for _ in range(50):
        p = _sigmoid(a * z + b)
        r = p - y
        w = p * (1 - p)
        grad = np.array([np.dot(r, z) + prior * (a - 1.0), r.sum() + prior * b])
        hess = np.array(
            [
                [np.dot(w, z * z) + prior, np.dot(w, z)],
                [np.dot(w, z), w.sum() + prior],
            ]
        )
        step = np.linalg.solve(hess, grad)
        a, b = a - float(step[0]), b - float(step[1])
        if np.abs(step).max() < 1e-8:
            break
    return a, b


def log_loss(p: np.ndarray, y: np.ndarray) -> float:
    """Mean negative log-likelihood of 0/1 labels ``y`` under probabilities ``p``."""
    return float(np.mean(_example_losses(p, y)))


def _example_losses(p: np.ndarray, y: np.ndarray) -> np.ndarray:
    q = np.clip(p, _EPS, 1 - _EPS)
    out: np.ndarray = -(y * np.log(q) + (1 - y) * np.log(1 - q))
    return out


def gain_standard_error(before: np.ndarray, after: np.ndarray, y: np.ndarray) -> float | None:
    """Standard error of the mean log-loss gain from ``before`` to ``after`` (0/1 labels
    ``y``), over the answers; None with fewer than two (nothing to measure it on)."""
    if len(y) < 2:
        return None
    gain = _example_losses(before, y) - _example_losses(after, y)
    return float(np.std(gain, ddof=1) / np.sqrt(len(gain)))


@dataclass(frozen=True)
class SignalFit:
    """What the fit did for one signal (or ``sentiment``), measured by cross-validation
    on the corrections: the recalibration (signals), then the residual model."""

    signal: str
    corrections: int
    positives: int
    loss_before: float | None
    loss_after: float | None
    accuracy_before: float | None
    accuracy_after: float | None
    recalibrated: bool
    #: the residual model: log-loss before it (after the recalibration) and with it
    residual_loss_before: float | None = None
    residual_loss_after: float | None = None
    #: the pull towards the shipped model chosen by cross-validation
    strength: float | None = None
    residual: bool = False
    #: non-zero weights it keeps
    weights: int = 0
    #: standard errors of the cross-validated log-loss gains (before - after) over the
    #: answers, of the recalibration and of the residual (None: not fitted, or a report
    #: stored before they were)
    gain_se: float | None = None
    residual_gain_se: float | None = None


def fit_adaptation(
    terms: list[Term],
    texts: Sequence[str],
    languages: Sequence[str],
    probs: np.ndarray,
    answers: dict[str, list[tuple[int, bool]]],
    *,
    min_corrections: int = MIN_CORRECTIONS,
    folds: int = FOLDS,
    seed: int = 0,
    features: sp.csr_matrix | None = None,
    names: Sequence[str] = (),
    sentiment_logits: np.ndarray | None = None,
    sentiment_answers: Sequence[tuple[int, int]] = (),
) -> tuple[Adaptation, list[SignalFit]]:
    """Fit the recalibrations and the residual model on the corrections.

    ``texts``, ``languages`` and ``probs`` (the shipped model's probabilities) describe
    the corrected messages; ``answers[signal]`` lists ``(row, carries_it)``. A signal is
    recalibrated when it has ``min_corrections`` answers, both kinds among them, and the
    recalibration lowers the cross-validated log-loss; the terms always apply.

    With the messages' ``features`` (and their ``names``: see
    :class:`palabre.text.residual.Inputs`), each such signal also gets a residual model
    over them, offset by its recalibrated log-odds; and ``sentiment_answers`` (``(row,
    class index)``, negative / neutral / positive; two classes are enough) one offset by
    ``sentiment_logits``. Each is kept only when it lowers the cross-validated log-loss.
    """
    with_terms = Adaptation(terms)
    shift, _ = with_terms.term_scores(texts, languages)
    z_all = _logit(probs.astype(np.float64)) + shift
    rng = np.random.default_rng(seed)
    recalibration: dict[str, tuple[float, float]] = {}
    residual = Residual()
    fits: list[SignalFit] = []
    for k, signal in enumerate(SIGNALS):
        pairs = answers.get(signal, [])
        rows = np.array([r for r, _ in pairs], dtype=np.int64)
        y = np.array([1.0 if v else 0.0 for _, v in pairs])
        positives = int(y.sum())
        if len(pairs) < min_corrections or positives in (0, len(pairs)):
            fits.append(SignalFit(signal, len(pairs), positives, None, None, None, None, False))
            continue
        z = z_all[rows, k]
        order = rng.permutation(len(pairs))
        before = np.empty(len(pairs))
        after = np.empty(len(pairs))
        for f in range(folds):
            test = order[f::folds]
            train = np.setdiff1d(order, test)
            a, b = fit_platt(z[train], y[train])
            before[test] = _sigmoid(z[test])
            after[test] = _sigmoid(a * z[test] + b)
        loss_before, loss_after = log_loss(before, y), log_loss(after, y)
        better = loss_after < loss_before
        if better:
            recalibration[signal] = fit_platt(z, y)
        fit = SignalFit(
            signal,
            len(pairs),
            positives,
            loss_before,
            loss_after,
            float(np.mean((before >= 0.5) == (y == 1))),
            float(np.mean((after >= 0.5) == (y == 1))),
            better,
            gain_se=gain_standard_error(before, after, y),
        )
        if features is not None:
            a, b = recalibration.get(signal, (1.0, 0.0))
            head, weights = fit_head(
                signal, features[rows], names, a * z + b, y, folds=folds, seed=seed
            )
            fit = _with_residual(fit, head)
            if head.kept:
                residual.weights[signal] = weights
        fits.append(fit)
    if features is not None and sentiment_logits is not None:
        fits.append(
            _fit_sentiment(
                residual,
                features,
                names,
                sentiment_logits,
                sentiment_answers,
                min_corrections,
                folds,
                seed,
            )
        )
    return Adaptation(terms, recalibration, residual), fits


def fit_on_inputs(
    terms: list[Term],
    texts: Sequence[str],
    inputs: Inputs,
    answers: dict[str, list[tuple[int, bool]]],
    sentiment_answers: Sequence[tuple[int, int]] = (),
    *,
    min_corrections: int = MIN_CORRECTIONS,
) -> tuple[Adaptation, list[SignalFit]]:
    """:func:`fit_adaptation` on what the model in use gives about the corrected
    messages (``SignalAnalyzer.adaptation_inputs``): probabilities, features and
    sentiment logits, so that the residual is fitted as well."""
    return fit_adaptation(
        terms,
        texts,
        inputs.languages,
        inputs.probs,
        answers,
        min_corrections=min_corrections,
        features=inputs.features,
        names=inputs.names,
        sentiment_logits=inputs.sentiment_logits,
        sentiment_answers=sentiment_answers,
    )


def _with_residual(fit: SignalFit, head: HeadFit) -> SignalFit:
    return replace(
        fit,
        residual_loss_before=head.loss_before,
        residual_loss_after=head.loss_after,
        strength=head.strength,
        residual=head.kept,
        weights=head.weights,
        # A stored report is JSON: an infinite error (one answer) is no number there.
        residual_gain_se=head.gain_se if np.isfinite(head.gain_se) else None,
    )


def _fit_sentiment(
    residual: Residual,
    features: sp.csr_matrix,
    names: Sequence[str],
    logits: np.ndarray,
    answers: Sequence[tuple[int, int]],
    min_corrections: int,
    folds: int,
    seed: int,
) -> SignalFit:
    """The sentiment head of the residual (into ``residual`` when kept) and its report."""
    rows = np.array([r for r, _ in answers], dtype=np.int64)
    y = np.array([c for _, c in answers], dtype=np.int64)
    positives = int(np.sum(y == 2))
    if len(answers) < min_corrections or len(np.unique(y)) < 2:
        return SignalFit(SENTIMENT, len(answers), positives, None, None, None, None, False)
    offset = logits[rows].astype(np.float64)
    head, weights = fit_head(SENTIMENT, features[rows], names, offset, y, folds=folds, seed=seed)
    if head.kept:
        residual.weights[SENTIMENT] = weights
    fit = SignalFit(
        SENTIMENT,
        len(answers),
        positives,
        None,
        None,
        float(np.mean(offset.argmax(axis=1) == y)),
        None,
        False,
    )
    return _with_residual(fit, head)


__all__ = [
    "MIN_CORRECTIONS",
    "Adaptation",
    "SignalFit",
    "Term",
    "fit_adaptation",
    "fit_platt",
    "fold",
    "gain_standard_error",
    "log_loss",
]
