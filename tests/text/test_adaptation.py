"""The workspace adaptation of the signal model (palabre.text.adaptation): domain terms
matched on words, a recalibration pulled towards the shipped model, and real answers
that never make it worse on messages it did not see."""

from __future__ import annotations

import numpy as np

from palabre.text.adaptation import (
    Adaptation,
    Term,
    fit_adaptation,
    fit_on_inputs,
    fit_platt,
    log_loss,
)
from palabre.text.lexicon import SIGNALS
from tests.datasets import dataset_path

DISCONTENT = SIGNALS.index("discontent")


def test_terms_match_whole_words_ignoring_case_and_accents_in_their_language() -> None:
    adaptation = Adaptation(
        [
            Term("Zorglub", "discontent", 2.0),
            Term("délai", "discontent", 1.0, language="fr"),
            Term("merci Zorglub", "praise", 1.5),
        ]
    )
    texts = [
        "Encore le ZORGLUB en panne",  # any language, case folded
        "Le delai est trop long",  # accents folded, French only
        "The delai is long",  # a French term in an English message
        "zorglubs partout",  # not the whole word
        "merci zorglub pour tout",  # a phrase, and the word inside it
    ]
    shift, found = adaptation.term_scores(texts, ["fr", "fr", "en", "fr", "fr"])
    assert shift[:, DISCONTENT].tolist() == [2.0, 1.0, 0.0, 0.0, 2.0]
    assert found[0] == {"discontent": ["Zorglub"]}
    assert found[1] == {"discontent": ["délai"]}
    assert found[4]["praise"] == ["merci Zorglub"]


def test_the_adaptation_round_trips_and_its_digest_follows_its_content() -> None:
    one = Adaptation([Term("Zorglub", "discontent", 2.0)], {"praise": (1.2, -0.3)})
    again = Adaptation.from_json(one.to_json())
    assert again.to_json() == one.to_json()
    assert again.digest == one.digest
    assert Adaptation([Term("Zorglub", "discontent", 2.5)]).digest != one.digest


def test_the_recalibration_recovers_a_known_miscalibration() -> None:
    rng = np.random.default_rng(7)
    z = rng.normal(0.0, 2.0, 4000)
    y = (rng.random(4000) < 1 / (1 + np.exp(-(2.0 * z - 1.0)))).astype(float)
    a, b = fit_platt(z, y, prior=1e-6)
    assert abs(a - 2.0) < 0.2
    assert abs(b + 1.0) < 0.2
    # With a handful of answers the pull keeps it near the shipped model.
    a_few, _ = fit_platt(z[:6], y[:6])
    assert abs(a_few - 1.0) < abs(a - 1.0)


def test_the_recalibration_reports_the_uncertainty_of_its_gain() -> None:
    """A miscalibrated model: the recalibration's gain comes with its standard error,
    which shrinks as the answers grow (about as one over their square root)."""
    rng = np.random.default_rng(11)
    ses = []
    for count in (100, 1600):
        z = rng.normal(0.0, 2.0, count)
        y = rng.random(count) < 1 / (1 + np.exp(-(2.0 * z - 1.0)))
        probs = np.full((count, len(SIGNALS)), 0.5)
        probs[:, SIGNALS.index("discontent")] = 1 / (1 + np.exp(-z))
        answers = {"discontent": [(i, bool(v)) for i, v in enumerate(y)]}
        _, fits = fit_adaptation([], ["x"] * count, ["fr"] * count, probs, answers)
        fit = next(f for f in fits if f.signal == "discontent")
        assert fit.recalibrated
        assert fit.gain_se is not None
        assert fit.gain_se > 0
        ses.append(fit.gain_se)
    assert ses[1] < ses[0] / 2
    # A signal left as shipped has nothing to measure.
    assert next(f for f in fits if f.signal == "praise").gain_se is None


def test_a_signal_is_left_as_shipped_without_enough_or_one_sided_answers() -> None:
    probs = np.full((30, len(SIGNALS)), 0.3)
    answers = {
        "discontent": [(i, True) for i in range(30)],  # one-sided
        "praise": [(i, i % 2 == 0) for i in range(10)],  # too few
    }
    adaptation, fits = fit_adaptation([], ["x"] * 30, ["fr"] * 30, probs, answers)
    assert adaptation.recalibration == {}
    assert {f.signal: f.recalibrated for f in fits if f.corrections} == {
        "discontent": False,
        "praise": False,
    }


def test_real_answers_never_make_held_out_messages_worse() -> None:
    """French subtitles of XED (held-out split), anger or disgust taken as the analysts'
    answer for discontent: fitted on one half, measured on the other."""
    from palabre.text import data
    from palabre.text.model import default_analyzer

    dataset_path("xed-emotion-fr-en")
    rows = data.xed("fr", "test")[:1200]
    truth = np.array([bool(r.labels & {"anger", "disgust"}) for r in rows])
    batch = default_analyzer().analyze([r.text for r in rows], ["fr"] * len(rows))
    probs = batch.probs.astype(np.float64)
    half = len(rows) // 2
    answers = {"discontent": [(i, bool(truth[i])) for i in range(half)]}
    adaptation, fits = fit_adaptation([], [r.text for r in rows], batch.languages, probs, answers)
    fit = next(f for f in fits if f.signal == "discontent")
    assert fit.corrections == half
    assert fit.loss_before is not None
    assert fit.loss_after is not None
    adapted, _ = adaptation.apply([r.text for r in rows], batch.languages, probs)
    held_out = slice(half, None)
    before = log_loss(probs[held_out, DISCONTENT], truth[held_out])
    after = log_loss(adapted[held_out, DISCONTENT], truth[held_out])
    # Kept only when it helped in cross-validation; then it does not hurt unseen messages.
    assert fit.recalibrated == ("discontent" in adaptation.recalibration)
    assert after <= before + 0.005, (before, after, fit)


def test_the_residual_model_never_makes_held_out_messages_worse() -> None:
    """The same 600 French XED answers for discontent, now with the residual model over
    the shipped features: the other 600 subtitles' log-loss does not rise."""
    from palabre.text import data
    from palabre.text.model import default_analyzer

    dataset_path("xed-emotion-fr-en")
    analyzer = default_analyzer()
    rows = data.xed("fr", "test")[:1200]
    texts = [r.text for r in rows]
    truth = np.array([bool(r.labels & {"anger", "disgust"}) for r in rows])
    inputs = analyzer.adaptation_inputs(texts, ["fr"] * len(rows))
    half = len(rows) // 2
    answers = {"discontent": [(i, bool(truth[i])) for i in range(half)]}
    adaptation, fits = fit_on_inputs([], texts, inputs, answers)
    fit = next(f for f in fits if f.signal == "discontent")
    assert fit.residual_loss_before is not None
    assert fit.residual == ("discontent" in adaptation.residual.weights)
    batch = analyzer.analyze(texts, ["fr"] * len(rows), adaptation.residual)
    adapted, _ = adaptation.apply(texts, batch.languages, batch.probs, batch.residual)
    held_out = slice(half, None)
    before = log_loss(inputs.probs[held_out, DISCONTENT], truth[held_out])
    after = log_loss(adapted[held_out, DISCONTENT], truth[held_out])
    assert after <= before + 0.005, (before, after, fit)


def test_sentiment_corrections_of_real_tweets_lower_the_held_out_log_loss() -> None:
    """1000 French tweets of XLM-T (DEFT 2017) ``train`` corrected by their labels: the
    residual is kept, and on the ``test`` tweets it never saw the log-loss falls."""
    from palabre.text import data
    from palabre.text.model import SENTIMENT_LABELS, default_analyzer, softmax
    from palabre.text.residual import head_loss

    dataset_path("xlmt-sentiment-fr-en", "french")
    analyzer = default_analyzer()
    train = data.xlmt("fr", "train")[:1000]
    test = data.xlmt("fr", "test")
    labels = [SENTIMENT_LABELS.index(next(iter(r.labels))) for r in train]
    inputs = analyzer.adaptation_inputs([r.text for r in train], ["fr"] * len(train))
    adaptation, fits = fit_on_inputs(
        [], [r.text for r in train], inputs, {}, list(enumerate(labels))
    )
    fit = fits[-1]
    assert (fit.signal, fit.residual) == ("sentiment", True)
    assert 0 < adaptation.residual.size() <= 5000
    truth = np.array([SENTIMENT_LABELS.index(next(iter(r.labels))) for r in test])
    langs, message, _, batch = analyzer.raw_scores([r.text for r in test], ["fr"] * len(test))
    shipped = analyzer.sentiment_logits(langs, message)
    extra, _ = adaptation.residual.scores(batch, analyzer.space)
    adapted = shipped + extra[:, :3]
    assert head_loss(adapted, truth) < head_loss(shipped, truth) - 0.02
    # What the analyzer gives is the same model.
    scored = analyzer.analyze([r.text for r in test], ["fr"] * len(test), adaptation.residual)
    np.testing.assert_array_equal(scored.labels, softmax(adapted).argmax(axis=1))
