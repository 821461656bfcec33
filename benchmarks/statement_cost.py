"""What one statement of a page costs the server, built each time or built once.

    PALABRE_DATA_DIR=/path/to/workspace python benchmarks/statement_cost.py [--thread ID]
    PALABRE_DATABASE_URL=postgresql+psycopg://... python benchmarks/statement_cost.py

On an existing workspace (e.g. the 1 M-message demo of ``web_load.py``), it reads the
messages of one thread with their authors (what a thread page reads), ``-n`` times
each way, and prints the CPU time per statement of this process (user + system):

* *built each time, through the session*: the statement built anew and sent through
  ``Session.execute``, as pages did before ``palabre.db.prepared``;
* *built once, through the session*: the same, built once with a bind parameter;
* *built once, run past the ORM*: built once and run with
  :func:`palabre.db.prepared.rows`, as the pages do now.

The database's own work is the same in the three; the differences are SQLAlchemy's.
On PostgreSQL the server's CPU is not in the figure (another process).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable

import sqlalchemy as sa

from palabre.config import get_settings
from palabre.db import prepared
from palabre.db.engine import make_engine, session_factory
from palabre.fabric.message_rows import VIEW_COLUMNS, with_authors
from palabre.fabric.models import Message


def _built(thread_id: int) -> sa.Select[tuple[object, ...]]:
    return (
        with_authors(sa.select(*VIEW_COLUMNS).select_from(Message))
        .where(Message.thread_id == thread_id)
        .order_by(Message.created_at, Message.id)
    )


_ONCE = (
    with_authors(sa.select(*VIEW_COLUMNS).select_from(Message))
    .where(Message.thread_id == sa.bindparam("thread_id"))
    .order_by(Message.created_at, Message.id)
)


def cpu_per_call(work: Callable[[], object], count: int) -> float:
    """Milliseconds of this process's CPU per call of ``work`` (after 20 warm-up calls)."""
    for _ in range(20):
        work()
    started = time.process_time()
    for _ in range(count):
        work()
    return (time.process_time() - started) * 1000 / count


def main(argv: list[str] | None = None) -> int:
    """Measure the three ways on the workspace the environment names; print the table."""
    parser = argparse.ArgumentParser(description="cost of one page statement")
    parser.add_argument("-n", "--count", type=int, default=2000, help="statements per way")
    parser.add_argument("--thread", type=int, help="thread id (default: the median one)")
    args = parser.parse_args(argv)
    if not os.environ.get("PALABRE_DATA_DIR") and not os.environ.get("PALABRE_DATABASE_URL"):
        raise SystemExit("set PALABRE_DATA_DIR or PALABRE_DATABASE_URL to a built workspace")
    engine = make_engine(get_settings())
    sessions = session_factory(engine)
    with sessions() as session:
        thread = args.thread
        if thread is None:
            ids = session.scalars(
                sa.select(Message.thread_id).distinct().order_by(Message.thread_id)
            ).all()
            if not ids:
                raise SystemExit("the workspace holds no message")
            thread = ids[len(ids) // 2]
        ways = {
            "built each time, through the session": lambda: session.execute(_built(thread)).all(),
            "built once, through the session": lambda: session.execute(
                _ONCE, {"thread_id": thread}
            ).all(),
            "built once, run past the ORM": lambda: prepared.rows(
                session, _ONCE, {"thread_id": thread}
            ).all(),
        }
        rows = len(prepared.rows(session, _ONCE, {"thread_id": thread}).all())
        print(f"{engine.dialect.name}: thread {thread} ({rows} messages), {args.count} each")
        print(f"load average: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
        print()
        print("| statement | CPU (ms) |")
        print("| --- | ---: |")
        for name, work in ways.items():
            print(f"| {name} | {cpu_per_call(work, args.count):.3f} |")
    engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
