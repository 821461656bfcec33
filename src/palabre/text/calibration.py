"""Probability calibration (isotonic regression) and its measure (expected calibration error).

Numpy only: the fitted map is a handful of knots that inference applies with
``np.interp``.
"""

from __future__ import annotations

from typing import Self

import numpy as np


class IsotonicCalibrator:
    """Monotone map from a raw score to a probability (pool-adjacent-violators).

    ``fit(scores, labels)`` learns ``x_`` and ``y_``, knots that :meth:`predict`
    interpolates; ``min_bin`` merges the blocks smaller than that many examples, so
    that no probability rests on a handful of rows.
    """

    def __init__(self, min_bin: int = 50, clip: float = 1e-3) -> None:
        self.min_bin = min_bin
        self.clip = clip

    def fit(self, scores: np.ndarray, labels: np.ndarray) -> Self:
        """Fit the monotone map on held-out scores and 0/1 labels."""
        x = np.asarray(scores, dtype=np.float64)
        y = np.asarray(labels, dtype=np.float64)
        if x.shape != y.shape or x.ndim != 1 or len(x) == 0:
            raise ValueError("scores and labels must be equal-length non-empty 1-d arrays")
        order = np.argsort(x, kind="mergesort")
        x, y = x[order], y[order]
        # Blocks: (sum of y, count, sum of x); merged while they violate monotonicity.
        sums: list[float] = []
        counts: list[float] = []
        xs: list[float] = []
        for xi, yi in zip(x.tolist(), y.tolist(), strict=True):
            sums.append(yi)
            counts.append(1.0)
            xs.append(xi)
            while len(sums) > 1 and (
                sums[-2] / counts[-2] >= sums[-1] / counts[-1] or counts[-2] < self.min_bin
            ):
                s, c, t = sums.pop(), counts.pop(), xs.pop()
                sums[-1] += s
                counts[-1] += c
                xs[-1] += t
        while len(sums) > 1 and counts[-1] < self.min_bin:
            s, c, t = sums.pop(), counts.pop(), xs.pop()
            sums[-1] += s
            counts[-1] += c
            xs[-1] += t
        means = np.array(sums) / np.array(counts)
        centers = np.array(xs) / np.array(counts)
        self.x_ = centers
        self.y_ = np.clip(np.maximum.accumulate(means), self.clip, 1 - self.clip)
        return self

    def predict(self, scores: np.ndarray) -> np.ndarray:
        """Calibrated probabilities of raw scores."""
        out: np.ndarray = np.interp(np.asarray(scores, dtype=np.float64), self.x_, self.y_)
        return out


def expected_calibration_error(probs: np.ndarray, labels: np.ndarray, bins: int = 10) -> float:
    """ECE: the mean gap between predicted probability and observed frequency, over
    ``bins`` equal-width probability bins weighted by their size."""
    p = np.asarray(probs, dtype=np.float64)
    y = np.asarray(labels, dtype=np.float64)
    if len(p) == 0:
        raise ValueError("no predictions")
    idx = np.minimum((p * bins).astype(int), bins - 1)
    total = 0.0
    for b in range(bins):
        mask = idx == b
        if mask.any():
            total += mask.sum() * abs(p[mask].mean() - y[mask].mean())
    return total / len(p)
