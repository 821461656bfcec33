"""Quality of the opinion leaders (palabre.innovation.leaders): email-eu-core and the demo.

    python benchmarks/leaders_eval.py [--part eu|demo|all] [--scale small] [--seeds 42,7]

email-eu-core (../shared/datasets/email-eu-core, or PALABRE_DATASETS_DIR): the e-mail
network of a European research institution with each member's department (42). Leiden
communities (modularity, seed 0) are compared with the departments by normalised
mutual information (NMI, arithmetic normalisation), at the default resolution and a few
others for context.

Demo company: the simulated company is imported through the ordinary import path into
a temporary SQLite workspace; the interaction graph is read from the store as
``palabre leaders`` reads it, and people are ranked by influence (audience, that is reach
discounted by the square root of messages written, then PageRank:
palabre.innovation.leaders.ranking); plain reach and PageRank alone are printed beside.
Recall at 20 of the planted influencers (the ground truth's ``influencers``, flag bearers
included):
``|top 20 ∩ planted| / min(20, |planted|)``. The planted influencers are customers, and
the simulation plants no influence among employees, so the figure is measured on the
ranking of customers (the goal); the ranking of everyone is printed beside it, with
PageRank alone for comparison.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import sqlalchemy as sa
from sklearn.metrics import normalized_mutual_info_score

from palabre.graph.interactions import Interactions, build_graph
from palabre.innovation.leaders import communities, influence, ranking, reach, recall_at

REPO = Path(__file__).resolve().parent.parent
RESOLUTIONS = (1.0, 1.5, 2.0)


def datasets_root() -> Path:
    """Where the shared datasets live (``PALABRE_DATASETS_DIR`` overrides)."""
    env = os.environ.get("PALABRE_DATASETS_DIR")
    return Path(env) if env else REPO.parent / "shared" / "datasets"


def email_eu_core(folder: Path) -> tuple[Interactions, dict[int, int]]:
    """The e-mail edges (as replies of weight 1) and each member's department."""
    rows = [line.split() for line in (folder / "email-Eu-core.txt").read_text().splitlines()]
    pairs = np.array([(int(a), int(b)) for a, b in rows], dtype=np.int64)
    labels = (folder / "email-Eu-core-department-labels.txt").read_text().splitlines()
    departments = {int(a): int(b) for a, b in (line.split() for line in labels)}
    n = len(pairs)
    return Interactions(
        pairs[:, 0], pairs[:, 1], np.zeros(n, dtype=np.int64), np.ones(n, dtype=np.int64)
    ), departments


def eu_nmi(resolution: float = 1.0, seed: int = 0) -> tuple[float, int]:
    """NMI of Leiden communities against the departments, and the number of communities."""
    interactions, departments = email_eu_core(datasets_root() / "email-eu-core")
    people = np.array(sorted(departments), dtype=np.int64)
    graph = build_graph(interactions, people)
    membership = communities(graph, seed=seed, resolution=resolution)
    truth = [departments[int(p)] for p in graph.people]
    return float(normalized_mutual_info_score(truth, membership)), int(membership.max())


def eu() -> int:
    """Print NMI against the departments at a few resolutions."""
    folder = datasets_root() / "email-eu-core"
    if not folder.exists():
        print(f"email-eu-core: {folder} not found")
        return 1
    print("email-eu-core: 1,005 members, 42 departments; Leiden (modularity), seed 0")
    for resolution in RESOLUTIONS:
        start = time.perf_counter()
        nmi, found = eu_nmi(resolution)
        took = time.perf_counter() - start
        default = "  (default)" if resolution == 1.0 else ""
        print(
            f"  resolution {resolution:.1f}: {found:3d} communities, NMI {nmi:.3f} "
            f"({took:.2f} s){default}"
        )
    return 0


def demo(scale: str, seed: int) -> float:
    """Import the demo company, score the influence ranking against the planted truth and
    return the recall at 20 among customers."""
    from palabre.config import Settings
    from palabre.connectors.importer import run_import
    from palabre.db import migrate
    from palabre.db.engine import make_engine, session_factory
    from palabre.demo import DemoConnector, generate_company
    from palabre.graph.interactions import interaction_graph
    from palabre.identity.models import Person

    truth = generate_company(scale, seed).ground_truth()
    planted = list(truth["influencers"])
    bearers = [b["id"] for b in truth["flag_bearers"]]
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(data_dir=Path(folder))
        engine = make_engine(settings)
        migrate.upgrade(engine)
        sessions = session_factory(engine)
        start = time.perf_counter()
        report = run_import(sessions, DemoConnector(scale=scale, seed=seed), parallel=False)
        imported = time.perf_counter() - start
        start = time.perf_counter()
        with sessions() as session:
            graph = interaction_graph(session)
            order = ranking(graph)
            people_reached = reach(graph)
            by_reach = np.lexsort((-influence(graph), -people_reached))
            by_pagerank = np.argsort(-influence(graph), kind="stable")
            people = session.execute(sa.select(Person.id, Person.external_id, Person.kind)).all()
        took = time.perf_counter() - start
        engine.dispose()
    external = {pid: str(ext) for pid, ext, _ in people}
    customers = {pid for pid, _, kind in people if kind == "customer"}

    def names(indices: np.ndarray, only_customers: bool) -> list[str]:
        ids = (int(graph.people[i]) for i in indices)
        return [external[p] for p in ids if not only_customers or p in customers]

    ranked = names(order, True)
    print(
        f"demo company, scale {scale}, seed {seed}: {report.counts.messages.created:,} messages "
        f"imported in {imported:.0f} s; graph of {graph.size:,} people and "
        f"{graph.graph.ecount():,} edges read and ranked in {took:.2f} s"
    )
    print(
        f"  planted influencers {len(planted)} (flag bearers {len(bearers)}); "
        f"flag bearers in the customers' top 20: "
        f"{len(set(bearers) & set(ranked[:20]))}/{len(bearers)}"
    )
    for label, found in (
        ("customers, audience then PageRank (palabre; goal >= 0.9)", ranked),
        ("customers, reach then PageRank", names(by_reach, True)),
        ("customers, PageRank alone", names(by_pagerank, True)),
        ("everyone, audience then PageRank", names(order, False)),
        ("everyone, reach then PageRank", names(by_reach, False)),
        ("everyone, PageRank alone", names(by_pagerank, False)),
    ):
        print(f"  recall@20 {recall_at(found, planted, 20):.3f}  {label}")
    print(f"  customers' top 20: {' '.join(ranked[:20])}")
    return recall_at(ranked, planted, 20)


def main(argv: list[str] | None = None) -> int:
    """Run the parts asked for."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=("eu", "demo", "all"), default="all")
    parser.add_argument("--scale", default="small")
    parser.add_argument(
        "--seeds", default="42", help="Demo companies to draw, comma-separated (default 42)."
    )
    args = parser.parse_args(argv)
    status = 0
    if args.part in ("eu", "all"):
        status |= eu()
    if args.part in ("demo", "all"):
        seeds = [int(s) for s in args.seeds.split(",")]
        found = [demo(args.scale, seed) for seed in seeds]
        if len(found) > 1:
            each = ", ".join(f"{s}: {r:.2f}" for s, r in zip(seeds, found, strict=True))
            print(f"recall@20 of the planted customer influencers by seed: {each}")
            print(f"  mean {np.mean(found):.3f}, lowest {min(found):.2f}")
    return status


if __name__ == "__main__":
    sys.exit(main())
