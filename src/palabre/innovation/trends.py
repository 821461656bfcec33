"""Emerging topics across conversations: term bursts against their own baseline.

:class:`TrendDetector` reads plain rows (message id, time, text, language, and
optionally channel kind and author kind), day after day, and learns ``trends_``:
topics whose terms are mentioned far more than their own past predicts, each
classified as a *weak* signal (early: few mentions, but significant and rising) or a
*strong* one (a large, sustained burst), with example messages.

Each day:

1. every message gives its distinct candidate terms (:mod:`palabre.text.terms`:
   words, bigrams and trigrams, per language; an n-gram is only tested when it is a
   phrase by NPMI on everything seen so far, so ``click & collect`` and
   ``emballages consignés`` are terms but ``pensé au click`` is not);
2. each term's mentions today (daily scale) and over the last ``recent_days``
   (weekly scale) are compared with its baseline window before that, through the
   negative-binomial tail of :mod:`palabre.innovation.burst` scaled by the messages of
   the term's language (the weekday seasonality and the volume of the day enter
   there);
3. Benjamini–Hochberg at ``fdr`` across terms (half at each scale) says which bursts
   are discoveries; a term is *flagged* once it has been a discovery on
   ``persistence_days`` days in a row (``new_term_persistence_days`` for a term never
   mentioned before the recent window), was mentioned in at least ``min_support``
   messages on at least ``min_active_days`` distinct days of the recent window (a
   one-day blip never qualifies), and is either *strong* (``strong_support``
   mentions on ``strong_active_days`` days, ``strong_ratio`` times the expected) or
   rising (*weak*);
4. a flagged term holding a word of a person's name (``names``: the people of the
   workspace) that people write capitalised (``Séverine``, not ``rose``) is a person
   being mentioned — an agent who signs many answers this week — not a topic: dropped;
5. flagged terms that share their messages (overlap coefficient >= ``merge_overlap``),
   or are the same words in two languages, form one topic; a topic keeps its
   identity from day to day through its terms.

Pure analysis: plain rows in, dataclasses out; no database, no files. ``fit(rows)``
learns from scratch; ``update(rows)`` continues with later days (incremental), and
``fit`` on everything equals ``fit`` on the first days then ``update`` on the rest.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Self

import numpy as np
from numpy.typing import NDArray

from palabre.innovation.burst import (
    DEFAULT_MAX_SHAPE,
    DEFAULT_PRIOR_SHAPE,
    benjamini_hochberg,
    burst_pvalues,
    expected_counts,
    score,
)
from palabre.innovation.trend_records import (
    Example,
    Level,
    TermFlag,
    Trend,
    TrendRow,
    as_row,
)
from palabre.text.terms import (
    candidate_grams,
    cased_words,
    fold,
    guess_language,
    name_keys,
    surface_forms,
    tokens,
)

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
LANGUAGES = ("fr", "en", "other")
_EXCERPT = 160


@dataclass
class _TrendState:
    id: int
    first_flagged: dt.date
    last_flagged: dt.date
    terms: dict[int, int] = field(default_factory=dict)  # term -> best recent count
    level: Level = "weak"
    first_strong: dt.date | None = None
    days: set[dt.date] = field(default_factory=set)
    peak_count: int = 0
    peak_score: float = 0.0
    examples: list[Example] = field(default_factory=list)
    surfaces: dict[int, Counter[str]] = field(default_factory=dict)


@dataclass
class _Day:
    date: dt.date
    terms: IntArray  # distinct term indices mentioned that day
    counts: IntArray  # messages mentioning each
    volume: float  # messages that day
    messages: list[tuple[TrendRow, IntArray]]


class TrendDetector:
    """Bursts of terms against their own baseline, grouped into weak and strong trends.

    ``fit(rows)`` learns ``trends_`` (list of :class:`Trend`, by first flag) and
    ``flags_`` (every :class:`TermFlag`); ``update(rows)`` goes on with later days.
    Rows of channel kinds in ``exclude_channel_kinds`` are ignored (pulse-survey
    answers by default: private, and their monthly cadence is not a topic).
    """

    def __init__(
        self,
        *,
        baseline_days: int = 91,
        recent_days: int = 7,
        min_history_days: int = 28,
        fdr: float = 0.05,
        min_support: int = 3,
        min_active_days: int = 2,
        persistence_days: int = 2,
        new_term_persistence_days: int = 1,
        strong_support: int = 10,
        strong_active_days: int = 4,
        strong_ratio: float = 4.0,
        min_npmi: float = 0.3,
        max_order: int = 3,
        merge_overlap: float = 0.5,
        prior_shape: float = DEFAULT_PRIOR_SHAPE,
        max_shape: float = DEFAULT_MAX_SHAPE,
        examples: int = 5,
        exclude_channel_kinds: Sequence[str] = ("survey",),
        names: Sequence[str] = (),
        name_capitalised: float = 0.7,
    ) -> None:
        self.baseline_days = baseline_days
        self.recent_days = recent_days
        self.min_history_days = min_history_days
        self.fdr = fdr
        self.min_support = min_support
        self.min_active_days = min_active_days
        self.persistence_days = persistence_days
        self.new_term_persistence_days = new_term_persistence_days
        self.strong_support = strong_support
        self.strong_active_days = strong_active_days
        self.strong_ratio = strong_ratio
        self.min_npmi = min_npmi
        self.max_order = max_order
        self.merge_overlap = merge_overlap
        self.prior_shape = prior_shape
        self.max_shape = max_shape
        self.examples = examples
        self.exclude_channel_kinds = exclude_channel_kinds
        self.names = names
        self.name_capitalised = name_capitalised

    # -- public contract ---------------------------------------------------------------

    def fit(self, rows: Iterable[TrendRow | Mapping[str, object]]) -> Self:
        """Learn trends from ``rows`` (any order), every day from the first to the last."""
        self._check_params()
        self._reset()
        return self.update(rows)

    def update(self, rows: Iterable[TrendRow | Mapping[str, object]]) -> Self:
        """Go on with the days of ``rows``, which must all come after the last day seen.

        Give whole days: a day is scored once, when it is processed.
        """
        if not hasattr(self, "_vocab"):
            self._check_params()
            self._reset()
        by_day: dict[dt.date, list[TrendRow]] = {}
        for position, raw in enumerate(rows):
            row = as_row(raw, position)
            if row.channel_kind in self.exclude_channel_kinds:
                continue
            day = _utc_date(row.created_at)
            if self._last_day is not None and day <= self._last_day:
                raise ValueError(
                    f"row {row.id!r} is dated {day}, not after the last day already "
                    f"processed ({self._last_day}): update() takes later days only"
                )
            by_day.setdefault(day, []).append(row)
        if by_day:
            day = min(by_day) if self._last_day is None else self._last_day + dt.timedelta(1)
            while day <= max(by_day):
                todays = sorted(by_day.get(day, []), key=lambda r: (_utc(r.created_at), r.id))
                self._step(day, todays)
                day += dt.timedelta(1)
        self.trends_ = [self._snapshot(t) for t in self._trends]
        self.flags_ = list(self._flags)
        return self

    # -- state ----------------------------------------------------------------------------

    def _check_params(self) -> None:
        if self.recent_days < 2 or self.baseline_days < self.recent_days:
            raise ValueError("recent_days must be >= 2 and baseline_days >= recent_days")
        if not 0 < self.fdr < 1:
            raise ValueError(f"fdr must be in (0, 1), not {self.fdr}")
        if min(self.min_support, self.min_active_days) < 1 or (
            min(self.persistence_days, self.new_term_persistence_days) < 1
        ):
            raise ValueError(
                "min_support, min_active_days, persistence_days and "
                "new_term_persistence_days must be >= 1"
            )

    def _reset(self) -> None:
        self._names = name_keys(self.names)
        self._vocab: dict[str, int] = {}
        self._keys: list[str] = []
        self._langs: list[set[int]] = []  # the languages a term was seen in
        size = 1024
        self._parts = np.full((size, 3), -1, dtype=np.int64)  # content words of an n-gram
        self._df = np.zeros(size)  # mentions since the start
        self._recent = np.zeros(size)
        self._half = np.zeros(size)
        self._active = np.zeros(size)
        self._base = np.zeros(size)
        self._run = np.zeros(size, dtype=np.int64)  # discoveries in a row
        self._docs = 0.0
        self._vol_recent = 0.0
        self._vol_base = 0.0
        self._history: deque[_Day] = deque()
        self._last_day: dt.date | None = None
        self._days_seen = 0
        self._trends: list[_TrendState] = []
        self._next_id = 0
        self._term_trend: dict[int, _TrendState] = {}
        self._flags: list[TermFlag] = []

    def _index(self, lang: int, key: str, parts: tuple[str, ...]) -> int:
        index = self._vocab.get(key)
        if index is None:
            index = len(self._keys)
            self._vocab[key] = index
            self._keys.append(key)
            self._langs.append({lang})
            if index >= len(self._df):
                self._grow()
            if len(parts) > 1:
                # Parts first seen later in the same message get their index now.
                self._parts[index, : len(parts)] = [self._index(lang, p, (p,)) for p in parts]
        elif lang not in self._langs[index]:
            self._langs[index].add(lang)
        return index

    def _languages(self, term: int) -> tuple[str, ...]:
        return tuple(LANGUAGES[i] for i in sorted(self._langs[term]))

    def _grow(self) -> None:
        for name in ("_df", "_recent", "_half", "_active", "_base", "_run", "_parts"):
            old = getattr(self, name)
            new = np.zeros((2 * len(old), *old.shape[1:]), dtype=old.dtype)
            if name == "_parts":
                new[:] = -1
            new[: len(old)] = old
            setattr(self, name, new)

    # -- one day ----------------------------------------------------------------------

    def _step(self, date: dt.date, rows: list[TrendRow]) -> None:
        volume = 0.0
        messages: list[tuple[TrendRow, IntArray]] = []
        for row in rows:
            words = tokens(row.text)
            language = row.language if row.language in ("fr", "en") else None
            if row.language is None:
                language = guess_language(words)
            lang = LANGUAGES.index(language) if language else 2
            grams = candidate_grams(words, language, self.max_order)
            index = self._index
            found = np.array([index(lang, k, p) for k, p in grams.items()], dtype=np.int64)
            volume += 1
            messages.append((row, found))
        every = np.concatenate([m[1] for m in messages]) if messages else np.zeros(0, np.int64)
        terms, counts = np.unique(every, return_counts=True)
        today = _Day(date, terms, counts, volume, messages)
        self._enter(today)
        self._last_day = date
        self._days_seen += 1
        if self._days_seen > self.min_history_days:
            self._score(today)

    def _enter(self, today: _Day) -> None:
        """Slide the windows: today enters; days leave the recent half, recent, baseline."""
        h, half = self.recent_days, (self.recent_days + 1) // 2
        self._history.appendleft(today)
        self._df[today.terms] += today.counts
        self._docs += today.volume
        self._recent[today.terms] += today.counts
        self._half[today.terms] += today.counts
        self._active[today.terms] += 1
        self._vol_recent += today.volume
        if len(self._history) > half:
            gone = self._history[half]
            self._half[gone.terms] -= gone.counts
        if len(self._history) > h:
            moved = self._history[h]
            self._recent[moved.terms] -= moved.counts
            self._active[moved.terms] -= 1
            self._vol_recent -= moved.volume
            self._base[moved.terms] += moved.counts
            self._vol_base += moved.volume
            moved.messages = []  # examples come from the recent window only
        if len(self._history) > h + self.baseline_days:
            old = self._history.pop()
            self._base[old.terms] -= old.counts
            self._vol_base -= old.volume

    def _phrase_ok(self, candidates: IntArray) -> NDArray[np.bool_]:
        """Which candidates are words, or n-grams whose words go together.

        NPMI of the n-gram's content words over everything seen, or over the recent
        window: an emerging phrase of common words (``emballages consignés``) is a
        collocation now even when its words were common apart before.
        """
        parts = self._parts[candidates]
        gram = parts[:, 0] >= 0
        if not gram.any():
            return np.ones(len(candidates), dtype=bool)
        ever = _npmi(self._df, self._docs, candidates, parts)
        now = _npmi(self._recent, self._vol_recent, candidates, parts)
        return ~gram | (np.maximum(ever, now) >= self.min_npmi)

    def _score(self, today: _Day) -> None:
        n = len(self._keys)
        recent, base, active = self._recent[:n], self._base[:n], self._active[:n]
        at_risk = np.nonzero(recent >= 1)[0]
        # Every term mentioned lately counts as a hypothesis, phrase or not: the phrase
        # test looks at the same recent counts, so it must not shrink the BH family.
        tested_week = len(at_risk)
        today_counts = np.zeros(n)
        today_counts[today.terms] = today.counts
        tested_day = int(np.count_nonzero(today_counts[at_risk]))
        cand = at_risk[(recent[at_risk] >= self.min_support) & (active[at_risk] >= 1)]
        cand = cand[self._phrase_ok(cand)]
        run = self._run
        if len(cand) == 0:
            run[:] = 0
            return
        ones = np.ones(len(cand))
        vol_base, vol_week, vol_day = (
            ones * v for v in (self._vol_base, self._vol_recent, today.volume)
        )
        shapes = {"prior_shape": self.prior_shape, "max_shape": self.max_shape}
        p_week = burst_pvalues(recent[cand], base[cand], vol_base, vol_week, **shapes)
        p_day = burst_pvalues(today_counts[cand], base[cand], vol_base, vol_day, **shapes)
        found = benjamini_hochberg(p_week, self.fdr / 2, tested_week) | benjamini_hochberg(
            p_day, self.fdr / 2, max(tested_day, 1)
        )
        previous = run[cand].copy()
        run[:] = 0
        run[cand] = np.where(found, previous + 1, 0)
        expected_week = expected_counts(base[cand], vol_base, vol_week, self.prior_shape)
        expected_day = expected_counts(base[cand], vol_base, vol_day, self.prior_shape)
        rising = 2 * self._half[cand] >= recent[cand]
        # A term never mentioned before the recent window needs fewer days of discovery:
        # persistence guards against the day-to-day swings of known topics, while a new
        # term's test already assumes a heavy tail (no baseline) and min_active_days keeps
        # a one-day blip out.
        unseen = self._df[cand] - recent[cand] <= 0
        needed = np.where(unseen, self.new_term_persistence_days, self.persistence_days)
        strong = (
            (recent[cand] >= self.strong_support)
            & (active[cand] >= self.strong_active_days)
            & (recent[cand] >= self.strong_ratio * expected_week)
        )
        flagged = (
            found
            & (run[cand] >= needed)
            & (active[cand] >= self.min_active_days)
            & (strong | rising)
        )
        chosen = [j for j in np.nonzero(flagged)[0].tolist() if not self._names_a_person(cand[j])]
        levels: dict[int, Level] = {}
        s_week, s_day = score(p_week), score(p_day)
        for j in chosen:
            t = int(cand[j])
            level: Level = "strong" if strong[j] else "weak"
            levels[t] = level
            self._flags.append(
                TermFlag(
                    today.date,
                    self._keys[t],
                    self._languages(t),
                    level,
                    int(today_counts[t]),
                    int(recent[t]),
                    float(expected_day[j]),
                    float(expected_week[j]),
                    float(s_day[j]),
                    float(s_week[j]),
                )
            )
        if levels:
            peaks = {int(cand[j]): float(max(s_week[j], s_day[j])) for j in chosen}
            self._group(today.date, levels, peaks)

    def _names_a_person(self, term: int | np.int64) -> bool:
        """True when ``term`` holds a word of a person's name, capitalised where people write it."""
        named = {w for w in self._keys[int(term)].split(" ") if w in self._names}
        if not named:
            return False
        written = capitalised = 0
        for day in list(self._history)[: self.recent_days]:
            for row, found in day.messages:
                if not (found == term).any():
                    continue
                for word in cased_words(row.text):
                    if fold(word.lower()) in named:
                        written += 1
                        capitalised += word[:1].isupper()
        return written > 0 and capitalised >= self.name_capitalised * written

    # -- topics -----------------------------------------------------------------------

    def _window_messages(self) -> list[tuple[dt.date, TrendRow, IntArray]]:
        out: list[tuple[dt.date, TrendRow, IntArray]] = []
        for day in list(self._history)[: self.recent_days]:
            out.extend((day.date, row, found) for row, found in day.messages)
        out.sort(key=lambda item: (_utc(item[1].created_at), item[1].id))
        return out

    def _group(self, date: dt.date, levels: dict[int, Level], peaks: dict[int, float]) -> None:
        flagged = sorted(levels, key=lambda t: self._keys[t])
        window = self._window_messages()
        carriers: dict[int, list[int]] = {t: [] for t in flagged}
        wanted = set(flagged)
        for position, (_, _, found) in enumerate(window):
            for t in wanted.intersection(found.tolist()):
                carriers[t].append(position)
        parent = {t: t for t in flagged}

        def find(t: int) -> int:
            while parent[t] != t:
                parent[t] = parent[parent[t]]
                t = parent[t]
            return t

        def join(a: int, b: int) -> None:
            ra, rb = find(a), find(b)
            if ra != rb:
                parent[max(ra, rb)] = min(ra, rb)

        sets = {t: set(carriers[t]) for t in flagged}
        for i, a in enumerate(flagged):
            for b in flagged[i + 1 :]:
                small = min(len(sets[a]), len(sets[b]))
                if small and len(sets[a] & sets[b]) >= self.merge_overlap * small:
                    join(a, b)
        groups: dict[int, list[int]] = {}
        for t in flagged:
            groups.setdefault(find(t), []).append(t)
        for members in groups.values():
            self._attach(date, members, levels, peaks, window, carriers)

    def _attach(
        self,
        date: dt.date,
        members: list[int],
        levels: dict[int, Level],
        peaks: dict[int, float],
        window: list[tuple[dt.date, TrendRow, IntArray]],
        carriers: dict[int, list[int]],
    ) -> None:
        # A topic quiet for longer than the recent window is over: a new burst of its
        # terms is a new trend (so that last summer's topic does not swallow this one).
        horizon = date - dt.timedelta(days=self.recent_days)
        known = sorted(
            {
                id(s): s
                for t in members
                if (s := self._term_trend.get(t)) is not None and s.last_flagged >= horizon
            }.values(),
            key=lambda s: s.id,
        )
        if known:
            trend = known[0]
            for other in known[1:]:  # two topics met: the older one absorbs the newer
                self._absorb(trend, other)
        else:
            trend = _TrendState(self._next_id, date, date)
            self._next_id += 1
            self._trends.append(trend)
        trend.last_flagged = date
        trend.days.add(date)
        for t in members:
            self._term_trend[t] = trend
            count = int(self._recent[t])
            trend.terms[t] = max(trend.terms.get(t, 0), count)
            trend.peak_count = max(trend.peak_count, count)
            trend.peak_score = max(trend.peak_score, peaks[t])
            if t not in trend.surfaces:
                trend.surfaces[t] = self._surfaces(t, [window[i][1] for i in carriers[t]])
        if any(levels[t] == "strong" for t in members) and trend.level != "strong":
            trend.level, trend.first_strong = "strong", date
        if len(trend.examples) < self.examples:
            have = {e.id for e in trend.examples}
            # The newest messages first: they belong to the burst, older ones may not.
            positions = sorted({i for t in members for i in carriers[t]}, reverse=True)
            for i in positions:
                day, row, _ = window[i]
                if row.id not in have and len(trend.examples) < self.examples:
                    trend.examples.append(
                        Example(row.id, day, _excerpt(row.text, self._label_words(trend)))
                    )
                    have.add(row.id)
            trend.examples.sort(key=lambda e: (e.day, e.id))

    def _absorb(self, into: _TrendState, other: _TrendState) -> None:
        for t, count in other.terms.items():
            into.terms[t] = max(into.terms.get(t, 0), count)
            self._term_trend[t] = into
        into.surfaces.update({t: s for t, s in other.surfaces.items() if t not in into.surfaces})
        into.first_flagged = min(into.first_flagged, other.first_flagged)
        into.days |= other.days
        into.peak_count = max(into.peak_count, other.peak_count)
        into.peak_score = max(into.peak_score, other.peak_score)
        if other.level == "strong" and (
            into.first_strong is None
            or (other.first_strong is not None and other.first_strong < into.first_strong)
        ):
            into.level, into.first_strong = "strong", other.first_strong
        have = {e.id for e in into.examples}
        into.examples.extend(e for e in other.examples if e.id not in have)
        into.examples.sort(key=lambda e: (e.day, e.id))
        del into.examples[self.examples :]
        self._trends.remove(other)

    def _surfaces(self, term: int, rows: list[TrendRow]) -> Counter[str]:
        key = self._keys[term]
        found: Counter[str] = Counter()
        for row in rows:
            words = tokens(row.text)
            language = row.language if row.language in ("fr", "en") else guess_language(words)
            for surface, k in surface_forms(words, language):
                if k == key:
                    found[surface] += 1
        return found

    def _representative(self, trend: _TrendState) -> int:
        top = max(trend.terms.values())
        # The longest term among the most mentioned ones: "click & collect", not "click".
        near = [t for t, c in trend.terms.items() if c >= 0.8 * top]
        return max(near, key=lambda t: (self._keys[t].count(" "), trend.terms[t], self._keys[t]))

    def _label(self, trend: _TrendState, term: int) -> str:
        surfaces = trend.surfaces.get(term)
        if surfaces:
            return max(surfaces.items(), key=lambda item: (item[1], item[0]))[0]
        return self._keys[term]

    def _label_words(self, trend: _TrendState) -> str:
        return self._label(trend, self._representative(trend))

    def _snapshot(self, trend: _TrendState) -> Trend:
        ordered = sorted(trend.terms, key=lambda t: (-trend.terms[t], self._keys[t]))
        labels = list(dict.fromkeys(self._label(trend, t) for t in ordered))
        return Trend(
            id=trend.id,
            label=self._label(trend, self._representative(trend)),
            terms=tuple(labels),
            languages=tuple(sorted({lang for t in trend.terms for lang in self._languages(t)})),
            first_flagged=trend.first_flagged,
            last_flagged=trend.last_flagged,
            level=trend.level,
            first_strong=trend.first_strong,
            days_flagged=len(trend.days),
            peak_count_week=trend.peak_count,
            peak_score=trend.peak_score,
            examples=tuple(trend.examples),
        )


def _npmi(df: FloatArray, documents: float, terms: IntArray, parts: IntArray) -> FloatArray:
    """NPMI of each n-gram's content words (see :func:`palabre.text.terms.npmi`)."""
    total = max(documents, 1.0)
    count = np.maximum(df[terms], 1.0)
    k = (parts >= 0).sum(axis=1)
    log_g = np.log(count / total)
    # A part is never rarer than the n-gram that holds it.
    part_df = np.maximum(df[np.maximum(parts, 0)], count[:, None])
    log_parts = np.where(parts >= 0, np.log(part_df / total), 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        value = (log_g - log_parts.sum(axis=1)) / ((k - 1) * -log_g)
    out: FloatArray = np.where((count >= total) | (k < 2), 0.0, value)
    return out


def _utc(moment: dt.datetime) -> dt.datetime:
    if moment.tzinfo is None:
        return moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC)


def _utc_date(moment: dt.datetime) -> dt.date:
    return _utc(moment).date()


def _excerpt(text: str, label: str) -> str:
    """About :data:`_EXCERPT` characters of ``text`` around the first word of ``label``."""
    flat = " ".join(text.split())
    if len(flat) <= _EXCERPT:
        return flat
    first = label.split()[0] if label.split() else ""
    at = flat.lower().find(first.lower()) if first else -1
    start = max(0, at - _EXCERPT // 3) if at >= 0 else 0
    piece = flat[start : start + _EXCERPT]
    return ("…" if start > 0 else "") + piece + ("…" if start + _EXCERPT < len(flat) else "")


__all__ = [
    "Example",
    "TermFlag",
    "Trend",
    "TrendDetector",
    "TrendRow",
    "as_row",
]
