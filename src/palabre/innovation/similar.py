"""Similar idea titles while a person types: French and English, robust to typos.

Pure functions over plain strings. A title is *folded* first: lower case, accents
removed (``télétravail`` and ``teletravail`` are the same word, as people type both),
punctuation turned into spaces, and the French and English stop words dropped (``le``,
``the``, ``pour``... would otherwise make every pair look alike). Two folded titles
are then compared by rapidfuzz's token-set ratio, an edit-distance score on the
sorted words that shrugs off word order, a missing word and a letter or two typed
wrong; while the title is still being typed, its best partial match with a title
counts too, so "teletrav" already finds "Télétravail le vendredi".
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

from rapidfuzz import fuzz

from palabre.text.stopwords import ENGLISH, FRENCH

#: Below this score (0-100) a title is not shown as similar.
DEFAULT_THRESHOLD: Final = 62.0
#: A typed title shorter than this (folded) proposes nothing: too little to compare.
MIN_QUERY_CHARS: Final = 4
#: Partial matches (the typed text against a part of a title) count only from this length,
#: and a little less than a whole match: a fragment says less than a full title.
PARTIAL_MIN_CHARS: Final = 6
PARTIAL_WEIGHT: Final = 0.9

_NON_WORD = re.compile(r"[^0-9a-z]+")


def _strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


_STOP: Final = frozenset(_strip_accents(w) for w in FRENCH | ENGLISH)


def fold(text: str) -> str:
    """``text`` as compared: lower case, no accents, no punctuation, no stop words.

    Elisions go with the punctuation (``l'accueil`` gives ``accueil``). When every word
    is a stop word, they are kept, so that a title never folds to nothing.
    """
    plain = _NON_WORD.sub(" ", _strip_accents(text.lower()).replace("œ", "oe"))
    words = plain.split()
    kept = [w for w in words if w not in _STOP and len(w) > 1]
    return " ".join(kept or words)


def similarity(query: str, title: str) -> float:
    """How alike two titles are, from 0 to 100 (folded first, see :func:`fold`)."""
    return _score(fold(query), fold(title))


def _score(folded_query: str, folded_title: str) -> float:
    if not folded_query or not folded_title:
        return 0.0
    score = float(fuzz.token_set_ratio(folded_query, folded_title))
    if len(folded_query) >= PARTIAL_MIN_CHARS:
        partial = float(fuzz.partial_token_sort_ratio(folded_query, folded_title))
        score = max(score, PARTIAL_WEIGHT * partial)
    return score


@dataclass(frozen=True)
class Match:
    """A candidate that looks like the query: its key (an idea id), its title, its score."""

    key: int
    title: str
    score: float


def most_similar(
    query: str,
    candidates: Iterable[tuple[int, str]],
    *,
    limit: int = 5,
    threshold: float = DEFAULT_THRESHOLD,
) -> list[Match]:
    """The candidates ``(key, title)`` most like ``query``, best first, at ``threshold`` or more.

    Ties keep the candidates' order (so callers pass the most relevant first).
    """
    folded = fold(query)
    if len(folded.replace(" ", "")) < MIN_QUERY_CHARS:
        return []
    found: list[Match] = []
    for key, title in candidates:
        score = _score(folded, fold(title))
        if score >= threshold:
            found.append(Match(key, title, round(score, 1)))
    found.sort(key=lambda m: -m.score)
    return found[:limit]
