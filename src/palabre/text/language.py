"""Language identification: French, English or other.

CLD2 (``pycld2``, 80,000+ messages/s) is reliable on long text and knows 80+
languages, but on a few words it often answers wrongly ("je ne comprends pas" comes
back as English). So French against English is decided by a small naive Bayes model of
our own over words and character trigrams (trained by ``palabre.text.train`` on
French and English text whose licence allows it), and CLD2 only says "other" when it
is confident about a third language and the text is long enough for that to count.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Self

import numpy as np
import pycld2

OTHER = "other"
_MIN_CHARS_FOR_OTHER = 24
_CLD2_MIN_PERCENT = 70


def _trigrams(word: str) -> list[str]:
    padded = f" {word} "
    return [padded[i : i + 3] for i in range(len(padded) - 2)]


class LanguageIdentifier:
    """French-versus-English naive Bayes over words (and character trigrams of unknown words).

    ``fit(token_lists, labels)`` with labels ``"fr"`` / ``"en"`` learns
    ``word_logodds_`` and ``trigram_logodds_`` (log P(fr) / P(en) per item).
    """

    def __init__(self, min_count: int = 2, smoothing: float = 1.0) -> None:
        self.min_count = min_count
        self.smoothing = smoothing

    def fit(self, token_lists: Sequence[Sequence[str]], labels: Sequence[str]) -> Self:
        """Count words and trigrams per language and keep smoothed log-odds."""
        if len(token_lists) != len(labels):
            raise ValueError("token_lists and labels differ in length")
        words = {"fr": Counter[str](), "en": Counter[str]()}
        grams = {"fr": Counter[str](), "en": Counter[str]()}
        for tokens, label in zip(token_lists, labels, strict=True):
            if label not in words:
                raise ValueError(f"label {label!r} is not 'fr' or 'en'")
            for tok in tokens:
                if tok[0].isalpha():
                    words[label][tok] += 1
                    grams[label].update(_trigrams(tok))
        self.word_logodds_ = self._logodds(words)
        self.trigram_logodds_ = self._logodds(grams)
        return self

    def _logodds(self, counts: dict[str, Counter[str]]) -> dict[str, float]:
        fr, en = counts["fr"], counts["en"]
        total_fr = sum(fr.values()) + 1.0
        total_en = sum(en.values()) + 1.0
        a = self.smoothing
        out: dict[str, float] = {}
        # Sorted: the shipped file must not depend on the hash seed of this process.
        for item in sorted(set(fr) | set(en)):
            if fr[item] + en[item] < self.min_count:
                continue
            out[item] = math.log((fr[item] + a) / total_fr) - math.log((en[item] + a) / total_en)
        return out

    def score(self, tokens: Iterable[str]) -> float:
        """Log-odds that the tokens are French rather than English (0 = no evidence)."""
        words = self.word_logodds_
        grams = self.trigram_logodds_
        total = 0.0
        for tok in tokens:
            value = words.get(tok)
            if value is not None:
                total += value
            elif tok[0].isalpha():
                # An unknown word: its trigrams vote, damped so they cannot outvote words.
                parts = [grams.get(g, 0.0) for g in _trigrams(tok)]
                total += 0.5 * sum(parts) / len(parts)
        return total

    def predict_one(self, text: str, tokens: Sequence[str]) -> str:
        """``"fr"``, ``"en"`` or ``"other"`` for one message.

        When at least half of the words are known French or English words the
        identifier decides alone; otherwise CLD2 is asked whether a third language is
        clearly there.
        """
        words = self.word_logodds_
        known = [v for t in tokens if (v := words.get(t)) is not None]
        alpha = len([t for t in tokens if t[0].isalpha()])
        if alpha == 0:
            return OTHER
        if 2 * len(known) < alpha and len(text) >= _MIN_CHARS_FOR_OTHER:
            try:
                reliable, _, details = pycld2.detect(text)
            except pycld2.error:
                reliable, details = False, ()
            if reliable and details:
                code, percent = details[0][1], details[0][2]
                if code not in ("fr", "en", "un") and percent >= _CLD2_MIN_PERCENT:
                    return OTHER
        total = sum(known) if 2 * len(known) >= alpha else self.score(tokens)
        return "fr" if total > 0 else "en"

    def to_arrays(self) -> dict[str, np.ndarray]:
        """The learned tables as arrays (for the shipped ``.npz``)."""
        return {
            "lang_words": np.array("\n".join(self.word_logodds_)),
            "lang_word_values": np.array(list(self.word_logodds_.values()), dtype=np.float32),
            "lang_grams": np.array("\n".join(self.trigram_logodds_)),
            "lang_gram_values": np.array(list(self.trigram_logodds_.values()), dtype=np.float32),
        }

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray]) -> LanguageIdentifier:
        """Rebuild a fitted identifier from :meth:`to_arrays` output."""
        ident = cls()
        words = str(arrays["lang_words"]).split("\n")
        grams = str(arrays["lang_grams"]).split("\n")
        ident.word_logodds_ = dict(zip(words, arrays["lang_word_values"].tolist(), strict=True))
        ident.trigram_logodds_ = dict(zip(grams, arrays["lang_gram_values"].tolist(), strict=True))
        return ident
