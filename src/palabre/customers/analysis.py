"""Early warning: a calibrated churn-risk probability per customer, and its reasons in words.

:class:`ChurnRiskModel` is a scikit-learn estimator (``fit`` / ``predict_proba``) over
rows of named features, such as those of :func:`palabre.customers.features.build_features`
(CRM attributes, behaviour drift, text signals) or any table of typed values.

The model is an additive logistic regression (a generalised additive model):

* numbers get a cubic spline basis on quantile knots (a risk that rises, then falls,
  with tenure is allowed), booleans one column, categories one column each with rare
  ones folded into ``(other)``, and a missing value its own indicator column;
* features whose direction is known in advance (more messages of discontent, a longer
  silence) get a monotone basis instead: clipped ramps between quantile knots whose
  coefficients are held non-negative (L-BFGS-B with bounds), so that more of them can
  never lower the risk;
* the fit minimises the L2-penalised log-loss with no class weights, which is what
  makes the probabilities calibrated (the intercept alone makes the mean prediction
  equal the observed rate on the training rows); ``benchmarks/churn_eval.py`` checks
  it on held-out rows (ECE, reliability).

Explanations are exact, not approximated: the log-odds of a customer is the base
log-odds of the average training customer plus one term per feature (its columns'
coefficients times their difference from the training mean). The reasons are the
features (or groups of features saying the same thing: the three views of one signal)
with the largest positive terms, worded by :mod:`palabre.customers.wording`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.optimize import minimize
from scipy.special import expit
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.exceptions import NotFittedError
from sklearn.preprocessing import SplineTransformer

from palabre.customers.features import MONOTONE, SIGNALS, FeatureValue
from palabre.customers.wording import Labels, describe
from palabre.errors import ValidationError

Row = Mapping[str, FeatureValue]
FeatureInput = Sequence[Row] | NDArray[np.float64]
Float = NDArray[np.float64]
OTHER = "(other)"
MISSING = "(missing)"


@dataclass(frozen=True, slots=True)
class Reason:
    """One factor behind a customer's risk: its words and its weight in log-odds."""

    feature: str
    value: FeatureValue
    contribution: float
    text_fr: str
    text_en: str

    def text(self, language: str = "fr") -> str:
        """The reason in ``language`` (``fr`` or ``en``)."""
        return self.text_en if language == "en" else self.text_fr


@dataclass(slots=True)
class _Feature:
    """How one input feature becomes design columns ``start:stop`` (learned at fit)."""

    name: str
    kind: str  # numeric, monotone, boolean, categorical
    start: int = 0
    stop: int = 0
    fill: float = 0.0
    indicator: bool = False
    knots: Float | None = None
    direction: int = 0
    spline: SplineTransformer | None = None
    categories: dict[str, int] = field(default_factory=dict)


def _is_missing(value: object) -> bool:
    return value is None or (isinstance(value, float | np.floating) and math.isnan(value))


def _kind_of(value: object) -> str:
    if isinstance(value, bool | np.bool_):
        return "boolean"
    if isinstance(value, int | float | np.integer | np.floating):
        return "numeric"
    if isinstance(value, str):
        return "categorical"
    return type(value).__name__


def _columns(table: FeatureInput) -> tuple[int, dict[str, list[FeatureValue]]]:
    """The input as named columns (context keys starting with ``_`` left out)."""
    if isinstance(table, np.ndarray):
        if table.ndim != 2:
            raise ValidationError(f"X must be a 2-D array or a list of rows (got {table.ndim}-D)")
        values = table.astype(float)
        return len(values), {f"x{j}": values[:, j].tolist() for j in range(values.shape[1])}
    rows = list(table)
    names: dict[str, None] = {}
    for number, row in enumerate(rows):
        if not isinstance(row, Mapping):
            raise ValidationError(f"row {number} is not a mapping of feature names to values")
        for key in row:
            if not key.startswith("_"):
                names.setdefault(key, None)
    return len(rows), {name: [row.get(name) for row in rows] for name in names}


_FAST_TYPES: dict[str, set[type]] = {
    "numeric": {int, float, type(None)},
    "boolean": {bool, type(None)},
}


def _numbers(name: str, values: list[FeatureValue], kind: str) -> tuple[Float, NDArray[np.bool_]]:
    if set(map(type, values)) <= _FAST_TYPES[kind]:
        # Plain Python values of the right type: numpy reads None as NaN.
        fast = np.array(values, dtype=float)
        missing = np.isnan(fast)
        return np.where(missing, 0.0, fast), missing
    out = np.zeros(len(values))
    missing = np.zeros(len(values), dtype=bool)
    for i, value in enumerate(values):
        if _is_missing(value):
            missing[i] = True
            continue
        found = _kind_of(value)
        if found != kind:
            raise ValidationError(f"feature {name!r}, row {i}: expected {kind}, got {value!r}")
        out[i] = float(value)  # type: ignore[arg-type]
    return out, missing


def _quantile_knots(values: Float, n_knots: int) -> Float:
    return np.unique(np.quantile(values, np.linspace(0.0, 1.0, n_knots)))


class ChurnRiskModel(ClassifierMixin, BaseEstimator):  # type: ignore[misc]
    """Calibrated, explainable churn risk (see the module docstring).

    Parameters: ``C`` (inverse L2 strength, as in scikit-learn), ``n_knots`` (spline and
    ramp knots per number), ``min_frequency`` (categories rarer than this share, or
    count when ≥ 1, fold into ``(other)``), ``monotone`` (feature → +1 / -1, the
    direction in which it raises the risk; ``None``: the behaviour and text features of
    :mod:`palabre.customers.features`), ``max_iter`` (optimiser iterations).
    """

    def __init__(
        self,
        C: float = 1.0,  # noqa: N803 - scikit-learn's name
        n_knots: int = 5,
        min_frequency: float = 0.01,
        monotone: Mapping[str, int] | None = None,
        max_iter: int = 2000,
    ) -> None:
        self.C = C
        self.n_knots = n_knots
        self.min_frequency = min_frequency
        self.monotone = monotone
        self.max_iter = max_iter

    # -- encoding ------------------------------------------------------------------

    def _learn(
        self, name: str, values: list[FeatureValue], n: int, directions: Mapping[str, int]
    ) -> _Feature:
        # One value of each Python type is enough to know the feature's kind.
        samples = {type(v): v for v in values if not _is_missing(v)}
        kinds = {_kind_of(v) for v in samples.values()}
        if len(kinds) > 1 or kinds - {"boolean", "numeric", "categorical"}:
            raise ValidationError(
                f"feature {name!r} mixes value types {sorted(kinds)}: use numbers, booleans "
                "or text for one feature (dates as a number of days)"
            )
        kind = kinds.pop() if kinds else "numeric"
        feature = _Feature(name, kind)
        if kind == "categorical":
            counts: dict[str, int] = {}
            for v in values:
                key = MISSING if _is_missing(v) else str(v)
                counts[key] = counts.get(key, 0) + 1
            least = self.min_frequency * n if self.min_frequency < 1 else self.min_frequency
            kept = [k for k, c in sorted(counts.items()) if c >= least]
            if len(kept) < len(counts):
                kept.append(OTHER)
            feature.categories = {k: i for i, k in enumerate(kept)}
            return feature
        numbers, missing = _numbers(name, values, kind)
        present = numbers[~missing]
        feature.indicator = bool(missing.any())
        feature.fill = float(np.median(present)) if kind == "numeric" and len(present) else 0.0
        if kind == "boolean":
            feature.fill = float(present.mean()) if len(present) else 0.0
            return feature
        numbers[missing] = feature.fill
        direction = int(directions.get(name, 0))
        if direction:
            feature.kind, feature.direction = "monotone", 1 if direction > 0 else -1
            feature.knots = _quantile_knots(direction * numbers, self.n_knots)
            return feature
        knots = _quantile_knots(numbers, self.n_knots)
        feature.knots = knots
        if len(knots) > 2:
            spline = SplineTransformer(
                degree=3, knots=knots.reshape(-1, 1), extrapolation="constant", include_bias=False
            )
            feature.spline = spline.fit(numbers.reshape(-1, 1))
        return feature

    def _block(self, feature: _Feature, values: list[FeatureValue]) -> Float:
        """The design columns of one feature."""
        n = len(values)
        if feature.kind == "categorical":
            block = np.zeros((n, len(feature.categories)))
            for i, v in enumerate(values):
                key = MISSING if _is_missing(v) else v
                if not _is_missing(v) and not isinstance(v, str):
                    raise ValidationError(
                        f"feature {feature.name!r}, row {i}: expected text, got {v!r}"
                    )
                column = feature.categories.get(str(key), feature.categories.get(OTHER))
                if column is not None:
                    block[i, column] = 1.0
            return block
        kind = "boolean" if feature.kind == "boolean" else "numeric"
        numbers, missing = _numbers(feature.name, values, kind)
        numbers[missing] = feature.fill
        if feature.kind == "boolean":
            parts = [numbers.reshape(-1, 1)]
        elif feature.kind == "monotone":
            assert feature.knots is not None
            signed, k = feature.direction * numbers, feature.knots
            ramps = [
                np.clip((signed - k[j]) / (k[j + 1] - k[j]), 0.0, 1.0) for j in range(len(k) - 1)
            ]
            parts = [np.column_stack(ramps) if ramps else np.zeros((n, 1))]
        elif feature.spline is not None:
            parts = [np.asarray(feature.spline.transform(numbers.reshape(-1, 1)), dtype=float)]
        else:
            assert feature.knots is not None
            low, high = feature.knots[0], feature.knots[-1]
            parts = [((numbers - low) / (high - low) if high > low else numbers * 0).reshape(-1, 1)]
        if feature.indicator:
            parts.append(missing.astype(float).reshape(-1, 1))
        return np.hstack(parts)

    def _design(self, table: FeatureInput) -> Float:
        n, columns = _columns(table)
        blocks = [self._block(f, columns.get(f.name, [None] * n)) for f in self.features_]
        return np.hstack(blocks) if blocks else np.zeros((n, 0))

    # -- fitting -------------------------------------------------------------------

    def fit(self, X: FeatureInput, y: ArrayLike) -> ChurnRiskModel:  # noqa: N803
        """Learn the encoding and the coefficients; ``y`` is 1 (left) or 0 (stayed)."""
        n, columns = _columns(X)
        target = np.asarray(y)
        if target.shape != (n,):
            raise ValidationError(f"y has shape {target.shape}, expected ({n},): one label per row")
        if not np.isin(target, (0, 1)).all():
            raise ValidationError("y must hold 0 / 1 (or False / True) labels only")
        labels = target.astype(float)
        if labels.min() == labels.max():
            raise ValidationError("y holds one class only: churn needs leavers and stayers")
        directions = MONOTONE if self.monotone is None else self.monotone
        features: list[_Feature] = []
        blocks: list[Float] = []
        lower: list[float] = []
        start = 0
        for name, values in columns.items():
            feature = self._learn(name, values, n, directions)
            block = self._block(feature, values)
            feature.start, feature.stop = start, start + block.shape[1]
            start = feature.stop
            width = block.shape[1] - int(feature.indicator)
            bound = 0.0 if feature.kind == "monotone" else -np.inf
            lower.extend([bound] * width + [-np.inf] * int(feature.indicator))
            features.append(feature)
            blocks.append(block)
        self.features_ = features
        self.feature_names_in_ = np.array([f.name for f in features], dtype=object)
        self.n_features_in_ = len(features)
        self.classes_ = np.array([0, 1])
        design = np.hstack(blocks) if blocks else np.zeros((n, 0))
        coef, intercept = _fit_logistic(
            design, labels, float(self.C), np.array(lower), self.max_iter
        )
        self.coef_ = coef
        self.intercept_ = intercept
        self.design_mean_ = design.mean(axis=0)
        self.base_logit_ = float(intercept + self.design_mean_ @ coef)
        self.medians_ = {f.name: f.fill for f in features if f.kind in ("numeric", "monotone")}
        return self

    def _check(self) -> None:
        if not hasattr(self, "coef_"):
            raise NotFittedError("ChurnRiskModel is not fitted yet: call fit(X, y) first")

    # -- predicting ----------------------------------------------------------------

    def decision_function(self, X: FeatureInput) -> Float:  # noqa: N803
        """Log-odds of leaving, one per row."""
        self._check()
        return np.asarray(self._design(X) @ self.coef_ + self.intercept_, dtype=float)

    def predict_proba(self, X: FeatureInput) -> Float:  # noqa: N803
        """Columns: probability of staying, probability of leaving."""
        p = expit(self.decision_function(X))
        return np.column_stack([1.0 - p, p])

    def predict(self, X: FeatureInput) -> NDArray[np.int_]:  # noqa: N803
        """1 where leaving is more likely than not."""
        return (self.predict_proba(X)[:, 1] >= 0.5).astype(int)

    def contributions(self, X: FeatureInput) -> Float:  # noqa: N803
        """Per row and feature, the log-odds it adds to the average customer's.

        ``base_logit_ + contributions(X).sum(axis=1) == decision_function(X)``.
        """
        self._check()
        centred = (self._design(X) - self.design_mean_) * self.coef_
        return np.column_stack([centred[:, f.start : f.stop].sum(axis=1) for f in self.features_])

    def explain(
        self,
        row: Row | ArrayLike,
        top: int = 3,
        *,
        labels: Labels | None = None,
        min_contribution: float = 0.05,
    ) -> list[Reason]:
        """The ``top`` factors that raise this customer's risk most, in words.

        Only factors adding at least ``min_contribution`` log-odds are listed (a
        customer at ordinary risk may have none). ``labels`` renames CRM attributes:
        ``{"Contract": ("contrat", "contract")}``.
        """
        self._check()
        if isinstance(row, Mapping):
            data: Row = row
            table: FeatureInput = [row]
        else:
            vector = np.asarray(row, dtype=float).reshape(1, -1)
            data = {f"x{j}": float(v) for j, v in enumerate(vector[0])}
            table = vector
        terms = self.contributions(table)[0]
        # Features that say the same thing (three views of one signal, two of silence)
        # make one reason: their terms add up, the strongest one gives the words.
        groups: dict[str, list[int]] = {}
        for j, f in enumerate(self.features_):
            groups.setdefault(_group(f.name), []).append(j)
        ranked = sorted(groups.values(), key=lambda js: -float(terms[js].sum()))
        reasons: list[Reason] = []
        for members in ranked[:top]:
            total = float(terms[members].sum())
            if total < min_contribution:
                break
            j = max(members, key=lambda m: float(terms[m]))
            name = self.features_[j].name
            fr, en = describe(name, data, labels, self.medians_.get(name))
            reasons.append(Reason(name, data.get(name), total, fr, en))
        return reasons


def _group(name: str) -> str:
    for signal in SIGNALS:
        if name.startswith(signal + "_"):
            return signal
    if name.startswith("silence") or name == "longest_silence_90d":
        return "silence"
    if name.startswith("activity_change"):
        return "activity"
    return name


def _fit_logistic(
    design: Float,
    y: Float,
    C: float,  # noqa: N803 - scikit-learn's name
    lower: Float,
    max_iter: int,
) -> tuple[Float, float]:
    """L2-penalised logistic regression with lower bounds on coefficients (L-BFGS-B).

    Objective (scikit-learn's): ``C · Σ log-loss + ½‖w‖²``, intercept not penalised.
    """
    n, m = design.shape
    augmented = np.hstack([design, np.ones((n, 1))])
    rate = float(np.clip(y.mean(), 1e-6, 1 - 1e-6))
    start = np.zeros(m + 1)
    start[-1] = math.log(rate / (1 - rate))

    def objective(beta: Float) -> tuple[float, Float]:
        z = augmented @ beta
        loss = float(np.sum(np.logaddexp(0.0, z) - y * z))
        grad = C * (augmented.T @ (expit(z) - y))
        weights = beta[:-1]
        grad[:-1] += weights
        return C * loss + 0.5 * float(weights @ weights), grad

    bounds = [(None if math.isinf(b) else b, None) for b in lower] + [(None, None)]
    result = minimize(
        objective,
        start,
        jac=True,
        method="L-BFGS-B",
        bounds=bounds,
        options={"maxiter": max_iter, "maxfun": max_iter * 2},
    )
    beta = np.asarray(result.x, dtype=float)
    return beta[:-1], float(beta[-1])
