"""Quality of the root causes (palabre.customers.causes) on the demo company.

    python benchmarks/root_causes_eval.py [--scale default] [--seed 42]

The demo company's customer messages (public, not surveys) are scored by the shipped
text model, as ``palabre analyze`` does; topics are fitted on (a sample of) those that
carry a negative signal and every message is given one; the drivers are computed per
demo segment (``palabre demo``'s customer segments), month and signal. Each topic is
attributed to the planted cause most of its signal carriers voice (at least 40 %).
For each planted cause, in each segment whose members are all exposed to it and in the
month it starts, printed: the rank of its best topic among the causes of the cause's
main signal (a hit: first), and the first cause's label. Then the hit rate and the
unassigned shares.
"""

from __future__ import annotations

import argparse
import time

from palabre.cli.demo import DEMO_SEGMENTS
from palabre.customers.cause_evaluation import load_demo, score_causes


def main() -> None:
    """Parse the arguments, score, print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="default")
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    segments = [(name, rule) for name, rule, kind in DEMO_SEGMENTS if kind == "customer"]
    began = time.perf_counter()
    corpus = load_demo(segments, args.scale, args.seed)
    drawn = time.perf_counter() - began
    score = score_causes(corpus)
    print(
        f"## scale {args.scale}, seed {args.seed}: {len(corpus.texts):,} watched customer "
        f"messages (drawn and scored in {drawn:.1f} s); {score.topics} topics "
        f"(fit {score.fit_seconds:.1f} s, assignment {score.assign_seconds:.1f} s)\n"
    )
    print("| cause | segment | month | signal | rank | first cause listed | cause's topics |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for r in score.results:
        print(
            f"| {r.cause} | {r.segment} | {r.period:%Y-%m} | {r.signal} | "
            f"{r.rank if r.rank is not None else 'not listed'} | {r.top_label or '—'} | "
            f"{'; '.join(r.labels[:3]) or '—'} |"
        )
    hits = sum(r.hit for r in score.results)
    print(
        f"\nhit rate: {score.hit_rate:.2f} ({hits}/{len(score.results)}); unassigned: "
        f"{score.unassigned_share:.1%} of the messages carrying a negative signal, "
        f"{score.unassigned_all:.1%} of all"
    )


if __name__ == "__main__":
    main()
