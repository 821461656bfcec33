"""Candidate matches between people: who is probably the same human seen on two channels.

Pure functions over plain dataclasses (DESIGN.md rule 1): no database, no files. The
service in :mod:`palabre.identity.resolution` loads :class:`PersonView` objects and
calls :func:`find_candidates`; tests and benchmarks call it directly.

Evidence and weights
--------------------
Each kind of evidence has a weight, read as "how likely this evidence alone means the
same person". The weights combine by *noisy-OR*, ``1 - Π(1 - w)``, so independent hints
reinforce each other without ever exceeding 1, and no single weak hint dominates:

* ``same name`` (0.6): the display names are equal once case, accents, punctuation and
  token order are ignored ("Dupont Jean" = "jean dupont"). Strong, but namesakes exist,
  so alone it stays just above the default threshold of 0.5.
* ``similar handles`` (0.5 × ratio / 100): a handle or e-mail local part of one person
  resembles one of the other's (``rapidfuzz.fuzz.ratio`` ≥ 85 on the compacted forms).
  Weaker than a name: short handles collide, and "jdupont" may be Jacques as well as Jean.
* ``same team`` (0.3): both belong to one team. It only *reinforces* a pair found by
  name or handle: two colleagues in one team are not the same person, so a team is
  never a reason to propose a pair on its own.
* ``different kinds`` (score × 0.6): a customer and an employee can be the same human
  (an employee who buys), but it is unusual, so the score is lowered, never zeroed.

Name only: 0.60 · handle only: ≤ 0.50 · name + handle: ≤ 0.80 · name + handle + team: ≤ 0.86.

Scaling
-------
Comparing every pair of people is quadratic (20,000 people = 200 million pairs). Instead
people are put in *blocks* and only pairs inside a block are compared:

* by normalised name key (exact equality is the evidence itself);
* by the first four and by the last four characters of each compacted handle (a fuzzy
  match at ratio ≥ 85 almost always keeps one of the two ends intact).

A block larger than its cap is skipped: a name or handle shared by hundreds of people
("info", "Jean Martin") says little about any one pair, and comparing inside it would
bring back the quadratic cost.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field

from rapidfuzz import fuzz

NAME_WEIGHT = 0.6
HANDLE_WEIGHT = 0.5
TEAM_WEIGHT = 0.3
KIND_CONFLICT_FACTOR = 0.6
HANDLE_MIN_RATIO = 85.0

# Beyond these sizes a block is too common to be evidence (see the module docstring).
NAME_BLOCK_CAP = 50
HANDLE_BLOCK_CAP = 300

# Shortest compacted handle worth comparing: two or three letters match by chance.
_MIN_HANDLE_LENGTH = 4

# Role addresses and generic handles shared by many people: never evidence of identity.
GENERIC_HANDLES = frozenset(
    {
        "admin",
        "bonjour",
        "contact",
        "hello",
        "help",
        "info",
        "infos",
        "mail",
        "noreply",
        "office",
        "postmaster",
        "sales",
        "service",
        "support",
        "team",
        "test",
        "user",
        "ventes",
        "webmaster",
    }
)

_NON_ALNUM = re.compile(r"[^0-9a-z]+")
_SEPARATORS = re.compile(r"[._\-+\s]+")


@dataclass(frozen=True, slots=True)
class PersonView:
    """What matching needs to know about one (non-merged) person.

    ``aliases`` are other names the person goes by on their identities (a Slack
    display name, a forum full name); they count as names for the name evidence.
    """

    id: int
    display_name: str | None
    kind: str = "unknown"
    handles: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    team_ids: tuple[int, ...] = ()
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class MatchCandidate:
    """Two people who are probably the same human, with the score and why.

    ``person_a`` is always the lower id so that a pair has one spelling.
    """

    person_a: int
    person_b: int
    score: float
    evidence: tuple[str, ...]


@dataclass(slots=True)
class _PairEvidence:
    name: str | None = None
    handle_ratio: float = 0.0
    handle_a: str = ""
    handle_b: str = ""
    extra: list[str] = field(default_factory=list)


def _strip_accents(text: str) -> str:
    # NFKD splits "é" into "e" + a combining accent, which we then drop; it also
    # folds compatibility forms (ligatures, full-width letters) into plain ones.
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def normalize_name(name: str | None) -> str:
    """The comparison key of a name: casefolded, accents and punctuation removed, tokens sorted.

    >>> normalize_name("Dupont,  Jean") == normalize_name("jean DUPONT")
    True
    >>> normalize_name("Zoé  L'Héritier")
    'heritier l zoe'
    """
    if not name:
        return ""
    plain = _strip_accents(name).casefold()
    tokens = _NON_ALNUM.sub(" ", plain).split()
    return " ".join(sorted(tokens))


def compact_handle(handle: str | None) -> str:
    """A handle reduced to lowercase letters and digits ("@J.Dupont" → "jdupont")."""
    if not handle:
        return ""
    return _NON_ALNUM.sub("", _strip_accents(handle).casefold())


def email_local_part(email: str) -> str:
    """The part of an address before the ``@`` (the whole text when there is none)."""
    return email.rsplit("@", 1)[0] if "@" in email else email


def handle_keys(raw: str) -> set[str]:
    """The compacted forms a handle (or an e-mail local part) is compared under.

    Besides the plain compacted form, a handle made of separated words also yields
    its "initial + last word" form, because people shorten "jean.dupont" to "jdupont"
    from one tool to the next.
    """
    text = _strip_accents(raw).casefold().lstrip("@")
    keys: set[str] = set()
    compact = _NON_ALNUM.sub("", text)
    if len(compact) >= _MIN_HANDLE_LENGTH and compact not in GENERIC_HANDLES:
        keys.add(compact)
    words = [_NON_ALNUM.sub("", w) for w in _SEPARATORS.split(text)]
    words = [w for w in words if w]
    if len(words) >= 2 and words[0].isalpha():
        initial = words[0][0] + "".join(words[1:])
        if len(initial) >= _MIN_HANDLE_LENGTH:
            keys.add(initial)
    return keys


def _person_handles(person: PersonView) -> list[tuple[str, str]]:
    """(display form, key) for every handle and e-mail local part of a person."""
    found: list[tuple[str, str]] = []
    for handle in person.handles:
        found.extend((handle, key) for key in handle_keys(handle))
    for email in person.emails:
        found.extend((email, key) for key in handle_keys(email_local_part(email)))
    return found


def _pair(a: int, b: int) -> tuple[int, int]:
    return (a, b) if a < b else (b, a)


def _combine(weights: Iterable[float]) -> float:
    remaining = 1.0
    for weight in weights:
        remaining *= 1.0 - weight
    return 1.0 - remaining


def find_candidates(
    people: Iterable[PersonView],
    *,
    min_score: float = 0.5,
    limit: int | None = None,
    team_labels: Mapping[int, str] | None = None,
    exclude: Collection[tuple[int, int]] = (),
) -> list[MatchCandidate]:
    """Pairs of people who are probably the same, best first.

    ``exclude`` holds pairs (lower id first) already decided by a human; they are
    never returned. ``team_labels`` turns team ids into readable evidence
    ("same team: Ventes/Genève"). Ties are broken by ids so results are stable.
    """
    persons = {p.id: p for p in people}
    excluded = {_pair(a, b) for a, b in exclude}
    pairs: dict[tuple[int, int], _PairEvidence] = defaultdict(_PairEvidence)

    # Name blocks: equal normalised names are the evidence themselves.
    name_blocks: dict[str, dict[int, str]] = defaultdict(dict)
    for person in persons.values():
        for name in (person.display_name, *person.aliases):
            key = normalize_name(name)
            if key and name is not None:
                name_blocks[key].setdefault(person.id, name)
    for members in name_blocks.values():
        if len(members) < 2 or len(members) > NAME_BLOCK_CAP:
            continue
        for a, b in itertools.combinations(sorted(members), 2):
            pairs[(a, b)].name = members[a]

    # Handle blocks: ends of the compacted handle, then a fuzzy ratio inside each block.
    handle_blocks: dict[str, list[tuple[int, str, str]]] = defaultdict(list)
    for person in persons.values():
        for display, key in _person_handles(person):
            entry = (person.id, display, key)
            handle_blocks["^" + key[:4]].append(entry)
            handle_blocks["$" + key[-4:]].append(entry)
    for block in handle_blocks.values():
        if len(block) < 2 or len(block) > HANDLE_BLOCK_CAP:
            continue
        for (id_a, shown_a, key_a), (id_b, shown_b, key_b) in itertools.combinations(block, 2):
            if id_a == id_b:
                continue
            ratio = fuzz.ratio(key_a, key_b, score_cutoff=HANDLE_MIN_RATIO)
            if not ratio:
                continue
            pair = _pair(id_a, id_b)
            evidence = pairs[pair]
            if ratio > evidence.handle_ratio:
                evidence.handle_ratio = ratio
                if pair[0] == id_a:
                    evidence.handle_a, evidence.handle_b = shown_a, shown_b
                else:
                    evidence.handle_a, evidence.handle_b = shown_b, shown_a

    labels = team_labels or {}
    candidates: list[MatchCandidate] = []
    for (a, b), evidence in pairs.items():
        if (a, b) in excluded:
            continue
        person_a, person_b = persons[a], persons[b]
        weights: list[float] = []
        texts: list[str] = []
        if evidence.name is not None:
            weights.append(NAME_WEIGHT)
            texts.append(f"same name: '{evidence.name}'")
        if evidence.handle_ratio:
            weights.append(HANDLE_WEIGHT * evidence.handle_ratio / 100.0)
            texts.append(
                f"similar handles: {evidence.handle_a} ~ {evidence.handle_b}"
                f" ({round(evidence.handle_ratio)})"
            )
        shared_teams = sorted(set(person_a.team_ids) & set(person_b.team_ids))
        if shared_teams:
            weights.append(TEAM_WEIGHT)
            names = ", ".join(labels.get(t, f"#{t}") for t in shared_teams)
            texts.append(f"same team: {names}")
        score = _combine(weights)
        known = {person_a.kind, person_b.kind} - {"unknown"}
        if len(known) > 1:
            score *= KIND_CONFLICT_FACTOR
            texts.append(f"different kinds: {person_a.kind} / {person_b.kind}")
        if score >= min_score:
            candidates.append(MatchCandidate(a, b, round(score, 4), tuple(texts)))

    candidates.sort(key=lambda c: (-c.score, c.person_a, c.person_b))
    return candidates if limit is None else candidates[:limit]
