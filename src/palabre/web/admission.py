"""Admit a few requests at a time into each server process, the others in arrival order.

A worker process serves all its connections' requests at once by default: each runs in
a thread of the pool, and the threads and the event loop take turns on Python's global
interpreter lock in an order the operating system picks. Under load that is a lottery:
on the 1 M-message demo with 25 clients per worker the slowest 5 % of the answers took
about three times the median. Admitting ``limit`` requests at a time and queueing the
others on the event loop, first come first served, keeps the cores as busy (``limit``
requests are always in flight) while a request's wait depends on how many came before
it, not on luck; it also bounds the threads and database connections a process uses,
so a burst of requests cannot exhaust the connection pool.

A request's body is read *before* it queues, so that a client sending its form slowly
holds no slot; a body larger than :data:`BUFFERED_BODY_BYTES` (a file upload) or of
unknown length skips the queue instead of being held in memory. The queue is an
:class:`asyncio.Semaphore`, whose waiters are woken in the order they came. Only HTTP
requests queue; lifespan events pass straight through.
"""

from __future__ import annotations

import asyncio
from typing import Final

from starlette.types import ASGIApp, Message, Receive, Scope, Send

#: largest request body read before the request queues (bytes); larger ones skip the queue
BUFFERED_BODY_BYTES: Final = 64 * 1024


class AdmissionMiddleware:
    """Pure ASGI middleware: at most ``limit`` HTTP requests in the application at once."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        if limit < 1:
            raise ValueError("the admission limit must be at least 1")
        self.app = app
        self.limit = limit
        # Made on first use: a semaphore belongs to the event loop that runs it, which
        # does not exist yet when the application is built.
        self._slots: asyncio.Semaphore | None = None
        #: requests in the application now, and waiting for a slot (for tests, diagnostics)
        self.running = 0
        self.waiting = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        size = _declared_size(scope)
        if size is None or size > BUFFERED_BODY_BYTES:
            await self.app(scope, receive, send)  # an upload: never held in the queue
            return
        if size:
            receive = await _buffered(receive)
        slots = self._slots
        if slots is None:
            slots = self._slots = asyncio.Semaphore(self.limit)
        self.waiting += 1
        try:
            await slots.acquire()
        finally:
            self.waiting -= 1
        self.running += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.running -= 1
            slots.release()


def _declared_size(scope: Scope) -> int | None:
    """The request body's length: 0 without one, None when unknown (chunked) or invalid."""
    length: bytes | None = None
    for name, value in scope["headers"]:
        if name == b"content-length":
            length = value
        elif name == b"transfer-encoding":
            return None
    if length is None:
        return 0
    try:
        size = int(length)
    except ValueError:
        return None
    return size if size >= 0 else None


async def _buffered(receive: Receive) -> Receive:
    """Read the whole (small) body now; return a ``receive`` that replays it.

    A client that disconnects meanwhile gets its ``http.disconnect`` replayed instead.
    """
    messages: list[Message] = []
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request" or not message.get("more_body", False):
            break
    replay = iter(messages)

    async def replayed() -> Message:
        for message in replay:
            return message
        return await receive()  # after the body: a disconnect, when it comes

    return replayed


__all__ = ["BUFFERED_BODY_BYTES", "AdmissionMiddleware"]
