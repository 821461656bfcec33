"""Opinion leaders: communities of the interaction graph, influence, core position, topical
authority, each leader with a plain-language reason in French and in English.

Pure functions over an :class:`~palabre.graph.interactions.InteractionGraph` and plain
rows; the store is read by :mod:`palabre.innovation.leader_service`.

* **Communities**: Leiden (igraph's ``community_leiden``, modularity objective) on the
  undirected graph whose edge weight is the sum of both directions. Seeded: the same
  graph and seed give the same communities. Numbered from 1, largest first.
* **Influence**: first the *audience*: reach (the number of distinct people who reply
  to, mention or react to someone) divided by the square root of the messages the
  person wrote in the period, so that being heard by many counts more than writing
  much; then weighted PageRank on the directed graph (an edge points from who paid
  attention to who received it, so attention from attended people counts more) to
  order people of equal audience. Inside a community both are computed on the
  community's induced subgraph. The audience comes first because PageRank alone
  rewards the people a few busy colleagues keep answering (a customer whose complaints
  the support agents answer every day) over the people many others listen to, and
  plain reach rewards volume: see docs/leaders.md for the measured difference
  (``benchmarks/leaders_eval.py``).
* **Core position**: the k-core number of each person in the undirected graph (a person
  in the k-core has at least k neighbours who are themselves in it): leaders of the
  dense centre of a community rather than of its edge.
* **Topical authority**: who writes the messages that carry a topic's terms, and gets
  answered: each such message counts ``matched terms x (1 + replies + reactions / 2)``.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final

import igraph as ig
import numpy as np

from palabre.graph.interactions import KINDS, FloatArray, IntArray, InteractionGraph

#: Communities smaller than this are not listed: the same minimum group size as the
#: barometer's (DESIGN.md, privacy model), so that a listed community never points at
#: two or three people who talk together.
MIN_COMMUNITY: Final = 5
DAMPING: Final = 0.85


@dataclass(frozen=True, slots=True)
class Why:
    """A reason, written in both languages."""

    fr: str
    en: str

    def text(self, language: str) -> str:
        """The reason in ``language`` (``fr``; anything else gives English)."""
        return self.fr if language.startswith("fr") else self.en


def plural(count: float, one: str, many: str, *, french: bool = False) -> str:
    """``1 reply`` / ``0 replies`` / ``3 replies``; French counts 0 and 1 as singular."""
    number = f"{count:,.0f}".replace(",", "\u202f")
    single = count < 2 if french else count == 1
    return f"{number} {one if single else many}"


@dataclass(frozen=True, slots=True)
class Leader:
    """A leader of one community, with what they receive from it."""

    person_id: int
    rank: int  # 1: the most influential in the community
    influence: float  # PageRank inside the community (sums to 1 over its members)
    core: int  # k-core number in the whole graph
    people: int  # distinct members of the community who address them (reach)
    written: int  # messages they wrote in the period (0 when unknown)
    replies: int
    mentions: int
    reactions: int
    why: Why


@dataclass(frozen=True, slots=True)
class Community:
    """One community: its members and its leaders, strongest first."""

    number: int  # 1: the largest
    members: tuple[int, ...]  # person ids
    internal_weight: float  # sum of edge weights inside the community
    leaders: tuple[Leader, ...]

    @property
    def size(self) -> int:
        """How many people it holds."""
        return len(self.members)


def communities(
    graph: InteractionGraph, *, seed: int = 0, resolution: float = 1.0, iterations: int = -1
) -> IntArray:
    """Community number of each vertex (Leiden, modularity), 1 for the largest community.

    ``iterations=-1`` runs Leiden until a pass changes nothing. igraph draws from a
    process-wide generator: it is set to ``random.Random(seed)`` for the call and then
    given back to the :mod:`random` module.
    """
    n = graph.size
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    undirected = graph.undirected()
    ig.set_random_number_generator(random.Random(seed))
    try:
        found = undirected.community_leiden(
            objective_function="modularity",
            weights="weight",
            resolution=resolution,
            n_iterations=iterations,
        )
    finally:
        ig.set_random_number_generator(random)
    raw = np.asarray(found.membership, dtype=np.int64)
    return renumber(raw, graph.people)


def renumber(membership: IntArray, people: IntArray) -> IntArray:
    """Renumber communities 1, 2, ... by size (largest first), ties by smallest person id."""
    if len(membership) == 0:
        return membership
    labels = np.unique(membership)
    order = sorted(
        labels.tolist(),
        key=lambda c: (-int(np.sum(membership == c)), int(people[membership == c].min())),
    )
    mapping = np.zeros(int(labels.max()) + 1, dtype=np.int64)
    for number, label in enumerate(order, start=1):
        mapping[label] = number
    return mapping[membership]


def influence(graph: InteractionGraph | ig.Graph) -> FloatArray:
    """Weighted PageRank of every vertex (sums to 1)."""
    g = graph.graph if isinstance(graph, InteractionGraph) else graph
    if g.vcount() == 0:
        return np.zeros(0)
    weights = "weight" if g.ecount() else None
    return np.asarray(g.pagerank(weights=weights, damping=DAMPING, directed=True), dtype=float)


def reach(graph: InteractionGraph | ig.Graph) -> IntArray:
    """How many distinct people address each vertex (edges are one per ordered pair)."""
    g = graph.graph if isinstance(graph, InteractionGraph) else graph
    return np.asarray(g.degree(mode="in", loops=False), dtype=np.int64)


def audience(graph: InteractionGraph | ig.Graph) -> FloatArray:
    """Reach discounted by volume: ``reach / sqrt(messages written)`` (at least one)."""
    g = graph.graph if isinstance(graph, InteractionGraph) else graph
    people = reach(g).astype(float)
    if InteractionGraph.MESSAGES not in g.vertex_attributes():
        return people
    written = np.maximum(np.asarray(g.vs[InteractionGraph.MESSAGES], dtype=float), 1.0)
    score: FloatArray = people / np.sqrt(written)
    return score


def ranking(graph: InteractionGraph | ig.Graph) -> IntArray:
    """Vertex indices from the most to the least influential: :func:`audience`, then
    PageRank, then vertex order."""
    score = audience(graph)
    rank = influence(graph)
    return np.lexsort((np.arange(len(score)), -rank, -score)).astype(np.int64)


def coreness(graph: InteractionGraph) -> IntArray:
    """k-core number of every vertex, ignoring direction and weights."""
    return np.asarray(graph.graph.coreness(mode="all"), dtype=np.int64)


def _leader_why(
    rank: int,
    size: int,
    people: int,
    written: int,
    received: Mapping[str, int],
    core: int,
    deepest: int,
) -> Why:
    replies, mentions, reactions = (received[k] for k in KINDS)
    wrote_fr = f" ; a écrit {plural(written, 'message', 'messages', french=True)}"
    wrote_en = f"; wrote {plural(written, 'message', 'messages')}"
    fr = (
        f"{plural(people, 'personne', 'personnes', french=True)} de cette communauté "
        "lui répondent, le ou la mentionnent ou réagissent à ses messages "
        f"({plural(replies, 'réponse', 'réponses', french=True)}, "
        f"{plural(mentions, 'mention', 'mentions', french=True)}, "
        f"{plural(reactions, 'réaction', 'réactions', french=True)})"
        f"{wrote_fr if written else ''} ; "
        f"rang d'influence {rank} sur {size} ici ; au {core}-cœur du réseau "
        f"(le plus dense : {deepest})"
    )
    en = (
        f"{plural(people, 'person', 'people')} of this community reply to, mention or react "
        f"to them ({plural(replies, 'reply', 'replies')}, "
        f"{plural(mentions, 'mention', 'mentions')}, "
        f"{plural(reactions, 'reaction', 'reactions')}){wrote_en if written else ''}; "
        f"influence rank {rank} of {size} here; in the {core}-core of the network "
        f"(the densest: {deepest})"
    )
    return Why(fr, en)


def community_leaders(
    graph: InteractionGraph,
    membership: IntArray,
    *,
    top: int = 5,
    min_size: int = MIN_COMMUNITY,
    excluded: frozenset[int] = frozenset(),
) -> list[Community]:
    """The communities of ``membership`` with at least ``min_size`` members, and each
    one's ``top`` leaders by :func:`ranking` inside the community.

    A person in ``excluded`` (erased) counts in the graph but is never listed."""
    g = graph.graph
    cores = coreness(graph)
    deepest = int(cores.max()) if len(cores) else 0
    out: list[Community] = []
    for number in range(1, int(membership.max(initial=0)) + 1):
        members = np.flatnonzero(membership == number)
        if len(members) < min_size:
            continue
        sub = g.induced_subgraph(members.tolist(), implementation="create_from_scratch")
        # induced_subgraph keeps vertex order: sub vertex i is members[i]
        rank = influence(sub)
        order = [i for i in ranking(sub).tolist() if int(graph.people[members[i]]) not in excluded]
        targets = np.asarray([t for _, t in sub.get_edgelist()], dtype=np.int64)
        received = {
            k: np.bincount(targets, weights=sub.es[k], minlength=len(members)).astype(np.int64)
            if len(targets)
            else np.zeros(len(members), dtype=np.int64)
            for k in KINDS
        }
        senders = reach(sub)
        written = (
            np.asarray(sub.vs[InteractionGraph.MESSAGES], dtype=np.int64)
            if InteractionGraph.MESSAGES in sub.vertex_attributes()
            else np.zeros(len(members), dtype=np.int64)
        )
        leaders = []
        for position, i in enumerate(order[:top], start=1):
            counts: dict[str, int] = {k: int(received[k][i]) for k in KINDS}
            core = int(cores[members[i]])
            people, wrote = int(senders[i]), int(written[i])
            leaders.append(
                Leader(
                    person_id=int(graph.people[members[i]]),
                    rank=position,
                    influence=float(rank[i]),
                    core=core,
                    people=people,
                    written=wrote,
                    replies=counts["replies"],
                    mentions=counts["mentions"],
                    reactions=counts["reactions"],
                    why=_leader_why(position, len(members), people, wrote, counts, core, deepest),
                )
            )
        weight = float(sum(sub.es["weight"])) if sub.ecount() else 0.0
        out.append(
            Community(
                number=number,
                members=tuple(int(p) for p in graph.people[members]),
                internal_weight=weight,
                leaders=tuple(leaders),
            )
        )
    return out


@dataclass(frozen=True, slots=True)
class TopicMessage:
    """A message that carries some of a topic's terms, as topical authority reads it."""

    author: int  # person id
    matched: int  # how many of the topic's terms it carries
    root: bool  # it starts a conversation (not a reply)
    replies: int  # replies it drew from other people
    reactions: int  # reactions it drew


@dataclass(frozen=True, slots=True)
class TopicalAuthority:
    """A person's authority on a topic and what it rests on."""

    person_id: int
    rank: int
    score: float
    messages: int
    started: int  # how many of them start a conversation
    replies: int
    reactions: int
    why: Why


def message_weight(message: TopicMessage) -> float:
    """What one topical message adds to its author's authority."""
    return message.matched * (1.0 + message.replies + 0.5 * message.reactions)


def topical_authority(
    messages: Sequence[TopicMessage], topic: str, *, top: int = 10
) -> list[TopicalAuthority]:
    """People ranked by authority on ``topic`` (its label, for the reasons), strongest
    first (ties: more messages, then smaller person id)."""
    score: dict[int, float] = {}
    tally: dict[int, list[int]] = {}
    for m in messages:
        score[m.author] = score.get(m.author, 0.0) + message_weight(m)
        counts = tally.setdefault(m.author, [0, 0, 0, 0])
        counts[0] += 1
        counts[1] += int(m.root)
        counts[2] += m.replies
        counts[3] += m.reactions
    order = sorted(score, key=lambda p: (-score[p], -tally[p][0], p))
    out = []
    for rank, person in enumerate(order[:top], start=1):
        written, started, replies, reactions = tally[person]
        why = Why(
            f"a écrit {plural(written, 'message', 'messages', french=True)} sur « {topic} » "
            f"(dont {started} ouvrant une conversation), qui ont reçu "
            f"{plural(replies, 'réponse', 'réponses', french=True)} et "
            f"{plural(reactions, 'réaction', 'réactions', french=True)}",
            f"wrote {plural(written, 'message', 'messages')} about “{topic}” "
            f"({started} starting a conversation), which drew "
            f"{plural(replies, 'reply', 'replies')} and "
            f"{plural(reactions, 'reaction', 'reactions')}",
        )
        out.append(
            TopicalAuthority(person, rank, score[person], written, started, replies, reactions, why)
        )
    return out


def percentile_ranks(values: FloatArray) -> FloatArray:
    """Each value's share of values at or below it, in (0, 1] (the largest: 1)."""
    if len(values) == 0:
        return values
    order = np.sort(values)
    return np.searchsorted(order, values, side="right") / len(values)


def recall_at(ranked: Sequence[str], truth: Sequence[str], k: int) -> float:
    """Share of ``truth`` found among the first ``k`` of ``ranked``, out of what ``k``
    places can hold: ``|top k ∩ truth| / min(k, |truth|)``."""
    wanted = set(truth)
    if not wanted or k <= 0:
        return math.nan
    return len(wanted & set(ranked[:k])) / min(k, len(wanted))
