"""The demo company's crowd validation, planned from the seed (pure: no database).

Two things are planted for the innovation manager to find:

* **an agree / disagree conversation** (Pol.is-like) about the company's real subjects
  (store hours, delivery, prices, the app, the loyalty programme, remote work...), in
  French and English. Its participants, customers and employees, each belong to one of
  three opinion groups with known stances; they vote on the statements with noise and
  passes, a few add statements of their own, and two of those are moderated out. The
  ground truth (``crowd`` in ``truth.json``) records every participant's planted group,
  so the groups palabre computes can be scored (adjusted Rand index);
* **pairwise answers** on the idea campaigns: simulated participants whose tastes follow
  each idea's planted appeal (:mod:`palabre.innovation.pairwise_simulation`).

:func:`plan_crowd` draws the conversation (its part of the ground truth);
:func:`plan_votes` replays every vote from that truth alone, so loading, tests and the
benchmark (``benchmarks/demo_opinion_groups.py``) all see the same votes.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

import numpy as np

from palabre.demo.world import START, World

#: The planted opinion groups: key -> what its members care about.
GROUPS: Final[dict[str, str]] = {
    "magasin": "the shop and its people first: advice, opening hours, human contact",
    "numerique": "the app and delivery first: convenience, self-service, remote work",
    "prix": "prices first: discounts, free delivery, sales",
}
GROUP_KEYS: Final[tuple[str, ...]] = tuple(GROUPS)

#: Each planted statement: (key, language, text, stance of magasin, numerique, prix).
#: A stance is +1 (the group agrees), -1 (disagrees) or 0 (the group is split).
SEEDED: Final[tuple[tuple[str, str, str, int, int, int], ...]] = (
    ("horaires", "fr", "Les magasins devraient rester ouverts jusqu'à 20 h en semaine.", 1, 0, 1),
    ("conseil", "fr", "Le personnel en magasin donne de bons conseils.", 1, 1, 1),
    ("retours", "en", "Returns should be free, in the shop or by post.", 1, 1, 1),
    (
        "caisses",
        "fr",
        "Les caisses automatiques rendent le passage en caisse plus agréable.",
        -1,
        1,
        0,
    ),
    (
        "livraison",
        "fr",
        "Je préfère être livré à domicile plutôt que de venir en magasin.",
        -1,
        1,
        -1,
    ),
    ("payante", "en", "Paying for delivery is fine if it arrives the next day.", 0, 1, -1),
    ("prix", "fr", "Les prix ont trop augmenté cette année.", -1, -1, 1),
    ("appli", "en", "The app has become harder to use since the last update.", 1, -1, 0),
    (
        "offres",
        "fr",
        "Les offres réservées à l'application sont injustes pour les clients en magasin.",
        1,
        -1,
        1,
    ),
    (
        "teletravail",
        "fr",
        "Deux jours de télétravail par semaine devraient être la règle au siège.",
        -1,
        1,
        0,
    ),
    ("local", "fr", "Je paierais un peu plus cher pour des produits locaux.", 1, 0, -1),
    ("fidelite", "en", "The loyalty programme should give discounts rather than points.", -1, 0, 1),
    ("telephone", "fr", "Un conseiller au téléphone vaut mieux qu'un chat en ligne.", 1, -1, 0),
    ("relais", "fr", "La livraison en point relais me suffit si elle est gratuite.", 0, -1, 1),
    ("attente", "en", "Customer service answers quickly enough today.", -1, -1, -1),
    ("soldes", "fr", "Les soldes devraient durer plus longtemps.", -1, 0, 1),
)
#: Statements participants add: (key, language, text, moderation, stances).
ADDED: Final[tuple[tuple[str, str, str, str, tuple[int, int, int]], ...]] = (
    ("casiers", "fr", "Il faudrait des casiers de retrait dans les gares.", "in", (-1, 1, 0)),
    ("catalogue", "en", "Please bring back the paper catalogue.", "in", (1, -1, 0)),
    ("hors-sujet", "fr", "Ce questionnaire ne sert à rien, personne ne le lira.", "out", (0, 0, 0)),
    (
        "personnel",
        "en",
        "Call me on 079 555 12 34 about my order, nobody answers.",
        "out",
        (0, 0, 0),
    ),
)
#: How likely each kind of participant is to belong to each group (magasin, numerique, prix).
MIX: Final[dict[str, tuple[float, float, float]]] = {
    "customer": (0.40, 0.25, 0.35),
    "employee": (0.30, 0.50, 0.20),
}
CAMPAIGN_KEY: Final = "avis"
OPENS: Final = dt.date(2025, 11, 3)
#: The last day of the demo's calendar: visits are spread until then.
LAST_DAY: Final = dt.date(2025, 12, 31)
#: Chance that a participant votes on a statement they are shown; a pass; a vote against
#: their group's stance (noise).
SEEN: Final = 0.8
PASS: Final = 0.1
NOISE: Final = 0.15


def participant_count(world: World) -> int:
    """How many people join the conversation: grows with the company, capped for speed."""
    return min(180, 30 + len(world.employees) // 2 + len(world.customers) // 20)


def plan_crowd(world: World) -> dict[str, Any]:
    """The conversation's part of the ground truth: groups, statements, participants."""
    rng = random.Random(f"palabre-demo:{world.seed}:crowd")
    start = (OPENS - START).days
    pool: list[tuple[str, str, str]] = [
        (e.external_id, "employee", e.voice.language) for e in world.employees
    ]
    pool += [
        (c.external_id, "customer", c.voice.language)
        for c in world.customers
        if c.churn_day is None or c.churn_day > start
    ]
    chosen = rng.sample(pool, min(participant_count(world), len(pool)))
    span = (LAST_DAY - OPENS).days
    visits = sorted(rng.randint(0, span) for _ in chosen)
    participants = []
    for (person, kind, language), offset in zip(chosen, visits, strict=True):
        group = rng.choices(GROUP_KEYS, weights=MIX[kind])[0]
        participants.append(
            {
                "person": person,
                "kind": kind,
                "language": language,
                "group": group,
                "day": (OPENS + dt.timedelta(days=offset)).isoformat(),
            }
        )
    statements: list[dict[str, Any]] = [
        {
            "key": key,
            "language": language,
            "text": text,
            "author": None,
            "moderation": "in",
            "stances": dict(zip(GROUP_KEYS, stances, strict=True)),
            "day": OPENS.isoformat(),
        }
        for key, language, text, *stances in SEEDED
    ]
    # Participants who add a statement: spread over the first two thirds of the visits,
    # each in a participant's language when one speaks it.
    for n, (key, language, text, moderation, stances) in enumerate(ADDED):
        index = (n + 1) * len(participants) // (len(ADDED) + 2)
        speakers = [p for p in participants[index:] if p["language"] == language]
        author = (speakers or participants[index:] or participants)[0] if participants else None
        statements.append(
            {
                "key": key,
                "language": language,
                "text": text,
                "author": author["person"] if author else None,
                "moderation": moderation,
                "stances": dict(zip(GROUP_KEYS, stances, strict=True)),
                "day": author["day"] if author else OPENS.isoformat(),
            }
        )
    return {
        "campaign": CAMPAIGN_KEY,
        "opens": OPENS.isoformat(),
        "seed": world.seed,
        "groups": dict(GROUPS),
        "statements": statements,
        "participants": participants,
        "votes": {"seen": SEEN, "pass": PASS, "noise": NOISE},
    }


@dataclass(frozen=True, slots=True)
class PlannedVote:
    """One vote to cast: who, on which statement (its key), the value and the day."""

    person: str
    statement: str
    value: int
    day: dt.date


def plan_votes(crowd: Mapping[str, Any]) -> list[PlannedVote]:
    """Every vote of the conversation, in the order participants cast them.

    A participant votes on the accepted statements that exist at their visit: the
    manager's, and those added by participants who came before.
    """
    rng = np.random.default_rng([int(crowd["seed"]), 5])
    rates = crowd["votes"]
    accepted = [s for s in crowd["statements"] if s["moderation"] == "in"]
    order = {p["person"]: n for n, p in enumerate(crowd["participants"])}
    votes: list[PlannedVote] = []
    for n, participant in enumerate(crowd["participants"]):
        day = dt.date.fromisoformat(participant["day"])
        for statement in accepted:
            author = statement["author"]
            # A participant's statement exists from its author's visit on; the author's
            # own counts as agreed (Pol.is records no vote for it).
            if author is not None and order.get(author, -1) >= n:
                continue
            if rng.random() >= rates["seen"]:
                continue
            stance = int(statement["stances"][participant["group"]])
            if rng.random() < rates["pass"]:
                value = 0
            elif stance == 0 or rng.random() < rates["noise"]:
                value = 1 if rng.random() < 0.5 else -1
            else:
                value = stance
            votes.append(PlannedVote(participant["person"], statement["key"], value, day))
    return votes


def planted_groups(crowd: Mapping[str, Any]) -> dict[str, str]:
    """Each participant's planted group, by person external id."""
    return {p["person"]: p["group"] for p in crowd["participants"]}


def adjusted_rand(truth: Sequence[str], found: Sequence[int]) -> float:
    """The adjusted Rand index of two labellings of the same people (1: identical)."""
    from sklearn.metrics import adjusted_rand_score

    return float(adjusted_rand_score(list(truth), list(found)))
