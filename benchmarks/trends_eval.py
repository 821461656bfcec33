"""Quality of the trend detector (palabre.innovation.trends) on the demo company.

    python benchmarks/trends_eval.py [--scale small] [--scale default] [--seed 42] [--list]

For each scale and seed: the demo company's messages (no language given: the detector
guesses it) are read day by day by ``TrendDetector``; each detected trend is
attributed to the planted event most of its example messages carry (a trend, a root
cause, a team losing motivation, an idea campaign) or counted as a false alarm.
Printed: for each planted trend and cause, the day it was first flagged, the delay
from its start and the planted messages seen by then; the detections of other planted
events; the false alarms per month; precision (detected trends a planted event
explains) and recall (planted trends found). ``--list`` prints every detected trend.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter

from palabre.innovation.trend_evaluation import load_demo, score_trends
from palabre.innovation.trends import TrendDetector

EXAMPLES = 10


def run(scale: str, seed: int, show: bool) -> None:
    """Score one company and print its tables."""
    began = time.perf_counter()
    demo = load_demo(scale, seed)
    drawn = time.perf_counter() - began
    began = time.perf_counter()
    detector = TrendDetector(examples=EXAMPLES, names=demo.names).fit(demo.rows)
    spent = time.perf_counter() - began
    result = score_trends(detector.trends_, demo)
    print(
        f"\n## scale {scale}, seed {seed}: {len(demo.rows):,} messages "
        f"(drawn in {drawn:.1f} s, detector {spent:.1f} s)\n"
    )
    print(
        "| planted | kind | start | first mention | flagged | delay (days) "
        "| posts about it by then | level (planted) | labels |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for p in result.planted:
        delay = "—" if p.delay is None else str(p.delay)
        level = f"{p.level or '—'} ({p.strength})" if p.kind == "trend" else (p.level or "—")
        print(
            f"| {p.key} | {p.kind} | {p.start} | {p.first_mention or '—'} | "
            f"{p.detected or 'missed'} | {delay} | {p.mentions_before} | {level} | "
            f"{', '.join(p.labels[:4])} |"
        )
    other = Counter(
        e for e in result.attributed.values() if e and not e.startswith(("trend:", "cause:"))
    )
    causes = sum(1 for e in result.attributed.values() if e.startswith("cause:"))
    trends = sum(1 for e in result.attributed.values() if e.startswith("trend:"))
    print(
        f"\ndetected trends: {result.detected} — planted trends {trends}, root causes {causes}, "
        f"other planted events {dict(other) or 0}, false alarms {len(result.false_alarms)}"
    )
    months = ", ".join(f"{m}: {n}" for m, n in result.false_alarms_per_month.items()) or "none"
    print(f"false alarms per month: {months}")
    print(f"precision {result.precision:.2f}, recall {result.recall:.2f}")
    if show:
        for t in detector.trends_:
            event = result.attributed[t.id] or "FALSE ALARM"
            print(f"  {t.first_flagged} {t.level:6} {t.label!r:32} {event:28} {t.terms[:5]}")


def main(argv: list[str] | None = None) -> int:
    """Parse the options and score each scale × seed."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", action="append", help="tiny, small, default or a count")
    parser.add_argument("--seed", action="append", type=int, help="demo seed (repeatable)")
    parser.add_argument("--list", action="store_true", help="print every detected trend")
    args = parser.parse_args(argv)
    for scale in args.scale or ["small", "default"]:
        for seed in args.seed or [42]:
            run(scale, seed, args.list)
    return 0


if __name__ == "__main__":
    sys.exit(main())
