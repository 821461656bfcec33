"""Quality of a risk score: ranking (ROC AUC, PR AUC, precision at k) and calibration."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score


@dataclass(frozen=True, slots=True)
class ReliabilityBin:
    """One bin of a reliability diagram: predicted against observed frequency."""

    low: float
    high: float
    count: int
    mean_predicted: float
    observed: float


@dataclass(frozen=True, slots=True)
class RiskQuality:
    """The figures ``benchmarks/churn_eval.py`` prints."""

    n: int
    positives: int
    roc_auc: float
    pr_auc: float
    brier: float
    ece: float


def reliability(y: ArrayLike, p: ArrayLike, bins: int = 10) -> list[ReliabilityBin]:
    """Equal-width bins of predicted probability (empty bins left out)."""
    truth = np.asarray(y, dtype=float)
    prob = np.asarray(p, dtype=float)
    edges = np.linspace(0.0, 1.0, bins + 1)
    # The last bin is closed on the right so that p = 1 has a place.
    which = np.clip(np.searchsorted(edges, prob, side="right") - 1, 0, bins - 1)
    out: list[ReliabilityBin] = []
    for b in range(bins):
        mask = which == b
        if mask.any():
            out.append(
                ReliabilityBin(
                    float(edges[b]),
                    float(edges[b + 1]),
                    int(mask.sum()),
                    float(prob[mask].mean()),
                    float(truth[mask].mean()),
                )
            )
    return out


def expected_calibration_error(y: ArrayLike, p: ArrayLike, bins: int = 10) -> float:
    """ECE: the count-weighted mean gap between predicted and observed frequency."""
    table = reliability(y, p, bins)
    total = sum(b.count for b in table)
    if total == 0:
        return 0.0
    return sum(b.count * abs(b.mean_predicted - b.observed) for b in table) / total


def precision_at_k(y: ArrayLike, scores: ArrayLike, k: int) -> float:
    """Share of true positives among the ``k`` highest scores (ties: stable order)."""
    truth = np.asarray(y, dtype=float)
    order = np.argsort(-np.asarray(scores, dtype=float), kind="stable")
    top = order[: max(0, min(k, len(order)))]
    return float(truth[top].mean()) if len(top) else 0.0


def risk_quality(y: ArrayLike, p: ArrayLike, bins: int = 10) -> RiskQuality:
    """ROC AUC, PR AUC (average precision), Brier score and ECE of probabilities ``p``."""
    truth = np.asarray(y, dtype=int)
    prob = np.asarray(p, dtype=float)
    return RiskQuality(
        n=len(truth),
        positives=int(truth.sum()),
        roc_auc=float(roc_auc_score(truth, prob)),
        pr_auc=float(average_precision_score(truth, prob)),
        brier=float(brier_score_loss(truth, prob)),
        ece=expected_calibration_error(truth, prob, bins),
    )
