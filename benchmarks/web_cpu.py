"""Server CPU per request, page by page: what the web load target is made of.

    PALABRE_DATA_DIR=/path/to/workspace python benchmarks/web_cpu.py
    PALABRE_DATABASE_URL=postgresql+psycopg://... python benchmarks/web_cpu.py -n 300

It serves an existing workspace (``PALABRE_DATA_DIR`` or ``PALABRE_DATABASE_URL``, at the
current schema, e.g. one ``web_load.py`` built) with one uvicorn process, the application
``palabre serve`` runs, signs in as the load benchmark's administrator and asks for each
of the five pages of the load benchmark (home, people, a typical profile, a typical
thread, a search for a common word), one request at a time: ``--warmup`` requests, then
``--rounds`` rounds of ``-n`` measured ones, keeping the round with the least CPU (other
work on a shared machine only adds). ``--asyncio-h11`` serves with the standard event loop
and the pure-Python HTTP parser instead of uvloop and httptools. It prints, per page, the
server process's CPU time per request (user + system, from the operating system: it
depends less on how busy the machine is than latencies under load do) and the mean wall
time a request took.

With one client and no waiting, server CPU per request is what bounds the throughput: a
server with ``w`` workers on ``w`` free cores answers at most ``w / cpu`` requests a second.
On PostgreSQL the database server's own CPU is not in the figure (it is another process).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shlex
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import psutil

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
from benchmarks.import_speed import machine  # noqa: E402  (run as a script: the root is not on the path)
from benchmarks.web_load import (  # noqa: E402
    ENDPOINTS,
    Workspace,
    admin_password,
    cpu_seconds,
    run,
    serving,
    sign_in,
    targets,
)

#: the command line and uvicorn of the interpreter running this (the code on its path)
PALABRE = [sys.executable, "-m", "palabre"]
UVICORN = [sys.executable, "-m", "uvicorn"]


@contextlib.contextmanager
def _server(env: dict[str, str], plain: bool) -> Iterator[tuple[str, psutil.Process]]:
    options = ("--loop", "asyncio", "--http", "h11") if plain else ()
    with serving(env, UVICORN, 1, options) as (base, process):
        yield base, psutil.Process(process.pid)


def measure(
    client: httpx.Client, process: psutil.Process, path: str, warmup: int, count: int
) -> tuple[float, float]:
    """(server CPU ms, wall ms) per request of ``path`` over ``count`` sequential requests."""
    for _ in range(warmup):
        answer = client.get(path)
        if answer.status_code != 200:
            raise SystemExit(f"{path} answers {answer.status_code}, not 200")
    cpu_before = cpu_seconds([process])
    started = time.perf_counter()
    for _ in range(count):
        answer = client.get(path)
        if answer.status_code != 200:
            raise SystemExit(f"{path} answers {answer.status_code}, not 200")
    wall = time.perf_counter() - started
    cpu = cpu_seconds([process]) - cpu_before
    return cpu * 1000 / count, wall * 1000 / count


def main(argv: list[str] | None = None) -> int:
    """Serve the workspace, measure each page, print the table."""
    parser = argparse.ArgumentParser(description="palabre server CPU per request")
    parser.add_argument("-n", "--requests", type=int, default=300, help="measured per page")
    parser.add_argument("--warmup", type=int, default=30, help="requests before measuring")
    parser.add_argument(
        "--rounds", type=int, default=3, help="measured rounds per page; the least is kept"
    )
    parser.add_argument(
        "--endpoint", action="append", choices=ENDPOINTS, help="(repeatable; default: all)"
    )
    parser.add_argument(
        "--asyncio-h11", action="store_true", help="no uvloop nor httptools (for comparison)"
    )
    parser.add_argument(
        "--path", action="append", default=[], help="another path to measure (repeatable)"
    )
    args = parser.parse_args(argv)
    env = dict(os.environ)
    if not env.get("PALABRE_DATA_DIR") and not env.get("PALABRE_DATABASE_URL"):
        raise SystemExit("set PALABRE_DATA_DIR or PALABRE_DATABASE_URL to a built workspace")
    backend = "postgresql" if env.get("PALABRE_DATABASE_URL") else "sqlite"
    run([*PALABRE, "db", "upgrade"], env)
    ws = Workspace(backend, 0, env, None)
    password = admin_password(env, PALABRE)
    paths = targets(ws)
    rows: list[tuple[str, str, float, float]] = []
    with _server(env, args.asyncio_h11) as (base, process):
        cookie = sign_in(base, password)
        with httpx.Client(base_url=base, cookies={"palabre_session": cookie}, timeout=60) as client:
            extra = [(path, path) for path in args.path]
            chosen = [(e, paths[e]) for e in (args.endpoint or ([] if extra else ENDPOINTS))]
            for endpoint, path in chosen + extra:
                # The least of a few rounds: other work on a shared machine only adds.
                cpu, wall = min(
                    measure(client, process, path, args.warmup if r == 0 else 0, args.requests)
                    for r in range(args.rounds)
                )
                print(f"{endpoint}: {cpu:.1f} ms CPU, {wall:.1f} ms", file=sys.stderr, flush=True)
                rows.append((endpoint, path, cpu, wall))
    print(f"machine: {machine()}")
    print(f"command: {shlex.join([Path(sys.argv[0]).name, *sys.argv[1:]])} ({backend})")
    print(
        f"{args.warmup} warm-up then {args.rounds} rounds of {args.requests} sequential "
        "requests per page (the round with the least CPU kept), 1 server process"
        + (", asyncio and h11" if args.asyncio_h11 else "")
    )
    print()
    print("| database | page | server CPU (ms/request) | wall (ms/request) |")
    print("| --- | --- | ---: | ---: |")
    names = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
    for _, path, cpu, wall in rows:
        print(f"| {names[backend]} | `{path}` | {cpu:.1f} | {wall:.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
