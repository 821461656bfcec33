"""The shipped analyzer, read as a specification of what a message's signals mean."""

from __future__ import annotations

import pytest

from palabre.text.lexicon import SIGNALS
from palabre.text.model import (
    EVIDENCE_THRESHOLD,
    MessageSignals,
    SignalBatch,
    default_analyzer,
    language_of,
)


def one(text: str, language: str | None = None) -> MessageSignals:
    return default_analyzer().analyze([text], [language])[0]


def test_every_message_gets_all_signals_as_probabilities() -> None:
    result = one("Bonjour, je voudrais changer mon adresse.")
    assert set(result.signals) == set(SIGNALS)
    assert all(0.0 <= p <= 1.0 for p in result.signals.values())
    assert -1.0 <= result.sentiment_score <= 1.0


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("je ne comprends pas comment on fait pour trouver la facture", "fr"),
        ("pas mal du tout", "fr"),
        ("how do I cancel my subscription", "en"),
        ("the new update is great, thanks", "en"),
        ("Das ist wirklich eine sehr gute Anwendung, danke schön", "other"),
        ("😡😡😡", "other"),
    ],
)
def test_language(text: str, expected: str) -> None:
    assert language_of(text) == expected


def test_negated_contentment_is_not_praise() -> None:
    negated = one("je ne suis pas content du service")
    plain = one("je suis content du service")
    assert negated.signals["praise"] < plain.signals["praise"]
    assert negated.signals["praise"] < 0.5
    assert negated.sentiment_score < plain.sentiment_score


def test_pas_mal_is_mildly_positive() -> None:
    result = one("pas mal", "fr")
    assert result.sentiment_score > 0
    assert result.sentiment_score < one("excellent", "fr").sentiment_score


def test_intent_to_leave_is_drifting_away_with_its_evidence() -> None:
    fr = one("Je vais résilier mon abonnement, plus jamais chez vous.")
    en = one("I'm going to cancel my subscription and switching to another provider.")
    for result in (fr, en):
        assert result.signals["drifting_away"] > 0.5
    assert any("résilier" in s for s in fr.evidence["drifting_away"])
    assert any("switching to" in s for s in en.evidence["drifting_away"])
    assert one("Merci pour la livraison rapide").signals["drifting_away"] < 0.2


def test_suggestion_and_misunderstanding_in_both_languages() -> None:
    assert one("Ce serait bien de pouvoir exporter en CSV").signals["suggestion"] > 0.5
    assert one("It would be great if you could add a dark mode").signals["suggestion"] > 0.5
    fr = one("Je ne comprends pas, impossible de trouver ma facture ?")
    en = one("I don't understand how do I find my invoice?")
    plain = one("Bonjour, voici ma nouvelle adresse.")
    # Calibrated on GoEmotions, where annotators mark confusion on about half of such
    # messages: the probability is high for the signal, not near 1.
    for result in (fr, en):
        assert result.signals["misunderstanding"] > 0.35
        assert result.signals["misunderstanding"] > 10 * plain.signals["misunderstanding"]
    assert "je ne comprends pas" in fr.evidence["misunderstanding"]


def test_a_complaint_in_one_sentence_is_not_diluted_by_the_others() -> None:
    calm = one("Hello team. I ordered a blue jumper last week. The parcel arrived today.")
    angry = one(
        "Hello team. I ordered a blue jumper last week. This is unacceptable, I am furious!"
    )
    assert angry.signals["discontent"] > calm.signals["discontent"] + 0.2
    assert angry.sentiment_label == "negative"


def test_praise_and_disappointment() -> None:
    praise = one("Thank you so much, your support team is amazing!")
    assert praise.signals["praise"] > 0.5
    assert praise.sentiment_label == "positive"
    sad_fr = one("Vraiment déçu, je m'attendais à mieux.")
    sad_en = one("Really disappointed, I expected better.")
    plain = one("Bonjour, voici ma nouvelle adresse.")
    for sad in (sad_fr, sad_en):
        assert sad.signals["disappointment"] > 0.25
        assert sad.signals["disappointment"] > 10 * plain.signals["disappointment"]
        assert sad.sentiment_label == "negative"
    assert "déçu" in sad_fr.evidence["disappointment"]


def test_evidence_only_for_signals_that_are_raised() -> None:
    result = one("Bonjour, voici ma nouvelle adresse postale.")
    assert result.evidence == {}
    mixed = one("Merci pour votre aide, mais je vais résilier.")
    for signal in mixed.evidence:
        assert mixed.signals[signal] >= EVIDENCE_THRESHOLD


def test_given_language_is_kept() -> None:
    assert one("merci", "en").language == "en"


TRICKY = [
    "",
    "   ",
    "it is not",
    "great app, thanks!",
    "C'est lent. Mais le support est top.",
    "je ne comprends pas",
    "https://example.org @bob 😡😡",
    "Sooooo good!!! Really.",
    "...",
    "I'm going to cancel my subscription. Never again",
]


def test_a_message_gets_the_same_analysis_alone_or_in_a_batch() -> None:
    analyzer = default_analyzer()
    together = analyzer.analyze(TRICKY)
    for i, text in enumerate(TRICKY):
        alone = analyzer.analyze([text])[0]
        assert together[i].language == alone.language, text
        assert together[i].sentiment_label == alone.sentiment_label, text
        assert together[i].sentiment_score == pytest.approx(alone.sentiment_score, abs=1e-5)
        for signal in SIGNALS:
            assert together[i].signals[signal] == pytest.approx(alone.signals[signal], abs=1e-5)
        assert together[i].evidence == alone.evidence, text


def test_batches_concatenate_in_order() -> None:
    analyzer = default_analyzer()
    first = analyzer.analyze(TRICKY[:4])
    second = analyzer.analyze(TRICKY[4:])
    joined = SignalBatch.concat([first, second])
    assert len(joined) == len(TRICKY)
    whole = analyzer.analyze(TRICKY)
    assert [m.evidence for m in joined] == [m.evidence for m in whole]
    rows = list(joined.json_rows([str(i) for i in range(len(TRICKY))]))
    assert [r["id"] for r in rows] == [str(i) for i in range(len(TRICKY))]
    assert rows[9]["signals"]["drifting_away"] == round(whole[9].signals["drifting_away"], 4)


def test_empty_batch() -> None:
    assert len(default_analyzer().analyze([])) == 0


def test_the_shipped_weights_carry_the_sentiment_offsets_chosen_for_them() -> None:
    # The offsets are chosen on validation splits (benchmarks/sentiment_offsets.py) and
    # written into the file by training: a file trained without them would drift.
    from palabre.text.train import SENTIMENT_OFFSETS

    analyzer = default_analyzer()
    for language, offsets in SENTIMENT_OFFSETS.items():
        assert analyzer.sentiment_offsets[language].tolist() == list(offsets), language


def test_sentiment_offsets_move_the_line_between_classes() -> None:
    analyzer = default_analyzer()
    texts = ["le colis est arrivé", "the parcel arrived", "pas mal", "not bad"]
    langs, message, _, _ = analyzer.raw_scores(texts, ["fr", "en", "fr", "en"])
    before = analyzer.sentiment_logits(langs, message)
    saved = dict(analyzer.sentiment_offsets)
    try:
        for language in ("fr", "en"):
            analyzer.sentiment_offsets[language] = saved[language] + [0.0, 0.0, 1.0]
        after = analyzer.sentiment_logits(langs, message)
    finally:
        analyzer.sentiment_offsets.update(saved)
    assert after[:, 2] - before[:, 2] == pytest.approx([1.0] * 4)
    assert after[:, :2] == pytest.approx(before[:, :2])
