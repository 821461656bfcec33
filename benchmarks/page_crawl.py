"""How long each page takes when one person clicks through the app: the slowest pages.

    PALABRE_DATA_DIR=/path/to/workspace python benchmarks/page_crawl.py
    PALABRE_DATA_DIR=benchmarks/out/web/sqlite-1000000/data python benchmarks/page_crawl.py \\
        --role admin --role analyst --slowest 15

It serves an existing workspace (``PALABRE_DATA_DIR`` or ``PALABRE_DATABASE_URL``, at the
current schema: ``benchmarks/web_load.py`` builds the demo at 1 M messages in
``benchmarks/out/web/``) with ``palabre serve`` (one worker), signs in as a benchmark
account of each ``--role`` (created once, given a fresh password) and follows the links
of the pages it sees from the home page, one request at a time, as the test
``tests/web/test_every_page.py`` does (``--per-kind`` pages of each kind: the same path
with other numbers). It prints the ``--slowest`` pages with their time (one request:
the first view of a page of each kind, which caches nothing yet), and any page that did
not answer 200 or a redirect.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import subprocess
import sys
import time
from collections import Counter, deque
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from benchmarks.import_speed import machine  # noqa: E402  (run as a script: the root is not on the path)
from benchmarks.web_load import free_port, run  # noqa: E402

PALABRE = [sys.executable, "-m", "palabre"]
_HREF = re.compile(r'href="(/[^"#]*)')
SKIPPED = ("/static/", "/api/", "/signout", "/signin")


def _account(env: dict[str, str], role: str) -> tuple[str, str]:
    name, password = f"bench-crawl-{role}", secrets.token_urlsafe(18)
    listed = {
        account["username"]
        for account in json.loads(run([*PALABRE, "users", "list", "--json"], env))
    }
    if name in listed:
        run([*PALABRE, "users", "passwd", name, "--password-stdin"], env, password + "\n")
    else:
        command = [*PALABRE, "users", "add", name, "--role", role, "--password-stdin"]
        run(command, env, password + "\n")
    return name, password


def _kind(url: str) -> str:
    path, _, query = url.partition("?")
    names = sorted(p.split("=")[0] for p in query.split("&") if p)
    return re.sub(r"\d+", "N", path) + "?" + "&".join(names)


def crawl(
    base: str, username: str, password: str, per_kind: int, limit: int
) -> tuple[list[tuple[float, str]], list[tuple[str, int]]]:
    """Sign in and follow the links; (seconds, url) of each page and the failures."""
    client = httpx.Client(base_url=base, timeout=600, headers={"Accept-Language": "en"})
    form = client.get("/signin").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', form)
    data = {
        "username": username,
        "password": password,
        "csrf_token": token.group(1) if token else "",
    }
    if client.post("/signin", data=data).status_code != 303:
        raise SystemExit(f"could not sign in as {username}")
    seen: set[str] = set()
    kinds: Counter[str] = Counter()
    queue = deque(["/"])
    timings: list[tuple[float, str]] = []
    failed: list[tuple[str, int]] = []
    while queue and len(timings) < limit:
        url = queue.popleft()
        if url in seen or url.startswith(SKIPPED):
            continue
        seen.add(url)
        kinds[_kind(url)] += 1
        if kinds[_kind(url)] > per_kind:
            continue
        started = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - started, url))
        if response.status_code in (302, 303, 307):
            queue.append(response.headers["location"])
        elif response.status_code != 200:
            failed.append((url, response.status_code))
        elif response.headers.get("content-type", "").startswith("text/html"):
            queue.extend(h.replace("&amp;", "&") for h in _HREF.findall(response.text))
    client.close()
    return timings, failed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--role", action="append", help="roles to crawl as (default: all)")
    parser.add_argument("--per-kind", type=int, default=1)
    parser.add_argument("--limit", type=int, default=200, help="pages at most per role")
    parser.add_argument("--slowest", type=int, default=12)
    args = parser.parse_args(argv)
    from palabre.accounts.models import ROLES

    env = dict(os.environ)
    roles = args.role or list(ROLES)
    accounts = {role: _account(env, role) for role in roles}
    port = free_port()
    server = subprocess.Popen(
        [*PALABRE, "serve", "--port", str(port), "--workers", "1", "--no-access-log"],
        env=env,
        stdout=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"{base}/api/v1/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                raise SystemExit("the server did not start")
            time.sleep(0.5)
        print(f"# {machine()}")
        print(f"# {' '.join(sys.argv)}")
        for role in roles:
            timings, failed = crawl(base, *accounts[role], args.per_kind, args.limit)
            total = sum(t for t, _ in timings)
            print(f"\n{role}: {len(timings)} pages in {total:.1f} s; the slowest:")
            for seconds, url in sorted(timings, reverse=True)[: args.slowest]:
                print(f"  {seconds:6.2f} s  {url}")
            for url, status in failed:
                print(f"  FAILED {status}  {url}")
    finally:
        server.terminate()
        server.wait(timeout=30)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
