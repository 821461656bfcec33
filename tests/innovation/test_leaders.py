"""Communities, influence, core position and topical authority on graphs whose answer is
known, and the communities of a real organisation (email-eu-core) against its departments."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from sklearn.metrics import normalized_mutual_info_score

from palabre.graph.interactions import Interactions, build_graph
from palabre.innovation.leaders import (
    TopicMessage,
    audience,
    communities,
    community_leaders,
    coreness,
    ranking,
    recall_at,
    topical_authority,
)
from tests.datasets import dataset_path

#: NMI measured with benchmarks/leaders_eval.py (0.566 at resolution 1, seed 0), less a
#: margin for another igraph build.
EU_CORE_NMI_FLOOR = 0.52


def _graph(rows: list[tuple[int, int, str, int]]) -> Interactions:
    return Interactions.from_rows(rows)  # type: ignore[arg-type]


def two_cliques_and_a_bridge() -> Interactions:
    rows = []
    for clique in (range(1, 7), range(11, 17)):
        rows += [(a, b, "replies", 1) for a, b in itertools.permutations(clique, 2)]
    rows.append((6, 11, "replies", 1))
    return _graph(rows)


def test_two_cliques_joined_by_a_bridge_are_two_communities() -> None:
    graph = build_graph(two_cliques_and_a_bridge())
    membership = communities(graph, seed=3)
    people = graph.people.tolist()
    group = dict(zip(people, membership.tolist(), strict=True))
    assert {group[p] for p in range(1, 7)} == {1}
    assert {group[p] for p in range(11, 17)} == {2}  # equal sizes: smaller ids first


def test_the_same_seed_gives_the_same_communities() -> None:
    rng = np.random.default_rng(5)
    rows = [
        (int(a), int(b), "mentions", 1)
        for a, b in rng.integers(0, 60, size=(400, 2))
        if a != b and (a // 20 == b // 20 or rng.random() < 0.1)
    ]
    graph = build_graph(_graph(rows))
    first = communities(graph, seed=7)
    assert np.array_equal(first, communities(graph, seed=7))
    assert normalized_mutual_info_score(graph.people // 20, first) > 0.8


def test_the_center_of_a_star_leads_its_community() -> None:
    rows = [(leaf, 100, "replies", 1) for leaf in range(1, 9)]
    rows += [(leaf, leaf + 1, "reactions", 1) for leaf in range(1, 8)]  # a path along the leaves
    graph = build_graph(_graph(rows))
    membership = np.ones(graph.size, dtype=np.int64)
    [community] = community_leaders(graph, membership, top=3)
    leader = community.leaders[0]
    assert leader.person_id == 100
    assert (leader.rank, leader.people, leader.replies, leader.reactions) == (1, 8, 8, 0)
    assert "8 people of this community" in leader.why.en
    assert "8 personnes de cette communauté" in leader.why.fr
    assert "rang d'influence 1 sur 9" in leader.why.text("fr-CH")
    assert graph.people[ranking(graph)[0]] == 100


def test_communities_under_five_people_are_not_listed() -> None:
    rows = [(a, b, "replies", 1) for a, b in itertools.permutations(range(1, 6), 2)]
    rows += [(a, b, "replies", 1) for a, b in itertools.permutations(range(10, 14), 2)]
    graph = build_graph(_graph(rows))
    membership = communities(graph)
    listed = community_leaders(graph, membership)
    assert [c.size for c in listed] == [5]
    assert int(membership.max()) == 2


def test_the_core_number_tells_the_dense_centre_from_the_edge() -> None:
    rows = [(a, b, "replies", 1) for a, b in itertools.combinations(range(1, 6), 2)]
    rows.append((9, 1, "mentions", 1))  # a person hanging on the clique
    graph = build_graph(_graph(rows))
    cores = dict(zip(graph.people.tolist(), coreness(graph).tolist(), strict=True))
    assert cores[1] == 4
    assert cores[9] == 1


def test_reach_comes_before_pagerank() -> None:
    # 7 is answered many times by one busy person; 8 is addressed once each by four people.
    rows = [(1, 7, "replies", 30)]
    rows += [(p, 8, "reactions", 1) for p in (2, 3, 4, 5)]
    graph = build_graph(_graph(rows))
    assert graph.people[ranking(graph)[0]] == 8


def test_the_audience_discounts_reach_by_how_much_one_writes() -> None:
    # 7 and 8 are each addressed by four people; 7 wrote 16 messages to get there, 8 one.
    rows = [(p, 7, "replies", 1) for p in (1, 2, 3, 4)]
    rows += [(p, 8, "replies", 1) for p in (1, 2, 3, 4)]
    found = _graph(rows)
    found = Interactions(
        found.source,
        found.target,
        found.kind,
        found.count,
        authors=np.array([7, 8]),
        written=np.array([16, 1]),
    )
    graph = build_graph(found)
    index = graph.index_of()
    score = audience(graph)
    assert (score[index[7]], score[index[8]]) == (1.0, 4.0)
    assert graph.people[ranking(graph)[0]] == 8


def test_topical_authority_counts_answered_messages_and_explains_itself() -> None:
    messages = [
        TopicMessage(author=1, matched=2, root=True, replies=4, reactions=2),
        TopicMessage(author=2, matched=2, root=True, replies=0, reactions=0),
        TopicMessage(author=2, matched=2, root=False, replies=0, reactions=1),
    ]
    ranked = topical_authority(messages, "vélo cargo")
    assert [(a.person_id, a.score) for a in ranked] == [(1, 2 * (1 + 4 + 1)), (2, 2 + 3)]
    second = ranked[1]
    assert second.why.en == (
        "wrote 2 messages about “vélo cargo” (1 starting a conversation), "
        "which drew 0 replies and 1 reaction"
    )
    assert second.why.fr == (
        "a écrit 2 messages sur « vélo cargo » (dont 1 ouvrant une conversation), "
        "qui ont reçu 0 réponse et 1 réaction"
    )


def test_recall_at_k_counts_what_k_places_can_hold() -> None:
    assert recall_at(["a", "x", "b"], ["a", "b", "c"], 2) == 0.5
    assert recall_at(["a", "x", "b"], ["a", "b"], 3) == 1.0


def test_leiden_communities_of_email_eu_core_agree_with_its_departments() -> None:
    folder = dataset_path("email-eu-core")
    lines = (folder / "email-Eu-core.txt").read_text().splitlines()
    rows = [(int(a), int(b), "replies", 1) for a, b in (line.split() for line in lines)]
    labels = (folder / "email-Eu-core-department-labels.txt").read_text().splitlines()
    department = {int(a): int(b) for a, b in (line.split() for line in labels)}
    graph = build_graph(_graph(rows), people=np.array(sorted(department)))
    membership = communities(graph, seed=0)
    nmi = normalized_mutual_info_score([department[int(p)] for p in graph.people], membership)
    assert nmi >= EU_CORE_NMI_FLOOR
    assert 15 <= int(membership.max()) <= 60


@pytest.mark.parametrize("seed", [0, 1])
def test_an_empty_graph_has_no_community(seed: int) -> None:
    graph = build_graph(_graph([]))
    assert communities(graph, seed=seed).tolist() == []
    assert community_leaders(graph, communities(graph)) == []
