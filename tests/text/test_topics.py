"""Topics of short French and English messages: fit, labels, assignment, stable matching."""

from __future__ import annotations

import itertools

import numpy as np

from palabre.text.topics import (
    UNASSIGNED,
    NmfTopicModel,
    TopicTerms,
    assign,
    assign_parallel,
    match_topics,
)

FRENCH = (
    "Le prix de l'abonnement mensuel a encore augmenté, c'est abusé.",
    "Hausse du prix de l'abonnement mensuel sans prévenir.",
    "Pourquoi le prix de mon abonnement mensuel a changé ?",
    "Mon colis n'est jamais arrivé, le transporteur l'a perdu.",
    "Colis en retard depuis une semaine, le suivi du transporteur ne bouge pas.",
    "Le transporteur a laissé mon colis devant la porte.",
)
ENGLISH = (
    "The new app update is confusing, I can't find the menu.",
    "Since the app update the menu has moved, very confusing.",
    "Where is the loyalty card in the new app menu?",
)


def corpus(repeat: int = 12) -> tuple[list[str], list[str | None]]:
    texts = [t for _ in range(repeat) for t in (*FRENCH, *ENGLISH)]
    languages: list[str | None] = [
        lang for _ in range(repeat) for lang in ["fr"] * len(FRENCH) + [None] * len(ENGLISH)
    ]
    return texts, languages


def fitted() -> NmfTopicModel:
    texts, languages = corpus()
    return NmfTopicModel(n_topics=2, docs_per_topic=5, min_df=2, max_df=0.9).fit(texts, languages)


def test_fit_follows_the_estimator_contract_and_finds_one_model_per_language() -> None:
    model = NmfTopicModel(n_topics=2, docs_per_topic=5, min_df=2, max_df=0.9)
    texts, languages = corpus()
    assert model.fit(texts, languages) is model
    assert model.n_topics == 2  # parameters are kept as given
    languages_found = sorted({t.language for t in model.topics_})
    assert languages_found == ["en", "fr"]  # English guessed from stop words
    for topic in model.topics_:
        weights = np.array([w for _, w in topic.terms])
        assert np.isclose(np.linalg.norm(weights), 1.0)
        assert list(weights) == sorted(weights, reverse=True)


def test_french_topics_have_french_labels_with_the_accents_people_wrote() -> None:
    labels = [t.label for t in fitted().topics_ if t.language == "fr"]
    assert any("abonnement" in label for label in labels), labels
    assert any("colis" in label or "transporteur" in label for label in labels), labels
    english = [t.label for t in fitted().topics_ if t.language == "en"]
    assert any("app" in label or "menu" in label for label in english), english


def test_each_message_gets_the_topic_of_its_words_and_a_stranger_gets_none() -> None:
    topics = fitted().topics_
    texts = [
        "Encore une hausse de l'abonnement mensuel !",
        "Mon colis est perdu par le transporteur.",
        "Zzz qwerty.",
    ]
    found = assign(topics, texts, ["fr", "fr", "fr"])
    first, second, third = found.topics
    assert "abonnement" in topics[first].vector()
    assert "colis" in topics[second].vector() or "transporteur" in topics[second].vector()
    assert third == UNASSIGNED
    assert found.unassigned_share() == 1 / 3


def test_a_refit_on_the_same_kind_of_data_matches_every_known_topic() -> None:
    known = fitted().topics_
    texts, languages = corpus(repeat=15)
    again = NmfTopicModel(n_topics=2, docs_per_topic=5, min_df=2, max_df=0.9).fit(
        list(reversed(texts)), list(reversed(languages))
    )
    matches = match_topics(known, again.topics_)
    assert None not in matches
    assert sorted(m for m in matches if m is not None) == list(range(len(known)))
    for topic, match in zip(again.topics_, matches, strict=True):
        assert match is not None
        assert known[match].language == topic.language


def test_a_new_topic_is_new_and_topics_never_match_across_languages() -> None:
    price = TopicTerms("fr", (("prix", 0.8), ("abonnement", 0.6)), "prix · abonnement")
    english_price = TopicTerms("en", (("prix", 0.8), ("abonnement", 0.6)), "prix")
    parcel = TopicTerms("fr", (("colis", 0.8), ("transporteur", 0.6)), "colis")
    assert match_topics([price], [parcel, english_price]) == [None, None]
    assert match_topics([price, parcel], [parcel, price]) == [1, 0]


def test_two_found_topics_never_take_the_same_known_one() -> None:
    price = TopicTerms("fr", (("prix", 0.8), ("abonnement", 0.6)), "prix")
    close = [
        TopicTerms("fr", (("prix", 0.7), ("abonnement", 0.7)), "a"),
        TopicTerms("fr", (("prix", 0.9), ("abonnement", 0.4)), "b"),
    ]
    matches = match_topics([price], close)
    assert sorted(matches, key=lambda m: m is None) == [0, None]
    assert list(itertools.compress(range(2), [m == 0 for m in matches])) in ([0], [1])


def test_assigning_on_several_processes_gives_the_same_result() -> None:
    topics = fitted().topics_
    texts, languages = corpus(repeat=500)
    alone = assign(topics, texts, languages)
    shared = assign_parallel(topics, texts, languages, workers=2)
    assert np.array_equal(alone.topics, shared.topics)
    assert np.allclose(alone.scores, shared.scores)
