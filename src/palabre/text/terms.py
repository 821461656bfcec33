"""Candidate terms of French and English messages: normalised words, bigrams, trigrams.

Self-contained on purpose (trends need a stable term key more than the signal
tokenizer's emoji and elongation handling):

* lower case, accents kept, typographic apostrophes made ASCII;
* French elisions split and dropped (``l'emballage`` -> ``emballage``), English
  contractions kept whole and dropped as stop words (``don't``);
* numbers, URLs, e-mail addresses and @mentions are boundaries, as is punctuation:
  an n-gram never spans a sentence or a clause;
* ``&`` is kept as a joiner, so that ``click & collect`` is a trigram;
* the *key* of a word folds a plural ending (``emballages consignés`` and
  ``emballage consigné`` share one key); the label shown to people is the surface
  form found most often in the messages.

An n-gram is a candidate when it starts and ends with a content word (not a stop
word); trigrams may hold a stop word or ``&`` in the middle (``retrait en magasin``).
Whether a candidate n-gram is a *phrase* is decided from corpus statistics by
:func:`npmi` (normalised pointwise mutual information of its content words).
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence

from palabre.text.stopwords import ENGLISH, FRENCH, stop_words

JOINER = "&"
#: a separator that cannot occur inside a key (keys join words with a space)
BOUNDARY = "\n"
_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "ʼ": "'", "`": "'"})
_BOUNDARY_RE = re.compile(
    r"https?://\S+|www\.\S+"  # urls
    r"|[\w.+-]+@[\w-]+\.[\w.]+"  # e-mail addresses
    r"|@\w+"  # mentions
    r"|[^\w\s&'-]+|\d+|_+"  # punctuation, digits, emoji
)
_ELISION_RE = re.compile(r"\b(?:jusqu|lorsqu|puisqu|quoiqu|qu|[ldjnmtsc])'(?=[^\W\d_])")
_TOKEN_RE = re.compile(r"\n|&|[^\W\d_]+(?:['-][^\W\d_]+)*")
_FOLDED: dict[str, str] = {}


def fold(word: str) -> str:
    """The key of a word: accents and a plural ending folded (``consignés`` -> ``consigne``).

    Deliberately light (no stemming): only a final ``s`` (or the ``x`` of ``-eaux``);
    short words and ``-ss`` words are left alone. Accents are folded in keys because
    people often type without them; labels keep the accents people wrote.
    """
    key = _FOLDED.get(word)
    if key is None:
        key = "".join(c for c in unicodedata.normalize("NFD", word) if not unicodedata.combining(c))
        plural = key.endswith("eaux") or (key.endswith("s") and not key.endswith("ss"))
        if len(key) > 3 and plural:
            key = key[:-1]
        if len(_FOLDED) < 500_000:  # a cache, bounded whatever the input
            _FOLDED[word] = key
    return key


def tokens(text: str) -> list[str]:
    """Lower-cased tokens of ``text``: words, ``&`` and :data:`BOUNDARY` markers.

    Elided French articles and pronouns (``l'``, ``qu'``) are dropped; anything that is
    neither a word nor ``&`` (punctuation, digits, URLs, mentions) becomes one boundary.
    """
    lowered = _ELISION_RE.sub("", text.lower().translate(_APOSTROPHES))
    raw: list[str] = _TOKEN_RE.findall(_BOUNDARY_RE.sub(" \n ", lowered))
    out: list[str] = []
    for tok in raw:
        if tok != BOUNDARY or (out and out[-1] != BOUNDARY):
            out.append(tok)
    return out


def cased_words(text: str) -> list[str]:
    """The words of ``text`` as written (case kept), in the same cut as :func:`tokens`."""
    words: list[str] = _TOKEN_RE.findall(text.translate(_APOSTROPHES))
    return [w for w in words if w not in (BOUNDARY, JOINER)]


def name_keys(names: Iterable[str]) -> frozenset[str]:
    """The word keys of people's names (``Séverine Dubois`` -> ``severine``, ``dubois``)."""
    return frozenset(
        fold(word) for name in names for word in tokens(name) if word != BOUNDARY and len(word) > 1
    )


def guess_language(words: Sequence[str]) -> str:
    """``fr`` or ``en`` from the share of each language's stop words (ties: ``fr``).

    A cheap fallback for rows that come without a language; the analysis pipeline's
    language identifier is better and should be passed when available.
    """
    fr = sum(1 for w in words if w in FRENCH)
    en = sum(1 for w in words if w in ENGLISH)
    return "en" if en > fr else "fr"


def candidate_grams(
    words: Sequence[str], language: str | None, max_order: int = 3
) -> dict[str, tuple[str, ...]]:
    """The distinct candidate terms of one token list: key -> keys of its content words.

    ``words`` come from :func:`tokens`. Unigrams are content words of two letters or
    more; an n-gram (up to ``max_order``) starts and ends with a content word and
    never spans a boundary; only a trigram may have a stop word or ``&`` in the
    middle. Keys come in text order (deterministic); an n-gram's order is its number
    of spaces plus one.
    """
    stops = stop_words(language)
    keys = [fold(w) for w in words]
    content = [w != BOUNDARY and w != JOINER and w not in stops and len(w) > 1 for w in words]
    out: dict[str, tuple[str, ...]] = {}
    n = len(words)
    for i in range(n):
        if not content[i]:
            continue
        first = keys[i]
        out[first] = (first,)
        if max_order >= 2 and i + 1 < n and content[i + 1]:
            out[f"{first} {keys[i + 1]}"] = (first, keys[i + 1])
        if max_order >= 3 and i + 2 < n and content[i + 2] and words[i + 1] != BOUNDARY:
            middle, last = keys[i + 1], keys[i + 2]
            parts = (first, middle, last) if content[i + 1] else (first, last)
            out[f"{first} {middle} {last}"] = parts
    return out


def npmi(gram_count: float, part_counts: Sequence[float], total: float) -> float:
    """Normalised PMI of an n-gram's content words, in [-1, 1] (1: always together).

    With document frequencies: ``log(p(g) / prod p(w_i)) / ((k - 1) * -log p(g))`` for
    ``k`` content words, which is the usual NPMI for two words and equals 1 when the
    words never occur apart.
    """
    k = len(part_counts)
    if k < 2 or gram_count <= 0 or total <= 0 or gram_count >= total:
        return 0.0
    log_g = math.log(gram_count / total)
    pmi = log_g - sum(math.log(max(c, gram_count) / total) for c in part_counts)
    return pmi / ((k - 1) * -log_g)


def phrases(
    texts: Iterable[str],
    language: str | None = None,
    *,
    min_count: int = 3,
    min_npmi: float = 0.5,
) -> list[tuple[str, int, float]]:
    """Phrases (n-grams of two or three words) found in ``texts``, strongest first.

    Returns ``(label, messages, npmi)`` with the most frequent surface form as the
    label (``click & collect``, ``emballages consignés``). ``language=None`` guesses
    each text's language from its stop words.
    """
    grams: Counter[str] = Counter()
    parts: dict[str, tuple[str, ...]] = {}
    singles: Counter[str] = Counter()
    surfaces: dict[str, Counter[str]] = {}
    documents = 0
    for text in texts:
        words = tokens(text)
        lang = language or guess_language(words)
        found = candidate_grams(words, lang)
        documents += 1
        grams.update(found.keys())
        parts.update(found)
        singles.update(
            key for key, words_of in found.items() if len(words_of) == 1 and " " not in key
        )
        for label, key in surface_forms(words, lang):
            surfaces.setdefault(key, Counter())[label] += 1
    out: list[tuple[str, int, float]] = []
    for key, count in grams.items():
        if " " not in key or count < min_count:
            continue
        score = npmi(count, [singles[p] for p in parts[key]], documents)
        if score >= min_npmi:
            label = surfaces[key].most_common(1)[0][0] if key in surfaces else key
            out.append((label, count, score))
    out.sort(key=lambda item: (-item[2], -item[1], item[0]))
    return out


def surface_forms(words: Sequence[str], language: str | None) -> list[tuple[str, str]]:
    """``(surface, key)`` of every candidate n-gram occurrence in ``words`` (for labels)."""
    out: list[tuple[str, str]] = []
    keys = [fold(w) for w in words]
    wanted = candidate_grams(words, language)
    n = len(words)
    for size in (1, 2, 3):
        for i in range(n - size + 1):
            key = " ".join(keys[i : i + size])
            if key in wanted and BOUNDARY not in words[i : i + size]:
                out.append((" ".join(words[i : i + size]), key))
    return out
