"""A workspace's residual model: what its corrections teach on top of the shipped weights.

The shipped model scores a message as ``bias + x · W`` over its features ``x`` (words,
``!negated`` words, stems, bigrams and the sentence-level lexicon and cue features,
each scaled as the model scales them: see :mod:`palabre.text.features`). The residual
is a second, sparse linear model over the *same* features, added to the shipped
logits::

    sentiment logits' = logits + x · R_sentiment      (3 classes)
    signal log-odds'   = z      + x · r_signal         (z: after terms and recalibration)

No intercept (see :class:`Residual`).

It is fitted by :func:`fit_head` with the shipped logits as a fixed offset and an L2
pull of strength ``λ`` towards zero: the penalty does not grow with the number of
corrections while the evidence does, so a hundred answers nudge the model and a few
thousand adapt it. ``λ`` is chosen by cross-validation on the corrections (the
strongest within one standard error of the best), and the head is kept only when it
beats the offset alone there by more than two standard errors of the gain.

Only features the shipped model knows can be learned (a word it never saw has no row);
a workspace's own vocabulary goes through domain terms. Pure numpy / scipy.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np
import scipy.optimize
import scipy.sparse as sp

from palabre.text.features import Batch
from palabre.text.lexicon import SIGNALS
from palabre.text.table import FeatureSpace

SENTIMENT: Final = "sentiment"
#: columns of the residual's weight matrix: the three sentiment classes, then the signals
COLUMNS: Final = ("negative", "neutral", "positive", *SIGNALS)
#: candidate strengths of the pull towards the shipped model (cross-validated)
STRENGTHS: Final = (0.1, 0.3, 1.0, 3.0, 10.0, 30.0, 100.0)
#: a head is kept when its cross-validated gain exceeds this many standard errors
KEEP_MARGIN: Final = 2.0
#: most weights a head keeps (the largest): the stored adaptation stays small
MAX_WEIGHTS: Final = 5000
#: weights smaller than this are dropped when stored
MIN_WEIGHT: Final = 1e-3
#: a learned word is shown as evidence when an occurrence adds at least this to the
#: message's log-odds
EVIDENCE_MIN: Final = 0.15
_MAX_WORDS: Final = 3


def message_features(
    b: Batch, space: FeatureSpace, columns: np.ndarray | None = None, width: int | None = None
) -> sp.csr_matrix:
    """Messages × features: the inputs the shipped model multiplies by its weights.

    ``columns`` maps each row of ``space`` to a column (0: dropped); by default every
    row is its own column. Row 0 (an unknown feature) never counts.
    """
    n = b.size
    ncols = (
        (len(space.names) if columns is None else int(columns.max(initial=0)) + 1)
        if width is None
        else width
    )
    if not len(b.kept):
        return sp.csr_matrix((n, ncols), dtype=np.float64)
    # The model's scaling: a sentence's contrast factor over the root of the message length.
    scale = b.sent_factor.astype(np.float64) / np.sqrt(np.maximum(b.msg_len[b.sent_msg], 1))
    token_rows = b.rows.reshape(-1).astype(np.int64)
    token_vals = (b.vals.astype(np.float64) * scale[b.tok_sent][:, None]).reshape(-1)
    token_msgs = np.repeat(b.tok_msg, 3)
    dense_rows = np.broadcast_to(space.dense_rows, b.dense.shape).reshape(-1)
    dense_vals = (b.dense.astype(np.float64) * scale[:, None]).reshape(-1)
    dense_msgs = np.repeat(b.sent_msg, b.dense.shape[1])
    rows = np.concatenate([token_rows, dense_rows])
    vals = np.concatenate([token_vals, dense_vals])
    msgs = np.concatenate([token_msgs, dense_msgs])
    cols = rows if columns is None else columns[rows]
    keep = (rows != 0) & (cols != 0) & (vals != 0)
    matrix = sp.coo_matrix((vals[keep], (msgs[keep], cols[keep])), shape=(n, ncols))
    return matrix.tocsr()


@dataclass(frozen=True)
class Inputs:
    """What :func:`fit_head` needs about the corrected messages, from the model in use."""

    languages: list[str]
    #: calibrated signal probabilities ``(n, len(SIGNALS))``
    probs: np.ndarray
    #: sentiment logits ``(n, 3)`` (per-language offsets, the encoder's blend included)
    sentiment_logits: np.ndarray
    #: message features ``(n, len(names))`` (:func:`message_features`)
    features: sp.csr_matrix
    #: feature name of each column
    names: list[str]


@dataclass(frozen=True)
class _Compiled:
    slot: np.ndarray  # feature row -> 1-based slot (0: not in the residual)
    weights: np.ndarray  # (slots + 1, len(COLUMNS)), row 0 zeros
    shown: np.ndarray  # slot -> may be shown as evidence
    names: list[str]


@dataclass
class Residual:
    """Sparse weights per fitted head (``sentiment`` and / or signals).

    No intercept: the mix of labels among the messages analysts chose to correct is not
    the workspace's (they correct what they notice, often what is wrong), so the base
    rates stay the shipped model's and only features move.
    """

    #: head -> feature name -> weight(s): 3 for sentiment (negative, neutral, positive),
    #: 1 for a signal
    weights: dict[str, dict[str, list[float]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._compiled: dict[int, _Compiled] = {}

    def __bool__(self) -> bool:
        return any(self.weights.values())

    def __getstate__(self) -> dict[str, Any]:
        # Sent to worker processes: the compiled arrays are rebuilt there.
        return {"weights": self.weights}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.weights = state["weights"]
        self._compiled = {}

    def to_json(self) -> dict[str, Any]:
        """Plain data, sorted (the adaptation's digest depends on it)."""
        return {head: dict(sorted(self.weights[head].items())) for head in sorted(self.weights)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Residual:
        """The residual :meth:`to_json` wrote."""
        weights: dict[str, dict[str, list[float]]] = {}
        for head, part in data.items():
            if head != SENTIMENT and head not in SIGNALS:
                raise ValueError(f"residual: unknown head {head!r}")
            weights[head] = {str(k): [float(x) for x in v] for k, v in part.items()}
        return cls(weights)

    def size(self) -> int:
        """Number of stored weights, all heads together."""
        return sum(len(w) for w in self.weights.values())

    def words(self, head: str, top: int = 10) -> list[tuple[str, float]]:
        """The features that raise ``head`` (a signal, or ``positive`` / ``negative``) most."""
        if head in SIGNALS:
            pairs = [(n, v[0]) for n, v in self.weights.get(head, {}).items()]
        else:
            k = COLUMNS.index(head)
            pairs = [
                (n, v[k] - float(np.mean(v))) for n, v in self.weights.get(SENTIMENT, {}).items()
            ]
        return sorted(pairs, key=lambda p: -p[1])[:top]

    def _compile(self, space: FeatureSpace, hidden: frozenset[str]) -> _Compiled:
        found = self._compiled.get(id(space))
        if found is not None:
            return found
        names = sorted({n for part in self.weights.values() for n in part if n in space.index})
        slot = np.zeros(len(space.names), dtype=np.int64)
        matrix = np.zeros((len(names) + 1, len(COLUMNS)), dtype=np.float64)
        for i, name in enumerate(names, start=1):
            slot[space.index[name]] = i
            if name in self.weights.get(SENTIMENT, {}):
                matrix[i, :3] = self.weights[SENTIMENT][name]
            for k, signal in enumerate(SIGNALS):
                if name in self.weights.get(signal, {}):
                    matrix[i, 3 + k] = self.weights[signal][name][0]
        shown = np.array(
            [False] + [n[0] not in "<!~" and ":" not in n and n not in hidden for n in names]
        )
        compiled = _Compiled(slot, matrix, shown, ["", *names])
        self._compiled[id(space)] = compiled
        return compiled

    def scores(
        self, b: Batch, space: FeatureSpace, hidden: frozenset[str] = frozenset()
    ) -> tuple[np.ndarray, dict[int, dict[str, list[str]]]]:
        """What the residual adds to each message's logits ``(n, len(COLUMNS))``, and per
        message the learned words that raise each signal most (function words and the
        names in ``hidden`` left out)."""
        c = self._compile(space, hidden)
        n = b.size
        out = np.zeros((n, len(COLUMNS)), dtype=np.float64)
        words: dict[int, dict[str, list[str]]] = {}
        if not len(b.kept):
            return out, words
        # Only the tokens whose features the residual has: usually a small part of them.
        scale = b.sent_factor.astype(np.float64) / np.sqrt(np.maximum(b.msg_len[b.sent_msg], 1))
        slots = c.slot[b.rows]
        tok, j = np.nonzero(slots)
        at = slots[tok, j]
        value = b.vals[tok, j].astype(np.float64) * scale[b.tok_sent[tok]]
        msgs = b.tok_msg[tok]
        dense_slots = c.slot[space.dense_rows]
        for d in np.flatnonzero(dense_slots).tolist():
            sent = np.flatnonzero(b.dense[:, d])
            at = np.append(at, np.full(len(sent), dense_slots[d]))
            value = np.append(value, b.dense[sent, d].astype(np.float64) * scale[sent])
            msgs = np.append(msgs, b.sent_msg[sent])
        contrib = value[:, None] * c.weights[at]
        for k in range(len(COLUMNS)):
            out[:, k] = np.bincount(msgs, weights=contrib[:, k], minlength=n)
        # Evidence: an occurrence of a shown feature that adds EVIDENCE_MIN or more.
        strong = (contrib[:, 3:] >= EVIDENCE_MIN) & c.shown[at][:, None]
        hit, k_hit = np.nonzero(strong)
        if len(hit):
            # Strongest first; ties by name (slots are in name order), not by position.
            order = np.lexsort((at[hit], -contrib[hit, 3 + k_hit], k_hit, msgs[hit]))
            for i in order.tolist():
                m, k = int(msgs[hit[i]]), int(k_hit[i])
                listed = words.setdefault(m, {}).setdefault(SIGNALS[k], [])
                name = c.names[int(at[hit[i]])]
                if len(listed) < _MAX_WORDS and name not in listed:
                    listed.append(name)
        return out, words


# -- fitting ------------------------------------------------------------------------------


def _log_softmax(z: np.ndarray) -> np.ndarray:
    shifted = z - z.max(axis=1, keepdims=True)
    out: np.ndarray = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return out


def example_losses(offset: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Log-loss of each label ``y`` under logits ``offset``: ``(n,)`` log-odds and 0/1
    labels for a signal, ``(n, 3)`` logits and class indices for sentiment."""
    if offset.ndim == 1:
        out: np.ndarray = np.logaddexp(0.0, offset) - y * offset
        return out
    return -_log_softmax(offset)[np.arange(len(y)), y.astype(np.int64)]


def head_loss(offset: np.ndarray, y: np.ndarray) -> float:
    """Mean log-loss of labels ``y`` under logits ``offset`` (see :func:`example_losses`)."""
    return float(np.mean(example_losses(offset, y)))


def _standard_error(values: np.ndarray) -> float:
    return float(np.std(values, ddof=1) / np.sqrt(len(values))) if len(values) > 1 else np.inf


def _fit(x: sp.csr_matrix, offset: np.ndarray, y: np.ndarray, strength: float) -> np.ndarray:
    """Weights ``(p, k)`` minimising the summed log-loss plus ``strength / 2 · |W|²``
    (L-BFGS)."""
    binary = offset.ndim == 1
    o = offset[:, None] if binary else offset
    n, k = o.shape
    p = x.shape[1]
    target = np.zeros((n, k))
    if binary:
        target[:, 0] = y
    else:
        target[np.arange(n), y.astype(np.int64)] = 1.0
    xt = x.T.tocsr()

    def objective(theta: np.ndarray) -> tuple[float, np.ndarray]:
        w = theta.reshape(p, k)
        z = o + np.asarray(x @ w)
        if binary:
            loss = float(np.sum(np.logaddexp(0.0, z[:, 0]) - target[:, 0] * z[:, 0]))
            g = 1.0 / (1.0 + np.exp(-z)) - target
        else:
            logp = _log_softmax(z)
            loss = float(-np.sum(logp * target))
            g = np.exp(logp) - target
        loss += 0.5 * strength * float(np.sum(w * w))
        grad = np.asarray(xt @ g) + strength * w
        return loss, grad.reshape(-1)

    result = scipy.optimize.minimize(
        objective, np.zeros(p * k), jac=True, method="L-BFGS-B", options={"maxiter": 300}
    )
    weights: np.ndarray = np.asarray(result.x, dtype=np.float64).reshape(p, k)
    return weights


def _predict(x: sp.csr_matrix, offset: np.ndarray, w: np.ndarray) -> np.ndarray:
    z = np.asarray(x @ w)
    out: np.ndarray = offset + (z[:, 0] if offset.ndim == 1 else z)
    return out


@dataclass(frozen=True)
class HeadFit:
    """One head's fit: cross-validated log-loss without and with the residual, and the
    standard error of the gain (``loss_before - loss_after``) over the answers: the
    head is kept when the gain exceeds :data:`KEEP_MARGIN` of them."""

    head: str
    corrections: int
    loss_before: float
    loss_after: float
    strength: float
    kept: bool
    weights: int
    gain_se: float


def fit_head(
    head: str,
    x: sp.csr_matrix,
    names: Sequence[str],
    offset: np.ndarray,
    y: np.ndarray,
    *,
    folds: int = 5,
    seed: int = 0,
    strengths: Sequence[float] = STRENGTHS,
) -> tuple[HeadFit, dict[str, list[float]]]:
    """Fit one head's residual on the corrected messages ``x`` (rows) with the shipped
    logits ``offset`` fixed; ``λ`` is the strongest pull whose ``folds``-fold
    cross-validated log-loss is within a standard error of the lowest, and the head is
    kept when its gain over the offset alone exceeds :data:`KEEP_MARGIN` standard errors.
    Returns the fit's report and the non-zero weights by feature name.
    """
    used = np.flatnonzero(np.diff(x.tocsc().indptr))  # columns some corrected message has
    x = x[:, used].tocsr()
    order = np.random.default_rng(seed).permutation(len(y))
    base = example_losses(offset, y)
    before = float(np.mean(base))
    curves: list[tuple[float, np.ndarray]] = []
    for strength in strengths:
        predicted = np.array(offset, dtype=np.float64, copy=True)
        for f in range(folds):
            test = np.sort(order[f::folds])
            train = np.setdiff1d(order, test)
            w = _fit(x[train], offset[train], y[train], strength)
            predicted[test] = _predict(x[test], offset[test], w)
        curves.append((float(strength), example_losses(predicted, y)))
    # The strongest pull within one standard error of the best (the "one-SE rule"):
    # among strengths that do about as well, the one that moves the model least.
    best = min(range(len(curves)), key=lambda i: float(np.mean(curves[i][1])))
    ceiling = float(np.mean(curves[best][1])) + _standard_error(curves[best][1])
    chosen = max((c for c in curves if float(np.mean(c[1])) <= ceiling), key=lambda c: c[0])
    best_strength, losses = chosen
    best_loss = float(np.mean(losses))
    # Kept only when it beats the model before it clearly: the cross-validated gain must
    # exceed twice its standard error (a gain within the noise is no reason to move).
    gain = base - losses
    gain_se = _standard_error(gain)
    kept = float(np.mean(gain)) > KEEP_MARGIN * gain_se
    if not kept:
        return HeadFit(head, len(y), before, best_loss, best_strength, False, 0, gain_se), {}
    w = _fit(x, offset, y, best_strength)
    magnitude = np.abs(w).max(axis=1)
    keep = np.flatnonzero(magnitude >= MIN_WEIGHT)
    keep = keep[np.argsort(-magnitude[keep], kind="stable")[:MAX_WEIGHTS]]
    weights = {
        names[int(used[j])]: [round(float(v), 5) for v in w[j]] for j in sorted(keep.tolist())
    }
    fit = HeadFit(head, len(y), before, best_loss, best_strength, True, len(weights), gain_se)
    return fit, weights


__all__ = [
    "COLUMNS",
    "SENTIMENT",
    "HeadFit",
    "Inputs",
    "Residual",
    "fit_head",
    "head_loss",
    "message_features",
]
