"""The demo company enters the store through the ordinary import path (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from palabre.connectors.importer import run_import
from palabre.connectors.records import ChannelRecord, IdentityRecord, MessageRecord
from palabre.demo import DemoConnector, generate_company
from palabre.fabric.models import Channel, Message, Reaction
from palabre.identity.models import Identity, Person, Team


def test_the_tiny_company_imports_with_every_record_counted(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    company = generate_company("tiny", seed=42)
    expected: Counter[str] = Counter()
    reactions = 0
    for record in company.records():
        expected[type(record).__name__] += 1
        if isinstance(record, MessageRecord):
            reactions += len(record.reactions)
    people = list(company.people())

    report = run_import(sessions, DemoConnector(scale="tiny", seed=42, truth_dir=tmp_path))

    assert report.status == "succeeded"
    assert report.rejected == 0
    assert report.counts.messages.created == expected[MessageRecord.__name__]
    assert report.counts.channels.created == expected[ChannelRecord.__name__]
    assert report.counts.people.created == len(people)
    assert report.counts.reactions == reactions
    assert report.merges == 0  # declared identities link authors to CRM people directly
    with sessions() as session:
        assert (
            session.scalar(sa.select(sa.func.count()).select_from(Message))
            == expected[MessageRecord.__name__]
        )
        assert session.scalar(sa.select(sa.func.count()).select_from(Reaction)) == reactions
        kinds = dict(
            session.execute(sa.select(Channel.kind, sa.func.count()).group_by(Channel.kind)).all()
        )
        assert set(kinds) == {
            "community",
            "social",
            "support",
            "email",
            "chat",
            "intranet",
            "survey",
        }
        teams = set(session.scalars(sa.select(Team.path)))
        assert {"Service client", "Service client/Genève", "Logistique/Entrepôt Satigny"} <= teams
        anonymous = session.scalar(
            sa.select(sa.func.count()).select_from(Person).where(Person.external_id.is_(None))
        )
        assert anonymous == expected[IdentityRecord.__name__]
    assert (tmp_path / "messages.jsonl").exists()


def test_each_message_lands_on_the_crm_person_who_wrote_it(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    import orjson

    run_import(sessions, DemoConnector(scale="tiny", seed=8, truth_dir=tmp_path))
    truth = {
        row["id"]: row["author"]
        for row in map(orjson.loads, (tmp_path / "messages.jsonl").read_bytes().splitlines())
    }
    with sessions() as session:
        rows = session.execute(
            sa.select(Message.external_id, Person.external_id)
            .join(Identity, Identity.id == Message.author_identity_id)
            .join(Person, Person.id == Identity.person_id)
        ).all()
    assert len(rows) == len(truth)
    for message_id, person in rows:
        if person is not None:
            assert truth[message_id] == person
        else:
            assert truth[message_id].startswith("social:")


def test_importing_the_same_company_twice_changes_nothing(
    sessions: sessionmaker[Session],
) -> None:
    first = run_import(sessions, DemoConnector(scale="tiny", seed=3))
    second = run_import(sessions, DemoConnector(scale="tiny", seed=3))
    assert second.counts.messages.created == 0
    assert second.counts.messages.unchanged == first.counts.messages.created
    assert second.counts.people.unchanged == first.counts.people.created
