"""What the "Signal model" page costs the server: CPU per read of everything it shows.

    python benchmarks/signal_model_page.py [--messages 20000] [--corrections 2000] [-n 20]

In a throwaway SQLite workspace: ``--messages`` generated messages (French and English,
``generate_messages.py``, whose declared language is then removed, so that the page has
to find it, the costly case), analysed once; ``--corrections`` of them answered for
discontent and sentiment (two answers each) as the drill-down records them; one
``palabre train`` run; then :func:`palabre.text.overview.model_overview` (every query
and figure of the page and of ``GET /api/v1/signals/model``) read ``-n`` times:

* *before the next analysis*: the answered messages have no stored analysis, so the
  page identifies the language of up to 1,000 of them (the costly case);
* *after the next analysis*: every language is read from the stored signals.

Prints the CPU milliseconds of this process per read (user + system), and the load
average, since the machine may be shared.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from palabre.config import Settings
from palabre.connectors.importer import import_path
from palabre.db import migrate
from palabre.db.engine import make_engine, session_factory, transaction
from palabre.fabric.models import Message
from palabre.pipeline.runner import run_analysis
from palabre.pipeline.stage import LocalEngine
from palabre.text import overview, service

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from benchmarks.generate_messages import write  # noqa: E402  (run as a script: the root is not on the path)


def cpu_per_read(sessions: sessionmaker[Session], count: int) -> float:
    """Milliseconds of this process's CPU per :func:`model_overview` (after 2 warm-ups)."""

    def read() -> None:
        with sessions() as db:
            overview.model_overview(db, "analyst", encoder=None)

    for _ in range(2):
        read()
    started = time.process_time()
    for _ in range(count):
        read()
    return (time.process_time() - started) * 1000 / count


def main(argv: list[str] | None = None) -> int:
    """Build the workspace, answer, train, and print the page's CPU per read."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--corrections", type=int, default=2_000)
    parser.add_argument("-n", type=int, default=20, help="reads measured per case")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(data_dir=Path(folder))
        engine = make_engine(settings)
        migrate.upgrade(engine)
        sessions = session_factory(engine)
        source = Path(folder) / "messages.csv"
        write(source, args.messages, seed=7)
        report = import_path(sessions, "messages", source, actor="benchmark")
        assert report.status == "succeeded", report.as_dict()
        with transaction(sessions) as db:
            db.execute(sa.update(Message).values(language=None))
        run_analysis(sessions, engine=LocalEngine(workers=1))
        with transaction(sessions) as db:
            ids = db.scalars(sa.select(Message.id).order_by(Message.id).limit(args.corrections))
            for n, message_id in enumerate(ids.all()):
                service.correct_signal(
                    db, message_id, "discontent", "yes" if n % 4 == 0 else "no", actor="user:b"
                )
                service.correct_signal(
                    db, message_id, "sentiment", ("negative", "positive")[n % 2], actor="user:b"
                )
        with transaction(sessions) as db:
            service.train(db, service.shipped_scorer, actor="user:b")
        before = cpu_per_read(sessions, args.n)
        run_analysis(sessions, engine=LocalEngine(workers=1))
        after = cpu_per_read(sessions, args.n)
        engine.dispose()
    load = os.getloadavg()
    print(
        f"{args.messages:,} messages, {args.corrections:,} answered (x2 answers), 1 run; "
        f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}"
    )
    print(f"page read before the next analysis: {before:.1f} ms CPU")
    print(f"page read after the next analysis:  {after:.1f} ms CPU")
    return 0


if __name__ == "__main__":
    sys.exit(main())
