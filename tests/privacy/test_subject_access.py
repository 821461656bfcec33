"""A person's export of their data (subject access): complete, theirs only, audited."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from palabre.accounts import service as accounts
from palabre.db.engine import transaction
from palabre.errors import NotFoundError
from palabre.fabric.models import Message
from palabre.identity import resolution
from palabre.identity.models import Identity, Person
from palabre.people.service import Viewer, record_view
from palabre.privacy import subject_access
from palabre.privacy.models import AuditEntry
from tests.pipeline.world import build_analysed


@pytest.fixture
def world(sessions: sessionmaker[Session], tmp_path: Path) -> sessionmaker[Session]:
    return build_analysed(sessions, tmp_path)


def _id(session: Session, name: str) -> int:
    return session.execute(sa.select(Person.id).where(Person.display_name == name)).scalar_one()


def test_the_export_holds_what_they_wrote_what_was_inferred_and_who_looked(
    world: sessionmaker[Session],
) -> None:
    with transaction(world) as session:
        claire = _id(session, "Claire Roux")
        accounts.create_user(
            session,
            username="claire",
            role="customer",
            password="a long enough password",
            actor="test",
            person_id=claire,
        )
        record_view(session, Viewer("user:analyst", "analyst", None), claire, ["profile"], "page")
    with transaction(world) as session:
        document = subject_access.export_person(session, claire, actor="user:claire", via="page")

    assert (document["format"], document["version"], document["person_id"]) == (
        "palabre-subject-access",
        1,
        claire,
    )
    assert [p["display_name"] for p in document["persons"]] == ["Claire Roux"]
    assert [(i["source"], i["external_id"]) for i in document["identities"]] == [
        ("messages", "claire")
    ]
    assert {(a["key"], a["value"]) for a in document["attributes"]} == {("country", "FR")}
    assert [s["name"] for s in document["segments"]] == ["France"]
    assert len(document["messages"]) == 16
    first = document["messages"][0]
    assert first["text"].startswith("Je suis très mécontent")
    # What palabre inferred is apart from what she wrote, and complete.
    assert set(first["inferred"]["signals"]) == {
        "discontent",
        "drifting_away",
        "disappointment",
        "misunderstanding",
        "suggestion",
        "praise",
    }
    assert first["inferred"]["sentiment"]["label"] == "negative"
    assert len(document["churn_risk"]) == 1
    assert [a["username"] for a in document["accounts"]] == ["claire"]
    # Who read her data is hers to know.
    assert [(e["actor"], e["action"]) for e in document["audit"]["about_them"]] == [
        ("user:analyst", "person.viewed")
    ]
    body = orjson.dumps(document)
    # A password hash is no data about her: never in it.
    assert b"argon2" not in body
    assert b"password" not in body
    # Her messages and nobody else's (Paul wrote the same sentences).
    with world() as db:
        hers = set(
            db.scalars(
                sa.select(Message.id)
                .join(Identity, Identity.id == Message.author_identity_id)
                .where(Identity.person_id == claire)
            )
        )
    assert {m["id"] for m in document["messages"]} == hers
    with world() as db:
        entry = db.scalars(
            sa.select(AuditEntry).where(AuditEntry.action == "person.exported")
        ).one()
    assert (entry.actor, entry.subject_id) == ("user:claire", str(claire))
    assert entry.details == {"via": "page", "messages": 16}


def test_the_export_of_a_merged_person_holds_every_record(world: sessionmaker[Session]) -> None:
    with transaction(world) as session:
        claire, paul = _id(session, "Claire Roux"), _id(session, "Paul Girard")
        resolution.merge_persons(session, claire, paul, actor="test")
    with transaction(world) as session:
        document = subject_access.export_person(session, paul, actor="test")
    assert document["person_id"] == claire
    assert sorted(p["id"] for p in document["persons"]) == sorted([claire, paul])
    assert len(document["messages"]) == 16 + 8
    assert [(m["survivor_id"], m["merged_id"]) for m in document["merges"]] == [(claire, paul)]


def test_an_unknown_person_is_reported(world: sessionmaker[Session]) -> None:
    with transaction(world) as session, pytest.raises(NotFoundError, match="no person 424242"):
        subject_access.export_person(session, 424_242, actor="test")
