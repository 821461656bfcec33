"""How a burst of connections is shared between the server's worker processes.

    .venv/bin/python benchmarks/connection_spread.py                 # 8 bursts of 40, both servers
    .venv/bin/python benchmarks/connection_spread.py --bursts 20 --connections 50

It makes a fresh, empty workspace (``palabre db upgrade``), then serves it twice with
two worker processes: with ``palabre serve --workers 2`` (one ``SO_REUSEPORT`` socket
per worker, see ``palabre.web.workers``) and with uvicorn's own ``--workers 2`` (one
shared socket). Against each it opens ``--connections`` connections at once, as a
browser, a proxy's pool or a load test does, makes a request on each (kept alive),
counts the established connections each worker holds, closes them, and starts again.
It prints each burst's split and, per server, the smallest share a worker got.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import psutil

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"

sys.path.insert(0, str(ROOT))
from benchmarks.import_speed import machine  # noqa: E402  (run as a script)
from benchmarks.web_load import free_port  # noqa: E402


def command(server: str, port: int) -> list[str]:
    """How ``server`` is started with two workers on ``port``."""
    if server == "palabre":
        return [str(BIN / "palabre"), "serve", "--port", str(port), "--workers", "2",
                "--no-access-log"]  # fmt: skip
    return [str(BIN / "uvicorn"), "palabre.web.app:create_app", "--factory",
            "--port", str(port), "--workers", "2", "--log-level", "warning",
            "--no-access-log"]  # fmt: skip


@contextlib.contextmanager
def serving(server: str, env: dict[str, str]) -> Iterator[tuple[int, int]]:
    """Start ``server``; yield its port and process id once both workers listen."""
    port = free_port()
    process = subprocess.Popen(
        command(server, port), env=env, stdout=subprocess.DEVNULL, start_new_session=True
    )
    try:
        deadline = time.monotonic() + 120
        while len(listening(process.pid, port)) < 2:
            if process.poll() is not None:
                raise SystemExit(f"{server} stopped ({process.returncode})")
            if time.monotonic() > deadline:
                raise SystemExit(f"{server}: two listening workers not seen within 2 minutes")
            time.sleep(0.3)
        with contextlib.suppress(httpx.HTTPError):
            httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=30)
        yield port, process.pid
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def listening(pid: int, port: int) -> list[psutil.Process]:
    """The descendants of ``pid`` with a socket listening on ``port``."""
    found = []
    for child in psutil.Process(pid).children(recursive=True):
        with contextlib.suppress(psutil.Error):
            if any(
                c.status == psutil.CONN_LISTEN and c.laddr.port == port
                for c in child.net_connections("tcp")
            ):
                found.append(child)
    return found


def burst(port: int, workers: list[psutil.Process], connections: int) -> list[int]:
    """Open ``connections`` at once, a request on each; how many each worker holds."""
    clients = [socket.create_connection(("127.0.0.1", port)) for _ in range(connections)]
    try:
        for client in clients:
            client.sendall(b"GET /api/v1/health HTTP/1.1\r\nHost: bench\r\n\r\n")
        for client in clients:
            if not client.recv(65536).startswith(b"HTTP/1.1 200"):
                raise SystemExit("a request was not answered 200")
        return sorted(
            sum(
                1
                for c in worker.net_connections("tcp")
                if c.status == psutil.CONN_ESTABLISHED and c.laddr.port == port
            )
            for worker in workers
        )
    finally:
        for client in clients:
            client.close()


def main(argv: list[str] | None = None) -> int:
    """Measure both servers and print the splits."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bursts", type=int, default=8, help="bursts per server")
    parser.add_argument("--connections", type=int, default=40, help="connections a burst")
    parser.add_argument(
        "--server", action="append", choices=("palabre", "uvicorn"), help="(repeatable)"
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="palabre-spread-") as data:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PALABRE_")}
        env["PALABRE_DATA_DIR"] = data
        subprocess.run([str(BIN / "palabre"), "db", "upgrade"], env=env, check=True,
                       stdout=subprocess.DEVNULL)  # fmt: skip
        summary = []
        for server in args.server or ["palabre", "uvicorn"]:
            with serving(server, env) as (port, pid):
                workers = listening(pid, port)
                splits = []
                for _ in range(args.bursts):
                    splits.append(burst(port, workers, args.connections))
                    time.sleep(0.5)  # the closed connections leave the workers
                print(f"{server}: " + "  ".join(" / ".join(map(str, s)) for s in splits))
                summary.append((server, min(s[0] for s in splits)))
    print(f"machine: {machine()}")
    for server, least in summary:
        print(f"{server}: the least a worker got in a burst of {args.connections}: {least}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
