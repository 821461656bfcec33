"""Load benchmark of the web application: the demo company under concurrent clients.

    bash benchmarks/web_load.sh                    # SQLite and a throwaway PostgreSQL, 1 M messages
    python benchmarks/web_load.py --backend sqlite --scale 200000 --duration 10
    PALABRE_BENCH_POSTGRES_URL=postgresql+psycopg://postgres@127.0.0.1:5432/postgres \\
        python benchmarks/web_load.py --backend postgresql

For each database it builds the demo company at ``--scale`` messages with the real
command line (``palabre demo --no-serve``) into ``benchmarks/out/web/`` (kept: a second
run at the same scale reuses it; a PostgreSQL workspace is kept as a ``pg_dump`` file and
restored into a fresh database), serves it with ``palabre serve --workers N`` (or, with
``--server uvicorn``, with uvicorn's own ``--workers``, which share one socket; compare
with ``--requests-in-flight 0`` for the server before palabre admitted requests in
turn, see docs/web.md), signs in as an administrator (who sees every
page) and drives ``--connections`` concurrent clients with ``wrk`` on loopback against
the home page, the people directory, a typical profile, a typical thread and a search
for a common word, each after a warm-up. It prints a Markdown table (requests/s, p50,
p95, p99 in ms, errors = answers other than 2xx + socket errors and time-outs; and the
CPU time per answer of the server processes, of PostgreSQL's processes and of ``wrk``,
read from the operating system over the measured seconds: what the shared cores were
spent on), the machine and the command.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import secrets
import shlex
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import psutil
import sqlalchemy as sa

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OUT = HERE / "out" / "web"
PALABRE = ROOT / ".venv" / "bin" / "palabre"
UVICORN = ROOT / ".venv" / "bin" / "uvicorn"
LUA = HERE / "web_load.lua"
USER = "bench-load"

sys.path.insert(0, str(ROOT))
from benchmarks.import_speed import machine  # noqa: E402  (run as a script: the root is not on the path)

ENDPOINTS = ("home", "people", "profile", "thread", "search")


@dataclass
class Workspace:
    """A built demo workspace and the environment that names it."""

    backend: str
    scale: int
    env: dict[str, str]
    build_seconds: float | None  # None: reused from an earlier run

    @property
    def database_url(self) -> str:
        """The SQLAlchemy URL of its database."""
        url = self.env.get("PALABRE_DATABASE_URL")
        return url or f"sqlite:///{self.env['PALABRE_DATA_DIR']}/palabre.sqlite3"


@dataclass
class Result:
    """What wrk measured on one endpoint."""

    endpoint: str
    path: str
    requests: int
    seconds: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    non2xx: int
    socket_errors: int
    #: CPU seconds spent meanwhile by the server's processes, PostgreSQL's and wrk
    cpu_server: float = 0.0
    cpu_database: float = 0.0
    cpu_client: float = 0.0

    @property
    def rate(self) -> float:
        """Requests answered per second."""
        return self.requests / self.seconds if self.seconds else 0.0

    def cpu_ms(self, seconds: float) -> float:
        """``seconds`` of CPU per answer, in ms."""
        return seconds * 1000 / self.requests if self.requests else 0.0

    @property
    def errors(self) -> int:
        """Answers other than 2xx plus connection, read, write errors and time-outs."""
        return self.non2xx + self.socket_errors


def run(command: list[str], env: dict[str, str], stdin: str | None = None) -> str:
    """Run a palabre command; stop the benchmark with its output when it fails."""
    done = subprocess.run(command, env=env, input=stdin, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(
            f"{shlex.join(command)} failed:\n{done.stdout[-2000:]}{done.stderr[-3000:]}"
        )
    return done.stdout


def _pg_tool(name: str) -> str:
    found = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))
    if found:
        return str(found[-1])
    tool = shutil.which(name)
    if tool is None:
        raise SystemExit(f"{name} not found: install Debian's postgresql package")
    return tool


def _libpq(url: str) -> str:
    # pg_dump and pg_restore take libpq URLs, not SQLAlchemy's driver-qualified ones.
    return sa.make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _fresh_database(admin_url: str) -> str:
    name = f"palabre_web_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    admin.dispose()
    return sa.make_url(admin_url).set(database=name).render_as_string(hide_password=False)


def workspace(backend: str, scale: int, out: Path = OUT) -> Workspace:
    """The demo workspace at ``scale`` on ``backend`` under ``out``: built once, then reused."""
    folder = out / f"{backend}-{scale}"
    data = folder / "data"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PALABRE_")}
    env["PALABRE_DATA_DIR"] = str(data)
    built = folder / "built"
    dump = folder / "database.dump"
    if backend == "postgresql":
        admin_url = os.environ.get("PALABRE_BENCH_POSTGRES_URL")
        if not admin_url:
            raise SystemExit("set PALABRE_BENCH_POSTGRES_URL (an admin URL) or use web_load.sh")
        env["PALABRE_DATABASE_URL"] = _fresh_database(admin_url)
    if built.exists():
        if backend == "postgresql":
            print(f"restoring the {backend} workspace from {dump}", file=sys.stderr, flush=True)
            started = time.perf_counter()
            subprocess.run(
                [
                    _pg_tool("pg_restore"),
                    "--no-owner",
                    "-j",
                    "2",
                    "-d",
                    _libpq(env["PALABRE_DATABASE_URL"]),
                    str(dump),
                ],
                check=True,
            )
            print(f"restored in {time.perf_counter() - started:.0f} s", file=sys.stderr)
        _ready(env)
        return Workspace(backend, scale, env, None)
    if folder.exists():
        shutil.rmtree(folder)  # a build that did not finish
    folder.mkdir(parents=True)
    print(f"building the demo at {scale:,} messages on {backend}...", file=sys.stderr, flush=True)
    started = time.perf_counter()
    run([str(PALABRE), "demo", "--no-serve", "--scale", str(scale)], env)
    seconds = time.perf_counter() - started
    print(f"built in {seconds:.0f} s", file=sys.stderr, flush=True)
    if backend == "postgresql":
        subprocess.run(
            [
                _pg_tool("pg_dump"),
                "-Fc",
                "-Z",
                "1",
                "-f",
                str(dump),
                _libpq(env["PALABRE_DATABASE_URL"]),
            ],
            check=True,
        )
    (folder / "build_seconds").write_text(f"{seconds:.1f}\n")
    built.touch()
    _ready(env)
    return Workspace(backend, scale, env, seconds)


def _ready(env: dict[str, str]) -> None:
    # A workspace built before a new migration is brought to the current schema, and
    # given fresh statistics, as a server that has been running a while would have.
    run([str(PALABRE), "db", "upgrade"], env)
    url = env.get("PALABRE_DATABASE_URL") or f"sqlite:///{env['PALABRE_DATA_DIR']}/palabre.sqlite3"
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.exec_driver_sql("ANALYZE")
    engine.dispose()


def drop_database(ws: Workspace) -> None:
    """Drop the PostgreSQL database the run restored or built (it is kept as a dump)."""
    admin_url = os.environ.get("PALABRE_BENCH_POSTGRES_URL")
    if ws.backend != "postgresql" or not admin_url:
        return
    name = sa.make_url(ws.database_url).database
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


def bench_account(ws: Workspace) -> str:
    """A fresh password for the benchmark's administrator account (created once)."""
    return admin_password(ws.env, [str(PALABRE)])


def admin_password(env: dict[str, str], palabre: list[str]) -> str:
    """Give the benchmark's administrator account (created once) a fresh password.

    ``palabre`` is how the command line is called (the console script, or
    ``python -m palabre`` to measure the code on the path).
    """
    password = secrets.token_urlsafe(18)
    listed = json.loads(run([*palabre, "users", "list", "--json"], env))
    names = {account["username"] for account in listed}
    if USER in names:
        run([*palabre, "users", "passwd", USER, "--password-stdin"], env, password + "\n")
    else:
        command = [*palabre, "users", "add", USER, "--role", "admin", "--password-stdin"]
        run(command, env, password + "\n")
    return password


def targets(ws: Workspace) -> dict[str, str]:
    """The path of each endpoint: a typical profile, a typical thread, a common word."""
    engine = sa.create_engine(ws.database_url)
    with engine.connect() as connection:
        # A typical profile: the author whose number of messages is the median one.
        authors = connection.execute(
            sa.text(
                "SELECT i.person_id, count(*) AS n FROM message m "
                "JOIN identity i ON i.id = m.author_identity_id "
                "JOIN person p ON p.id = i.person_id "
                "WHERE p.merged_into_id IS NULL AND p.kind = 'customer' "
                "GROUP BY i.person_id ORDER BY n, i.person_id"
            )
        ).all()
        person = authors[len(authors) // 2][0]
        # A typical thread: the median size among the threads that have answers,
        # in a channel every role of the browser may read.
        threads = connection.execute(
            sa.text(
                "SELECT m.thread_id, count(*) AS n FROM message m "
                "JOIN channel c ON c.id = m.channel_id "
                "WHERE c.kind = 'community' AND c.visibility = 'public' "
                "GROUP BY m.thread_id HAVING count(*) > 1 ORDER BY n, m.thread_id"
            )
        ).all()
        thread = threads[len(threads) // 2][0]
        # A common word: the most frequent word of six letters or more in recent messages.
        texts = connection.execute(
            sa.text("SELECT text FROM message ORDER BY id DESC LIMIT 20000")
        ).scalars()
        words: Counter[str] = Counter()
        for text in texts:
            words.update(w for w in re.findall(r"[^\W\d_]{6,}", text.lower()))
        word = words.most_common(1)[0][0]
    engine.dispose()
    return {
        "home": "/",
        "people": "/people",
        "profile": f"/people/{person}",
        "thread": f"/conversations/threads/{thread}",
        "search": f"/conversations/search?q={word}",
    }


def free_port() -> int:
    """A TCP port nobody listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def server(ws: Workspace, workers: int, kind: str = "palabre") -> Iterator[tuple[str, int]]:
    """The workspace served by ``palabre serve`` (or uvicorn's own workers); yields its URL
    and the process id of the server (whose children are its workers)."""
    if kind == "uvicorn":
        with serving(ws.env, [str(UVICORN)], workers) as (base, process):
            yield base, process.pid
        return
    port = free_port()
    command = [str(PALABRE), "serve", "--port", str(port), "--workers", str(workers)]
    command.append("--no-access-log")  # as the uvicorn runs: a line per request costs CPU
    process = subprocess.Popen(command, env=ws.env, stdout=subprocess.DEVNULL)
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_for(base, process)
        yield base, process.pid
    finally:
        _stop(process)


def _wait_for(base: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 120
    while True:
        if process.poll() is not None:
            raise SystemExit(f"the server stopped ({process.returncode})")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{base}/api/v1/health", timeout=2).status_code == 200:
                return
        if time.monotonic() > deadline:
            raise SystemExit("the server did not answer within two minutes")
        time.sleep(0.3)


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextlib.contextmanager
def serving(
    env: dict[str, str], uvicorn: list[str], workers: int, options: tuple[str, ...] = ()
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """Start ``uvicorn`` (how it is called) on a free port with ``options``; yield its base
    URL and process once it answers, and stop it afterwards."""
    port = free_port()
    command = [
        *uvicorn, "palabre.web.app:create_served_app", "--factory",
        "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers),
        "--log-level", "warning", "--no-access-log", *options,
    ]  # fmt: skip
    process = subprocess.Popen(command, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_for(base, process)
        yield base, process
    finally:
        _stop(process)


def sign_in(base: str, password: str) -> str:
    """The session cookie of the benchmark's account."""
    with httpx.Client(base_url=base, follow_redirects=False, timeout=30) as client:
        page = client.get("/signin")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        if token is None:
            raise SystemExit("no CSRF token on the sign-in page")
        answer = client.post(
            "/signin",
            data={"username": USER, "password": password, "csrf_token": token.group(1)},
        )
        cookie = client.cookies.get("palabre_session")
        if answer.status_code != 303 or not cookie:
            raise SystemExit(f"sign-in failed: {answer.status_code} {answer.text[:300]}")
        if client.get("/").status_code != 200:
            raise SystemExit("signed in, but the home page does not answer 200")
        return cookie


def wrk(url: str, cookie: str, connections: int, threads: int, seconds: int) -> dict[str, int]:
    """One wrk run; the numbers web_load.lua prints."""
    command = [
        "wrk", "-t", str(threads), "-c", str(connections), "-d", f"{seconds}s",
        "--timeout", "10s", "-s", str(LUA), "-H", f"Cookie: palabre_session={cookie}", url,
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    line = next(x for x in done.stdout.splitlines() if x.startswith("{"))
    numbers: dict[str, int] = json.loads(line)
    return numbers


def cpu_seconds(processes: list[psutil.Process]) -> float:
    """User + system CPU seconds the ``processes`` have spent so far (ended ones: 0)."""
    total = 0.0
    for process in processes:
        with contextlib.suppress(psutil.Error):  # a PostgreSQL backend that ended
            times = process.cpu_times()
            total += times.user + times.system
    return total


def _database_processes() -> list[psutil.Process]:
    # PostgreSQL's server and backends (on SQLite the database works inside the server).
    names = ("postgres", "postmaster")
    return [p for p in psutil.process_iter(["name"]) if p.info["name"] in names]


def _children_cpu() -> float:
    # wrk, once it has ended: the CPU of this process's waited-for children.
    times = os.times()
    return times.children_user + times.children_system


def measure(
    base: str,
    cookie: str,
    endpoint: str,
    path: str,
    args: argparse.Namespace,
    server_pid: int | None = None,
) -> Result:
    """Warm ``path`` up, then measure it under ``args.connections`` clients (and the CPU
    the server ``server_pid`` and its children, PostgreSQL and wrk spent meanwhile)."""
    url = base + path
    check = httpx.get(url, cookies={"palabre_session": cookie}, timeout=60)
    if check.status_code != 200:
        raise SystemExit(f"{path} answers {check.status_code}, not 200")
    if args.warmup:
        wrk(url, cookie, args.connections, args.threads, args.warmup)
    serving = []
    if server_pid is not None:
        root = psutil.Process(server_pid)
        serving = [root, *root.children(recursive=True)]
    database = _database_processes()
    before = (cpu_seconds(serving), cpu_seconds(database), _children_cpu())
    numbers = wrk(url, cookie, args.connections, args.threads, args.duration)
    after = (cpu_seconds(serving), cpu_seconds(database), _children_cpu())
    if numbers["requests"] == 0:
        # wrk counts a time-out only past --timeout: a stalled server would look clean.
        raise SystemExit(f"{path}: no answer at all in {args.duration} s: the server stalled")
    return Result(
        endpoint=endpoint,
        path=path,
        requests=numbers["requests"],
        seconds=numbers["duration_us"] / 1e6,
        p50_ms=numbers["p50_us"] / 1000,
        p95_ms=numbers["p95_us"] / 1000,
        p99_ms=numbers["p99_us"] / 1000,
        non2xx=numbers["non2xx"],
        socket_errors=sum(numbers[k] for k in ("connect", "read", "write", "timeout")),
        cpu_server=after[0] - before[0],
        cpu_database=after[1] - before[1],
        cpu_client=after[2] - before[2],
    )


def main(argv: list[str] | None = None) -> int:
    """Build, serve, load and print the table."""
    parser = argparse.ArgumentParser(description="palabre web load benchmark")
    parser.add_argument(
        "--backend", action="append", choices=("sqlite", "postgresql"), help="(repeatable)"
    )
    parser.add_argument("--scale", type=int, default=1_000_000, help="demo messages")
    parser.add_argument("--connections", type=int, default=50, help="concurrent clients")
    parser.add_argument("--threads", type=int, default=1, help="wrk threads")
    parser.add_argument("--workers", type=int, default=2, help="server worker processes")
    parser.add_argument(
        "--server",
        choices=("palabre", "uvicorn"),
        default="palabre",
        help="palabre serve (a socket per worker) or uvicorn's workers (one shared socket)",
    )
    parser.add_argument(
        "--requests-in-flight",
        type=int,
        default=None,
        help="PALABRE_WEB_REQUESTS_IN_FLIGHT of the server (default: the setting's, 4; 0: none)",
    )
    parser.add_argument("--duration", type=int, default=25, help="seconds measured per endpoint")
    parser.add_argument("--warmup", type=int, default=5, help="seconds of warm-up per endpoint")
    parser.add_argument(
        "--endpoint", action="append", choices=ENDPOINTS, help="(repeatable; default: all)"
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=OUT,
        help=f"where the workspaces are built and kept (default: {OUT.relative_to(ROOT)})",
    )
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        raise SystemExit("wrk not found: apt-get install -y wrk (web_load.sh does it)")
    backends = args.backend or ["sqlite"]
    endpoints = args.endpoint or list(ENDPOINTS)
    rows: list[tuple[str, Result]] = []
    for backend in backends:
        ws = workspace(backend, args.scale, args.out)
        try:
            password = bench_account(ws)
            paths = targets(ws)
            print(f"{backend}: {json.dumps(paths)}", file=sys.stderr, flush=True)
            if args.requests_in_flight is not None:
                ws.env["PALABRE_WEB_REQUESTS_IN_FLIGHT"] = str(args.requests_in_flight)
            with server(ws, args.workers, args.server) as (base, pid):
                cookie = sign_in(base, password)
                for endpoint in endpoints:
                    result = measure(base, cookie, endpoint, paths[endpoint], args, pid)
                    print(
                        f"{backend} {endpoint}: {result.rate:.0f}/s p95 {result.p95_ms:.0f} ms",
                        file=sys.stderr,
                        flush=True,
                    )
                    rows.append((backend, result))
        finally:
            drop_database(ws)
        if ws.build_seconds is not None:
            print(f"{backend}: demo built in {ws.build_seconds:.0f} s", file=sys.stderr)
    names = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
    print(f"machine: {machine()}")
    print(f"command: {shlex.join([Path(sys.argv[0]).name, *sys.argv[1:]])}")
    print(
        f"demo: {args.scale:,} messages; {args.connections} clients, {args.workers} worker "
        f"processes ({args.server}), {args.warmup} s warm-up then {args.duration} s per endpoint"
    )
    print()
    print(
        "| database | endpoint | requests/s | p50 (ms) | p95 (ms) | p99 (ms) | errors "
        "| CPU ms per answer: server / PostgreSQL / wrk |"
    )
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for backend, r in rows:
        database = f"{r.cpu_ms(r.cpu_database):.2f}" if backend == "postgresql" else "—"
        print(
            f"| {names[backend]} | `{r.path}` | {r.rate:,.0f} | {r.p50_ms:.0f} | "
            f"{r.p95_ms:.0f} | {r.p99_ms:.0f} | {r.errors} | "
            f"{r.cpu_ms(r.cpu_server):.2f} / {database} / {r.cpu_ms(r.cpu_client):.2f} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
