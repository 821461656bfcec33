"""Who could carry an idea: people suggested for each role of the innovation funnel.

:func:`suggest_roles` reads the store (never writes) and returns, for an idea's text
and language, a few people for each role with the reason in French and in English.
The innovation manager assigns; nothing here decides. The rules:

* **ideator**: who *starts* conversations on the idea's topic and gets answered (the
  topical authority of the messages that open a thread);
* **champion**: the most influential person of the whole network (audience, then PageRank)
  who has written about the topic, influence counting more than expertise;
* **experts**: the highest topical authority (:func:`palabre.innovation.leaders.
  topical_authority`: messages carrying the topic's words, weighted by the answers and
  reactions they drew);
* **validators**: the leaders of the communities where the topic is discussed (the
  share of topical messages written in each community, times the person's influence
  percentile inside it): they tell how the idea will be received there.

Every score is divided by ``1 + load``, where the load of a person is the number of
things they already carry (ideas they champion, reviews they owe...): the ``load``
callable receives the candidate person ids and returns their loads, so that the idea
tables can plug in their own count. A person is suggested for one role at most (the
roles are filled in the order above: one ideator, one champion, then ``per_role``
experts and validators). Communities under
:data:`~palabre.innovation.leaders.MIN_COMMUNITY` members yield no validator.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Final, Literal

import numpy as np
from sqlalchemy.orm import Session

from palabre.errors import ValidationError
from palabre.innovation.leader_service import (
    PersonRef,
    graph_communities,
    people,
    topic_messages,
    topic_terms,
)
from palabre.innovation.leaders import (
    MIN_COMMUNITY,
    TopicMessage,
    Why,
    message_weight,
    plural,
    ranking,
)

Role = Literal["ideator", "experts", "champion", "validators"]
ROLES: Final[tuple[Role, ...]] = ("ideator", "champion", "experts", "validators")
#: ``load(person_ids) -> {person_id: things carried}``; missing ids carry nothing.
Load = Callable[[Sequence[int]], Mapping[int, int]]


def no_load(_people: Sequence[int]) -> Mapping[int, int]:
    """The default load: nobody carries anything yet."""
    return {}


@dataclass(frozen=True, slots=True)
class Suggestion:
    """One person suggested for one role, with the score and the reason."""

    role: Role
    person: PersonRef
    score: float
    load: int
    why: Why


@dataclass(frozen=True)
class RoleSuggestions:
    """The suggestions for each role (each list strongest first; may be empty)."""

    topic: str
    language: str
    topical_messages: int
    roles: dict[Role, list[Suggestion]]


def _load_why(load: int) -> tuple[str, str]:
    if load == 0:
        return "ne porte encore rien", "carries nothing yet"
    fr = f"porte déjà {plural(load, 'sujet', 'sujets', french=True)}"
    return fr, f"already carries {plural(load, 'thing', 'things')}"


def suggest_roles(
    session: Session,
    title: str,
    body: str = "",
    language: str | None = None,
    *,
    load: Load = no_load,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    per_role: int = 3,
    seed: int = 0,
    excluded: frozenset[int] = frozenset(),
) -> RoleSuggestions:
    """Suggest people for each role of an idea from its ``title`` and ``body`` (see the
    module docstring for the rules). Read-only; deterministic for a given ``seed``.

    Nobody in ``excluded`` (erased people) is suggested."""
    if not title.strip():
        raise ValidationError("title: an idea needs a title to suggest people for it")
    terms = topic_terms(f"{title}\n{body}", language, label=title)
    messages = topic_messages(session, terms, since=since, until=until)
    found = graph_communities(session, since=since, until=until, seed=seed)
    graph = found.graph
    membership = np.asarray(found.membership, dtype=np.int64)
    index = graph.index_of()

    authority: dict[int, float] = {}
    started: dict[int, float] = {}
    written: dict[int, list[TopicMessage]] = {}
    for m in messages:
        authority[m.author] = authority.get(m.author, 0.0) + message_weight(m)
        if m.root:
            started[m.author] = started.get(m.author, 0.0) + message_weight(m)
        written.setdefault(m.author, []).append(m)
    top_authority = max(authority.values(), default=1.0)

    # Influence over the whole network, as a percentile (1: the most influential).
    order = ranking(graph)
    global_rank = {int(graph.people[v]): r for r, v in enumerate(order.tolist(), start=1)}
    size = graph.size

    # Where the topic is discussed: share of topical messages per community.
    shares: dict[int, float] = {}
    for m in messages:
        v = index.get(m.author)
        if v is not None:
            shares[int(membership[v])] = shares.get(int(membership[v]), 0.0) + 1.0
    total = sum(shares.values()) or 1.0
    local: dict[int, tuple[int, float, int, int]] = {}  # person -> (community, pct, rank, size)
    for number in sorted(shares, key=lambda c: -shares[c]):
        members = np.flatnonzero(membership == number)
        if len(members) < MIN_COMMUNITY:
            continue
        sub = graph.graph.induced_subgraph(members.tolist(), implementation="create_from_scratch")
        places = {v: r for r, v in enumerate(ranking(sub).tolist(), start=1)}
        for i, v in enumerate(members.tolist()):
            # 1 for the community's first, down to 1 / size for its last
            share = 1.0 - (places[i] - 1) / len(members)
            local[int(graph.people[v])] = (number, share, places[i], len(members))

    for person in excluded:
        authority.pop(person, None)
        started.pop(person, None)
        local.pop(person, None)
        global_rank.pop(person, None)
    candidates = set(authority) | set(local)
    loads = {p: int(n) for p, n in load(sorted(candidates)).items()}
    chosen: set[int] = set()
    raw: dict[Role, list[tuple[float, int, Why]]] = {r: [] for r in ROLES}
    label = terms.label

    def mine(person: int) -> tuple[int, int, int]:
        own = written.get(person, [])
        return (
            len(own),
            sum(m.replies for m in own),
            sum(m.reactions for m in own),
        )

    for person, weight in started.items():
        count = sum(1 for m in written[person] if m.root)
        _, replies, reactions = mine(person)
        raw["ideator"].append(
            (
                weight,
                person,
                Why(
                    f"a ouvert {plural(count, 'conversation', 'conversations', french=True)} "
                    f"sur « {label} », qui ont reçu "
                    f"{plural(replies, 'réponse', 'réponses', french=True)} et "
                    f"{plural(reactions, 'réaction', 'réactions', french=True)}",
                    f"started {plural(count, 'conversation', 'conversations')} about "
                    f"“{label}”, which drew {plural(replies, 'reply', 'replies')} and "
                    f"{plural(reactions, 'reaction', 'reactions')}",
                ),
            )
        )
    for person, weight in authority.items():
        count, replies, reactions = mine(person)
        raw["experts"].append(
            (
                weight,
                person,
                Why(
                    f"a écrit {plural(count, 'message', 'messages', french=True)} sur "
                    f"« {label} », qui ont reçu "
                    f"{plural(replies, 'réponse', 'réponses', french=True)} et "
                    f"{plural(reactions, 'réaction', 'réactions', french=True)}",
                    f"wrote {plural(count, 'message', 'messages')} about “{label}”, which "
                    f"drew {plural(replies, 'reply', 'replies')} and "
                    f"{plural(reactions, 'reaction', 'reactions')}",
                ),
            )
        )
        if person in global_rank:
            rank = global_rank[person]
            weight_champion = (1.0 - (rank - 1) / size) * (0.75 + 0.25 * weight / top_authority)
            raw["champion"].append(
                (
                    weight_champion,
                    person,
                    Why(
                        f"rang d'influence {rank} sur {size} dans tout le réseau, et a écrit "
                        f"{plural(count, 'message', 'messages', french=True)} sur « {label} »",
                        f"influence rank {rank} of {size} in the whole network, and wrote "
                        f"{plural(count, 'message', 'messages')} about “{label}”",
                    ),
                )
            )
    for person, (number, pct, place, community_size) in local.items():
        share = shares[number] / total
        percent = round(100 * share)
        raw["validators"].append(
            (
                share * pct,
                person,
                Why(
                    f"rang d'influence {place} sur {community_size} dans la communauté "
                    f"{number}, où s'écrivent {percent} % des messages sur « {label} »",
                    f"influence rank {place} of {community_size} in community {number}, where "
                    f"{percent}% of the messages about “{label}” are written",
                ),
            )
        )

    picked: dict[Role, list[tuple[float, int, Why]]] = {}
    for role in ROLES:
        wanted = 1 if role in ("ideator", "champion") else per_role
        options = sorted(
            ((s / (1 + loads.get(p, 0)), p, why) for s, p, why in raw[role] if p not in chosen),
            key=lambda item: (-item[0], item[1]),
        )
        picked[role] = [o for o in options if o[0] > 0][:wanted]
        chosen.update(p for _, p, _ in picked[role])
    names = people(session, chosen)
    roles: dict[Role, list[Suggestion]] = {}
    for role in ROLES:
        roles[role] = []
        for value, person, why in picked[role]:
            carried = loads.get(person, 0)
            fr_load, en_load = _load_why(carried)
            roles[role].append(
                Suggestion(
                    role,
                    names.get(person, PersonRef(person, f"#{person}", "unknown")),
                    value,
                    carried,
                    Why(f"{why.fr} ; {fr_load}", f"{why.en}; {en_load}"),
                )
            )
    return RoleSuggestions(label, terms.language, len(messages), roles)
