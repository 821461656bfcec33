"""Speed of influence and communities on a one-million-edge interaction graph.

    python benchmarks/graph_speed.py [--people 100000] [--edges 1000000] [--seed 0]

The graph is synthetic, with community structure: people fall into 200 planted groups;
each interaction joins two people of the same group with probability 0.8, else two
people at random; kinds are drawn 50 % replies, 20 % mentions, 30 % reactions (seeded).
Timed, each step as ``palabre leaders`` runs it (palabre.innovation.graph and .leaders):
aggregating the rows into the igraph graph, influence (audience then PageRank), Leiden
communities (with the undirected aggregation they need), core numbers. The goal is
influence + communities under 5 s. The machine's load average is printed with the
figures: on a shared machine, other work slows every step.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np
from sklearn.metrics import normalized_mutual_info_score

from palabre.innovation.graph import Interactions, build_graph
from palabre.innovation.leaders import communities, coreness, ranking

GROUPS = 200
INSIDE = 0.8


def synthetic(people: int, edges: int, seed: int) -> tuple[Interactions, np.ndarray]:
    """``edges`` interaction rows among ``people``, and each person's planted group."""
    rng = np.random.default_rng(seed)
    group = rng.integers(0, GROUPS, people)
    source = rng.integers(0, people, edges)
    target = rng.integers(0, people, edges)
    members = [np.flatnonzero(group == g) for g in range(GROUPS)]
    inside = rng.random(edges) < INSIDE
    for g in range(GROUPS):
        chosen = np.flatnonzero(inside & (group[source] == g))
        target[chosen] = rng.choice(members[g], len(chosen))
    kind = rng.choice(3, size=edges, p=[0.5, 0.2, 0.3])
    count = np.ones(edges, dtype=np.int64)
    return Interactions(source, target, kind.astype(np.int64), count), group


def main(argv: list[str] | None = None) -> int:
    """Build, time and print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--edges", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    rows, group = synthetic(args.people, args.edges, args.seed)
    load = os.getloadavg()
    print(
        f"synthetic graph: {args.people:,} people, {args.edges:,} interaction rows, "
        f"{GROUPS} planted groups (seed {args.seed}); {os.cpu_count()} CPUs, "
        f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} before the run"
    )
    start = time.perf_counter()
    graph = build_graph(rows)
    built = time.perf_counter() - start
    start = time.perf_counter()
    order = ranking(graph)
    ranked = time.perf_counter() - start
    start = time.perf_counter()
    membership = communities(graph, seed=0)
    grouped = time.perf_counter() - start
    start = time.perf_counter()
    cores = coreness(graph)
    cored = time.perf_counter() - start
    nmi = normalized_mutual_info_score(group[graph.people], membership)
    after = os.getloadavg()
    print(
        f"  graph built (rows aggregated per pair): {built:.2f} s, {graph.graph.ecount():,} edges"
    )
    print(f"  influence (audience, then PageRank):    {ranked:.2f} s (top person {order[0]})")
    print(
        f"  communities (Leiden, modularity):       {grouped:.2f} s, "
        f"{int(membership.max())} communities, NMI with the planted groups {nmi:.3f}"
    )
    print(f"  core numbers:                           {cored:.2f} s (deepest {int(cores.max())})")
    total = ranked + grouped
    print(
        f"  influence + communities: {total:.2f} s (goal < 5 s); with building and cores: "
        f"{built + total + cored:.2f} s; load average after {after[0]:.2f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
