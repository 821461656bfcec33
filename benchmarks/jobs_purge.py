"""What the retention of finished background jobs costs the request that queues a job.

    PYTHONPATH=src python benchmarks/jobs_purge.py [--kept 720] [--expired 10000] [-n 50]
    PYTHONPATH=src python benchmarks/jobs_purge.py --database-url postgresql+psycopg://...

In a throwaway SQLite workspace (or a PostgreSQL database named by ``--database-url``,
migrated if need be: its ``background_job`` rows are replaced), it writes ``--kept``
jobs that ended within the retention (720: one import an hour for 30 days) and
``--expired`` jobs that ended before it, each with a small uploaded file in a temporary
folder, then prints, in milliseconds, wall clock and this process's CPU time (user +
system; on PostgreSQL the server's CPU is not in it):

* the purge that deletes the expired rows and their files (a workspace's first purge
  after an upgrade);
* the purge as every later queued job runs it, with nothing to delete (mean of ``-n``).

Each is :meth:`palabre.jobs.retention.Retention.apply`: its own transaction and commit.
"""

from __future__ import annotations

import argparse
import datetime as dt
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from palabre.config import Settings
from palabre.db import migrate
from palabre.db.base import utcnow
from palabre.db.engine import make_engine, session_factory
from palabre.jobs.models import BackgroundJob
from palabre.jobs.retention import Retention

KEEP_DAYS = 30


def _rows(
    count: int, ended: dt.datetime, step: dt.timedelta, first: int, uploads: Path
) -> list[dict[str, object]]:
    """``count`` succeeded imports, ended every ``step`` back from ``ended``, each with
    its uploaded file (a few bytes) in ``uploads``."""
    uploads.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        (uploads / f"{first + i:016x}.csv").write_bytes(b"author,text\n")
    return [
        {
            "public_id": f"{first + i:016x}",
            "kind": "import",
            "state": "succeeded",
            "actor": "user:bench",
            "parameters": {"kind": "messages", "path": str(uploads / f"{first + i:016x}.csv")},
            "created_at": ended - i * step,
            "finished_at": ended - i * step,
            "worker": "bench:0",
            "heartbeat_at": ended - i * step,
            "position": 0,
            "records": 0,
        }
        for i in range(count)
    ]


def _timed(work: Retention, sessions: sessionmaker[Session]) -> tuple[float, float, int]:
    wall, cpu = time.perf_counter(), time.process_time()
    report = work.apply(sessions)
    return (time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000, report.jobs


def main() -> None:
    """Fill the table, purge once with rows to delete, then ``-n`` times with none."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kept", type=int, default=720)
    parser.add_argument("--expired", type=int, default=10_000)
    parser.add_argument("-n", type=int, default=50)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(data_dir=Path(folder), database_url=args.database_url)
        engine = make_engine(settings)
        migrate.upgrade(engine)
        sessions = session_factory(engine)
        now = utcnow()
        hour, uploads = dt.timedelta(hours=1), settings.uploads_path
        kept = _rows(args.kept, now - dt.timedelta(minutes=1), hour, 0, uploads)
        expired = _rows(
            args.expired, now - dt.timedelta(days=KEEP_DAYS + 1), hour, args.kept, uploads
        )
        with engine.begin() as connection:
            connection.execute(sa.delete(BackgroundJob))
            # Oldest first, as they were queued: ids grow with time.
            connection.execute(sa.insert(BackgroundJob), [*reversed(expired), *reversed(kept)])
        retention = Retention(keep_days=KEEP_DAYS, uploads=settings.uploads_path)
        wall, cpu, deleted = _timed(retention, sessions)
        files = sum(1 for _ in uploads.iterdir())
        print(
            f"{engine.dialect.name}: first purge, {deleted:,} of {args.kept + args.expired:,} "
            f"rows deleted with their files ({files:,} files left): "
            f"{wall:.1f} ms wall, {cpu:.1f} ms CPU"
        )
        runs = [_timed(retention, sessions) for _ in range(args.n)]
        assert all(jobs == 0 for _, _, jobs in runs)
        print(
            f"{engine.dialect.name}: purge with nothing to delete ({args.kept:,} rows kept), "
            f"mean of {args.n}: {sum(r[0] for r in runs) / args.n:.2f} ms wall, "
            f"{sum(r[1] for r in runs) / args.n:.2f} ms CPU"
        )
        engine.dispose()


if __name__ == "__main__":
    main()
