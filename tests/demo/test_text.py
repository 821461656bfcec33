"""Demo texts read like real messages: varied, in both languages, of every length."""

from __future__ import annotations

import random
import re
import string
from collections import Counter

import pytest

from palabre.connectors.records import MessageRecord
from palabre.demo import MessageTruth, generate_company, phrases_en, phrases_fr
from palabre.demo.text import Composer, Voice, add_typos, strip_accents

FRENCH_WORDS = re.compile(r"\b(le|la|les|de|des|je|est|pas|pour|vous|mon|ma|une|et|au)\b", re.I)
ENGLISH_WORDS = re.compile(r"\b(the|to|is|my|it|and|for|you|of|a|in|on|at|I)\b")


@pytest.fixture(scope="module")
def messages() -> list[tuple[MessageRecord, MessageTruth]]:
    company = generate_company("small", seed=21)
    truth: dict[str, MessageTruth] = {}
    records = [
        r
        for r in company.records(lambda t: truth.__setitem__(t.id, t))
        if isinstance(r, MessageRecord)
    ]
    return [(m, truth[m.external_id]) for m in records]


def free_text(messages: list[tuple[MessageRecord, MessageTruth]]) -> list[tuple[str, MessageTruth]]:
    # A pulse answer with no comment is a bare score ("7/10"): a form field, not prose.
    return [(m.text, t) for m, t in messages if not (t.kind == "pulse" and "\n" not in m.text)]


def test_five_thousand_messages_are_nearly_all_distinct(
    messages: list[tuple[MessageRecord, MessageTruth]],
) -> None:
    rng = random.Random(0)
    texts = [text for text, _ in rng.sample(free_text(messages), 5_000)]
    assert len(set(texts)) / len(texts) >= 0.97


def test_both_languages_appear_in_the_proportions_of_the_customer_base(
    messages: list[tuple[MessageRecord, MessageTruth]],
) -> None:
    company = generate_company("small", seed=21)
    country = {c.external_id: c.country for c in company.world.customers}
    by_customers = [(text, t) for text, t in free_text(messages) if t.author_kind == "customer"]
    for _, meant in by_customers:
        assert meant.language == ("en" if country[meant.author] == "UK" else "fr")
    english = sum(t.language == "en" for _, t in by_customers) / len(by_customers)
    uk_share = sum(c == "UK" for c in country.values()) / len(country)
    assert abs(english - uk_share) < 0.08
    for language, pattern in (("fr", FRENCH_WORDS), ("en", ENGLISH_WORDS)):
        texts = [text for text, t in by_customers if t.language == language]
        # The words of the language are really there, not only the label.
        assert sum(bool(pattern.search(text)) for text in texts) / len(texts) > 0.85, language


def test_lengths_range_from_a_few_words_to_paragraphs(
    messages: list[tuple[MessageRecord, MessageTruth]],
) -> None:
    lengths = sorted(len(text.split()) for text, t in free_text(messages) if t.kind != "pulse")
    assert lengths[0] <= 3
    assert lengths[-1] >= 60
    short = sum(n < 10 for n in lengths) / len(lengths)
    long = sum(n > 35 for n in lengths) / len(lengths)
    assert short > 0.1
    assert long > 0.05
    paragraphs = sum("\n\n" in text for text, _ in free_text(messages))
    assert paragraphs > 100


def test_texts_carry_emojis_missing_accents_and_local_usages(
    messages: list[tuple[MessageRecord, MessageTruth]],
) -> None:
    company = generate_company("small", seed=21)
    country = {c.external_id: c.country for c in company.world.customers}
    texts = free_text(messages)
    assert sum(any(ord(ch) > 0x1F000 for ch in text) for text, _ in texts) > 0.05 * len(texts)
    swiss = re.compile(r"\b(septante|nonante|natel)\b", re.I)
    by_country = Counter(
        country[t.author] for text, t in texts if t.author in country and swiss.search(text)
    )
    assert by_country["CH"] > 0
    assert by_country["FR"] == 0
    assert by_country["UK"] == 0
    # Some French writers skip accents: "a" for "à", "deja" for "déjà"...
    unaccented = [
        text
        for text, t in texts
        if t.language == "fr" and re.search(r"\bdeja\b|\bca\b|\bete\b", text)
    ]
    assert unaccented


def test_the_phrase_banks_are_large_and_in_step() -> None:
    assert set(phrases_fr.BANK) == set(phrases_en.BANK)
    for bank in (phrases_fr.BANK, phrases_en.BANK):
        assert sum(len(fragments) for fragments in bank.values()) >= 600
        for key, fragments in bank.items():
            assert len(set(fragments)) == len(fragments), key


@pytest.mark.parametrize("language", ["fr", "en"])
def test_every_fragment_fills_its_slots(language: str) -> None:
    composer = Composer({"CH": ("Genève",), "FR": ("Lyon",), "UK": ("London",)})
    bank = phrases_fr.BANK if language == "fr" else phrases_en.BANK
    country = "UK" if language == "en" else "CH"
    voice = Voice(language=language, city="Genève", country=country)  # type: ignore[arg-type]
    rng = random.Random(1)
    for key, fragments in bank.items():
        for fragment in fragments:
            filled = composer.fill(fragment, rng, voice)
            assert "{" not in filled, (key, fragment)
            assert "}" not in filled, (key, fragment)


def test_typos_slip_on_neighbouring_keys_and_only_when_asked() -> None:
    text = "Bonjour, je voudrais échanger le pull commandé la semaine dernière merci"
    assert add_typos(random.Random(1), text, 0.0, "fr") == text
    slipped = [add_typos(random.Random(seed), text, 0.5, "fr") for seed in range(30)]
    assert sum(s != text for s in slipped) > 20
    for changed in slipped:
        assert len(changed.split()) == len(text.split())
        assert set(changed) <= set(text) | set(string.ascii_lowercase)
    assert add_typos(random.Random(7), text, 0.5, "fr") == add_typos(
        random.Random(7), text, 0.5, "fr"
    )


def test_accents_are_dropped_like_on_a_phone() -> None:
    assert strip_accents("Déjà reçu à Genève, ça m'a déçue") == "Deja recu a Geneve, ca m'a decue"
    assert strip_accents("plain 😊") == "plain 😊"
