"""Real local receivers for the alert delivery tests: an SMTP server (aiosmtpd) and HTTP
webhook receivers (http.server in a thread) that accept, fail with 500 or never answer in
time."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller


@dataclass
class Inbox:
    """What the SMTP server received: (envelope recipients, parsed message)."""

    received: list[tuple[list[str], Message]] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.received.append(
            (list(envelope.rcpt_tos), message_from_bytes(envelope.original_content))
        )
        return "250 Message accepted for delivery"


@contextmanager
def smtp_server() -> Iterator[tuple[int, Inbox]]:
    """An SMTP server on a free local port: ``(port, inbox)``."""
    inbox = Inbox()
    # aiosmtpd checks its server by connecting to the port it was given: find a free one.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, inbox
    finally:
        controller.stop()


@dataclass
class Posted:
    """What a webhook receiver was sent: the JSON documents and their headers."""

    documents: list[dict[str, Any]] = field(default_factory=list)
    content_types: list[str] = field(default_factory=list)
    hits: int = 0


@contextmanager
def webhook_receiver(behaviour: str = "accept", delay: float = 0.0) -> Iterator[tuple[str, Posted]]:
    """An HTTP receiver: ``accept`` (204), ``fail`` (500) or ``hang`` (answers after
    ``delay`` seconds). Yields its URL and what it was sent."""
    posted = Posted()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            posted.hits += 1
            if behaviour == "hang":
                time.sleep(delay)
            if behaviour == "fail":
                self.send_response(500)
                self.end_headers()
                return
            posted.documents.append(json.loads(body))
            posted.content_types.append(self.headers.get("Content-Type", ""))
            self.send_response(204)
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass  # keep the test output clean

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hook", posted
    finally:
        server.shutdown()
        server.server_close()
