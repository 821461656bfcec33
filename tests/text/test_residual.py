"""The residual model (palabre.text.residual): a sparse linear model over the shipped
model's own features, added to its logits, learned from corrections with a pull
towards the shipped model that many corrections overcome and few do not."""

from __future__ import annotations

import numpy as np
import pytest

from palabre.text.adaptation import Adaptation, fit_on_inputs
from palabre.text.lexicon import SIGNALS
from palabre.text.model import SignalAnalyzer, default_analyzer
from palabre.text.residual import (
    KEEP_MARGIN,
    MAX_WEIGHTS,
    Residual,
    fit_head,
    head_loss,
    message_features,
)

DISCONTENT = SIGNALS.index("discontent")
NEGATIVE, NEUTRAL, POSITIVE = 0, 1, 2


@pytest.fixture(scope="module")
def analyzer() -> SignalAnalyzer:
    return default_analyzer()


def updates_and_orders(count: int) -> tuple[list[str], list[int]]:
    """``count`` messages about the app's update (the workspace calls them negative) and
    ``count`` about orders (neutral): the shipped model reads both as neutral."""
    updates = [f"La mise à jour {i} de l'application est sortie." for i in range(count)]
    orders = [f"Ma commande {i} est bien arrivée." for i in range(count)]
    return updates + orders, [NEGATIVE] * count + [NEUTRAL] * count


def test_the_features_are_those_the_shipped_model_multiplies_by_its_weights(
    analyzer: SignalAnalyzer,
) -> None:
    texts = [
        "Je suis très déçu, mais le support est top.",
        "This is not good at all! Never again. The update broke it.",
        "ok",
        "",
    ]
    _, message, _, batch = analyzer.raw_scores(texts)
    x = message_features(batch, analyzer.space)
    assert x.shape == (4, len(analyzer.space.names))
    assert x[:, 0].nnz == 0  # an unknown feature never counts
    rebuilt = x @ analyzer.weights.astype(np.float64) + analyzer.bias
    np.testing.assert_allclose(rebuilt, message, atol=1e-5)


def test_sentiment_corrections_teach_what_the_shipped_model_misreads(
    analyzer: SignalAnalyzer,
) -> None:
    texts, labels = updates_and_orders(25)
    inputs = analyzer.adaptation_inputs(texts, ["fr"] * len(texts))
    unseen = ["Encore une mise à jour de l'application.", "Ma commande est arrivée."]
    assert analyzer.analyze(unseen, ["fr", "fr"]).labels.tolist() == [NEUTRAL, NEUTRAL]
    adaptation, fits = fit_on_inputs([], texts, inputs, {}, list(enumerate(labels)))
    fit = fits[-1]
    assert (fit.signal, fit.corrections, fit.residual) == ("sentiment", 50, True)
    assert fit.residual_loss_after is not None
    assert fit.residual_loss_before is not None
    assert fit.residual_loss_after < fit.residual_loss_before
    adapted = analyzer.analyze(unseen, ["fr", "fr"], adaptation.residual)
    assert adapted.labels.tolist() == [NEGATIVE, NEUTRAL]
    # A message sharing nothing with the corrections keeps its label.
    praise = "Merci pour tout, super service !"
    assert analyzer.analyze([praise], ["fr"], adaptation.residual).labels.tolist() == [POSITIVE]
    learned = [name for name, _ in adaptation.residual.words("negative", top=40)]
    assert "application" in learned


def test_few_corrections_nudge_and_many_adapt(analyzer: SignalAnalyzer) -> None:
    texts, labels = updates_and_orders(100)
    inputs = analyzer.adaptation_inputs(texts, ["fr"] * len(texts))
    offset = inputs.sentiment_logits
    y = np.array(labels)
    column = inputs.names.index("application")
    learned = []
    for count in (5, 100):
        rows = np.r_[0:count, 100 : 100 + count]
        w = fit_head_weights(inputs.features[rows], offset[rows], y[rows], column)
        learned.append(w[NEGATIVE] - w[NEUTRAL])
    assert 0 < learned[0] < learned[1]


def fit_head_weights(x: object, offset: np.ndarray, y: np.ndarray, column: int) -> np.ndarray:
    """The weights of one feature fitted at a fixed strength (no cross-validation)."""
    from palabre.text.residual import _fit

    assert hasattr(x, "tocsr")
    w = _fit(x.tocsr(), offset, y, 10.0)  # type: ignore[attr-defined]
    return w[column]


def test_binary_sentiment_corrections_are_enough(analyzer: SignalAnalyzer) -> None:
    texts = [f"La mise à jour {i} de l'application est sortie." for i in range(20)]
    texts += [f"Le retard {i} de ma commande est rattrapé." for i in range(20)]
    labels = [NEGATIVE] * 20 + [POSITIVE] * 20
    inputs = analyzer.adaptation_inputs(texts, ["fr"] * len(texts))
    adaptation, fits = fit_on_inputs([], texts, inputs, {}, list(enumerate(labels)))
    assert fits[-1].residual
    before = analyzer.analyze(texts, ["fr"] * 40)
    after = analyzer.analyze(texts, ["fr"] * 40, adaptation.residual)
    truth = np.array(labels) == POSITIVE
    assert np.mean((after.scores > 0) == truth) > np.mean((before.scores > 0) == truth)
    assert np.mean((after.scores > 0) == truth) == 1.0


def test_answers_that_only_repeat_the_model_are_not_kept(analyzer: SignalAnalyzer) -> None:
    """Labels drawn from the shipped model's own probabilities: nothing to learn, and
    cross-validation says so."""
    texts, _ = updates_and_orders(60)
    inputs = analyzer.adaptation_inputs(texts, ["fr"] * len(texts))
    z = inputs.sentiment_logits
    p = np.exp(z - z.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    rng = np.random.default_rng(3)
    y = np.array([rng.choice(3, p=row) for row in p])
    fit, weights = fit_head("sentiment", inputs.features, inputs.names, z, y)
    assert not fit.kept
    assert weights == {}
    assert fit.loss_before == pytest.approx(head_loss(z, y))


def test_a_head_is_kept_when_its_gain_exceeds_twice_its_standard_error(
    analyzer: SignalAnalyzer,
) -> None:
    texts, labels = updates_and_orders(40)
    inputs = analyzer.adaptation_inputs(texts, ["fr"] * len(texts))
    z = inputs.sentiment_logits
    learnable = np.array(labels)
    # Labels drawn from the model's own probabilities: nothing to learn.
    p = np.exp(z - z.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    rng = np.random.default_rng(3)
    repeated = np.array([rng.choice(3, p=row) for row in p])
    fits = [
        fit_head("sentiment", inputs.features, inputs.names, z, y)[0] for y in (learnable, repeated)
    ]
    assert [fit.kept for fit in fits] == [True, False]
    for fit in fits:
        assert 0 < fit.gain_se < np.inf
        gain = fit.loss_before - fit.loss_after
        assert fit.kept == (gain > KEEP_MARGIN * fit.gain_se)
    # The adaptation's report carries it, for the page and for palabre train --json.
    _, reported = fit_on_inputs([], texts, inputs, {}, list(enumerate(labels)))
    assert reported[-1].residual_gain_se == pytest.approx(fits[0].gain_se)


def test_a_signal_residual_raises_the_signal_and_shows_its_words(
    analyzer: SignalAnalyzer,
) -> None:
    texts, labels = updates_and_orders(25)
    inputs = analyzer.adaptation_inputs(texts, ["fr"] * len(texts))
    answers = {"discontent": [(i, label == NEGATIVE) for i, label in enumerate(labels)]}
    adaptation, fits = fit_on_inputs([], texts, inputs, answers)
    fit = next(f for f in fits if f.signal == "discontent")
    assert fit.residual
    unseen = ["Encore une mise à jour de l'application.", "Ma commande est arrivée."]
    batch = analyzer.analyze(unseen, ["fr", "fr"], adaptation.residual)
    probs, evidence = adaptation.adapt_batch(unseen, batch, 0.25)
    shipped = analyzer.analyze(unseen, ["fr", "fr"]).probs[:, DISCONTENT]
    assert probs[0, DISCONTENT] > 0.5 > shipped[0]
    assert probs[1, DISCONTENT] < 0.25
    assert "application" in evidence[0]["discontent"]
    assert "discontent" not in evidence[1]


def test_the_residual_is_stored_sparse_bounded_and_in_the_digest() -> None:
    residual = Residual({"sentiment": {"lent": [0.5, 0.0, -0.5]}, "praise": {"merci": [0.8]}})
    plain = Adaptation()
    adapted = Adaptation(residual=residual)
    # An adaptation without a residual keeps the payload (and digest) it always had.
    assert "residual" not in plain.to_json()
    again = Adaptation.from_json(adapted.to_json())
    assert again.to_json() == adapted.to_json()
    assert again.residual.size() == 2
    assert again.digest == adapted.digest != plain.digest
    changed = Residual({"praise": {"merci": [0.9]}})
    assert Adaptation(residual=changed).digest != adapted.digest
    with pytest.raises(ValueError, match="unknown head 'anger'"):
        Residual.from_json({"anger": {"lent": [0.1]}})
    assert MAX_WEIGHTS <= 10_000


def test_scoring_with_a_residual_gives_the_same_result_in_chunks_and_at_once(
    analyzer: SignalAnalyzer,
) -> None:
    from palabre.text.model import SignalBatch
    from palabre.text.parallel import analyze_in_chunks

    texts, labels = updates_and_orders(25)
    inputs = analyzer.adaptation_inputs(texts, ["fr"] * len(texts))
    adaptation, _ = fit_on_inputs(
        [],
        texts,
        inputs,
        {"discontent": [(i, label == NEGATIVE) for i, label in enumerate(labels)]},
        list(enumerate(labels)),
    )
    whole = analyzer.analyze(texts, None, adaptation.residual)
    parts = analyze_in_chunks(texts, None, chunk=7, residual=adaptation.residual)
    assert isinstance(parts, SignalBatch)
    assert whole.residual is not None
    assert parts.residual is not None
    np.testing.assert_allclose(parts.residual, whole.residual, atol=1e-9)
    np.testing.assert_array_equal(parts.labels, whole.labels)
    assert parts.residual_words == whole.residual_words
    # What is added is the residual's weights times the shipped model's features.
    _, _, _, batch = analyzer.raw_scores(texts)
    x = message_features(batch, analyzer.space)
    for k, signal in enumerate(SIGNALS):
        r = np.zeros(x.shape[1])
        for name, (value,) in adaptation.residual.weights.get(signal, {}).items():
            r[analyzer.space.index[name]] = value
        np.testing.assert_allclose(whole.residual[:, k], x @ r, atol=1e-9)
