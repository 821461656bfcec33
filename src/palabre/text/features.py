"""From a batch of messages to model inputs, in one pass over the tokens.

The whole batch is tokenised by one regular expression, every token becomes an
entry id of the :class:`~palabre.text.table.TokenTable` (one dictionary lookup), and
the rules below run as numpy operations over the batch's token array:

- **sentences** end after ``.`` (dropped), or after a run of ``!`` / ``?`` (kept);
- **negation**: a negator (``ne``, ``pas``, ``jamais``, ``aucun``, ``rien``, ``not``,
  ``never``, ``...n't``) opens a scope over the next three tokens, closed early by
  ``!``, ``?``, a URL, a sentence end or a contrast word; a word inside it is the
  feature ``!word``, its valence is flipped and damped (× -0.74, so "pas mal" is
  mildly positive; a negated idiom, « pas terrible », takes its own valence) and a cue
  on it does not fire ("not disappointed"); spoken French
  drops « ne », so ``pas``, ``jamais``, ``rien``, ``guère`` also negate the word just
  before them (« j'aime pas », « ça marche pas »);
- **intensifiers / diminishers** (``très``, ``so``, ``un peu``, ``slightly``, an
  elongated ``sooo``) multiply the valence of the next opinion word, and one that is an
  opinion word itself (``super``, ``trop``) then adds no valence of its own; an
  elongated opinion word (``trooop``) counts 1.2×;
- **contrast** (``mais``, ``but``, ``however``): in a sentence, the clause before the
  last contrast word weighs 0.5 and the rest 1.5; a sentence opening with one halves
  the sentences before it ("C'est lent. Mais le support est top."); a conclusion word
  (``bref``, ``finalement``, ``overall``) announces the verdict and weighs the same way;
- **accents**: a French word written without its accents (``genial``, ``decu``,
  ``tres``) takes the valence or intensity of the accented word
  (:attr:`~palabre.text.lexicon.LanguageLexicon.folded_valence`);
- **cues**: phrases of ``cues_<lang>.tsv`` add to ``cue:<signal>`` and are kept (with
  their positions) as evidence.

Per token the model reads three rows of its weight matrix: the word (or ``!word``),
its five-letter stem ``~stem`` (inflections share it) and the bigram it opens; per
sentence, the dense features :data:`~palabre.text.table.DENSE`. Messages are counts
over their sentences divided by the square root of the message length; a sentence is
its counts over the square root of its own length.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from palabre.text.language import OTHER, LanguageIdentifier
from palabre.text.lexicon import SIGNALS, Cue
from palabre.text.table import (
    BREAKER,
    CONTRAST,
    CUE_ALWAYS,
    DENSE,
    DOT,
    END,
    LANG_INDEX,
    NEGATES_BEFORE,
    NEGATOR,
    TokenTable,
)
from palabre.text.tokenize import tokenize

NEGATION_SCOPE = 3
ELONGATION_FACTOR = 1.2
BEFORE_CONTRAST = 0.5
AFTER_CONTRAST = 1.5
_CUE0 = DENSE.index("cue:" + SIGNALS[0])
_FAR = -1_000


@dataclass
class Batch:
    """The model inputs of a batch of messages (arrays; ``k`` = kept tokens)."""

    languages: list[str]
    #: Entry ids of all tokens (separators and dots included) and the positions kept.
    ids: np.ndarray
    kept: np.ndarray
    tok_msg: np.ndarray
    tok_sent: np.ndarray
    #: ``(k, 3)`` weight-matrix rows (word or !word, stem, bigram) and their values.
    rows: np.ndarray
    vals: np.ndarray
    sent_start: np.ndarray
    sent_msg: np.ndarray
    sent_len: np.ndarray
    sent_factor: np.ndarray
    #: ``(sentences, len(DENSE))`` sentence-level features.
    dense: np.ndarray
    msg_len: np.ndarray
    #: Cue hits: message, signal index, first token position (in ``ids``), length, weight.
    hits: list[tuple[int, int, int, int, float]]

    @property
    def size(self) -> int:
        """Number of messages."""
        return len(self.languages)


class Featurizer:
    """Turns batches of texts into :class:`Batch` arrays with a token table."""

    def __init__(self, table: TokenTable, identifier: LanguageIdentifier) -> None:
        self.table = table
        self.identifier = identifier

    def _languages(
        self, texts: list[str], ids: np.ndarray, msg_of: np.ndarray, given: list[str | None]
    ) -> list[str]:
        t = self.table
        n = len(texts)
        known = t.known[ids]
        n_known = np.bincount(msg_of, weights=known, minlength=n)
        n_alpha = np.bincount(msg_of, weights=t.alpha[ids], minlength=n)
        total = np.bincount(msg_of, weights=t.logodds[ids] * known, minlength=n)
        out: list[str] = []
        for i, lang in enumerate(given):
            if lang is not None:
                out.append(lang)
            elif n_alpha[i] == 0:
                out.append(OTHER)
            elif 2 * n_known[i] >= n_alpha[i]:
                out.append("fr" if total[i] > 0 else "en")
            else:  # mostly unknown words: the identifier's slower path (and CLD2)
                out.append(self.identifier.predict_one(texts[i], tokenize(texts[i])))
        return out

    def batch(self, texts: list[str], languages: list[str | None] | None = None) -> Batch:
        """Featurise ``texts`` (``languages[i]`` overrides identification)."""
        t = self.table
        n = len(texts)
        ids = t.ids(texts) if n else np.zeros(0, dtype=np.int64)
        is_sep = ids == 0
        msg_of = np.cumsum(is_sep)
        given: list[str | None] = list(languages) if languages is not None else [None] * n
        langs = self._languages(texts, ids, msg_of, given)
        lang_row = np.array([LANG_INDEX.get(x, 1) for x in langs], dtype=np.int64)
        lang = lang_row[msg_of]
        flags = t.flags[lang, ids]
        size = len(ids)
        pos = np.arange(size)

        # Sentences: cut after a dot or a separator (both dropped), or after the last
        # "!" / "?" of a run.
        is_dot = (flags & DOT) != 0
        is_end = (flags & END) != 0
        end_next = np.zeros(size, dtype=bool)
        end_next[:-1] = is_end[1:]
        cut_after = is_sep | is_dot | (is_end & ~end_next)
        cuts_before = np.cumsum(cut_after) - cut_after
        kept = np.flatnonzero(~(is_sep | is_dot))
        nk = len(kept)
        key = cuts_before[kept]
        new = np.ones(nk, dtype=bool)
        new[1:] = key[1:] != key[:-1]
        sent_start = np.flatnonzero(new)
        tok_sent = np.cumsum(new) - 1
        tok_msg = msg_of[kept]
        sent_msg = tok_msg[sent_start]
        n_sent = len(sent_start)
        sent_len = np.diff(np.append(sent_start, nk))

        # Negation: within three tokens after the last negator, no breaker between.
        acc = np.maximum.accumulate(np.where((flags & NEGATOR) != 0, pos, _FAR))
        last_neg = np.empty(size, dtype=np.int64)
        if size:
            last_neg[0] = _FAR
            last_neg[1:] = acc[:-1]
        last_break = np.maximum.accumulate(np.where((flags & BREAKER) != 0, pos, _FAR))
        negated = (pos - last_neg <= NEGATION_SCOPE) & (last_neg > last_break)
        # Spoken French drops « ne »: in « j'aime pas » the verb before « pas » is negated
        # too (with « ne » it already is). A breaker or a negator before it is left alone.
        if size > 1:
            back = (flags[1:] & NEGATES_BEFORE) != 0
            back &= (flags[:-1] & (BREAKER | NEGATOR)) == 0
            negated[:-1] |= back

        # Contrast: clause weights inside a sentence, and sentence factors.
        kflags = flags[kept]
        is_contrast = (kflags & CONTRAST) != 0
        kidx = np.arange(nk)
        if nk:
            last_c = np.maximum.reduceat(np.where(is_contrast, kidx, -1), sent_start)[tok_sent]
        else:
            last_c = np.zeros(0, dtype=np.int64)
        w = np.where(
            last_c < 0, 1.0, np.where(kidx < last_c, BEFORE_CONTRAST, AFTER_CONTRAST)
        ).astype(np.float32)
        opens = is_contrast[sent_start].astype(np.int64)
        after = opens.sum() - np.cumsum(opens)
        last_of_msg = np.searchsorted(sent_msg, sent_msg, side="right") - 1
        sent_factor = np.where(after - after[last_of_msg] > 0, BEFORE_CONTRAST, 1.0)

        ik = ids[kept]
        lk = lang[kept]
        kneg = negated[kept]
        dense = np.zeros((n_sent, len(DENSE)), dtype=np.float32)
        intensifying = self._intensifying(ik, lk, tok_sent)
        self._valence(dense, ids, lang, kept, ik, lk, kneg, w, tok_sent, n_sent, intensifying)
        hits = self._cues(
            dense, ids, lang, kept, ik, lk, kflags, negated, w, tok_sent, tok_msg, intensifying
        )

        # Rows: the word (or !word), its stem, and the bigram it opens.
        rows = np.zeros((nk, 3), dtype=np.int32)
        vals = np.zeros((nk, 3), dtype=np.float32)
        rows[:, 0] = np.where(kneg, t.neg[ik], t.uni[ik])
        rows[:, 1] = t.stem[ik]
        vals[:, 0] = w
        vals[:, 1] = w
        if nk > 1:
            bk = t.bkey[ik]
            ok = (bk[:-1] >= 0) & (bk[1:] >= 0) & (tok_sent[:-1] == tok_sent[1:])
            where = np.flatnonzero(ok)
            rows[where, 2] = t.space.bigram_rows_of(bk[where] << 32 | bk[where + 1])
            vals[where, 2] = w[where + 1]
        return Batch(
            languages=langs,
            ids=ids,
            kept=kept,
            tok_msg=tok_msg,
            tok_sent=tok_sent,
            rows=rows,
            vals=vals,
            sent_start=sent_start,
            sent_msg=sent_msg,
            sent_len=sent_len,
            sent_factor=sent_factor.astype(np.float32),
            dense=dense,
            msg_len=np.bincount(tok_msg, minlength=n),
            hits=hits,
        )

    def _intensifying(self, ik: np.ndarray, lk: np.ndarray, tok_sent: np.ndarray) -> np.ndarray:
        """Which kept tokens are intensifiers of the opinion word that follows them.

        Such a token that is an opinion word or a cue itself (« super », « trop ») then
        adds neither valence nor cue of its own: « super lent » is slow, not good and
        slow. Alone (« c'est super ») it keeps both.
        """
        t = self.table
        out = np.zeros(len(ik), dtype=bool)
        if len(ik) > 1:
            boosts = t.intensity[lk, ik] != 1.0
            out[:-1] = (
                boosts[:-1] & (t.valence[lk[1:], ik[1:]] != 0) & (tok_sent[:-1] == tok_sent[1:])
            )
        return out

    def _valence(
        self,
        dense: np.ndarray,
        ids: np.ndarray,
        lang: np.ndarray,
        kept: np.ndarray,
        ik: np.ndarray,
        lk: np.ndarray,
        kneg: np.ndarray,
        w: np.ndarray,
        tok_sent: np.ndarray,
        n_sent: int,
        intensifying: np.ndarray,
    ) -> None:
        t = self.table
        # Inside a negation scope a word takes its negated valence: flipped and damped,
        # or its idiom's (« pas terrible » is mediocre, not good).
        val = np.where(kneg, t.negated_valence[lk, ik], t.valence[lk, ik])
        val = np.where(intensifying, np.float32(0.0), val)
        nz = np.flatnonzero(val)
        if len(nz):
            prev = kept[nz] - 1
            inten = np.where(
                prev >= 0, t.intensity[lang[prev], ids[np.maximum(prev, 0)]], np.float32(1.0)
            )
            v = val[nz] * w[nz] * inten
            v = np.where(t.elong[ik[nz]], v * ELONGATION_FACTOR, v)
            sent = tok_sent[nz]
            dense[:, 0] = np.bincount(sent, weights=np.maximum(v, 0.0), minlength=n_sent)
            dense[:, 1] = np.bincount(sent, weights=np.maximum(-v, 0.0), minlength=n_sent)
        el = np.flatnonzero(t.elong[ik])
        if len(el):
            dense[:, 2] = np.bincount(tok_sent[el], weights=w[el], minlength=n_sent)

    def _cues(
        self,
        dense: np.ndarray,
        ids: np.ndarray,
        lang: np.ndarray,
        kept: np.ndarray,
        ik: np.ndarray,
        lk: np.ndarray,
        kflags: np.ndarray,
        negated: np.ndarray,
        w: np.ndarray,
        tok_sent: np.ndarray,
        tok_msg: np.ndarray,
        intensifying: np.ndarray,
    ) -> list[tuple[int, int, int, int, float]]:
        """Add cue weights to the dense features; return the hits (for evidence)."""
        t = self.table
        hits: list[tuple[int, int, int, int, float]] = []
        one = np.flatnonzero(t.has_cue[lk, ik])
        if len(one):
            fire = ~negated[kept[one]] | ((kflags[one] & CUE_ALWAYS) != 0)
            fire &= ~intensifying[one]
            one = one[fire]
            weights = t.cue[lk[one], ik[one]] * w[one, None]
            np.add.at(dense[:, _CUE0:], tok_sent[one], weights)
            k_at, s_at = np.nonzero(weights)
            for k, s, value in zip(
                one[k_at].tolist(), s_at.tolist(), weights[k_at, s_at].tolist(), strict=True
            ):
                hits.append((int(tok_msg[k]), s, int(kept[k]), 1, value))
        if len(ids) > 1 and len(t.pair_keys):
            first = t.first_pat[lang[:-1], ids[:-1]]
            second = t.second_pat[lang[:-1], ids[1:]]
            maybe = np.flatnonzero((first >= 0) & (second >= 0))
            if len(maybe):
                keys = lang[maybe] << 40 | first[maybe] << 20 | second[maybe]
                at = np.minimum(np.searchsorted(t.pair_keys, keys), len(t.pair_keys) - 1)
                hit = t.pair_keys[at] == keys
                if hit.any():
                    self._multi_cues(
                        dense, ids, keys[hit], maybe[hit], kept, negated, w, tok_sent, tok_msg, hits
                    )
        return hits

    def _multi_cues(
        self,
        dense: np.ndarray,
        ids: np.ndarray,
        keys: np.ndarray,
        starts: np.ndarray,
        kept: np.ndarray,
        negated: np.ndarray,
        w: np.ndarray,
        tok_sent: np.ndarray,
        tok_msg: np.ndarray,
        hits: list[tuple[int, int, int, int, float]],
    ) -> None:
        """Check the cues whose first two words match at ``starts`` (their rest, and
        negation) and add those that fire."""
        t = self.table
        base = t.base
        size = len(ids)
        ks = np.searchsorted(kept, starts)
        rows = zip(
            keys.tolist(),
            starts.tolist(),
            negated[starts].tolist(),
            w[ks].tolist(),
            tok_sent[ks].tolist(),
            tok_msg[ks].tolist(),
            strict=True,
        )
        empty: list[Cue] = []
        for key, p, is_negated, weight, sent, msg in rows:
            by_third = t.multi_cues[key]
            third = base[int(ids[p + 2])] if p + 2 < size else ""
            for cue in [
                *by_third.get("", empty),
                *(by_third.get(third, empty) if third else empty),
                *by_third.get("*", empty),
            ]:
                n = len(cue.tokens)
                if p + n > size or (is_negated and not cue.negated_form):
                    continue
                if n > 2 and not all(
                    got.startswith(want[:-1]) if want[-1] == "*" else got == want
                    for want, got in zip(
                        cue.tokens[2:], [base[i] for i in ids[p + 2 : p + n].tolist()], strict=True
                    )
                ):
                    continue
                value = cue.weight * weight
                s = SIGNALS.index(cue.signal)
                dense[sent, _CUE0 + s] += value
                hits.append((msg, s, p, n, value))


def describe(featurizer: Featurizer, b: Batch, index: int) -> tuple[dict[str, float], list[str]]:
    """Message ``index`` of ``b`` by feature name (counts times contrast factors,
    before the length scaling) and its cue hits as ``"signal:span"``: the readable
    view of what the model reads, for tests and for explaining a score."""
    names = featurizer.table.space.names
    counts: dict[str, float] = {}
    mine = np.flatnonzero(b.tok_msg == index)
    factors = b.sent_factor[b.tok_sent[mine]].tolist()
    for j in range(3):
        for row, value, factor in zip(
            b.rows[mine, j].tolist(), b.vals[mine, j].tolist(), factors, strict=True
        ):
            if row:
                counts[names[row]] = counts.get(names[row], 0.0) + value * factor
    for s in np.flatnonzero(b.sent_msg == index).tolist():
        for d, name in enumerate(DENSE):
            if b.dense[s, d]:
                value = float(b.dense[s, d] * b.sent_factor[s])
                counts[name] = counts.get(name, 0.0) + value
    base = featurizer.table.base
    cues = [
        f"{SIGNALS[s]}:{' '.join(base[i] for i in b.ids[p : p + n].tolist())}"
        for m, s, p, n, _ in b.hits
        if m == index
    ]
    return counts, cues
