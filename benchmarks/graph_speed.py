"""Speed of influence and communities on a one-million-edge interaction graph.

    python benchmarks/graph_speed.py [--people 100000] [--edges 1000000] [--seed 0]
    python benchmarks/graph_speed.py --workspace DATA_DIR [--topic "emballages consignés"]

The graph is synthetic, with community structure: people fall into 200 planted groups;
each interaction joins two people of the same group with probability 0.8, else two
people at random; kinds are drawn 50 % replies, 20 % mentions, 30 % reactions (seeded).
Timed, each step as ``palabre leaders`` runs it (palabre.graph.interactions and .leaders):
aggregating the rows into the igraph graph, influence (audience then PageRank), Leiden
communities (with the undirected aggregation they need), core numbers. The goal is
influence + communities under 5 s. The machine's load average is printed with the
figures: on a shared machine, other work slows every step.

With ``--workspace``, the same steps run on an existing SQLite workspace instead (for
example the one-million-message demo company of ``benchmarks/web_load.sh``): reading
the interaction graph from the store, influence, communities, the leaders report, and
the messages of a topic.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np
import sqlalchemy as sa
from sklearn.metrics import normalized_mutual_info_score

from palabre.graph.interactions import Interactions, build_graph
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


def workspace(folder: Path, topics: list[str]) -> int:
    """Time each step on the workspace in ``folder`` (read-only)."""
    from palabre.config import Settings
    from palabre.db.engine import make_engine, session_factory
    from palabre.fabric.models import Message
    from palabre.graph.interactions import load_interactions
    from palabre.innovation.leader_service import leaders_report, topic_messages, topic_terms

    engine = make_engine(Settings(data_dir=folder))
    load = os.getloadavg()
    with session_factory(engine)() as session:
        messages = session.scalar(sa.select(sa.func.count()).select_from(Message))
        print(
            f"workspace {folder}: {messages:,} messages; {os.cpu_count()} CPUs, "
            f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}"
        )
        start = time.perf_counter()
        rows = load_interactions(session)
        read = time.perf_counter() - start
        graph = build_graph(rows)
        built = time.perf_counter() - start - read
        print(
            f"  interaction graph read: {read:.2f} s ({int(rows.count.sum()):,} interactions, "
            f"{graph.size:,} people, {graph.graph.ecount():,} pairs); built {built:.2f} s"
        )
        start = time.perf_counter()
        ranking(graph)
        membership = communities(graph)
        print(
            f"  influence + communities: {time.perf_counter() - start:.2f} s "
            f"({int(membership.max(initial=0))} communities)"
        )
        start = time.perf_counter()
        report = leaders_report(session)
        print(
            f"  whole leaders report (read, communities, leaders, names): "
            f"{time.perf_counter() - start:.2f} s"
        )
        del report
        for topic in topics:
            start = time.perf_counter()
            found = topic_messages(session, topic_terms(topic))
            print(
                f"  topic “{topic}”: {len(found):,} messages in {time.perf_counter() - start:.2f} s"
            )
    engine.dispose()
    return 0


def main(argv: list[str] | None = None) -> int:
    """Build, time and print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--edges", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workspace", type=Path, help="Time an existing SQLite workspace.")
    parser.add_argument("--topic", action="append", default=[], help="Also time this topic.")
    args = parser.parse_args(argv)
    if args.workspace is not None:
        return workspace(args.workspace, args.topic)
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
