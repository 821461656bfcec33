"""Topics of short French and English customer messages: fit, label, assign, keep stable.

A topic is a weighted list of term keys (words and two-word phrases, the keys of
:mod:`palabre.text.terms`: accents and plural endings folded) in one language,
with a readable label made of the surface forms people wrote. Three separate steps:

* **fit** (:class:`TopicModel`, swappable; :class:`NmfTopicModel` by default): learns
  topics from a sample of messages, one model per language. The default is TF-IDF over
  words and bigrams factorised by non-negative matrix factorisation (NMF): fast and
  offline with scikit-learn, and each topic is directly a list of weighted terms.
* **assign** (:func:`assign`): gives each message the topic whose term vector is most
  similar to its terms (cosine), or none (-1) when it shares no term with any topic.
  It works from the stored term vectors alone, whatever model found them, so new
  messages can be assigned run after run without refitting.
* **match** (:func:`match_topics`): pairs the topics of a new fit with the known ones
  (same language, cosine of the term vectors above a floor, best pairs first), so that a
  known topic keeps its id and its label; unmatched new topics are new.

Pure functions and estimators (scikit-learn's contract: parameters in ``__init__``,
``fit`` returns ``self``, learned attributes end in ``_``).
"""

from __future__ import annotations

import math
import multiprocessing
from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, Self

import numpy as np
from scipy import sparse

from palabre.text.terms import candidate_grams, guess_language, surface_forms, tokens

#: the languages that get their own model; other messages are put with the closer one
LANGUAGES: Final = ("fr", "en")
UNASSIGNED: Final = -1


@dataclass(frozen=True)
class TopicTerms:
    """One topic: its language, its terms (key, weight; unit length, strongest first),
    its readable label and the number of fitted messages it was the main topic of."""

    language: str
    terms: tuple[tuple[str, float], ...]
    label: str
    size: int = 0

    def vector(self) -> dict[str, float]:
        """The term weights as a dict."""
        return dict(self.terms)


def message_language(words: Sequence[str], declared: str | None) -> str:
    """``fr`` or ``en``: the language the analysis found, else a guess from stop words."""
    if declared in LANGUAGES:
        return str(declared)
    return guess_language(words)


def term_keys(words: Sequence[str], language: str) -> list[str]:
    """The distinct word and two-word keys of a token list (see :mod:`palabre.text.terms`)."""
    return list(candidate_grams(words, language, max_order=2))


def cosine(a: dict[str, float], b: dict[str, float]) -> float:
    """Cosine similarity of two sparse term vectors."""
    if len(b) < len(a):
        a, b = b, a
    dot = sum(w * b.get(k, 0.0) for k, w in a.items())
    norm = math.sqrt(sum(w * w for w in a.values())) * math.sqrt(sum(w * w for w in b.values()))
    return dot / norm if norm > 0 else 0.0


class TopicModel(ABC):
    """What finds topics (BERTopic-style: swap the model, keep the rest of the pipeline)."""

    topics_: list[TopicTerms]

    @abstractmethod
    def fit(self, texts: Sequence[str], languages: Sequence[str | None]) -> Self:
        """Learn ``topics_`` from ``texts`` (``languages``: fr, en or None, per text)."""


class NmfTopicModel(TopicModel):
    """TF-IDF over word and bigram keys, factorised by NMF, one model per language.

    ``n_topics``: topics per language (fewer for small samples: one per
    ``docs_per_topic`` messages); ``top_terms``: terms kept per topic; ``min_df``: a
    term must occur in this many messages; ``max_df``: terms in a larger share of the
    messages are left out (they separate nothing).
    """

    def __init__(
        self,
        n_topics: int = 30,
        *,
        top_terms: int = 40,
        min_df: int = 3,
        max_df: float = 0.3,
        docs_per_topic: int = 25,
        max_iter: int = 300,
        tol: float = 1e-4,
        random_state: int = 0,
    ) -> None:
        self.n_topics = n_topics
        self.top_terms = top_terms
        self.min_df = min_df
        self.max_df = max_df
        self.docs_per_topic = docs_per_topic
        self.max_iter = max_iter
        self.tol = tol
        self.random_state = random_state

    def fit(self, texts: Sequence[str], languages: Sequence[str | None]) -> Self:
        """Fit one NMF per language found in ``texts`` and label its topics."""
        if len(texts) != len(languages):
            raise ValueError("texts and languages must have the same length")
        by_language: dict[str, list[list[str]]] = {}
        surfaces: dict[str, Counter[str]] = {}
        for text, declared in zip(texts, languages, strict=True):
            words = tokens(text)
            language = message_language(words, declared)
            by_language.setdefault(language, []).append(term_keys(words, language))
            for surface, key in surface_forms(words, language):
                if " " in key or len(key) > 2:
                    surfaces.setdefault(key, Counter())[surface] += 1
        found: list[TopicTerms] = []
        for language in sorted(by_language):
            found.extend(self._fit_language(language, by_language[language], surfaces))
        self.topics_ = found
        return self

    def _fit_language(
        self, language: str, docs: list[list[str]], surfaces: dict[str, Counter[str]]
    ) -> list[TopicTerms]:
        # Imported here: scikit-learn is slow to import and only fitting needs it.
        from sklearn.decomposition import NMF
        from sklearn.feature_extraction.text import TfidfVectorizer

        k = min(self.n_topics, len(docs) // self.docs_per_topic)
        if k < 1:
            return []
        vectorizer = TfidfVectorizer(
            analyzer=_identity,
            min_df=self.min_df,
            # In a small sample a dominant topic is a topic, not noise.
            max_df=self.max_df if len(docs) >= 1000 else 1.0,
            sublinear_tf=True,
        )
        try:
            matrix = vectorizer.fit_transform(docs)
        except ValueError:  # no term is frequent enough
            return []
        k = min(k, matrix.shape[1])
        if k < 1:
            return []
        nmf = NMF(
            n_components=k,
            init="nndsvda",
            max_iter=self.max_iter,
            tol=self.tol,
            random_state=self.random_state,
        )
        weights = nmf.fit_transform(matrix)
        components = nmf.components_
        vocabulary = vectorizer.get_feature_names_out()
        main = np.where(weights.max(axis=1) > 0, weights.argmax(axis=1), -1)
        sizes = np.bincount(main[main >= 0], minlength=k)
        topics = []
        for t in range(k):
            row = components[t]
            order = np.argsort(-row)[: self.top_terms]
            order = order[row[order] > 0]
            if order.size == 0:
                continue
            norm = float(np.linalg.norm(row[order]))
            terms = tuple((str(vocabulary[i]), float(row[i]) / norm) for i in order)
            topics.append(TopicTerms(language, terms, label_of(terms, surfaces), int(sizes[t])))
        return topics


def _identity(doc: list[str]) -> list[str]:
    return doc


def label_of(terms: Sequence[tuple[str, float]], surfaces: dict[str, Counter[str]]) -> str:
    """A readable label: the strongest two-word phrase among the first terms, then the
    strongest words it does not already contain (up to three parts), as people wrote them."""

    def shown(key: str) -> str:
        counter = surfaces.get(key)
        return counter.most_common(1)[0][0] if counter else key

    head = [key for key, _ in terms[:6]]
    parts: list[str] = []
    covered: set[str] = set()
    phrase = next((key for key in head if " " in key), None)
    if phrase is not None:
        parts.append(shown(phrase))
        covered.update(phrase.split())
    for key in head:
        if len(parts) >= 3:
            break
        words = key.split()
        if covered.issuperset(words):
            continue
        parts.append(shown(key))
        covered.update(words)
    return " · ".join(parts)


@dataclass(frozen=True)
class Assignment:
    """Per message: the index of its topic in the list given (-1: none) and the cosine."""

    topics: np.ndarray
    scores: np.ndarray

    def unassigned_share(self) -> float:
        """Share of the messages left without a topic."""
        n = self.topics.size
        return float(np.count_nonzero(self.topics == UNASSIGNED)) / n if n else 0.0


def assign(
    topics: Sequence[TopicTerms],
    texts: Sequence[str],
    languages: Sequence[str | None],
    *,
    min_score: float = 0.02,
) -> Assignment:
    """The best topic of each text in its language (cosine of the text's binary term
    vector with each topic's weights), or -1 below ``min_score`` / without shared terms."""
    n = len(texts)
    best = np.full(n, UNASSIGNED, dtype=np.int64)
    score = np.zeros(n, dtype=np.float64)
    if n == 0 or not topics:
        return Assignment(best, score)
    plans: dict[str, tuple[dict[str, int], np.ndarray, sparse.csr_matrix]] = {}
    for language in {t.language for t in topics}:
        mine = [i for i, t in enumerate(topics) if t.language == language]
        index: dict[str, int] = {}
        rows, cols, vals = [], [], []
        for column, i in enumerate(mine):
            for key, weight in topics[i].terms:
                rows.append(index.setdefault(key, len(index)))
                cols.append(column)
                vals.append(weight)
        matrix = sparse.csr_matrix((vals, (rows, cols)), shape=(len(index), len(mine)))
        plans[language] = (index, np.asarray(mine, dtype=np.int64), matrix)
    per_language: dict[str, tuple[list[int], list[int], list[int]]] = {}
    for i, (text, declared) in enumerate(zip(texts, languages, strict=True)):
        words = tokens(text)
        language = message_language(words, declared)
        if language not in plans:
            language = next(iter(plans)) if len(plans) == 1 else language
            if language not in plans:
                continue
        index = plans[language][0]
        hits = {index[k] for k in term_keys(words, language) if k in index}
        if not hits:
            continue
        entry = per_language.setdefault(language, ([], [], []))
        entry[0].append(i)
        entry[1].extend(hits)
        entry[2].append(len(hits))
    for language, (who, columns, lengths) in per_language.items():
        index, topic_index, matrix = plans[language]
        indptr = np.concatenate(([0], np.cumsum(lengths)))
        data = np.ones(len(columns), dtype=np.float64)
        x = sparse.csr_matrix((data, columns, indptr), shape=(len(who), len(index)))
        sims = np.asarray((x @ matrix).todense()) / np.sqrt(np.asarray(lengths))[:, None]
        top = sims.argmax(axis=1)
        top_score = sims[np.arange(len(who)), top]
        keep = top_score >= min_score
        chosen = np.asarray(who, dtype=np.int64)
        best[chosen[keep]] = topic_index[top[keep]]
        score[chosen] = top_score
    return Assignment(best, score)


# Inherited by forked workers of assign_parallel (set just before the pool starts).
_SHARED: tuple[Sequence[TopicTerms], Sequence[str], Sequence[str | None]] = ((), (), ())


def _assign_slice(bounds: tuple[int, int]) -> Assignment:
    topics, texts, languages = _SHARED
    start, end = bounds
    return assign(topics, texts[start:end], languages[start:end])


def assign_parallel(
    topics: Sequence[TopicTerms],
    texts: Sequence[str],
    languages: Sequence[str | None],
    workers: int = 2,
) -> Assignment:
    """:func:`assign` on ``workers`` processes (tokenising is the cost), same result."""
    global _SHARED
    if workers <= 1 or len(texts) < 4000 or "fork" not in multiprocessing.get_all_start_methods():
        return assign(topics, texts, languages)
    step = -(-len(texts) // workers)
    bounds = [(i, min(i + step, len(texts))) for i in range(0, len(texts), step)]
    _SHARED = (topics, texts, languages)
    try:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            parts = pool.map(_assign_slice, bounds, chunksize=1)
    finally:
        _SHARED = ((), (), ())
    return Assignment(
        np.concatenate([p.topics for p in parts]), np.concatenate([p.scores for p in parts])
    )


def match_topics(
    known: Sequence[TopicTerms], found: Sequence[TopicTerms], *, min_similarity: float = 0.4
) -> list[int | None]:
    """For each topic of ``found``, the index of the known topic it continues (None: a
    new topic). One-to-one, same language, the most similar pairs first."""
    pairs: list[tuple[float, int, int]] = []
    known_vectors = [t.vector() for t in known]
    for j, topic in enumerate(found):
        vector = topic.vector()
        for i, old in enumerate(known):
            if old.language != topic.language:
                continue
            similarity = cosine(vector, known_vectors[i])
            if similarity >= min_similarity:
                pairs.append((similarity, j, i))
    pairs.sort(key=lambda p: (-p[0], p[1], p[2]))
    out: list[int | None] = [None] * len(found)
    taken: set[int] = set()
    for _, j, i in pairs:
        if out[j] is None and i not in taken:
            out[j] = i
            taken.add(i)
    return out


__all__ = [
    "LANGUAGES",
    "UNASSIGNED",
    "Assignment",
    "NmfTopicModel",
    "TopicModel",
    "TopicTerms",
    "assign",
    "assign_parallel",
    "cosine",
    "label_of",
    "match_topics",
    "message_language",
    "term_keys",
]
