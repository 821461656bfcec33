"""Rules of the explainable part: negation, intensifiers, contrast and cues (FR and EN),
read through the batch featuriser (every word gets a feature: an open feature space)."""

from __future__ import annotations

import pytest

from palabre.text.features import Featurizer, describe
from palabre.text.language import LanguageIdentifier
from palabre.text.lexicon import LanguageLexicon, fold_table, load_lexicon, without_accents
from palabre.text.table import FeatureSpace, TokenTable, inflected_valence


@pytest.fixture(scope="module")
def featurizer() -> Featurizer:
    lexicons = {lang: load_lexicon(lang) for lang in ("fr", "en")}
    return Featurizer(TokenTable(lexicons, FeatureSpace(None), {}), LanguageIdentifier())


def feats(featurizer: Featurizer, text: str, language: str) -> tuple[dict[str, float], list[str]]:
    return describe(featurizer, featurizer.batch([text], [language]), 0)


def test_ne_pas_negates_the_words_in_its_scope(featurizer: Featurizer) -> None:
    counts, _ = feats(featurizer, "je ne suis pas content", "fr")
    assert "!content" in counts
    assert "content" not in counts


def test_negated_praise_word_is_not_a_praise_cue_and_flips_valence(
    featurizer: Featurizer,
) -> None:
    counts, cues = feats(featurizer, "je ne suis pas content", "fr")
    assert not [c for c in cues if c.startswith("praise:")]
    assert counts.get("lex:neg", 0) > 0
    assert counts.get("lex:pos", 0) == 0


def test_pas_mal_is_mildly_positive(featurizer: Featurizer) -> None:
    counts, _ = feats(featurizer, "pas mal", "fr")
    plain, _ = feats(featurizer, "bien", "fr")
    assert 0 < counts["lex:pos"] < 1
    assert counts.get("lex:neg", 0) == 0
    assert plain["lex:pos"] > 0


def test_a_negated_idiom_reads_mediocre_not_the_opposite_of_its_word(
    featurizer: Featurizer,
) -> None:
    # « terrible » alone is negative; « pas terrible » means mediocre, not good.
    plain, _ = feats(featurizer, "c'est terrible", "fr")
    assert plain.get("lex:neg", 0) > 0
    for text in ("pas terrible", "ce n'est pas terrible", "le menu est pas fou", "pas evident"):
        counts, _ = feats(featurizer, text, "fr")
        assert counts.get("lex:neg", 0) > 0, text
        assert counts.get("lex:pos", 0) == 0, text
    # Other negated words keep the flipped valence (« pas mal » above), and the idiom is
    # French only: "not terrible" stays mildly positive.
    counts, _ = feats(featurizer, "not terrible", "en")
    assert counts.get("lex:pos", 0) > 0


def test_spoken_french_without_ne_negates_the_verb_before_pas(featurizer: Featurizer) -> None:
    counts, _ = feats(featurizer, "j'aime pas", "fr")
    assert "!aime" in counts
    assert "aime" not in counts
    assert counts.get("lex:neg", 0) > 0
    assert counts.get("lex:pos", 0) == 0
    counts, _ = feats(featurizer, "ça marche jamais", "fr")
    assert "!marche" in counts
    # English has no such rule, and a break just before « pas » (« ! ») stops it.
    counts, _ = feats(featurizer, "I like pas", "en")
    assert "like" in counts
    counts, _ = feats(featurizer, "j'aime ! pas du tout", "fr")
    assert "aime" in counts


def test_english_not_and_never_negate(featurizer: Featurizer) -> None:
    counts, cues = feats(featurizer, "I am not disappointed", "en")
    assert "!disappointed" in counts
    assert not [c for c in cues if c.startswith("disappointment:")]
    counts, _ = feats(featurizer, "never happy with it", "en")
    assert "!happy" in counts


def test_negation_scope_is_closed_by_punctuation_and_ends_after_three_tokens(
    featurizer: Featurizer,
) -> None:
    counts, _ = feats(featurizer, "not now! great app", "en")
    assert "great" in counts
    counts, _ = feats(featurizer, "not at all the great app", "en")
    assert "!at" in counts
    assert "!the" in counts
    assert "great" in counts


def test_negation_does_not_cross_messages_of_a_batch(featurizer: Featurizer) -> None:
    batch = featurizer.batch(["it is not", "great app"], ["en", "en"])
    counts, _ = describe(featurizer, batch, 1)
    assert "great" in counts


def test_phrases_that_say_not_themselves_still_fire(featurizer: Featurizer) -> None:
    _, cues = feats(featurizer, "je ne comprends pas comment faire", "fr")
    assert "misunderstanding:je ne comprends pas" in cues
    _, cues = feats(featurizer, "I don't understand this fee", "en")
    assert "misunderstanding:i don't understand" in cues


def test_intensifiers_raise_and_diminishers_lower_valence(featurizer: Featurizer) -> None:
    base = feats(featurizer, "good", "en")[0]["lex:pos"]
    assert feats(featurizer, "really good", "en")[0]["lex:pos"] > base
    assert feats(featurizer, "slightly good", "en")[0]["lex:pos"] < base
    assert feats(featurizer, "sooooo good", "en")[0]["lex:pos"] > base
    assert (
        feats(featurizer, "très bon", "fr")[0]["lex:pos"]
        > feats(featurizer, "bon", "fr")[0]["lex:pos"]
    )


def test_an_intensifier_that_is_an_opinion_word_only_intensifies_before_one(
    featurizer: Featurizer,
) -> None:
    # « super lente » is slow, very: neither good nor praise.
    counts, cues = feats(featurizer, "la livraison est super lente", "fr")
    assert counts.get("lex:pos", 0) == 0
    assert counts["lex:neg"] > feats(featurizer, "la livraison est lente", "fr")[0]["lex:neg"]
    assert not [c for c in cues if c.startswith("praise:")]
    # Alone, or before a word with no opinion, it keeps its own valence and cue.
    counts, cues = feats(featurizer, "c'est super", "fr")
    assert counts["lex:pos"] > 0
    assert [c for c in cues if c.startswith("praise:")]
    assert feats(featurizer, "super livraison", "fr")[0]["lex:pos"] > 0


def test_elongated_opinion_words_are_found_and_marked(featurizer: Featurizer) -> None:
    counts, _ = feats(featurizer, "c'est nuuuul", "fr")
    assert "nul" in counts
    assert counts["<elong>"] > 0
    assert counts["lex:neg"] > feats(featurizer, "c'est nul", "fr")[0]["lex:neg"]


def test_inflected_french_forms_take_their_lemma_valence(featurizer: Featurizer) -> None:
    expected = feats(featurizer, "catastrophique", "fr")[0]["lex:neg"]
    assert feats(featurizer, "catastrophiques", "fr")[0]["lex:neg"] == pytest.approx(expected)
    lex = LanguageLexicon(language="fr", valence={"heureux": 0.6, "décevant": -0.5})
    assert inflected_valence("heureuses", lex) == 0.6
    assert inflected_valence("décevantes", lex) == -0.5
    assert inflected_valence("inconnues", lex) is None


def test_french_written_without_accents_takes_the_accented_valence(
    featurizer: Featurizer,
) -> None:
    for plain, accented in (("genial", "génial"), ("decu", "déçu"), ("deception", "déception")):
        got = feats(featurizer, f"c'est {plain}", "fr")[0]
        want = feats(featurizer, f"c'est {accented}", "fr")[0]
        assert got.get("lex:pos", 0) == pytest.approx(want.get("lex:pos", 0)), plain
        assert got.get("lex:neg", 0) == pytest.approx(want.get("lex:neg", 0)), plain
        assert got.get("lex:pos", 0) + got.get("lex:neg", 0) > 0, plain
    # « tres » and « trés » intensify as « très » does.
    strong = feats(featurizer, "très bien", "fr")[0]["lex:pos"]
    assert feats(featurizer, "tres bien", "fr")[0]["lex:pos"] == pytest.approx(strong)
    assert feats(featurizer, "trés bien", "fr")[0]["lex:pos"] == pytest.approx(strong)


def test_accent_folding_leaves_other_words_alone(featurizer: Featurizer) -> None:
    # « sur » (on) is not « sûr » (sure), « passe » (passes) is not « passé » (past).
    for text in ("sur la table", "le temps passe"):
        counts = feats(featurizer, text, "fr")[0]
        assert counts.get("lex:pos", 0) == counts.get("lex:neg", 0) == 0, text
    assert without_accents("déçue") == "decue"
    # Forms of opposite signs that fold together are dropped; same-sign ones averaged.
    folded = fold_table({"élevé": 0.4, "éleve": -0.4, "fâché": -0.6})
    assert folded == {"fache": -0.6}
    assert fold_table({"hâté": 0.5, "hâte": 0.3}) == {"hate": pytest.approx(0.4)}


def test_contrast_weighs_the_second_clause(featurizer: Featurizer) -> None:
    counts, _ = feats(featurizer, "the design is great but the app is terrible", "en")
    assert counts["lex:neg"] > counts["lex:pos"]
    counts, _ = feats(featurizer, "C'est nul. Mais le support est génial", "fr")
    assert counts["lex:pos"] > counts["lex:neg"]


def test_a_conclusion_word_announces_the_verdict(featurizer: Featurizer) -> None:
    counts, _ = feats(featurizer, "lent et ennuyeux au début, bref une série géniale", "fr")
    assert counts["lex:pos"] > counts["lex:neg"]
    counts, _ = feats(featurizer, "Slow and boring at first. Overall a great show", "en")
    assert counts["lex:pos"] > counts["lex:neg"]
    # Without the conclusion word, the two complaints outweigh the praise.
    counts, _ = feats(featurizer, "lent et ennuyeux au début, une série géniale", "fr")
    assert counts["lex:pos"] < counts["lex:neg"]


def test_words_share_a_stem_feature(featurizer: Featurizer) -> None:
    one, _ = feats(featurizer, "remboursement", "fr")
    other, _ = feats(featurizer, "rembourser", "fr")
    assert "~rembo" in one
    assert "~rembo" in other


def test_cues_of_each_signal_in_both_languages(featurizer: Featurizer) -> None:
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
        _, cues = feats(featurizer, text, language)
        assert any(c.startswith(signal + ":") for c in cues), (text, cues)


def test_prefix_cues_match_word_families(featurizer: Featurizer) -> None:
    _, cues = feats(featurizer, "the layout is confusing", "en")
    assert "misunderstanding:confusing" in cues
    _, cues = feats(featurizer, "they never answered my mail", "en")
    assert "discontent:never answered" in cues
