"""Tokenisation and normalisation of French and English messages."""

from __future__ import annotations

from palabre.text.tokenize import (
    SEPARATOR,
    batch_chunks,
    chunk_tokens,
    split_sentences,
    split_tokens,
    tokenize,
)


def test_lowercases_and_keeps_accents() -> None:
    assert tokenize("Très DÉÇU") == ["très", "déçu"]


def test_french_elisions_are_split_from_their_word() -> None:
    assert tokenize("J'ai l'appli, qu'il m'a donnée d'abord") == [
        "j'",
        "ai",
        "l'",
        "appli",
        "qu'",
        "il",
        "m'",
        "a",
        "donnée",
        "d'",
        "abord",
    ]


def test_typographic_apostrophes_behave_like_ascii_ones() -> None:
    assert tokenize("l’appli") == tokenize("l'appli")


def test_english_contractions_and_inner_apostrophes_stay_whole() -> None:
    assert tokenize("I don't get it, aujourd'hui") == ["i", "don't", "get", "it", "aujourd'hui"]


def test_elongations_are_reduced_to_a_known_word_and_marked() -> None:
    known = {"trop", "cool"}.__contains__
    assert tokenize("trooop cooool", known) == ["trop", "<elong>", "cool", "<elong>"]


def test_emojis_emoticons_urls_and_mentions_are_tokens() -> None:
    assert tokenize("@bob merci 🙏😡 :) https://x.example/a") == [
        "<user>",
        "merci",
        "🙏",
        "😡",
        ":)",
        "<url>",
    ]


def test_sentences_end_at_dots_exclamations_and_questions() -> None:
    tokens = tokenize("Super appli. Mais pourquoi ça plante ?! Bref")
    assert split_tokens(tokens) == [
        ["super", "appli"],
        ["mais", "pourquoi", "ça", "plante", "?", "!"],
        ["bref"],
    ]


def test_split_sentences_on_raw_text() -> None:
    assert split_sentences("One. Two!\nThree") == ["One.", "Two!", "Three"]


def test_whitespace_chunks_give_the_tokens_of_the_whole_text() -> None:
    texts = ["J'ai l’appli, qu'il m'a donnée !", "Super... mais :) 😡😡 ok?!", ""]
    chunks = batch_chunks(texts)
    assert chunks.count(SEPARATOR) == 2
    tokens = [t for c in chunks if c != SEPARATOR for t in chunk_tokens(c)]
    assert tokens == [t for text in texts for t in tokenize(text)]


def test_a_separator_inside_a_text_cannot_split_it() -> None:
    chunks = batch_chunks([f"a{SEPARATOR}b", "c"])
    assert chunks.count(SEPARATOR) == 1
