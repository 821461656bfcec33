"""Choose the per-language sentiment offsets on validation splits only.

    python benchmarks/sentiment_offsets.py [--weights PATH] [--step 0.05] [--span 1.5]

The linear model is trained on Reddit comments, subtitles and lexicon words; where it
puts the line between neutral and polar, and between positive and negative, is a
property of that training data. The offsets (added to the negative and positive logits,
neutral fixed at 0) move those lines. They are the only thing chosen on the evaluation
datasets, and only on their validation splits (never their test splits):

- English: mean of TweetEval sentiment ``val`` macro recall and XLM-T English ``val``
  macro F1;
- French: mean of XLM-T French (DEFT 2017) ``val`` macro F1 and Allociné ``dev``
  accuracy (positive when P(positive) > P(negative), as ``palabre eval signals``).

The script prints the grid's best pair per language (ties: the smaller offsets) and the
figures of the weights file as it is; the chosen values go in
``palabre.text.train.SENTIMENT_OFFSETS`` and the next training writes them in the file.
"""

from __future__ import annotations

import argparse
import itertools
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np

from palabre.text import data
from palabre.text.data import Example
from palabre.text.model import SENTIMENT_LABELS, SignalAnalyzer

Metric = Callable[[np.ndarray, np.ndarray], float]


def _confusion(truth: np.ndarray, logits: np.ndarray) -> np.ndarray:
    counts = np.bincount(truth * 3 + logits.argmax(axis=1), minlength=9)
    return counts.reshape(3, 3).astype(np.float64)


def macro_recall(truth: np.ndarray, logits: np.ndarray) -> float:
    """Three-class macro recall of the logits' argmax (as ``evaluate.macro_scores``)."""
    cm = _confusion(truth, logits)
    return float(np.mean(np.diag(cm) / np.maximum(cm.sum(axis=1), 1.0)))


def macro_f1(truth: np.ndarray, logits: np.ndarray) -> float:
    """Three-class macro F1 of the logits' argmax (as ``evaluate.macro_scores``)."""
    cm = _confusion(truth, logits)
    tp = np.diag(cm)
    precision = tp / np.maximum(cm.sum(axis=0), 1.0)
    recall = tp / np.maximum(cm.sum(axis=1), 1.0)
    f1 = np.where(tp > 0, 2 * precision * recall / np.maximum(precision + recall, 1e-12), 0.0)
    return float(np.mean(f1))


def polarity(truth: np.ndarray, logits: np.ndarray) -> float:
    """Two-class accuracy: positive when the positive logit beats the negative one."""
    return float(np.mean((logits[:, 2] > logits[:, 0]) == (truth == 2)))


SETS: dict[str, list[tuple[str, Callable[[], list[Example]], Metric]]] = {
    "en": [
        ("tweeteval val macro recall", lambda: data.tweeteval_sentiment("val"), macro_recall),
        ("xlmt en val macro F1", lambda: data.xlmt("en", "val"), macro_f1),
    ],
    "fr": [
        ("xlmt fr (DEFT) val macro F1", lambda: data.xlmt("fr", "val"), macro_f1),
        ("allocine dev accuracy", lambda: data.allocine("dev"), polarity),
    ],
}


def raw_logits(analyzer: SignalAnalyzer, rows: list[Example]) -> np.ndarray:
    """Sentiment logits without any offset."""
    _, message, _, _ = analyzer.raw_scores([r.text for r in rows], [r.language for r in rows])
    return message[:, analyzer.sentiment_cols].astype(np.float64)


def choose(
    parts: list[tuple[str, np.ndarray, np.ndarray, Metric]], step: float, span: float
) -> tuple[tuple[float, float], float]:
    """The (negative, positive) offsets of the grid with the best mean figure."""
    grid = np.round(np.arange(-span, span + step / 2, step), 4)
    best: tuple[float, tuple[float, float]] = (-1.0, (0.0, 0.0))
    best_size = np.inf
    for neg, pos in itertools.product(grid.tolist(), repeat=2):
        shift = np.array([neg, 0.0, pos])
        value = float(np.mean([m(t, z + shift) for _, t, z, m in parts]))
        size = abs(neg) + abs(pos)
        if value > best[0] + 1e-12 or (abs(value - best[0]) <= 1e-12 and size < best_size):
            best, best_size = (value, (neg, pos)), size
    return best[1], best[0]


def main(argv: list[str] | None = None) -> int:
    """Print the offsets to use and the figures they give on validation splits."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--weights", type=Path, default=None)
    parser.add_argument("--step", type=float, default=0.05)
    parser.add_argument("--span", type=float, default=1.5)
    args = parser.parse_args(argv)
    analyzer = SignalAnalyzer(args.weights)
    for language, sets in SETS.items():
        parts = []
        for name, rows_of, metric in sets:
            rows = rows_of()
            truth = np.array([SENTIMENT_LABELS.index(next(iter(r.labels))) for r in rows])
            parts.append((name, truth, raw_logits(analyzer, rows), metric))
        current = analyzer.sentiment_offsets[language]
        (neg, pos), value = choose(parts, args.step, args.span)
        print(f"{language}: offsets (negative, neutral, positive) = ({neg}, 0.0, {pos})")
        for name, truth, logits, metric in parts:
            print(
                f"  {name}: {metric(truth, logits):.4f} without offsets, "
                f"{metric(truth, logits + current):.4f} with the file's "
                f"{current.round(3).tolist()}, "
                f"{metric(truth, logits + np.array([neg, 0.0, pos])):.4f} with the chosen ones"
            )
        print(f"  mean with the chosen offsets: {value:.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
