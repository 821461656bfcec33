"""The e-mail digest, sent to a real SMTP server listening on a local port in the test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.orm import Session

from palabre.config import Settings
from palabre.errors import ConfigError, PalabreError
from palabre.innovation import funnel, notifications, service
from tests.innovation.ideas_helpers import MANAGER, campaign, member
from tests.innovation.smtp_sink import SmtpSink


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
            "smtp_starttls": False,
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
    with pytest.raises(PalabreError, match=r"cannot reach the SMTP server 127\.0\.0\.1:1"):
        notifications.send_digest(session, closed, actor="test")
