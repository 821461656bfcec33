"""Recall at 20 of the demo company's planted flag bearers (palabre.customers.bearers).

    python benchmarks/flag_bearers_eval.py [--scale small] [--seed 1 --seed 2] [--top 20]
        [--signals text|truth]

For each scale and seed the demo company is drawn, its texts scored by palabre's analyzer,
and its customers ranked by :func:`palabre.customers.bearers.score_bearers` (the graph is
everyone's: customers, employees, anonymous authors). Printed per company: customers,
messages, planted flag bearers, recall at 20 (planted found in the first 20, over the
planted) and the rank of each planted bearer; next to it, the same recall for three
one-factor rankings (followers alone, negative messages alone, PageRank alone), which
show what the combination brings. ``--signals truth`` replaces palabre's text analysis
by the simulator's intended signals (what a perfect text model would give).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

from palabre.customers import bearers
from palabre.customers.bearer_evaluation import DemoBearers, load_demo

K = 20


def _one_factor(data: DemoBearers, ranked: list[bearers.Bearer], top: int) -> dict[str, float]:
    keys: dict[str, Callable[[bearers.Bearer], float]] = {
        "followers": lambda b: float(b.followers or 0),
        "negative messages": lambda b: float(b.negative_messages),
        "PageRank": lambda b: b.influence,
    }
    out = {}
    for name, key in keys.items():
        order = [b.person for b in sorted(ranked, key=lambda b: (-key(b), b.person))]
        out[name] = bearers.recall_at(order, data.planted, top)
    return out


def run(scale: str, seed: int, top: int, signals: str) -> float:
    """Score one company, print its line and return its recall."""
    began = time.perf_counter()
    data = load_demo(scale, seed, signals=signals)
    drawn = time.perf_counter() - began
    began = time.perf_counter()
    ranked = bearers.score_bearers(
        data.messages, data.reactions, data.mentions, data.followers, people=data.customers
    )
    spent = time.perf_counter() - began
    order = [b.person for b in ranked]
    recall = bearers.recall_at(order, data.planted, top)
    ranks = sorted(order.index(p) + 1 if p in order else 10**6 for p in data.planted)
    others = _one_factor(data, ranked, top)
    print(
        f"| {scale} | {seed} | {len(data.customers):,} | {data.messages.height:,} | "
        f"{len(data.planted)} | **{recall:.2f}** | {', '.join(map(str, ranks))} | "
        + " | ".join(f"{v:.2f}" for v in others.values())
        + f" | {drawn:.0f} + {spent:.2f} |",
        flush=True,
    )
    return recall


def main() -> None:
    """Parse the options and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", action="append", help="tiny, small, default or a number")
    parser.add_argument("--seed", action="append", type=int, help="seeds (default 1 2 3)")
    parser.add_argument("--top", type=int, default=K, help="the k of recall at k (default 20)")
    parser.add_argument("--signals", choices=("text", "truth"), default="text")
    args = parser.parse_args()
    scales = args.scale or ["small", "default"]
    seeds = args.seed or [1, 2, 3]
    print(f"signals: {args.signals}\n")
    print(
        f"| scale | seed | customers | messages | planted | recall@{args.top} | ranks of the "
        f"planted | followers only | negative messages only | PageRank only | seconds "
        f"(draw + score) |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    recalls = [run(scale, seed, args.top, args.signals) for scale in scales for seed in seeds]
    print(f"\nmean recall@{args.top}: {sum(recalls) / len(recalls):.2f} over {len(recalls)}")


if __name__ == "__main__":
    main()
