"""The heartbeat thread (palabre.jobs.heartbeat): it beats until stopped, and a failing
beat does not end it."""

from __future__ import annotations

import threading

from palabre.jobs.heartbeat import Heartbeat


def test_a_failing_beat_is_followed_by_the_next_and_stop_ends_the_beats() -> None:
    calls: list[int] = []
    third = threading.Event()

    def beat() -> None:
        calls.append(len(calls))
        if len(calls) == 1:
            raise RuntimeError("database is locked")
        if len(calls) == 3:
            third.set()

    heartbeat = Heartbeat(beat, interval=0.001, name="test-heartbeat")
    heartbeat.start()
    assert third.wait(timeout=60)
    heartbeat.stop()
    stopped_at = len(calls)
    assert stopped_at >= 3
    assert not any(t.name == "test-heartbeat" for t in threading.enumerate())
    assert len(calls) == stopped_at  # no beat after stop() returned
