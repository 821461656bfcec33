"""Serve with several worker processes, each listening on its own socket of the same port.

uvicorn's ``--workers`` shares one listening socket between its processes, and each
process accepts every connection waiting when it wakes up. A burst of connections (a
browser's, a proxy's pool, a load test's 50 clients) then lands mostly on one process:
measured on the 1 M-message demo with 50 ``wrk`` clients and two workers, splits of
3 / 47 and 8 / 42 connections were common, and the busy worker's clients waited several
times longer while the other core idled. Here each worker binds its own socket with
``SO_REUSEPORT`` and the kernel spreads new connections over the sockets by a hash of
their addresses, so each worker gets its share however the connections arrive.

Where the option is missing or does not spread connections (anything but Linux), the
caller falls back to uvicorn's shared socket (:func:`spreads_connections`).
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from multiprocessing.process import BaseProcess
from types import FrameType

from palabre.errors import PalabreError

logger = logging.getLogger("palabre.web.workers")

#: how long a stopping worker may take to finish its requests before it is killed (s)
STOP_GRACE_SECONDS = 10.0
#: a worker that dies within this many seconds of its start is not restarted: the
#: application or the socket is broken and would fail the same way again
STARTUP_SECONDS = 15.0
#: exit status of a worker whose socket could not be bound
BIND_FAILED = 3
#: pending connections each socket holds (uvicorn's default)
BACKLOG = 2048


def spreads_connections() -> bool:
    """Whether the kernel spreads a port's connections over ``SO_REUSEPORT`` sockets."""
    return sys.platform.startswith("linux") and hasattr(socket, "SO_REUSEPORT")


def reuse_port_socket(host: str, port: int, *, listen: bool = True) -> socket.socket:
    """A TCP socket bound to ``host:port`` with ``SO_REUSEPORT``, listening unless told not to.

    Raises :class:`OSError` when the address is taken by a socket without the option
    (another program) or cannot be bound.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((host, port))
        if listen:
            sock.listen(BACKLOG)
        sock.set_inheritable(True)
    except OSError:
        sock.close()
        raise
    return sock


def run_worker(
    host: str, port: int, environment: Mapping[str, str], log_level: str, access_log: bool
) -> None:
    """One worker process: its own socket, the application built from ``environment``."""
    import uvicorn

    os.environ.update(environment)
    try:
        sock = reuse_port_socket(host, port)
    except OSError as exc:
        print(f"error: cannot listen on {host}:{port}: {exc.strerror or exc}", file=sys.stderr)
        sys.exit(BIND_FAILED)
    config = uvicorn.Config(
        "palabre.web.app:create_served_app",
        factory=True,
        log_level=log_level,
        proxy_headers=False,
        access_log=access_log,
    )
    uvicorn.Server(config).run(sockets=[sock])


@dataclass
class Supervisor:
    """Start ``workers`` processes, restart one that dies, stop them all on SIGINT / SIGTERM.

    ``target`` is what each process runs (:func:`run_worker` with its arguments by
    default); it is a parameter so that tests can supervise something small.
    """

    workers: int
    target: Callable[..., None]
    args: tuple[object, ...] = ()
    #: a worker that dies within this many seconds of its start is not restarted
    startup_seconds: float = STARTUP_SECONDS
    processes: list[BaseProcess] = field(default_factory=list)
    restarts: int = 0
    _started_at: dict[int, float] = field(default_factory=dict)
    _stop: threading.Event = field(default_factory=threading.Event)

    def _start_one(self) -> BaseProcess:
        # spawn, not fork: a worker must not inherit the parent's database connections
        # or threads; it builds its application from the environment.
        process = multiprocessing.get_context("spawn").Process(
            target=self.target, args=self.args, name="palabre-web", daemon=False
        )
        process.start()
        self._started_at[id(process)] = time.monotonic()
        return process

    def stop(self, *_: object) -> None:
        """Ask the supervisor to stop its workers (a signal handler, or a test)."""
        self._stop.set()

    def run(self) -> int:
        """:meth:`supervise`, stopped by SIGINT (Ctrl+C) or SIGTERM; the main thread only."""
        previous = {
            sig: signal.signal(sig, self._on_signal) for sig in (signal.SIGINT, signal.SIGTERM)
        }
        try:
            return self.supervise()
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def supervise(self) -> int:
        """Start the workers, replace one that dies, until :meth:`stop`; then stop them all.

        Returns 0, or 1 when a worker stopped while starting (then the others are stopped).
        """
        status = 0
        try:
            self.processes = [self._start_one() for _ in range(self.workers)]
            while not self._stop.wait(0.5):
                status = self._replace_dead()
                if status:
                    break
        finally:
            self._stop_all()
        return status

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        self._stop.set()

    def _replace_dead(self) -> int:
        for index, process in enumerate(self.processes):
            if process.is_alive():
                continue
            lived = time.monotonic() - self._started_at.pop(id(process), 0.0)
            if process.exitcode == BIND_FAILED or lived < self.startup_seconds:
                logger.error(
                    "a worker process stopped while starting (exit code %s): stopping",
                    process.exitcode,
                )
                return 1
            logger.warning("worker process %s died (exit code %s): restarting it",
                           process.pid, process.exitcode)  # fmt: skip
            self.restarts += 1
            self.processes[index] = self._start_one()
        return 0

    def _stop_all(self) -> None:
        for process in self.processes:
            if process.is_alive() and process.pid is not None:
                os.kill(process.pid, signal.SIGTERM)  # uvicorn finishes its requests first
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        for process in self.processes:
            process.join(max(deadline - time.monotonic(), 0.1))
            if process.is_alive():
                process.kill()
                process.join()


def _answers(host: str, port: int) -> bool:
    """Whether something accepts connections at ``host:port`` (a wildcard host: loopback)."""
    target = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(host, host)
    try:
        with socket.create_connection((target, port), timeout=1.0):
            return True
    except OSError:
        return False


def serve_spread(
    host: str,
    port: int,
    workers: int,
    environment: Mapping[str, str],
    *,
    log_level: str = "info",
    access_log: bool = True,
) -> None:
    """Serve the application with ``workers`` processes, one ``SO_REUSEPORT`` socket each.

    Raises :class:`~palabre.errors.PalabreError` when the address cannot be listened on
    (checked before any worker starts) or a worker stops while starting.
    """
    if _answers(host, port):
        # Sockets with SO_REUSEPORT share a port: without this check a second server
        # (another workspace, perhaps) would silently take half of the first's clients.
        raise PalabreError(f"cannot listen on {host}:{port}: something already listens there")
    try:
        reuse_port_socket(host, port, listen=False).close()
    except OSError as exc:
        raise PalabreError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    arguments = (host, port, dict(environment), log_level, access_log)
    supervisor = Supervisor(workers, run_worker, arguments)
    if supervisor.run():
        raise PalabreError("a server process stopped while starting: see the messages above")


__all__ = ["Supervisor", "reuse_port_socket", "run_worker", "serve_spread", "spreads_connections"]
