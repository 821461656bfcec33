"""Held-out quality of the shipped model on the real datasets must not regress.

Floors sit slightly below the figures measured when the weights were trained
(docs/signals.md); a retraining that loses quality fails here.
"""

from __future__ import annotations

import numpy as np
import pytest

from palabre.text import data, evaluate
from palabre.text.model import SignalAnalyzer, default_analyzer
from tests.datasets import dataset_path

# Measured with the shipped weights (docs/signals.md), floors ~0.01-0.02 below (a bit
# more on the 870-tweet French set, whose figures move by ±0.017 with one standard error).
TWEETEVAL_RECALL_FLOOR = 0.59  # measured 0.604 (VADER 0.570, SVM 0.629; goal 0.66 missed)
XLMT_FR_F1_FLOOR = 0.555  # measured 0.571 (goal 0.62 missed)
ALLOCINE_FLOOR = 0.77  # measured 0.784 (goal 0.88 missed)
XLMT_EN_F1_FLOOR = 0.58  # measured 0.600
GOEMOTIONS_F1_FLOORS = {  # measured 0.422 / 0.330 / 0.212 / 0.345 / 0.343
    "anger": 0.39,
    "annoyance": 0.31,
    "disappointment": 0.20,
    "disapproval": 0.32,
    "confusion": 0.32,
}
ECE_CEILING = 0.05  # the goal, met on every calibrated signal
LANGUAGE_FLOOR = 0.95  # measured 0.967 (English tweets) to 0.997


@pytest.fixture(scope="module")
def analyzer() -> SignalAnalyzer:
    return default_analyzer()


def figure(figures: list[evaluate.Figure], metric: str) -> float:
    return next(f.value for f in figures if f.metric == metric)


def test_tweeteval_sentiment_beats_vader(analyzer: SignalAnalyzer) -> None:
    dataset_path("tweeteval", "sentiment", "test_text.txt")
    rows = data.tweeteval_sentiment("test")
    figures = evaluate.sentiment_figures(analyzer, "tweeteval", rows)
    assert figure(figures, "macro_recall") >= TWEETEVAL_RECALL_FLOOR


def test_french_tweets_sentiment(analyzer: SignalAnalyzer) -> None:
    dataset_path("xlmt-sentiment-fr-en", "french", "test_text.txt")
    figures = evaluate.sentiment_figures(analyzer, "xlmt fr", data.xlmt("fr", "test"))
    assert figure(figures, "macro_f1") >= XLMT_FR_F1_FLOOR


def test_english_tweets_sentiment(analyzer: SignalAnalyzer) -> None:
    dataset_path("xlmt-sentiment-fr-en", "english", "test_text.txt")
    figures = evaluate.sentiment_figures(analyzer, "xlmt en", data.xlmt("en", "test"))
    assert figure(figures, "macro_f1") >= XLMT_EN_F1_FLOOR


def test_allocine_polarity(analyzer: SignalAnalyzer) -> None:
    dataset_path("allocine-tvseries-fr", "test.tsv")
    assert evaluate.polarity_accuracy(analyzer, data.allocine("test")) >= ALLOCINE_FLOOR


def test_goemotions_per_class_f1_and_calibration(analyzer: SignalAnalyzer) -> None:
    dataset_path("goemotions-en", "test.tsv")
    figures = evaluate.goemotions_figures(analyzer)
    for cls, floor in GOEMOTIONS_F1_FLOORS.items():
        assert figure(figures, f"F1 {cls}") >= floor, cls
    for signal in evaluate.CALIBRATED:
        assert figure(figures, f"ECE {signal}") <= ECE_CEILING, signal


def test_discontent_is_calibrated_in_french_and_english(analyzer: SignalAnalyzer) -> None:
    dataset_path("xed-emotion-fr-en", "fr-projections.tsv")
    figures = evaluate.xed_figures(analyzer)
    for f in figures:
        if f.metric == "ECE discontent":
            assert f.value <= ECE_CEILING, f.dataset


def test_language_identification(analyzer: SignalAnalyzer) -> None:
    dataset_path("xlmt-sentiment-fr-en", "french", "test_text.txt")
    figures = evaluate.language_figures(analyzer)
    assert min(f.value for f in figures) >= LANGUAGE_FLOOR
    assert float(np.mean([f.value for f in figures])) >= 0.98
