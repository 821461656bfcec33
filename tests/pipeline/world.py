"""A small customer workspace for the pipeline, segment-watch and customers-page tests,
built through the import path: a people export (with a ``country`` attribute), a message
export on two public channels, and two customer segments."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from typing import Final

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from palabre.connectors.importer import import_path
from palabre.db.engine import transaction
from palabre.fabric.models import Message
from palabre.identity import segments
from palabre.pipeline.models import MessageSignal

PEOPLE: Final = (
    ("C1", "Claire Roux", "customer", "FR", "messages:claire"),
    ("C2", "Paul Girard", "customer", "FR", "messages:paul"),
    ("C3", "Uma Patel", "customer", "UK", "messages:uma"),
    ("E1", "Alice Martin", "employee", "CH", "messages:alice"),
)
TEXTS: Final = (
    "Je suis très mécontent, c'est inadmissible, personne ne répond !",
    "Je vais résilier mon abonnement, plus jamais chez vous !",
    "Merci beaucoup, bravo à toute l'équipe, service parfait !",
    "Je ne comprends pas comment activer l'option, c'est confus.",
    "Ce serait bien d'ajouter un mode sombre à l'application.",
    "I am so disappointed, the update broke everything again.",
    "Thanks a lot, great support, you're brilliant!",
    "Bonjour, ma commande est arrivée hier.",
)
#: the day of the first message; messages follow over the next days
START: Final = dt.date(2025, 3, 3)
SEGMENTS: Final = (("France", "country = 'FR'"), ("Royaume-Uni", "country = 'UK'"))


def message_rows(count: int, *, first: int = 0) -> list[dict[str, str]]:
    """``count`` messages, ids ``m<first>``...: authors, channels, days and texts cycle."""
    authors = ("claire", "paul", "uma", "alice", "claire")
    channels = (("support", "support"), ("forum", "community"), ("support", "support"))
    rows = []
    for n in range(first, first + count):
        channel, kind = channels[n % len(channels)]
        moment = dt.datetime.combine(START + dt.timedelta(days=n % 9), dt.time(8 + n % 12))
        rows.append(
            {
                "id": f"m{n}",
                "channel": channel,
                "channel_kind": kind,
                "author": authors[n % len(authors)],
                "created_at": moment.replace(tzinfo=dt.UTC).isoformat(),
                "text": TEXTS[n % len(TEXTS)],
            }
        )
    return rows


def write_messages(path: Path, rows: list[dict[str, str]]) -> Path:
    """Write ``rows`` as a generic messages CSV."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def import_messages(sessions: sessionmaker[Session], path: Path) -> None:
    """Import a messages CSV (it must import cleanly)."""
    report = import_path(sessions, "messages", path, actor="test")
    assert report.status == "succeeded", report.as_dict()
    assert report.rejected == 0, report.as_dict()


def build(sessions: sessionmaker[Session], folder: Path, messages: int = 40) -> None:
    """People, ``messages`` messages and the two segments."""
    people = folder / "people.csv"
    with people.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "name", "kind", "country", "identities"])
        writer.writerows(PEOPLE)
    report = import_path(sessions, "people", people, actor="test")
    assert report.status == "succeeded", report.as_dict()
    import_messages(sessions, write_messages(folder / "messages.csv", message_rows(messages)))
    with transaction(sessions) as session:
        for name, rule in SEGMENTS:
            segments.create_segment(session, name=name, rule=rule, actor="test")


def build_analysed(
    sessions: sessionmaker[Session], folder: Path, messages: int = 40
) -> sessionmaker[Session]:
    """:func:`build`, then one analysis run in this process (the fixture of many tests)."""
    from palabre.pipeline.runner import run_analysis
    from palabre.pipeline.stage import LocalEngine

    build(sessions, folder, messages)
    run_analysis(sessions, engine=LocalEngine(workers=1))
    return sessions


def message_id(session: Session, external_id: str) -> int:
    """The id of the message imported as ``external_id``."""
    return session.execute(
        sa.select(Message.id).where(Message.external_id == external_id)
    ).scalar_one()


def stored_signal(sessions: sessionmaker[Session], external_id: str) -> MessageSignal:
    """The stored signals of the message imported as ``external_id`` (detached)."""
    with sessions() as db:
        found = db.scalar(
            sa.select(MessageSignal).where(MessageSignal.message_id == message_id(db, external_id))
        )
        assert found is not None
        db.expunge(found)
        return found
