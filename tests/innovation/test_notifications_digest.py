"""The e-mail digest, sent to a real SMTP server listening on a local port in the test."""

from __future__ import annotations

import asyncio
import email
import email.policy
import threading
from collections.abc import Iterator
from email.message import Message

import pytest
from sqlalchemy.orm import Session

from palabre.config import Settings
from palabre.errors import ConfigError, PalabreError
from palabre.innovation import funnel, notifications, service
from tests.innovation.ideas_helpers import MANAGER, campaign, member


class SmtpSink:
    """A minimal SMTP server (RFC 5321 commands a client sends) keeping what it receives."""

    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.recipients: list[list[str]] = []
        self.loop = asyncio.new_event_loop()
        self.port = 0
        ready = threading.Event()
        self.thread = threading.Thread(target=self._run, args=(ready,), daemon=True)
        self.thread.start()
        ready.wait(5)

    def _run(self, ready: threading.Event) -> None:
        asyncio.set_event_loop(self.loop)
        server = self.loop.run_until_complete(asyncio.start_server(self._session, "127.0.0.1", 0))
        self.port = server.sockets[0].getsockname()[1]
        self.server = server
        ready.set()
        self.loop.run_forever()

    async def _session(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        def say(line: str) -> None:
            writer.write((line + "\r\n").encode())

        say("220 sink ready")
        recipients: list[str] = []
        while line := (await reader.readline()).decode().rstrip("\r\n"):
            verb = line.split(" ", 1)[0].upper()
            if verb in ("EHLO", "HELO"):
                say("250 sink")
            elif verb == "RCPT":
                recipients.append(line.split(":", 1)[1].strip(" <>"))
                say("250 ok")
            elif verb == "DATA":
                say("354 go on")
                await writer.drain()
                lines = []
                while (data := await reader.readline()) not in (b".\r\n", b""):
                    lines.append(data[1:] if data.startswith(b"..") else data)
                self.messages.append(
                    email.message_from_bytes(b"".join(lines), policy=email.policy.default)
                )
                self.recipients.append(recipients)
                recipients = []
                say("250 queued")
            elif verb == "QUIT":
                say("221 bye")
                await writer.drain()
                break
            else:  # MAIL, RSET, NOOP
                say("250 ok")
            await writer.drain()
        writer.close()

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.server.close)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)


@pytest.fixture
def sink() -> Iterator[SmtpSink]:
    server = SmtpSink()
    yield server
    server.stop()


def test_the_digest_mails_each_follower_once_in_their_language_then_nothing_more(
    session: Session, settings: Settings, sink: SmtpSink
) -> None:
    made = campaign(session)
    alice = member(session, "Alice", email="alice@example.org")
    bob = member(session, "Bob", email="bob@example.org")
    nomail = member(session, "Nadia")
    from palabre.identity.models import Person

    session.get(Person, alice.person_id).locale = "fr"  # type: ignore[union-attr]
    idea = service.submit_idea(session, alice, made.id, title="Vélos en libre service")
    service.follow_idea(session, bob, idea.id)
    service.follow_idea(session, nomail, idea.id)
    funnel.move_stage(session, MANAGER, idea.id, "under_review", note="Budget en vue")
    funnel.move_stage(session, MANAGER, idea.id, "selected")

    configured = settings.model_copy(
        update={
            "smtp_host": "127.0.0.1",
            "smtp_port": sink.port,
            "public_url": "https://ideas.example",
        }
    )
    report = notifications.send_digest(session, configured, actor="test")
    assert (report.sent, report.notifications, report.without_address) == (2, 4, 1)
    by_address = {r[0]: m for r, m in zip(sink.recipients, sink.messages, strict=True)}
    assert set(by_address) == {"alice@example.org", "bob@example.org"}
    french = by_address["alice@example.org"]
    assert french["Subject"] == "palabre : 2 nouvelle(s) des idées que vous suivez"
    body = french.get_payload(decode=True).decode()
    assert "« Vélos en libre service » est passée de proposed à under_review." in body
    assert "Note : Budget en vue" in body
    assert f"https://ideas.example/ideas/{idea.id}" in body
    english = by_address["bob@example.org"].get_payload(decode=True).decode()
    assert "moved from under_review to selected" in english
    # A second run has nothing left to send.
    again = notifications.send_digest(session, configured, actor="test")
    assert (again.sent, again.notifications) == (0, 0)
    assert len(sink.messages) == 2


def test_without_an_smtp_server_the_digest_says_what_to_set(
    session: Session, settings: Settings
) -> None:
    with pytest.raises(ConfigError, match="PALABRE_SMTP_HOST"):
        notifications.send_digest(session, settings, actor="test")


def test_an_unreachable_server_is_a_clear_error(session: Session, settings: Settings) -> None:
    made = campaign(session)
    alice = member(session, "Alice", email="alice@example.org")
    idea = service.submit_idea(session, alice, made.id, title="Vélos")
    funnel.move_stage(session, MANAGER, idea.id, "selected")
    closed = settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": 1})
    with pytest.raises(PalabreError, match="cannot reach the SMTP server 127.0.0.1:1"):
        notifications.send_digest(session, closed, actor="test")
