"""Each server process works on a few requests at once; the others wait in arrival order."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar, cast

import pytest
from fastapi import FastAPI
from starlette.types import Message, Receive, Scope, Send

from palabre.config import Settings
from palabre.web.admission import BUFFERED_BODY_BYTES, AdmissionMiddleware
from palabre.web.app import create_app

T = TypeVar("T")


def run(main: Callable[[], Awaitable[T]]) -> T:
    """Run ``main`` on an event loop of its own thread (the browser tests keep one running
    in the test's thread)."""
    result: list[T] = []
    failure: list[BaseException] = []

    def target() -> None:
        try:
            result.append(asyncio.run(main()))  # type: ignore[arg-type]
        except BaseException as exc:
            failure.append(exc)

    thread = threading.Thread(target=target)
    thread.start()
    thread.join(timeout=60)
    if failure:
        raise failure[0]
    return result[0]


class Recorder:
    """An ASGI application that notes who is inside it, and waits for ``gate`` to open."""

    def __init__(self) -> None:
        self.inside = 0
        self.most_inside = 0
        self.entered: list[str] = []
        self.bodies: dict[str, bytes] = {}
        self.gate = asyncio.Event()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            self.entered.append("lifespan")
            return
        name = scope["path"]
        self.inside += 1
        self.most_inside = max(self.most_inside, self.inside)
        self.entered.append(name)
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        self.bodies[name] = body
        await self.gate.wait()
        self.inside -= 1
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})


def scope(path: str, headers: list[tuple[bytes, bytes]] | None = None) -> Scope:
    return {"type": "http", "method": "GET", "path": path, "headers": headers or []}


def body_of(*chunks: bytes) -> tuple[Receive, list[int]]:
    """A client's ``receive`` sending ``chunks``; the list counts the calls made to it."""
    calls = [0]
    messages: list[Message] = [
        {"type": "http.request", "body": chunk, "more_body": i < len(chunks) - 1}
        for i, chunk in enumerate(chunks)
    ]

    async def receive() -> Message:
        calls[0] += 1
        if messages:
            return messages.pop(0)
        await asyncio.Event().wait()  # the client stays connected
        raise AssertionError("unreachable")

    return receive, calls


async def ignore(message: Message) -> None:
    return None


async def settle() -> None:
    for _ in range(20):
        await asyncio.sleep(0)


def test_no_more_than_the_limit_are_inside_and_every_request_is_answered() -> None:
    async def main() -> tuple[int, int, int]:
        inner = Recorder()
        middleware = AdmissionMiddleware(inner, limit=2)
        answered: list[int] = []

        async def one(i: int) -> None:
            sent: list[Message] = []

            async def send(message: Message) -> None:
                sent.append(message)

            await middleware(scope(f"/{i}"), body_of(b"")[0], send)
            answered.append(sent[0]["status"])

        tasks = [asyncio.create_task(one(i)) for i in range(6)]
        await settle()
        queued = middleware.waiting
        inner.gate.set()
        await asyncio.gather(*tasks)
        return inner.most_inside, queued, len(answered)

    most_inside, queued, answered = run(main)
    assert most_inside == 2
    assert queued == 4
    assert answered == 6


def test_waiting_requests_go_in_in_the_order_they_came() -> None:
    async def main() -> list[str]:
        inner = Recorder()
        middleware = AdmissionMiddleware(inner, limit=1)
        tasks = []
        for i in range(5):
            tasks.append(asyncio.create_task(middleware(scope(f"/{i}"), body_of(b"")[0], ignore)))
            await settle()  # each arrives after the one before has queued
        inner.gate.set()
        await asyncio.gather(*tasks)
        return inner.entered

    assert run(main) == ["/0", "/1", "/2", "/3", "/4"]


def test_a_small_body_is_read_before_its_request_queues_and_reaches_the_app_whole() -> None:
    async def main() -> tuple[int, int, bytes]:
        inner = Recorder()
        middleware = AdmissionMiddleware(inner, limit=1)
        first = asyncio.create_task(middleware(scope("/busy"), body_of(b"")[0], ignore))
        await settle()
        receive, calls = body_of(b"name=caf", b"%C3%A9&x=1")
        headers = [(b"content-length", b"18")]
        second = asyncio.create_task(middleware(scope("/form", headers), receive, ignore))
        await settle()
        read_while_queued = calls[0]
        waiting = middleware.waiting
        inner.gate.set()
        await asyncio.gather(first, second)
        return read_while_queued, waiting, inner.bodies["/form"]

    read_while_queued, waiting, body = run(main)
    assert waiting == 1
    assert read_while_queued == 2  # both chunks, before a slot was free
    assert body == b"name=caf%C3%A9&x=1"


@pytest.mark.parametrize(
    "headers",
    [
        [(b"content-length", str(BUFFERED_BODY_BYTES + 1).encode())],
        [(b"transfer-encoding", b"chunked")],
        [(b"content-length", b"not a number")],
    ],
    ids=["large upload", "chunked", "invalid length"],
)
def test_an_upload_skips_the_queue_instead_of_being_held_in_memory(
    headers: list[tuple[bytes, bytes]],
) -> None:
    async def main() -> tuple[list[str], int]:
        inner = Recorder()
        middleware = AdmissionMiddleware(inner, limit=1)
        first = asyncio.create_task(middleware(scope("/busy"), body_of(b"")[0], ignore))
        await settle()
        receive, calls = body_of(b"x" * 10)
        upload = asyncio.create_task(middleware(scope("/upload", headers), receive, ignore))
        await settle()
        entered = list(inner.entered)
        inner.gate.set()
        await asyncio.gather(first, upload)
        return entered, calls[0]

    entered, calls = run(main)
    assert entered == ["/busy", "/upload"]  # in the app while the only slot is taken
    assert calls == 1  # read by the application, not by the middleware


def test_lifespan_events_pass_straight_through() -> None:
    async def main() -> list[str]:
        inner = Recorder()
        middleware = AdmissionMiddleware(inner, limit=1)
        await middleware({"type": "lifespan"}, body_of()[0], ignore)
        return inner.entered

    assert run(main) == ["lifespan"]


def test_a_limit_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        AdmissionMiddleware(Recorder(), limit=0)


def _admission_of(app: FastAPI) -> list[dict[str, Any]]:
    found = [m for m in app.user_middleware if cast(object, m.cls) is AdmissionMiddleware]
    return [dict(m.kwargs) for m in found]


def test_the_setting_sets_the_limit_and_zero_removes_it(settings: Settings) -> None:
    assert _admission_of(create_app(settings)) == [{"limit": 2}]
    eight = settings.model_copy(update={"web_requests_in_flight": 8})
    assert _admission_of(create_app(eight)) == [{"limit": 8}]
    unlimited = settings.model_copy(update={"web_requests_in_flight": 0})
    assert _admission_of(create_app(unlimited)) == []
