"""Feature rows and the token table: everything about a token is worked out once.

The bulk path never builds a feature name per token. Each distinct surface form
(``trooop``, ``déçue``, ``https://x.example``) gets an entry the first time it is seen,
with its properties in both languages held in numpy arrays: valence, intensity,
negator / contrast / sentence-end flags, single-word cue weights, the language-id
log-odds, and the rows of the model's weight matrix its features point at (the word,
the word under negation, a five-letter stem, the word's key for bigrams). Analysing a
batch is then one dictionary lookup per token and array operations
(:mod:`palabre.text.features`).

A :class:`FeatureSpace` maps feature names to rows of the weight matrix. It is
*closed* at inference (read from the weights file; unknown names point at row 0,
which holds zeros) and *open* while training (every new name gets a row).
"""

from __future__ import annotations

import itertools
import re

import numpy as np

from palabre.text.lexicon import SIGNALS, Cue, LanguageLexicon, without_accents
from palabre.text.tokenize import (
    SEPARATOR,
    URL_TOKEN,
    USER_TOKEN,
    batch_chunks,
    chunk_tokens,
    reduce_elongation,
)

#: Row 0 of every weight matrix: a feature the model does not know.
NONE_ROW = 0
NONE_NAME = "<none>"
BIAS = "<bias>"
#: Sentence-level features, the same names in French and English.
DENSE = ("lex:pos", "lex:neg", "<elong>", *(f"cue:{s}" for s in SIGNALS))
LANG_INDEX = {"fr": 0, "en": 1}
_STEM_MIN = 6
_STEM_LEN = 5

# Bit flags of a token, per language.
NEGATOR = 1
CONTRAST = 2
BREAKER = 4  # closes a negation scope
DOT = 8  # ends a sentence and is dropped
END = 16  # "!" / "?": ends a sentence and stays in it
SEP = 32  # between two messages of a batch
NEGATES_BEFORE = 64  # also negates the word before it (« j'aime pas »)

#: What negation does to an opinion word's valence: flipped and damped, so that « pas
#: mal » is mildly positive (a word of the lexicon's ``negated`` role overrides it).
NEGATION_FACTOR = -0.74
CUE_ALWAYS = 128  # its one-word cue fires even inside a negation scope

_DOTS = frozenset({".", "..", "...", "....", "…"})
_ENDS = frozenset({"!", "?"})
_SUFFIXES = {
    "fr": (
        ("s", ""),
        ("x", ""),
        ("es", ""),
        ("e", ""),
        ("ées", "é"),
        ("ée", "é"),
        ("és", "é"),
        ("euses", "eux"),
        ("euse", "eux"),
        ("ives", "if"),
        ("ive", "if"),
        ("elles", "el"),
        ("elle", "el"),
        ("ennes", "en"),
        ("enne", "en"),
        ("aux", "al"),
        ("ment", ""),
    ),
    "en": (
        ("s", ""),
        ("es", ""),
        ("ed", ""),
        ("ed", "e"),
        ("ing", ""),
        ("ing", "e"),
        ("ly", ""),
    ),
}
_ALPHA = re.compile(r"[^\W\d_]")


class FeatureSpace:
    """Feature name -> weight-matrix row. ``names=None`` opens it (training)."""

    def __init__(self, names: list[str] | None = None) -> None:
        self.open = names is None
        given = [] if names is None else [n for n in names if n != NONE_NAME]
        self.names: list[str] = [NONE_NAME, *given]
        self.index: dict[str, int] = {n: i for i, n in enumerate(self.names)}
        #: Words that can be part of a bigram feature, by their bigram key.
        self.bkeys: dict[str, int] = {}
        self.bwords: list[str] = []
        self.bigram_keys = np.zeros(0, dtype=np.int64)
        self.bigram_rows = np.zeros(0, dtype=np.int32)
        if not self.open:
            pairs = [(n, n.split(" ")) for n in self.names if " " in n]
            for word in sorted({w for _, ab in pairs for w in ab}):
                self._bkey(word, force=True)
            keys = np.array(
                [self.bkeys[a] << 32 | self.bkeys[b] for _, (a, b) in pairs], dtype=np.int64
            )
            rows = np.array([self.index[n] for n, _ in pairs], dtype=np.int32)
            order = np.argsort(keys, kind="stable")
            self.bigram_keys, self.bigram_rows = keys[order], rows[order]
        self.dense_rows = np.array([self.row(n) for n in DENSE], dtype=np.int64)
        self.bias_row = self.row(BIAS)

    def row(self, name: str) -> int:
        """The row of ``name`` (a new one in an open space, else 0 when unknown)."""
        found = self.index.get(name)
        if found is not None:
            return found
        if not self.open:
            return NONE_ROW
        self.index[name] = len(self.names)
        self.names.append(name)
        return self.index[name]

    def _bkey(self, word: str, force: bool = False) -> int:
        found = self.bkeys.get(word)
        if found is not None:
            return found
        if not (self.open or force):
            return -1
        self.bkeys[word] = len(self.bwords)
        self.bwords.append(word)
        return self.bkeys[word]

    def bigram_rows_of(self, keys: np.ndarray) -> np.ndarray:
        """Rows of the bigrams ``a << 32 | b`` (0 where unknown; new rows when open)."""
        if self.open:
            uniq, inverse = np.unique(keys, return_inverse=True)
            rows = np.array(
                [
                    self.row(self.bwords[k >> 32] + " " + self.bwords[k & 0xFFFFFFFF])
                    for k in uniq.tolist()
                ],
                dtype=np.int32,
            )
            return rows[inverse] if len(rows) else np.zeros(len(keys), dtype=np.int32)
        if len(self.bigram_keys) == 0:
            return np.zeros(len(keys), dtype=np.int32)
        at = np.minimum(np.searchsorted(self.bigram_keys, keys), len(self.bigram_keys) - 1)
        return np.where(self.bigram_keys[at] == keys, self.bigram_rows[at], NONE_ROW)


def _grow(array: np.ndarray, size: int) -> np.ndarray:
    if array.shape[-1] >= size:
        return array
    shape = (*array.shape[:-1], max(size, 2 * array.shape[-1]))
    out = np.zeros(shape, dtype=array.dtype)
    out[..., : array.shape[-1]] = array
    return out


def _grow_rows(array: np.ndarray, size: int) -> np.ndarray:
    if array.shape[1] >= size:
        return array
    out = np.zeros((array.shape[0], max(size, 2 * array.shape[1]), *array.shape[2:]), array.dtype)
    out[:, : array.shape[1]] = array
    return out


class TokenTable:
    """Distinct surface tokens with their properties, filled as tokens are met.

    ``lexicons`` gives the rules of each language (French row 0, English row 1);
    ``lang_logodds`` the identifier's word log-odds (French vs English). At most
    ``max_entries`` tokens are remembered: past that the dynamic part is forgotten
    (a long-running process does not grow without bound).
    """

    def __init__(
        self,
        lexicons: dict[str, LanguageLexicon],
        space: FeatureSpace,
        lang_logodds: dict[str, float],
        max_entries: int = 1_000_000,
    ) -> None:
        self.lexicons = [lexicons["fr"], lexicons["en"]]
        self.space = space
        self.lang_logodds = lang_logodds
        self.max_entries = max_entries
        # Cues of several words: their first and second word patterns get numbers, and
        # the (language, first, second) triples that open a cue are kept sorted, so a
        # batch finds its candidate positions with one search.
        self._patterns: list[tuple[dict[str, int], dict[str, int]]] = []
        self._prefixes: list[tuple[tuple[str, ...], tuple[str, ...]]] = []
        #: The cues of several words by the key of their first two word patterns, then
        #: by their third word ("" for two-word cues, "*" for a third-word prefix).
        self.multi_cues: dict[int, dict[str, list[Cue]]] = {}
        keys: set[int] = set()
        for li, lex in enumerate(self.lexicons):
            firsts: dict[str, int] = {}
            seconds: dict[str, int] = {}
            multi = [c for cues in lex.pair_cues.values() for c in cues] + [
                c for cues in lex.prefix_cues.values() for c in cues if len(c.tokens) > 1
            ]
            for cue in sorted(multi, key=lambda c: c.tokens):
                a = firsts.setdefault(cue.tokens[0], len(firsts))
                b = seconds.setdefault(cue.tokens[1], len(seconds))
                keys.add(pair_key(li, a, b))
                third = "" if len(cue.tokens) == 2 else cue.tokens[2]
                third = "*" if third.endswith("*") else third
                by_third = self.multi_cues.setdefault(pair_key(li, a, b), {})
                by_third.setdefault(third, []).append(cue)
            self._patterns.append((firsts, seconds))
            self._prefixes.append(
                (
                    tuple(sorted(p[:-1] for p in firsts if p[-1] == "*")),
                    tuple(sorted(p[:-1] for p in seconds if p[-1] == "*")),
                )
            )
        self.pair_keys = np.array(sorted(keys), dtype=np.int64)
        self._reset()

    def _reset(self) -> None:
        self.index: dict[str, int] = {}
        #: Chunk -> number; its entry ids are chunk_ids[start : start + len].
        self.chunks: dict[str, int] = {}
        self.chunk_ids = np.zeros(1 << 16, dtype=np.int64)
        self.chunk_start = np.zeros(1 << 14, dtype=np.int64)
        self.chunk_len = np.zeros(1 << 14, dtype=np.int64)
        self._chunk_fill = 0
        self.base: list[str] = []
        cap = 4096
        self.flags = np.zeros((2, cap), dtype=np.uint8)
        self.valence = np.zeros((2, cap), dtype=np.float32)
        #: The valence a word takes inside a negation scope.
        self.negated_valence = np.zeros((2, cap), dtype=np.float32)
        self.intensity = np.ones((2, cap), dtype=np.float32)
        self.cue = np.zeros((2, cap, len(SIGNALS)), dtype=np.float32)
        self.has_cue = np.zeros((2, cap), dtype=bool)
        self.first_pat = np.full((2, cap), -1, dtype=np.int64)
        self.second_pat = np.full((2, cap), -1, dtype=np.int64)
        self.logodds = np.zeros(cap, dtype=np.float32)
        self.known = np.zeros(cap, dtype=bool)
        self.alpha = np.zeros(cap, dtype=bool)
        self.elong = np.zeros(cap, dtype=bool)
        self.uni = np.zeros(cap, dtype=np.int32)
        self.neg = np.zeros(cap, dtype=np.int32)
        self.stem = np.zeros(cap, dtype=np.int32)
        self.bkey = np.full(cap, -1, dtype=np.int64)
        self.add(SEPARATOR)

    def _knows(self, word: str) -> bool:
        return any(lex.knows(word) for lex in self.lexicons)

    def ids(self, texts: list[str]) -> np.ndarray:
        """Entry ids of the tokens of ``texts``, messages separated by entry 0.

        Whitespace chunks are looked up whole (``"l'appli,"`` is one chunk, the
        tokens ``l'`` and ``appli``): a distinct chunk is tokenised once per process,
        and its entry ids are a slice of :attr:`chunk_ids`, expanded with numpy.
        """
        if len(self.base) > self.max_entries or len(self.chunks) > self.max_entries:
            self._reset()
        chunks = batch_chunks(texts)
        get = self.chunks.get
        numbers = np.fromiter(map(get, chunks, itertools.repeat(-1)), np.int64, len(chunks))
        if (numbers < 0).any():
            for k in np.flatnonzero(numbers < 0).tolist():
                again = get(chunks[k], -1)
                numbers[k] = again if again >= 0 else self._add_chunk(chunks[k])
        lengths = self.chunk_len[numbers]
        total = int(lengths.sum())
        ends = np.cumsum(lengths)
        shift = np.repeat(self.chunk_start[numbers] - (ends - lengths), lengths)
        out: np.ndarray = self.chunk_ids[np.arange(total) + shift]
        return out

    def _add_chunk(self, chunk: str) -> int:
        get = self.index.get
        tokens = [
            found if (found := get(tok)) is not None else self.add(tok)
            for tok in chunk_tokens(chunk)
        ]
        number = len(self.chunks)
        start = self._chunk_fill
        self._chunk_fill += len(tokens)
        self.chunk_ids = _grow(self.chunk_ids, self._chunk_fill)
        self.chunk_ids[start : self._chunk_fill] = tokens
        self.chunk_start = _grow(self.chunk_start, number + 1)
        self.chunk_len = _grow(self.chunk_len, number + 1)
        self.chunk_start[number] = start
        self.chunk_len[number] = len(tokens)
        self.chunks[chunk] = number
        return number

    def add(self, surface: str) -> int:
        """Work out the properties of a new surface token; returns its id."""
        i = len(self.base)
        self._ensure(i + 1)
        elong = False
        if surface.startswith(("http://", "https://", "www.")):
            base = URL_TOKEN
        elif surface.startswith("@") and len(surface) > 1:
            base = USER_TOKEN
        else:
            base = reduce_elongation(surface, self._knows)
            elong = base != surface
        self.index[surface] = i
        self.base.append(base)
        self.elong[i] = elong
        value = self.lang_logodds.get(base)
        self.known[i] = value is not None
        self.logodds[i] = value or 0.0
        self.alpha[i] = base[0].isalpha()
        space = self.space
        self.uni[i] = space.row(base)
        self.neg[i] = space.row("!" + base)
        if len(base) >= _STEM_MIN and _ALPHA.match(base):
            self.stem[i] = space.row("~" + base[:_STEM_LEN])
        self.bkey[i] = space._bkey(base)
        for li, lex in enumerate(self.lexicons):
            self._language_properties(i, li, lex, base)
        return i

    def _ensure(self, size: int) -> None:
        if self.flags.shape[1] >= size:
            return
        self.flags = _grow_rows(self.flags, size)
        self.valence = _grow_rows(self.valence, size)
        self.negated_valence = _grow_rows(self.negated_valence, size)
        old = self.intensity.shape[1]
        self.intensity = _grow_rows(self.intensity, size)
        self.intensity[:, old:] = 1.0
        self.cue = _grow_rows(self.cue, size)
        self.has_cue = _grow_rows(self.has_cue, size)
        for name in ("first_pat", "second_pat"):
            old = getattr(self, name).shape[1]
            grown = _grow_rows(getattr(self, name), size)
            grown[:, old:] = -1
            setattr(self, name, grown)
        for name in ("logodds", "known", "alpha", "elong", "uni", "neg", "stem"):
            setattr(self, name, _grow(getattr(self, name), size))
        old = len(self.bkey)
        self.bkey = _grow(self.bkey, size)
        self.bkey[old:] = -1

    def _language_properties(self, i: int, li: int, lex: LanguageLexicon, base: str) -> None:
        flags = 0
        if base == SEPARATOR:
            flags |= SEP | BREAKER
        elif base in _DOTS:
            flags |= DOT | BREAKER
        elif base in _ENDS:
            flags |= END | BREAKER
        if base == URL_TOKEN:
            flags |= BREAKER
        if base in lex.negators or base.endswith("n't"):
            flags |= NEGATOR
        if base in lex.back_negators:
            flags |= NEGATES_BEFORE
        if base in lex.contrasts:
            flags |= CONTRAST | BREAKER
        valence = lex.valence.get(base)
        if valence is None and self.alpha[i] and len(base) > 3:
            valence = inflected_valence(base, lex)
        folded = without_accents(base) if valence is None else base
        if valence is None and self.alpha[i]:
            valence = lex.folded_valence.get(folded)
            if valence is None and len(base) > 3:
                valence = inflected_valence(folded, lex, lex.folded_valence)
        self.valence[li, i] = valence or 0.0
        negated = lex.negated_valence.get(base)
        if negated is None and self.alpha[i]:
            negated = lex.folded_negated_valence.get(without_accents(base))
        self.negated_valence[li, i] = (
            negated if negated is not None else (valence or 0.0) * NEGATION_FACTOR
        )
        intensity = lex.intensifiers.get(base)
        if intensity is None:
            intensity = lex.folded_intensifiers.get(without_accents(base), 1.0)
        self.intensity[li, i] = intensity
        if self.elong[i]:
            self.intensity[li, i] = max(self.intensity[li, i], 1.2)
        singles: list[Cue] = list(lex.single_cues.get(base, ()))
        firsts, seconds = self._patterns[li]
        first_prefixes, second_prefixes = self._prefixes[li]
        self.first_pat[li, i] = _pattern_of(base, firsts, first_prefixes)
        self.second_pat[li, i] = _pattern_of(base, seconds, second_prefixes)
        for cue in lex.prefix_cues.get(base[:4], ()):
            if len(cue.tokens) == 1 and base.startswith(cue.tokens[0][:-1]):
                singles.append(cue)
        for cue in singles:
            self.cue[li, i, SIGNALS.index(cue.signal)] += cue.weight
            self.has_cue[li, i] = True
            if cue.negated_form:
                flags |= CUE_ALWAYS
        self.flags[li, i] = flags


def pair_key(language: int, first: int, second: int) -> int:
    """Key of a (language, first-word pattern, second-word pattern) triple."""
    return language << 40 | first << 20 | second


def _pattern_of(word: str, patterns: dict[str, int], prefixes: tuple[str, ...]) -> int:
    """Number of the pattern ``word`` matches (exact, else ``prefix*``), -1 for none."""
    found = patterns.get(word)
    if found is not None:
        return found
    if prefixes and word.startswith(prefixes):
        for prefix in prefixes:
            if word.startswith(prefix):
                return patterns[prefix + "*"]
    return -1


def inflected_valence(
    word: str, lex: LanguageLexicon, valence: dict[str, float] | None = None
) -> float | None:
    """Valence of an inflected form whose lemma the lexicon knows (``déçues`` -> ``déçu``),
    looked up in ``valence`` (default: the lexicon's own table)."""
    table = lex.valence if valence is None else valence
    for suffix, replacement in _SUFFIXES.get(lex.language, ()):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            found = table.get(word[: -len(suffix)] + replacement)
            if found is not None:
                return found
    return None
