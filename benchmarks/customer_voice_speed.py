"""How long the customer-voice pages' lists take: the answer inbox, its response-time
KPIs, and the customers at risk.

    PALABRE_DATA_DIR=/path/to/workspace python benchmarks/customer_voice_speed.py
    PALABRE_DATABASE_URL=postgresql+psycopg://... python benchmarks/customer_voice_speed.py

It reads an existing workspace at the current schema (``PALABRE_DATA_DIR`` or
``PALABRE_DATABASE_URL``; ``benchmarks/web_load.py`` builds the demo at 1 M messages in
``benchmarks/out/web/``) as an analyst would: the first page of the inbox (every
customer question still waiting, ranked, as the API and the command line list them,
and those of the page's default period, the 30 days up to the newest question: each
first in the process, when its authors' reach is counted, then again), the
KPIs of the 30 and the 365 days up to the newest question, the customers at risk
(all customers, as the page lists them, after a first call that fits the model once
per process), and the flag bearers (first in the process, then again). Each is
timed ``--repeat`` times in one process (wall and CPU time of this process; on
PostgreSQL the database server's CPU is not in the CPU figure) and the least is
printed, with the number of rows it covered.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from benchmarks.import_speed import machine  # noqa: E402  (run as a script: the root is not on the path)


def _timed(repeat: int, call: Callable[[], Any]) -> tuple[float, float, Any]:
    best_wall = best_cpu = float("inf")
    result = None
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        result = call()
        best_wall = min(best_wall, time.perf_counter() - wall)
        best_cpu = min(best_cpu, time.process_time() - cpu)
    return best_wall, best_cpu, result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=2, help="runs of each, the least kept")
    parser.add_argument("--role", default="analyst")
    args = parser.parse_args(argv)

    from palabre.config import get_settings
    from palabre.customers import inbox
    from palabre.db.engine import make_engine, session_factory

    settings = get_settings()
    engine = make_engine(settings)
    sessions = session_factory(engine)
    print(f"# {machine()}; {engine.dialect.name}, role {args.role}")
    with sessions() as session:
        if inbox.latest_question_at(session, args.role) is None:
            raise SystemExit("no customer question in this workspace")
        # The page's default period (for an archive: the 30 days up to the newest question).
        # Its first view in a process counts its authors' reach over the whole history;
        # the next ones find it kept while the interactions stay the same.
        month = inbox.question_period(session, args.role, days=30)
        wall, cpu, page = _timed(
            1, lambda: inbox.needs_answer(session, args.role, since=month.start)
        )
        print(
            f"inbox, the page's 30 days, first view: {wall:.2f} s ({cpu:.2f} s CPU), "
            f"{page.total:,} waiting"
        )
        wall, cpu, page = _timed(
            args.repeat, lambda: inbox.needs_answer(session, args.role, since=month.start)
        )
        print(f"inbox, the page's 30 days, again: {wall:.2f} s ({cpu:.2f} s CPU)")
        wall, cpu, page = _timed(1, lambda: inbox.needs_answer(session, args.role))
        print(
            f"inbox, every question, first: {wall:.2f} s ({cpu:.2f} s CPU), {page.total:,} waiting"
        )
        wall, cpu, page = _timed(args.repeat, lambda: inbox.needs_answer(session, args.role))
        print(f"inbox, every question, again: {wall:.2f} s ({cpu:.2f} s CPU)")
        for days in (30, 365):
            # Both up to the end of that period, a year of history read for the second.
            def kpis_of(d: int = days) -> list[inbox.ResponseKpis]:
                return inbox.response_kpis(session, args.role, as_of=month.end, days=d)

            wall, cpu, kpis = _timed(args.repeat, kpis_of)
            print(
                f"KPIs of the {days} days up to {month.end:%Y-%m-%d %H:%M}: {wall:.2f} s "
                f"({cpu:.2f} s CPU), {kpis[0].questions:,} questions"
            )
        from palabre.customers.risk_data import customers_at_risk

        customers_at_risk(session, actor="benchmark")  # fits the model (once per process)
        wall, cpu, report = _timed(
            args.repeat, lambda: customers_at_risk(session, actor="benchmark")
        )
        print(
            f"customers at risk: {wall:.2f} s ({cpu:.2f} s CPU), "
            f"{len(report.items)} listed of {report.customers:,}"
        )
        session.rollback()  # the views' audit records (a transaction that wrote keeps nothing)
        from palabre.customers.bearer_data import flag_bearers

        for label in ("first", "again"):
            wall, cpu, bearers = _timed(1, lambda: flag_bearers(session, actor="benchmark"))
            print(
                f"flag bearers, {label}: {wall:.2f} s ({cpu:.2f} s CPU), "
                f"{len(bearers.items)} listed"
            )
            session.rollback()
    engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
