"""The FR/EN lexicons shipped in ``palabre/text/lexicons``.

Three kinds of data files, all tab-separated with a ``#`` comment header:

- ``function_words.tsv``: negators, intensifiers, diminishers, contrast and
  conclusion words and the stopwords language identification counts (project-owned);
- ``cues_<lang>.tsv``: phrases that evidence each signal, with a weight
  (project-owned);
- ``valence_<lang>.tsv``: opinion words with a valence in [-1, 1], derived from
  MIT / ODbL lexicons by ``python -m palabre.text.train lexicons`` (credits in
  the file header and in ``docs/signals.md``).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path

from palabre.text.tokenize import tokenize

LANGUAGES = ("fr", "en")
SIGNALS = (
    "discontent",
    "drifting_away",
    "disappointment",
    "misunderstanding",
    "suggestion",
    "praise",
)


class LexiconError(ValueError):
    """A lexicon file does not follow its format (the message names file and line)."""


@dataclass(frozen=True)
class Cue:
    """A phrase evidencing a signal: its tokens (a trailing ``*`` is a prefix match)."""

    signal: str
    tokens: tuple[str, ...]
    weight: float
    text: str
    #: The phrase itself says "not ..." (``je ne comprends pas``): no negation check.
    negated_form: bool


@dataclass
class LanguageLexicon:
    """Everything the analysis needs for one language."""

    language: str
    valence: dict[str, float] = field(default_factory=dict)
    negators: frozenset[str] = frozenset()
    #: Negators that also negate the word before them (spoken French: « j'aime pas »).
    back_negators: frozenset[str] = frozenset()
    intensifiers: dict[str, float] = field(default_factory=dict)
    contrasts: frozenset[str] = frozenset()
    stopwords: frozenset[str] = frozenset()
    #: One-word cues by their word.
    single_cues: dict[str, list[Cue]] = field(default_factory=dict)
    #: Longer cues by their first two words ("je ne"), checked further on a hit.
    pair_cues: dict[str, list[Cue]] = field(default_factory=dict)
    #: Cues whose first word is a prefix (``confus*``) or whose second word is one,
    #: by the first four letters of their first word.
    prefix_cues: dict[str, list[Cue]] = field(default_factory=dict)

    #: Valence and intensity by the word written without accents (``genial``,
    #: ``decu``, ``tres``): informal French drops them. A folded form shared by words of
    #: opposite signs is left out.
    folded_valence: dict[str, float] = field(default_factory=dict)
    folded_intensifiers: dict[str, float] = field(default_factory=dict)
    #: Words whose negation is an idiom rather than the opposite of the word: « pas
    #: terrible » and « pas fou » mean mediocre, not good. Their valence inside a
    #: negation scope, in place of the flipped and damped valence.
    negated_valence: dict[str, float] = field(default_factory=dict)
    folded_negated_valence: dict[str, float] = field(default_factory=dict)

    def knows(self, word: str) -> bool:
        """Whether ``word`` is an opinion word or a cue word (for elongations)."""
        return word in self.valence or word in self.single_cues


def without_accents(word: str) -> str:
    """``word`` without its diacritics (``déçu`` -> ``decu``, ``très`` -> ``tres``)."""
    if word.isascii():
        return word
    decomposed = unicodedata.normalize("NFD", word)
    return unicodedata.normalize(
        "NFC", "".join(c for c in decomposed if not unicodedata.combining(c))
    )


#: A word whose only accent is a final « é » (« passé », « prisées »): without it, it is
#: another word (« passe », « prise »), so it is not folded.
_FINAL_E = re.compile(r"(.*)é(e?s?)")


def fold_table(
    table: dict[str, float], center: float = 0.0, exclude: frozenset[str] = frozenset()
) -> dict[str, float]:
    """``table`` keyed by its words without accents, for the forms that differ and are
    not ambiguous: four letters or more, not in ``exclude`` (function words: « sur »
    is not « sûr »), not a participle whose final « é » is its only accent. Where
    several words fold to the same form, their mean when they lie on the same side of
    ``center``, and nothing when they do not."""
    groups: dict[str, list[float]] = {}
    for word, value in table.items():
        folded = without_accents(word)
        final = _FINAL_E.fullmatch(word)
        if (
            folded == word
            or len(folded) < 4
            or folded in exclude
            or (final is not None and final.group(1).isascii())
        ):
            continue
        groups.setdefault(folded, []).append(value)
    return {
        key: sum(values) / len(values)
        for key, values in groups.items()
        if all(v > center for v in values) or all(v < center for v in values)
    }


def lexicon_dir() -> Path:
    """Folder of the shipped lexicon files."""
    return Path(str(resources.files("palabre.text") / "lexicons"))


def _rows(path: Path, width: int) -> list[tuple[int, list[str]]]:
    """Data rows of a TSV lexicon: (line number, cells); the header row is skipped."""
    out: list[tuple[int, list[str]]] = []
    header_seen = False
    with path.open(encoding="utf-8") as fh:
        for number, line in enumerate(fh, start=1):
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            cells = line.split("\t")
            if len(cells) != width:
                raise LexiconError(f"{path}: line {number}: expected {width} tab-separated cells")
            if not header_seen:
                header_seen = True
                continue
            out.append((number, cells))
    return out


def _float(path: Path, number: int, text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise LexiconError(f"{path}: line {number}: weight {text!r} is not a number") from None


def _load_cues(path: Path, negators: frozenset[str]) -> list[Cue]:
    cues: list[Cue] = []
    for number, (signal, phrase, weight) in _rows(path, 3):
        if signal not in SIGNALS:
            raise LexiconError(f"{path}: line {number}: unknown signal {signal!r}")
        star = phrase.endswith("*")
        tokens = tokenize(phrase.rstrip("*"))
        if not tokens:
            raise LexiconError(f"{path}: line {number}: empty phrase")
        if star:
            tokens[-1] += "*"
        negated_form = any(t in negators or t.endswith("n't") for t in tokens)
        cues.append(
            Cue(
                signal,
                tuple(tokens),
                _float(path, number, weight),
                phrase.rstrip("*"),
                negated_form,
            )
        )
    return cues


@cache
def load_lexicon(language: str) -> LanguageLexicon:
    """The lexicon of ``language`` (``fr`` or ``en``), loaded once per process."""
    if language not in LANGUAGES:
        raise LexiconError(f"no lexicon for language {language!r} (known: fr, en)")
    folder = lexicon_dir()
    lex = LanguageLexicon(language=language)
    negators: set[str] = set()
    back_negators: set[str] = set()
    contrasts: set[str] = set()
    stopwords: set[str] = set()
    fw = folder / "function_words.tsv"
    for number, (lang, role, word, weight) in _rows(fw, 4):
        if lang != language:
            continue
        if role == "negator":
            negators.add(word)
        elif role == "negates_before":
            negators.add(word)
            back_negators.add(word)
        elif role in ("intensifier", "diminisher"):
            lex.intensifiers[word] = _float(fw, number, weight)
        elif role in ("contrast", "conclusion"):
            contrasts.add(word)
        elif role == "stopword":
            stopwords.add(word)
        elif role == "negated":
            lex.negated_valence[word] = _float(fw, number, weight)
        else:
            raise LexiconError(f"{fw}: line {number}: unknown role {role!r}")
    lex.negators = frozenset(negators)
    lex.back_negators = frozenset(back_negators)
    lex.contrasts = frozenset(contrasts)
    lex.stopwords = frozenset(stopwords)
    valence_path = folder / f"valence_{language}.tsv"
    if valence_path.exists():
        for number, (word, value) in _rows(valence_path, 2):
            lex.valence[word] = _float(valence_path, number, value)
    function_words = lex.stopwords | lex.negators | lex.contrasts
    lex.folded_valence = fold_table(lex.valence, exclude=function_words)
    lex.folded_intensifiers = fold_table(lex.intensifiers, center=1.0, exclude=function_words)
    lex.folded_negated_valence = fold_table(lex.negated_valence, exclude=function_words)
    for cue in _load_cues(folder / f"cues_{language}.tsv", lex.negators):
        first = cue.tokens[0]
        if first.endswith("*") or (len(cue.tokens) > 1 and cue.tokens[1].endswith("*")):
            lex.prefix_cues.setdefault(first[:4], []).append(cue)
        elif len(cue.tokens) == 1:
            lex.single_cues.setdefault(first, []).append(cue)
        else:
            lex.pair_cues.setdefault(f"{first} {cue.tokens[1]}", []).append(cue)
    return lex
