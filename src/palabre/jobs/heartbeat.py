"""A thread that calls a function every few seconds while a process has jobs to vouch for."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger("palabre.jobs")


class Heartbeat:
    """Calls ``beat`` every ``interval`` seconds from its own thread, between
    :meth:`start` and :meth:`stop`. A failing beat is logged and the next one tried:
    a database busy for a moment must not end the job it vouches for."""

    def __init__(self, beat: Callable[[], None], interval: float, name: str) -> None:
        self._beat = beat
        self._interval = interval
        self._name = name
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Begin beating (the first beat comes after one interval)."""
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name=self._name, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop beating, and wait for a beat in progress to end."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def _loop(self) -> None:
        while not self._stop.wait(self._interval):
            try:
                self._beat()
            except Exception:
                log.exception("heartbeat %s failed; trying again", self._name)
