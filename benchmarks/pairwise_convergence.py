"""Convergence of the pairwise (wiki survey) ranking to the truth, adaptive vs uniform pairs.

    python benchmarks/pairwise_convergence.py [--scale default] [--seed 42]
        [--replicates 20] [--choice logit] [--max-votes 5000]

Each idea campaign of the demo company (``generate_company(scale, seed)``; its ground
truth gives every idea a true appeal) is run as a simulated wiki survey
(:mod:`palabre.innovation.pairwise_simulation`): participants with their own tastes
around the true appeal, some "can't decide", a fifth of the ideas added between the
100th and the 1,000th answer. For each number of answers the table gives the mean
Spearman correlation between palabre's scores and the true appeal over the replicates
(and the lowest replicate), for adaptive and for uniform pair selection, then the
number of answers from which the mean stays at 0.9 or more (the goal).
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np

from palabre.demo import generate_company
from palabre.innovation.pairwise import Strategy
from palabre.innovation.pairwise_simulation import Choice, SurveySimulation, simulate_survey

GOAL = 0.9
SHOWN = (200, 500, 1000, 2000, 5000)
STEP = 100
STRATEGIES: tuple[Strategy, ...] = ("adaptive", "uniform")


def campaigns(scale: str, seed: int) -> dict[str, dict[str, float]]:
    """The demo's campaigns: campaign key -> {idea id: true appeal}."""
    truth = generate_company(scale, seed=seed).ground_truth()
    found: dict[str, dict[str, float]] = {}
    for idea in truth["ideas"]:
        found.setdefault(str(idea["campaign"]), {})[str(idea["id"])] = float(idea["appeal"])
    return found


def curves(
    appeal: dict[str, float], strategy: Strategy, choice: Choice, marks: list[int], replicates: int
) -> np.ndarray:
    """Spearman at each mark, one row per replicate (replicate r uses seed r)."""
    config = SurveySimulation(strategy=strategy, choice=choice)
    rows = [
        simulate_survey(appeal, marks, config, seed=r, n_draws=0).spearman
        for r in range(replicates)
    ]
    return np.asarray(rows, dtype=np.float64)


def reached(marks: list[int], mean: np.ndarray) -> int | None:
    """The first mark from which the mean Spearman stays at the goal or above."""
    for k, mark in enumerate(marks):
        if bool(np.all(mean[k:] >= GOAL)):
            return mark
    return None


def main(argv: list[str] | None = None) -> int:
    """Print one table per campaign; exit 1 when the goal is never reached."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="default", help="demo scale (ideas per campaign)")
    parser.add_argument("--seed", type=int, default=42, help="seed of the demo company")
    parser.add_argument("--replicates", type=int, default=20, help="simulated surveys per cell")
    parser.add_argument("--choice", choices=["logit", "thurstone"], default="logit")
    parser.add_argument("--max-votes", type=int, default=5000, help="answers per survey")
    args = parser.parse_args(argv)
    marks = list(range(STEP, args.max_votes + 1, STEP))
    shown = [m for m in SHOWN if m <= args.max_votes]
    started = time.perf_counter()
    all_reached = True
    for key, appeal in campaigns(args.scale, args.seed).items():
        print(
            f"\ncampaign {key}: {len(appeal)} ideas, {args.replicates} surveys, "
            f"{args.choice} choice; mean Spearman (lowest)"
        )
        print(f"{'answers':>10} " + " ".join(f"{s:>15}" for s in STRATEGIES))
        results = {s: curves(appeal, s, args.choice, marks, args.replicates) for s in STRATEGIES}
        for mark in shown:
            k = marks.index(mark)
            cells = [
                f"{results[s][:, k].mean():7.3f} ({results[s][:, k].min():.3f})" for s in STRATEGIES
            ]
            print(f"{mark:>10} " + " ".join(f"{c:>15}" for c in cells))
        for strategy in STRATEGIES:
            at = reached(marks, results[strategy].mean(axis=0))
            all_reached &= at is not None
            where = f"{at} answers ({at / len(appeal):.0f} per idea)" if at else "not reached"
            print(f"  {strategy}: mean Spearman >= {GOAL} from {where}")
    print(f"\n{time.perf_counter() - started:.0f} s")
    return 0 if all_reached else 1


if __name__ == "__main__":
    sys.exit(main())
