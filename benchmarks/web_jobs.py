"""Background jobs under ``palabre serve --workers 2``: does every process follow an import?

    PYTHONPATH=src .venv/bin/python benchmarks/web_jobs.py --messages 300000 --polls 20

In a throwaway workspace (SQLite, under a temporary folder) it makes an admin account,
serves the workspace with ``palabre serve --workers 2``, uploads a generated CSV of
``--messages`` messages through Admin → Imports, then asks for the job's progress
fragment ``--polls`` times, every half second, each time on a new connection (the kernel
hands each connection to either process, as it does a browser's polls). It prints how
many polls were answered and what they said, then kills both processes with SIGKILL
while the import may still run, starts the server again and reads the job once at once
and once after the heartbeat threshold: a job whose process died reads as interrupted.
``--src`` runs another checkout's sources (``/path/to/palabre/src``) to compare.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

PASSWORD = "correct horse battery staple"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_STATE = re.compile(r'data-state="(\w+)"')
_RECORDS = re.compile(r"([\d,]+) records? read")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class Workspace:
    """A temporary workspace and the ``palabre`` command line on it."""

    def __init__(self, folder: Path, src: str) -> None:
        self.env = {
            **os.environ,
            "PYTHONPATH": src,
            "PALABRE_DATA_DIR": str(folder / "workspace"),
            "PALABRE_UPLOAD_MAX_BYTES": str(1024**3),
        }
        self.folder = folder
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"

    def cli(self, *args: str, stdin: str | None = None) -> None:
        """Run ``palabre ARGS`` (an error stops the benchmark)."""
        command = [sys.executable, "-m", "palabre", *args]
        subprocess.run(
            command, env=self.env, input=stdin, text=True, check=True, stdout=subprocess.DEVNULL
        )

    def serve(self) -> subprocess.Popen[bytes]:
        """``palabre serve --workers 2`` in a process group of its own, once it answers."""
        command = [sys.executable, "-m", "palabre", "serve", "--workers", "2"]
        command += ["--port", str(self.port), "--no-access-log"]
        server = subprocess.Popen(
            command,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=(self.folder / "serve.log").open("ab"),
            start_new_session=True,
        )
        for _ in range(240):
            try:
                httpx.get(f"{self.base}/signin", timeout=1)
                return server
            except httpx.HTTPError:
                time.sleep(0.5)
        raise SystemExit(f"the server did not start: see {self.folder / 'serve.log'}")

    def sign_in(self) -> tuple[httpx.Client, str]:
        """A client signed in as the admin, and its CSRF token."""
        client = httpx.Client(base_url=self.base)
        token = _token(client.get("/signin").text)
        form = {"username": "admin", "password": PASSWORD, "csrf_token": token}
        answer = client.post("/signin", data=form)
        if answer.status_code != 303:
            raise SystemExit(f"sign-in answered {answer.status_code}")
        return client, _token(client.get("/admin/imports").text)

    def poll(self, cookies: httpx.Cookies, url: str) -> tuple[int, str, str]:
        """Status, state and records read of the progress fragment, on a new connection."""
        with httpx.Client(base_url=self.base, cookies=cookies) as client:
            answer = client.get(url)
        state = _STATE.search(answer.text)
        records = _RECORDS.search(answer.text)
        return (
            answer.status_code,
            state.group(1) if state else "-",
            records.group(1) if records else "-",
        )


def _token(page: str) -> str:
    found = _CSRF.search(page)
    if found is None:
        raise SystemExit("no CSRF field on the page")
    return found.group(1)


def _stop(server: subprocess.Popen[bytes], how: signal.Signals) -> None:
    os.killpg(server.pid, how)
    server.wait()


def main() -> None:
    """Run the scenario and print what each poll answered."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--messages", type=int, default=300_000)
    parser.add_argument("--polls", type=int, default=20)
    parser.add_argument("--src", default=str(Path(__file__).resolve().parents[1] / "src"))
    parser.add_argument("--stale-wait", type=float, default=32.0, help="seconds (threshold: 30)")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="palabre-web-jobs-") as name:
        folder = Path(name)
        space = Workspace(folder, options.src)
        space.cli("db", "upgrade")
        space.cli(
            "users", "add", "admin", "--role", "admin", "--password-stdin", stdin=PASSWORD + "\n"
        )
        upload = folder / "messages.csv"
        with upload.open("w") as out:
            out.write("id,channel,author,created_at,text\n")
            for n in range(options.messages):
                when = f"2025-03-03T10:{n % 60:02d}:00+00:00"
                out.write(f'b{n},general,user{n % 500},{when},"message {n}"\n')
        server = space.serve()
        try:
            client, token = space.sign_in()
            with upload.open("rb") as handle:
                answer = client.post(
                    "/admin/imports",
                    data={"kind": "messages", "source": "bench", "csrf_token": token},
                    files={"file": ("messages.csv", handle, "text/csv")},
                )
            url = answer.headers["location"] + "/progress"
            polls = []
            for _ in range(options.polls):
                polls.append(space.poll(client.cookies, url))
                time.sleep(0.5)
            answered = sum(1 for status, _, _ in polls if status == 200)
            print(f"sources: {options.src}")
            print(f"polls answered 200: {answered} of {len(polls)}")
            print("each poll (status, state, records read):", polls)
        finally:
            _stop(server, signal.SIGKILL)  # both processes die, the import with them
        server = space.serve()
        try:
            client, _ = space.sign_in()
            print("after a restart:", space.poll(client.cookies, url))
            time.sleep(options.stale_wait)
            print(f"{options.stale_wait:g} s later:", space.poll(client.cookies, url))
        finally:
            _stop(server, signal.SIGTERM)


if __name__ == "__main__":
    main()
