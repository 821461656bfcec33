"""A serving process sets the application's objects aside from the garbage collector;
an application built for a test does not."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from palabre.config import Settings
from palabre.web.app import create_app
from palabre.web.collector import settle_heap


@pytest.fixture
def thawed() -> Iterator[None]:
    # A frozen test process would keep every later test's reference cycles forever.
    gc.unfreeze()
    yield
    gc.unfreeze()


class Cycle:
    def __init__(self) -> None:
        self.me = self


@pytest.mark.usefixtures("thawed")
def test_settle_heap_collects_startup_garbage_then_freezes_what_is_left() -> None:
    garbage = Cycle()
    gone = weakref.ref(garbage)
    kept = Cycle()
    del garbage
    frozen = settle_heap()
    assert gone() is None  # collected before the freeze, not kept forever
    assert frozen == gc.get_freeze_count() > 0
    # what lived at start is no longer tracked by the generations the collector walks
    assert not any(o is kept for o in gc.get_objects())
    later = Cycle()
    assert any(o is later for o in gc.get_objects())


@pytest.mark.usefixtures("thawed")
def test_a_served_application_freezes_the_heap_once_started(settings: Settings) -> None:
    app = create_app(settings, served=True)
    assert gc.get_freeze_count() == 0  # building it is not starting it
    with TestClient(app) as client:
        assert client.get("/api/v1/health").status_code == 200
        assert gc.get_freeze_count() > 0


@pytest.mark.usefixtures("thawed")
def test_an_application_built_for_tests_leaves_the_collector_alone(settings: Settings) -> None:
    with TestClient(create_app(settings)) as client:
        assert client.get("/api/v1/health").status_code == 200
    assert gc.get_freeze_count() == 0
