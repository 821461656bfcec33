"""From tokens to named features: words, bigrams, lexicon valence and signal cues.

Rules applied here (the explainable part of the analysis):

- **negation**: a negator (``ne``, ``pas``, ``jamais``, ``aucun``, ``not``, ``never``,
  ``...n't``) opens a scope over the next three tokens, closed early by ``!``, ``?``
  or a contrast word; words inside it become ``!word`` features, their valence is
  flipped and damped (× -0.74, so "pas mal" is mildly positive), and a cue inside
  it does not fire ("not disappointed" is not disappointment);
- **intensifiers / diminishers** (``très``, ``so``, ``un peu``, ``slightly``) multiply
  the valence of the next opinion word; an elongated word (``trooop``) counts 1.2×;
- **contrast** (``mais``, ``but``, ``however``): the clause before the last contrast
  word weighs 0.5 and the clause after it 1.5;
- **cues**: phrases from ``cues_<lang>.tsv`` add to the ``cue:<signal>`` feature and
  are kept as evidence.

Word features are named by the word itself, whatever the language; lexicon and cue
features have the same names in French and English, so what a model learns about
them on English data carries over to French.

Every feature is a count divided by the square root of the message length, so the
score of a message is a linear function of its sentences' counts: inference gathers
each sentence's weights once and reads both the sentence scores and the message
score from them.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field

from palabre.text.lexicon import Cue, LanguageLexicon

NEGATION_SCOPE = 3
NEGATION_FACTOR = -0.74
ELONGATION_FACTOR = 1.2
BEFORE_CONTRAST = 0.5
AFTER_CONTRAST = 1.5
_SCOPE_BREAKERS = frozenset({"!", "?", "<url>"})


@dataclass
class SentenceFeatures:
    """One sentence: its feature names (repeated names add up), their weights (the
    contrast weight of the clause), its length, and the cues it matched."""

    names: list[str]
    values: list[float]
    n_tokens: int
    cues: list[tuple[str, str, float]] = field(default_factory=list)
    starts_with_contrast: bool = False

    def counts(self) -> dict[str, float]:
        """Names with their summed weights."""
        out: dict[str, float] = {}
        for name, value in zip(self.names, self.values, strict=True):
            out[name] = out.get(name, 0.0) + value
        return out


def _rest_matches(cue: Cue, tokens: list[str], start: int, skip: int) -> bool:
    n = len(cue.tokens)
    if start + n > len(tokens):
        return False
    for k in range(skip, n):
        want = cue.tokens[k]
        got = tokens[start + k]
        if want[-1] == "*":
            if not got.startswith(want[:-1]):
                return False
        elif got != want:
            return False
    return True


def _add_cue(
    cue: Cue,
    tokens: list[str],
    start: int,
    weight: float,
    cue_sums: dict[str, float],
    cues: list[tuple[str, str, float]],
) -> None:
    w = cue.weight * weight
    cue_sums[cue.signal] = cue_sums.get(cue.signal, 0.0) + w
    cues.append((cue.signal, " ".join(tokens[start : start + len(cue.tokens)]), w))


def _negation_flags(
    tokens: list[str], negators: frozenset[str], contrasts: frozenset[str]
) -> list[bool]:
    flags = [False] * len(tokens)
    scope = 0
    for i, tok in enumerate(tokens):
        if tok in _SCOPE_BREAKERS or tok in contrasts:
            scope = 0
        flags[i] = scope > 0
        if tok in negators or tok.endswith("n't"):
            scope = NEGATION_SCOPE
        elif scope:
            scope -= 1
    return flags


def sentence_features(tokens: list[str], lex: LanguageLexicon) -> SentenceFeatures:
    """Features of one tokenised sentence under ``lex``'s rules.

    Written with comprehensions over the whole sentence (the fast path of CPython);
    the per-token rules (negation scope, contrast) only run when their trigger words
    are present.
    """
    n = len(tokens)
    if n == 0:
        return SentenceFeatures([], [], 0)
    contrasts = lex.contrasts
    # Contrast: only the last contrast word of the sentence splits it.
    split_at = -1
    if not contrasts.isdisjoint(tokens):
        split_at = max(i for i, t in enumerate(tokens) if t in contrasts)
    has_negation = not lex.negators.isdisjoint(tokens) or "n't" in "".join(tokens)
    negated = _negation_flags(tokens, lex.negators, contrasts) if has_negation else None
    if split_at < 0:
        weights = [1.0] * n
    else:
        weights = [BEFORE_CONTRAST] * split_at + [AFTER_CONTRAST] * (n - split_at)
    names = (
        tokens
        if negated is None
        else [("!" + t if f else t) for t, f in zip(tokens, negated, strict=True)]
    )
    bigrams = [a + " " + b for a, b in itertools.pairwise(tokens)]
    names = names + bigrams
    values = weights + weights[1:]

    cue_sums: dict[str, float] = {}
    cues: list[tuple[str, str, float]] = []
    pair_cues = lex.pair_cues
    for i in [i for i, b in enumerate(bigrams) if b in pair_cues]:
        for cue in pair_cues[bigrams[i]]:
            if (cue.negated_form or negated is None or not negated[i]) and _rest_matches(
                cue, tokens, i, 2
            ):
                _add_cue(cue, tokens, i, weights[i], cue_sums, cues)
    single_cues = lex.single_cues
    for i in [i for i, t in enumerate(tokens) if t in single_cues]:
        if negated is None or not negated[i]:
            for cue in single_cues[tokens[i]]:
                _add_cue(cue, tokens, i, weights[i], cue_sums, cues)
    prefix_cues = lex.prefix_cues
    for i in [i for i, t in enumerate(tokens) if t[:4] in prefix_cues]:
        for cue in prefix_cues[tokens[i][:4]]:
            if (cue.negated_form or negated is None or not negated[i]) and _rest_matches(
                cue, tokens, i, 0
            ):
                _add_cue(cue, tokens, i, weights[i], cue_sums, cues)

    valence = lex.valence
    pos = neg = 0.0
    hits = [i for i, t in enumerate(tokens) if t in valence]
    if hits:
        intensifiers = lex.intensifiers
        for i in hits:
            v = valence[tokens[i]] * weights[i]
            if i > 0:
                v *= intensifiers.get(tokens[i - 1], 1.0)
            if i + 1 < n and tokens[i + 1] == "<elong>":
                v *= ELONGATION_FACTOR
            if negated is not None and negated[i]:
                v *= NEGATION_FACTOR
            if v > 0:
                pos += v
            else:
                neg -= v
    if pos:
        names.append("lex:pos")
        values.append(pos)
    if neg:
        names.append("lex:neg")
        values.append(neg)
    for signal, total in cue_sums.items():
        names.append("cue:" + signal)
        values.append(total)
    return SentenceFeatures(names, values, n, cues, split_at == 0)


def message_counts(parts: list[SentenceFeatures]) -> tuple[dict[str, float], int]:
    """The message as a whole: sentence counts added (a sentence opening with a
    contrast word halves what came before it), and the message length."""
    factors = sentence_factors(parts)
    total: dict[str, float] = {}
    for part, factor in zip(parts, factors, strict=True):
        for name, value in zip(part.names, part.values, strict=True):
            total[name] = total.get(name, 0.0) + value * factor
    return total, sum(p.n_tokens for p in parts)


def sentence_factors(parts: list[SentenceFeatures]) -> list[float]:
    """Weight of each sentence in the message: 0.5 before a sentence opening with a
    contrast word ("C'est lent. Mais le support est top."), else 1."""
    factors = [1.0] * len(parts)
    later_contrast = False
    for idx in range(len(parts) - 1, -1, -1):
        if later_contrast:
            factors[idx] = BEFORE_CONTRAST
        later_contrast = later_contrast or parts[idx].starts_with_contrast
    return factors


def finalize(counts: dict[str, float], n_tokens: int) -> dict[str, float]:
    """Model inputs: counts divided by the square root of the length (long reviews and
    short tweets land on one scale), plus the bias feature."""
    scale = 1.0 / math.sqrt(max(n_tokens, 1))
    out = {name: value * scale for name, value in counts.items()}
    out["<bias>"] = 1.0
    return out
