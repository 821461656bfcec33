"""Agreement of palabre's opinion groups with the groups Pol.is itself assigned.

    python benchmarks/polis_groups.py [--seed 0] [--root DIR]

For every conversation of ``polis-opendata`` (``PALABRE_DATASETS_DIR`` or
../shared/datasets) that has votes, palabre's :class:`OpinionModel` is fitted on
``votes.csv`` + ``comments.csv`` and its groups compared with the ``group-id`` of
``participants-votes.csv`` by the adjusted Rand index (ARI, on the participants both
clustered). Target conversations ("T") were exported under Pol.is's current rule
(every clustered participant has at least min(7, statements) votes) and have at
least 100 clustered participants; the goal is a mean ARI of 0.9 or more on them.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from pathlib import Path

from palabre.innovation.opinions import OpinionModel
from palabre.innovation.polis import Agreement, compare_with_polis, conversations_with_groups

GOAL = 0.9


def default_root() -> Path:
    """``polis-opendata`` under ``PALABRE_DATASETS_DIR`` or ../shared/datasets."""
    base = os.environ.get("PALABRE_DATASETS_DIR")
    shared = Path(base) if base else Path(__file__).resolve().parents[2] / "shared" / "datasets"
    return shared / "polis-opendata"


def evaluate(root: Path, seed: int = 0) -> list[Agreement]:
    """One :class:`Agreement` per conversation of ``root`` that has Pol.is's groups."""
    return [
        compare_with_polis(folder, OpinionModel(random_state=seed))
        for folder in conversations_with_groups(root)
    ]


def target_mean(results: list[Agreement]) -> float:
    """Mean ARI over the target conversations (NaN when there is none)."""
    values = [r.ari for r in results if r.is_target]
    return sum(values) / len(values) if values else math.nan


def main(argv: list[str] | None = None) -> int:
    """Print the table and the mean; exit 1 when the data is missing."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=None, help="folder of the conversations")
    parser.add_argument("--seed", type=int, default=0, help="random_state of the model")
    args = parser.parse_args(argv)
    root = args.root or default_root()
    if not root.is_dir():
        print(f"polis-opendata not found at {root}", file=sys.stderr)
        return 1
    results = evaluate(root, args.seed)
    print(
        f"{'conversation':40} {'T':1} {'ARI':>6} {'Pol.is':>7} {'palabre':>7} "
        f"{'both':>6} {'groups':>7}"
    )
    for r in results:
        print(
            f"{r.conversation:40} {'T' if r.is_target else ' '} {r.ari:6.3f} "
            f"{r.clustered_by_polis:7d} {r.clustered_by_palabre:7d} {r.clustered_by_both:6d} "
            f"{r.groups_polis:>3d}/{r.groups_palabre:<3d}"
        )
    every = sum(r.ari for r in results) / len(results) if results else math.nan
    print(f"mean ARI, target conversations (T): {target_mean(results):.3f} (goal >= {GOAL})")
    print(f"mean ARI, every conversation: {every:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
