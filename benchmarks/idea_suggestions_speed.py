"""How long an idea page takes to suggest people for its roles (what a campaign manager
sees on every idea page), and the leaders page's report.

    PALABRE_DATA_DIR=/path/to/workspace python benchmarks/idea_suggestions_speed.py
    PALABRE_DATABASE_URL=postgresql+psycopg://... python benchmarks/idea_suggestions_speed.py

It reads an existing workspace at the current schema (``benchmarks/web_load.py`` builds
the demo at 1 M messages in ``benchmarks/out/web/``) as an innovation manager would, in
one process as a server process does: the suggestions of the first ``--ideas`` ideas
one after the other (the first pays for reading the interaction graph and finding its
communities, each its topic's messages; the next ones find the graph kept while the
data stays the same), then the same ideas again (their topics kept too), then the
leaders report. Wall and CPU time of this process for each (on
PostgreSQL the server's CPU is not in the CPU figure), and the number of messages
carrying each idea's topic.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from benchmarks.import_speed import machine  # noqa: E402  (run as a script: the root is not on the path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ideas", type=int, default=5, help="ideas whose page is opened")
    args = parser.parse_args(argv)

    import sqlalchemy as sa

    from palabre.config import get_settings
    from palabre.db.engine import make_engine, session_factory
    from palabre.innovation import assignments, leader_service
    from palabre.innovation.models import Idea
    from palabre.people.service import Viewer

    settings = get_settings()
    engine = make_engine(settings)
    sessions = session_factory(engine)
    viewer = Viewer(actor="bench:innovation", role="innovation", person_id=None)
    print(f"# {machine()}; {engine.dialect.name}")
    with sessions() as session:
        ideas = list(session.scalars(sa.select(Idea.id).order_by(Idea.id).limit(args.ideas)))
    if not ideas:
        raise SystemExit("no idea in this workspace")
    print("| pass | idea | topic messages | wall s | CPU s |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for round_ in ("first", "again"):
        for idea_id in ideas:
            with sessions() as session:
                idea = session.get(Idea, idea_id)
                assert idea is not None
                wall, cpu = time.perf_counter(), time.process_time()
                assignments.suggestions(session, viewer, idea_id)
                took_wall, took_cpu = time.perf_counter() - wall, time.process_time() - cpu
                # Counted after the timing: the page has just read (and kept) them.
                terms = leader_service.topic_terms(f"{idea.title}\n{idea.body}", label=idea.title)
                carried = len(leader_service.topic_messages(session, terms))
                session.rollback()  # the view's audit record is not kept
            print(f"| {round_} | {idea_id} | {carried:,} | {took_wall:.2f} | {took_cpu:.2f} |")
    with sessions() as session:
        wall, cpu = time.perf_counter(), time.process_time()
        leader_service.leaders_report(session)
        print(
            f"\nleaders report: {time.perf_counter() - wall:.2f} s wall, "
            f"{time.process_time() - cpu:.2f} s CPU"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
