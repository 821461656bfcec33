"""Rules of the explainable part: negation, intensifiers, contrast and cues (FR and EN)."""

from __future__ import annotations

from palabre.text.features import message_counts, sentence_features
from palabre.text.lexicon import load_lexicon
from palabre.text.tokenize import split_tokens, tokenize


def feats(text: str, language: str) -> tuple[dict[str, float], list[str]]:
    lex = load_lexicon(language)
    parts = [sentence_features(s, lex) for s in split_tokens(tokenize(text, lex.knows))]
    counts, _ = message_counts(parts)
    return counts, [f"{signal}:{span}" for p in parts for signal, span, _ in p.cues]


def test_ne_pas_negates_the_words_in_its_scope() -> None:
    counts, _ = feats("je ne suis pas content", "fr")
    assert "!content" in counts
    assert "content" not in counts


def test_negated_praise_word_is_not_a_praise_cue_and_flips_valence() -> None:
    counts, cues = feats("je ne suis pas content", "fr")
    assert not [c for c in cues if c.startswith("praise:")]
    assert counts.get("lex:neg", 0) > 0
    assert counts.get("lex:pos", 0) == 0


def test_pas_mal_is_mildly_positive() -> None:
    counts, _ = feats("pas mal", "fr")
    plain, _ = feats("bien", "fr")
    assert 0 < counts["lex:pos"] < 1
    assert counts.get("lex:neg", 0) == 0
    assert plain["lex:pos"] > 0


def test_english_not_and_never_negate() -> None:
    counts, cues = feats("I am not disappointed", "en")
    assert "!disappointed" in counts
    assert not [c for c in cues if c.startswith("disappointment:")]
    counts, _ = feats("never happy with it", "en")
    assert "!happy" in counts


def test_negation_scope_is_closed_by_punctuation() -> None:
    counts, _ = feats("not now! great app", "en")
    assert "great" in counts


def test_phrases_that_say_not_themselves_still_fire() -> None:
    _, cues = feats("je ne comprends pas comment faire", "fr")
    assert "misunderstanding:je ne comprends pas" in cues
    _, cues = feats("I don't understand this fee", "en")
    assert "misunderstanding:i don't understand" in cues


def test_intensifiers_raise_and_diminishers_lower_valence() -> None:
    base = feats("good", "en")[0]["lex:pos"]
    assert feats("really good", "en")[0]["lex:pos"] > base
    assert feats("slightly good", "en")[0]["lex:pos"] < base
    assert feats("très bon", "fr")[0]["lex:pos"] > feats("bon", "fr")[0]["lex:pos"]


def test_contrast_weighs_the_second_clause() -> None:
    counts, _ = feats("the design is great but the app is terrible", "en")
    assert counts["lex:neg"] > counts["lex:pos"]
    counts, _ = feats("C'est nul. Mais le support est génial", "fr")
    assert counts["lex:pos"] > counts["lex:neg"]


def test_cues_of_each_signal_in_both_languages() -> None:
    expectations = {
        ("je vais résilier mon abonnement, plus jamais", "fr"): "drifting_away",
        ("I will cancel my subscription and switching to another bank", "en"): "drifting_away",
        ("ce serait bien de pouvoir exporter", "fr"): "suggestion",
        ("it would be great if we could export", "en"): "suggestion",
        ("impossible de trouver la facture", "fr"): "misunderstanding",
        ("how do I find my invoice", "en"): "misunderstanding",
        ("vraiment déçu par la mise à jour", "fr"): "disappointment",
        ("merci, bravo à l'équipe", "fr"): "praise",
    }
    for (text, language), signal in expectations.items():
        _, cues = feats(text, language)
        assert any(c.startswith(signal + ":") for c in cues), (text, cues)


def test_prefix_cues_match_word_families() -> None:
    _, cues = feats("the layout is confusing", "en")
    assert "misunderstanding:confusing" in cues
