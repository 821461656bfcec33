"""Import speed and peak memory of ``palabre import messages``, on SQLite and PostgreSQL.

    python benchmarks/import_speed.py --messages 1000000 --messages 5000000
    PALABRE_BENCH_POSTGRES_URL=postgresql+psycopg://postgres@127.0.0.1:5432/postgres \\
        python benchmarks/import_speed.py --messages 1000000 --backend postgresql
    bash benchmarks/import_speed.sh            # both backends, starting a throwaway PostgreSQL

For each size it writes (once, cached in benchmarks/out/) a realistic generic CSV
with benchmarks/generate_messages.py, imports it into a fresh workspace with the
real command line in a subprocess, and samples the memory of that process tree
every 0.5 s (proportional set size, so that the importer's reader process and the
importer are not counted twice for the pages they share). On SQLite it then times the
search index catching up with the imported rows (the first stage of ``palabre
analyze``: imports leave it). A second run of the same import measures the idempotent
path (every message unchanged). It prints one line per run and the machine it ran on.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import orjson
import psutil
import sqlalchemy as sa

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"


@dataclass
class Run:
    """One measured import."""

    backend: str
    messages: int
    phase: str
    seconds: float
    peak_mb: float
    created: int
    unchanged: int
    rejected: int

    cpu: dict[str, float] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return self.messages / self.seconds if self.seconds else 0.0


def machine() -> str:
    """A one-line description of this machine."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = psutil.virtual_memory().total / 2**30
    return (
        f"{cpu}, {psutil.cpu_count()} cores, {memory:.0f} GiB RAM, "
        f"Python {platform.python_version()}, {platform.system()} {platform.release()}"
    )


def dataset(messages: int) -> Path:
    """The benchmark file for ``messages`` rows, generated once."""
    OUT.mkdir(exist_ok=True)
    path = OUT / f"messages-{messages}.csv"
    if not path.exists():
        tmp = path.with_suffix(".tmp.csv")
        subprocess.run(
            [
                sys.executable,
                str(HERE / "generate_messages.py"),
                str(tmp),
                "--messages",
                str(messages),
            ],
            check=True,
        )
        tmp.rename(path)
    return path


def _footprint(process: psutil.Process) -> int:
    """Memory a process uses: its PSS on Linux (shared pages split between sharers).

    The importer forks a reader process; summing plain RSS would count the pages
    they share twice.
    """
    try:
        return int(process.memory_full_info().pss)
    except (AttributeError, psutil.AccessDenied):
        return int(process.memory_info().rss)


#: CPU seconds of the processes of the last command measured, by process role, as last
#: sampled (which of the importer and its reader bounds an import on two cores)
LAST_CPU: dict[str, float] = {}


def measure(command: list[str], env: dict[str, str]) -> tuple[float, float, dict[str, object]]:
    """Run ``command``; return wall seconds, peak memory (MB, process tree) and its JSON."""
    started = time.perf_counter()
    LAST_CPU.clear()
    with tempfile.TemporaryFile() as out:
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.PIPE)
        watched = psutil.Process(process.pid)
        peak = 0
        while process.poll() is None:
            try:
                children = watched.children(recursive=True)
                used = sum(_footprint(p) for p in [watched, *children])
                peak = max(peak, used)
                for role, proc in [("command", watched), *(("reader", c) for c in children)]:
                    times = proc.cpu_times()
                    LAST_CPU[role] = times.user + times.system
            except psutil.Error:
                pass
            time.sleep(0.5)
        seconds = time.perf_counter() - started
        stderr = process.stderr.read().decode() if process.stderr else ""
        if process.returncode != 0:
            raise SystemExit(f"import failed ({process.returncode}): {stderr[-2000:]}")
        out.seek(0)
        report = orjson.loads(out.read())
    return seconds, peak / 2**20, report


def workspace_env(backend: str, folder: Path) -> tuple[dict[str, str], str | None]:
    """Environment for a fresh workspace; for PostgreSQL, a fresh database (name returned)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PALABRE_")}
    env["PALABRE_DATA_DIR"] = str(folder)
    if backend == "sqlite":
        return env, None
    admin_url = os.environ.get("PALABRE_BENCH_POSTGRES_URL")
    if not admin_url:
        raise SystemExit("set PALABRE_BENCH_POSTGRES_URL (an admin URL) or use import_speed.sh")
    name = f"palabre_bench_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    admin.dispose()
    env["PALABRE_DATABASE_URL"] = (
        sa.make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    )
    return env, name


def drop_database(name: str) -> None:
    admin = sa.create_engine(os.environ["PALABRE_BENCH_POSTGRES_URL"], isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


#: the search-index stage of ``palabre analyze``, alone (SQLite indexes after imports)
_CATCH_UP = """
import json
from palabre.config import Settings
from palabre.db.engine import make_engine, session_factory, transaction
from palabre.fabric import search_index
engine = make_engine(Settings())
with transaction(session_factory(engine)) as session:
    indexed = search_index.catch_up(session)
print(json.dumps({"indexed": indexed}))
"""


PHASES = ("first import", "search index", "re-import")


def bench(backend: str, messages: int, phases: tuple[str, ...] = PHASES) -> list[Run]:
    """Import the file into a fresh workspace, index it for search (SQLite), import it
    again (the ``phases`` asked for); return each measurement."""
    path = dataset(messages)
    folder = Path(tempfile.mkdtemp(prefix="palabre-bench-"))
    env, database = workspace_env(backend, folder)
    palabre = [sys.executable, "-m", "palabre"]
    try:
        subprocess.run([*palabre, "db", "upgrade"], env=env, check=True, capture_output=True)
        runs = []
        for phase in phases:
            if phase == "search index":
                if backend != "sqlite":
                    continue  # PostgreSQL's trigram indexes are written with the rows
                # What ``palabre analyze`` does first: index the imported rows for search.
                seconds, peak, report = measure([sys.executable, "-c", _CATCH_UP], env)
                indexed = int(str(report["indexed"]))
                runs.append(
                    Run(backend, messages, phase, seconds, peak, indexed, 0, 0, dict(LAST_CPU))
                )
                continue
            seconds, peak, report = measure(
                [*palabre, "import", "messages", str(path), "--json"], env
            )
            counts = report["counts"]
            assert isinstance(counts, dict)
            runs.append(
                Run(
                    backend=backend,
                    messages=messages,
                    phase=phase,
                    seconds=seconds,
                    peak_mb=peak,
                    created=int(counts["messages"]["created"]),
                    unchanged=int(counts["messages"]["unchanged"]),
                    rejected=int(str(report["rejected"])),
                    cpu=dict(LAST_CPU),
                )
            )
        return runs
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        if database:
            drop_database(database)


def _cpu_text(cpu: dict[str, float]) -> str:
    return ", ".join(f"{role} {seconds:.1f}" for role, seconds in cpu.items()) or "not sampled"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="palabre import speed and memory")
    parser.add_argument("--messages", type=int, action="append", help="sizes (repeatable)")
    parser.add_argument(
        "--backend", action="append", choices=("sqlite", "postgresql"), help="(repeatable)"
    )
    parser.add_argument(
        "--first-import-only",
        action="store_true",
        help="measure the first import alone (large sizes on a shared machine)",
    )
    args = parser.parse_args(argv)
    phases = PHASES[:1] if args.first_import_only else PHASES
    sizes = args.messages or [1_000_000]
    backends = args.backend or ["sqlite"]
    print(f"machine: {machine()}")
    # The imports run ``python -m palabre`` with this interpreter and environment: say
    # which code that is (a worktree's src/ through PYTHONPATH, or the installed one).
    code = subprocess.run(
        [sys.executable, "-c", "import palabre; print(palabre.__file__)"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    print(f"palabre: {code}; load average before: {os.getloadavg()[0]:.2f}")
    cpu: list[str] = []
    print("| database | messages | run | seconds | messages/s | peak memory (MB) |")
    print("| --- | ---: | --- | ---: | ---: | ---: |")
    for backend in backends:
        for size in sizes:
            for run in bench(backend, size, phases):
                expected = run.unchanged if run.phase == "re-import" else run.created
                if expected != size or run.rejected:
                    raise SystemExit(f"wrong counts for {run}")
                print(
                    f"| {backend} | {size:,} | {run.phase} | {run.seconds:.1f} | "
                    f"{run.rate:,.0f} | {run.peak_mb:.0f} |",
                    flush=True,
                )
                cpu.append(f"{run.phase} {size:,}: " + _cpu_text(run.cpu))
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    for line in cpu:
        print(f"CPU seconds, {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
