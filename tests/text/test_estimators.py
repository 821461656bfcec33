"""Every estimator palabre.text defines follows the scikit-learn contract."""

from __future__ import annotations

import inspect
from typing import Any

import numpy as np
import pytest

from palabre.text.calibration import IsotonicCalibrator, expected_calibration_error
from palabre.text.language import LanguageIdentifier

RNG = np.random.default_rng(0)
_SCORES = RNG.normal(size=400)
_LABELS = (RNG.random(400) < 1 / (1 + np.exp(-2 * _SCORES))).astype(float)

ESTIMATORS: list[tuple[Any, tuple[Any, ...]]] = [
    (IsotonicCalibrator(min_bin=20), (_SCORES, _LABELS)),
    (
        LanguageIdentifier(min_count=1),
        ([["le", "chat", "est", "noir"], ["the", "cat", "is", "black"]], ["fr", "en"]),
    ),
]


@pytest.mark.parametrize(("estimator", "fit_args"), ESTIMATORS, ids=lambda e: type(e).__name__)
def test_estimator_contract(estimator: Any, fit_args: tuple[Any, ...]) -> None:
    params = inspect.signature(type(estimator).__init__).parameters
    for name in params:
        if name != "self":
            assert hasattr(estimator, name), f"__init__ must store {name}"
    learned_before = {a for a in vars(estimator) if a.endswith("_")}
    assert not learned_before, "learned attributes appear only after fit"
    assert estimator.fit(*fit_args) is estimator
    learned = {a for a in vars(estimator) if a.endswith("_") and not a.startswith("_")}
    assert learned, "fit sets attributes ending in _"
    assert set(vars(estimator)) - learned == {n for n in params if n != "self"}


def test_isotonic_map_is_monotone_and_calibrated_on_its_data() -> None:
    cal = IsotonicCalibrator(min_bin=20).fit(_SCORES, _LABELS)
    probs = cal.predict(np.sort(_SCORES))
    assert np.all(np.diff(probs) >= -1e-12)
    assert expected_calibration_error(cal.predict(_SCORES), _LABELS) < 0.05


def test_ece_of_a_lying_model_is_large() -> None:
    labels = np.array([0, 1] * 50, dtype=float)
    assert expected_calibration_error(np.full(100, 0.95), labels) == pytest.approx(0.45)


def test_language_identifier_tells_french_from_english() -> None:
    ident = LanguageIdentifier(min_count=1).fit(
        [["je", "ne", "comprends", "pas"], ["i", "do", "not", "understand"]], ["fr", "en"]
    )
    assert ident.score(["je", "comprends"]) > 0 > ident.score(["i", "understand"])
    restored = LanguageIdentifier.from_arrays(ident.to_arrays())
    assert restored.score(["je"]) == pytest.approx(ident.score(["je"]), rel=1e-6)
