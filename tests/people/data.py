"""Small workspaces for the people and conversations tests, built through the import path.

People come from an HR/CRM export (``fixtures/people.csv``), messages from a generic
CSV (``fixtures/messages.csv``) whose authors the export declares as identities
(``messages:alice``), and private and direct conversations with reactions and files
from the Slack export of the connector tests. Nothing is inserted around the importer.
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from palabre.connectors.importer import import_path
from palabre.fabric.models import Channel, Message, Thread
from palabre.identity.models import Person

FIXTURES = Path(__file__).parent / "fixtures"
SLACK_EXPORT = Path(__file__).parents[1] / "fixtures" / "slack" / "export"


def import_company(sessions: sessionmaker[Session], *, slack: bool = False) -> None:
    """Import the people, then their messages (and the Slack export when asked)."""
    for kind, path in (
        ("people", FIXTURES / "people.csv"),
        ("messages", FIXTURES / "messages.csv"),
    ):
        report = import_path(sessions, kind, path, actor="test")
        assert report.status == "succeeded", report.as_dict()
        assert report.rejected == 0, report.as_dict()
    if slack:
        report = import_path(sessions, "slack", SLACK_EXPORT, actor="test")
        assert report.status == "succeeded", report.as_dict()


def person_id(session: Session, name: str) -> int:
    """The id of the (surviving) person called ``name``."""
    return session.execute(
        sa.select(Person.id).where(Person.display_name == name, Person.merged_into_id.is_(None))
    ).scalar_one()


def channel_id(session: Session, name: str) -> int:
    """The id of the channel called ``name``."""
    return session.execute(sa.select(Channel.id).where(Channel.name == name)).scalar_one()


def thread_of(session: Session, message_external_id: str) -> int:
    """The id of the thread holding the message imported with this id."""
    return session.execute(
        sa.select(Thread.id)
        .join(Message, Message.thread_id == Thread.id)
        .where(Message.external_id == message_external_id)
    ).scalar_one()
