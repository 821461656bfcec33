"""The statistics of a burst: a count against its own baseline, and false-discovery control.

A term's rate per message is unknown; its baseline window (``baseline`` mentions in
``baseline_volume`` messages) gives a Gamma posterior on it (prior shape
``prior_shape``, a Jeffreys-like 0.5, and no prior messages), and today's count over
``volume`` messages then follows a negative binomial (the Gamma-Poisson mixture).
This is Poisson-aware (a count of 3 means little for a frequent term, much for a
term never seen) and honest about a thin baseline (a term seen twice in two months
has an uncertain rate, so the tail is heavier than Poisson's).

``max_shape`` caps the shape while keeping the mean: even a term with a long history
is allowed a day-to-day variation of its rate of about ``1 / sqrt(max_shape)``, which
real conversations show (topics come and go) and a pure Poisson would call a burst.

Expected counts scale with the messages of the window (``volume``), so a busy
Monday, a quiet Sunday or a day of heavy traffic on every subject raises no alarm:
the weekday seasonality and the overall volume of the day enter through the volume.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from scipy.stats import nbinom

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

DEFAULT_PRIOR_SHAPE = 0.5
DEFAULT_MAX_SHAPE = 30.0


def expected_counts(
    baseline: FloatArray,
    baseline_volume: FloatArray,
    volume: FloatArray,
    prior_shape: float = DEFAULT_PRIOR_SHAPE,
) -> FloatArray:
    """The posterior-predictive mean count: ``(baseline + prior) * volume / baseline_volume``."""
    safe = np.maximum(baseline_volume, 1.0)
    out: FloatArray = (baseline + prior_shape) * volume / safe
    return out


def burst_pvalues(
    counts: FloatArray,
    baseline: FloatArray,
    baseline_volume: FloatArray,
    volume: FloatArray,
    *,
    prior_shape: float = DEFAULT_PRIOR_SHAPE,
    max_shape: float = DEFAULT_MAX_SHAPE,
) -> FloatArray:
    """P(X >= count) under the negative binomial predictive of each term (vectorised).

    All arguments are arrays of the same shape (one entry per term): the count now,
    the mentions in the baseline window, the messages in the baseline window and
    the messages now. A zero count has p-value 1.
    """
    mean = expected_counts(baseline, baseline_volume, volume, prior_shape)
    shape = np.minimum(baseline + prior_shape, max_shape)
    # NB(n, p) has mean n (1 - p) / p: p = n / (n + mean) keeps the mean whatever n is.
    prob = shape / (shape + np.maximum(mean, 1e-12))
    out: FloatArray = np.where(counts > 0, nbinom.sf(counts - 1, shape, prob), 1.0)
    return out


def benjamini_hochberg(pvalues: FloatArray, q: float, tests: int | None = None) -> BoolArray:
    """Which p-values are discoveries at false-discovery rate ``q`` (Benjamini–Hochberg).

    ``tests`` is the number of hypotheses when some were not computed because they
    could not be significant (their p-value is 1): it defaults to ``len(pvalues)``.
    """
    m = len(pvalues) if tests is None else max(int(tests), len(pvalues))
    out = np.zeros(len(pvalues), dtype=bool)
    if m == 0 or len(pvalues) == 0:
        return out
    order = np.argsort(pvalues, kind="stable")
    ranked = pvalues[order]
    below = ranked <= q * np.arange(1, len(ranked) + 1) / m
    if below.any():
        last = int(np.nonzero(below)[0][-1])
        out[order[: last + 1]] = True
    return out


def score(pvalues: FloatArray) -> FloatArray:
    """The burst score shown to people: ``-log10(p)`` (0 for no evidence, 5 for p = 1e-5)."""
    out: FloatArray = -np.log10(np.clip(pvalues, 1e-300, 1.0))
    return out
