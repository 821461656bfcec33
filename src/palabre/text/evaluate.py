"""Held-out quality of the signal model, per dataset and signal.

Every figure is computed on rows the model never saw: official test splits
(GoEmotions, TweetEval, XLM-T, Allociné) or XED's hash ``test`` split. Thresholds for
the GoEmotions per-class F1 are chosen on GoEmotions ``dev`` (a training-side split).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from palabre.text import data
from palabre.text.calibration import expected_calibration_error
from palabre.text.data import Example
from palabre.text.embedding_head import BlendedAnalyzer
from palabre.text.lexicon import SIGNALS
from palabre.text.model import SENTIMENT_LABELS, SignalAnalyzer

#: The linear model, or the linear model blended with an encoder's head.
Analyzer = SignalAnalyzer | BlendedAnalyzer

#: The GoEmotions classes the issue compares with the paper's BERT.
GOEMOTIONS_CLASSES = {
    "anger": ("anger", "anger"),
    "annoyance": ("annoyance", "annoyance"),
    "disappointment": ("disappointment", "disappointment"),
    "disapproval": ("disapproval", "disapproval"),
    "confusion": ("misunderstanding", "confusion"),
}
#: Signals with labelled held-out data: the labels that mean them.
CALIBRATED = {
    "discontent": frozenset({"anger", "annoyance", "disapproval", "disgust"}),
    "disappointment": frozenset({"disappointment"}),
    "misunderstanding": frozenset({"confusion"}),
    "praise": frozenset({"admiration", "gratitude", "approval"}),
}


@dataclass(frozen=True)
class Figure:
    """One measured figure: dataset, metric, value, and the goal or anchor beside it."""

    dataset: str
    metric: str
    value: float
    n: int
    goal: str = ""


def macro_scores(y_true: list[int], y_pred: list[int], k: int) -> tuple[float, float]:
    """Macro recall and macro F1 over ``k`` classes."""
    t = np.asarray(y_true)
    p = np.asarray(y_pred)
    recalls, f1s = [], []
    for c in range(k):
        tp = float(np.sum((t == c) & (p == c)))
        recall = tp / max(float(np.sum(t == c)), 1.0)
        precision = tp / max(float(np.sum(p == c)), 1.0)
        recalls.append(recall)
        f1s.append(0.0 if tp == 0 else 2 * precision * recall / (precision + recall))
    return float(np.mean(recalls)), float(np.mean(f1s))


def sentiment_figures(
    analyzer: Analyzer, name: str, rows: list[Example], goal: str = ""
) -> list[Figure]:
    """Three-class sentiment: macro recall, macro F1 and accuracy."""
    results = analyzer.analyze([r.text for r in rows], [r.language for r in rows])
    truth = [SENTIMENT_LABELS.index(next(iter(r.labels))) for r in rows]
    pred = results.labels.tolist()
    recall, f1 = macro_scores(truth, pred, 3)
    acc = float(np.mean(np.asarray(truth) == np.asarray(pred)))
    return [
        Figure(name, "macro_recall", recall, len(rows), goal if "recall" in goal else ""),
        Figure(name, "macro_f1", f1, len(rows), goal if "F1" in goal else ""),
        Figure(name, "accuracy", acc, len(rows)),
    ]


def polarity_accuracy(analyzer: Analyzer, rows: list[Example]) -> float:
    """Two-class accuracy: positive when the sentiment score is above zero."""
    results = analyzer.analyze([r.text for r in rows], [r.language for r in rows])
    positive = np.array(["positive" in r.labels for r in rows])
    return float(np.mean((results.scores > 0) == positive))


def _signal_probs(analyzer: Analyzer, rows: list[Example]) -> dict[str, np.ndarray]:
    results = analyzer.analyze([r.text for r in rows], [r.language for r in rows])
    return {s: results.probs[:, k].astype(np.float64) for k, s in enumerate(SIGNALS)}


def _aux_probs(analyzer: Analyzer, rows: list[Example], head: str) -> np.ndarray:
    return analyzer.head_probabilities([r.text for r in rows], [r.language for r in rows], head)


def _best_threshold(probs: np.ndarray, truth: np.ndarray) -> float:
    best, best_f1 = 0.5, -1.0
    for t in np.linspace(0.05, 0.9, 35):
        f1 = _f1(probs >= t, truth)
        if f1 > best_f1:
            best, best_f1 = float(t), f1
    return best


def _f1(pred: np.ndarray, truth: np.ndarray) -> float:
    tp = float(np.sum(pred & truth))
    if tp == 0:
        return 0.0
    precision = tp / float(np.sum(pred))
    recall = tp / float(np.sum(truth))
    return 2 * precision * recall / (precision + recall)


def goemotions_figures(analyzer: Analyzer) -> list[Figure]:
    """Per-class F1 on GoEmotions test (threshold from dev), and ECE of the calibrated
    signals on GoEmotions test."""
    dev = data.goemotions("dev")
    test = data.goemotions("test")
    figures: list[Figure] = []
    for cls, (head, label) in GOEMOTIONS_CLASSES.items():
        dev_truth = np.array([label in r.labels for r in dev])
        test_truth = np.array([label in r.labels for r in test])
        threshold = _best_threshold(_aux_probs(analyzer, dev, head), dev_truth)
        f1 = _f1(_aux_probs(analyzer, test, head) >= threshold, test_truth)
        figures.append(Figure("goemotions test", f"F1 {cls}", f1, len(test)))
    probs = _signal_probs(analyzer, test)
    for signal, labels in CALIBRATED.items():
        truth = np.array([bool(r.labels & labels) for r in test])
        ece = expected_calibration_error(probs[signal], truth)
        figures.append(Figure("goemotions test", f"ECE {signal}", ece, len(test), "<= 0.05"))
    return figures


def xed_figures(analyzer: Analyzer) -> list[Figure]:
    """Discontent on XED's held-out split, English and French: ECE and F1 at 0.5."""
    figures: list[Figure] = []
    for language in ("en", "fr"):
        rows = data.xed(language, "test")
        probs = _signal_probs(analyzer, rows)["discontent"]
        truth = np.array([bool(r.labels & CALIBRATED["discontent"]) for r in rows])
        name = f"xed {language} test"
        ece = expected_calibration_error(probs, truth)
        figures.append(Figure(name, "ECE discontent", ece, len(rows), "<= 0.05"))
        figures.append(Figure(name, "F1 discontent @0.5", _f1(probs >= 0.5, truth), len(rows)))
    return figures


def language_figures(analyzer: Analyzer) -> list[Figure]:
    """Language identification accuracy on French and English test sets (an encoder
    does not change it: the linear model's identifier decides)."""
    if isinstance(analyzer, BlendedAnalyzer):
        analyzer = analyzer.base
    sets = {
        "xlmt fr test": data.xlmt("fr", "test"),
        "xlmt en test": data.xlmt("en", "test"),
        "allocine test": data.allocine("test"),
        "xed fr test": data.xed("fr", "test"),
        "goemotions test": data.goemotions("test"),
    }
    figures: list[Figure] = []
    for name, rows in sets.items():
        langs = analyzer.raw_scores([r.text for r in rows])[0]
        acc = float(np.mean([lang == r.language for lang, r in zip(langs, rows, strict=True)]))
        figures.append(Figure(name, "language accuracy", acc, len(rows)))
    return figures


def all_figures(analyzer: Analyzer, progress: Callable[[str], None] | None = None) -> list[Figure]:
    """Every figure ``palabre eval signals`` prints."""
    steps: list[tuple[str, Callable[[], list[Figure]]]] = [
        (
            "tweeteval",
            lambda: sentiment_figures(
                analyzer,
                "tweeteval sentiment test",
                data.tweeteval_sentiment("test"),
                ">= 0.66 recall (VADER 0.570, SVM 0.629)",
            ),
        ),
        (
            "xlmt fr",
            lambda: sentiment_figures(
                analyzer, "xlmt fr (DEFT) test", data.xlmt("fr", "test"), ">= 0.62 F1"
            ),
        ),
        ("xlmt en", lambda: sentiment_figures(analyzer, "xlmt en test", data.xlmt("en", "test"))),
        (
            "allocine",
            lambda: [
                Figure(
                    "allocine tv-series test",
                    "accuracy",
                    polarity_accuracy(analyzer, data.allocine("test")),
                    len(data.allocine("test")),
                    ">= 0.88",
                )
            ],
        ),
        ("goemotions", lambda: goemotions_figures(analyzer)),
        ("xed", lambda: xed_figures(analyzer)),
        ("language", lambda: language_figures(analyzer)),
    ]
    figures: list[Figure] = []
    for label, step in steps:
        if progress is not None:
            progress(label)
        figures.extend(step())
    return figures
