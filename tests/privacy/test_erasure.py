"""Erasing a person (DESIGN.md, privacy model): nothing that names them is left, every
aggregate they counted in stays what it was, and no later import brings them back.

The workspace is the pipeline tests' small customer company (tests/pipeline/world.py),
imported and analysed as a user would; Claire Roux (customer, France) is erased.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from palabre.accounts import service as accounts
from palabre.accounts.models import UserAccount
from palabre.connectors.importer import import_path
from palabre.customers.models import ChurnRiskScore, SegmentDay
from palabre.db.base import Base, import_all_models
from palabre.db.engine import transaction
from palabre.errors import ConflictError, NotFoundError
from palabre.fabric.models import Message
from palabre.fabric.search import SearchQuery, search_messages
from palabre.identity import resolution, segments
from palabre.identity.models import Identity, Person, PersonAttribute, Segment, SegmentMember
from palabre.pipeline.models import MessageSignal
from palabre.pipeline.runner import run_analysis
from palabre.pipeline.stage import LocalEngine
from palabre.privacy import erasure, subject_access
from palabre.privacy.erasure_keys import ERASED_CONTENT, erased_key
from palabre.privacy.models import AuditEntry
from palabre.text.models import SignalCorrection
from tests.pipeline.world import PEOPLE, build_analysed, message_rows, write_messages

SIGNALS = (
    "discontent",
    "drifting_away",
    "disappointment",
    "misunderstanding",
    "suggestion",
    "praise",
)


@pytest.fixture
def world(sessions: sessionmaker[Session], tmp_path: Path) -> sessionmaker[Session]:
    return build_analysed(sessions, tmp_path)


def _claire(session: Session) -> int:
    return session.execute(
        sa.select(Person.id).where(Person.display_name == "Claire Roux")
    ).scalar_one()


def _messages_of(session: Session, person: int) -> list[Message]:
    return list(
        session.scalars(
            sa.select(Message)
            .join(Identity, Identity.id == Message.author_identity_id)
            .where(Identity.person_id == person)
            .order_by(Message.id)
        )
    )


def _aggregates(session: Session) -> list[tuple[Any, ...]]:
    """Every segment-day row, rounded: what the segment watch and alerts read."""
    rows = session.execute(
        sa.select(
            SegmentDay.segment_id,
            SegmentDay.channel_id,
            SegmentDay.day,
            SegmentDay.volume,
            SegmentDay.n_discontent,
            SegmentDay.n_drifting_away,
            SegmentDay.n_praise,
            SegmentDay.n_negative,
            SegmentDay.n_positive,
            SegmentDay.sentiment_sum,
        ).order_by(SegmentDay.segment_id, SegmentDay.channel_id, SegmentDay.day)
    )
    return [(*row[:-1], round(row[-1], 9)) for row in rows]


def _erase(sessions: sessionmaker[Session], person: int) -> erasure.ErasureReport:
    with transaction(sessions) as session:
        return erasure.erase_person(session, person, actor="test:dpo")


def test_erasure_removes_every_word_and_name_and_keeps_what_was_measured(
    world: sessionmaker[Session],
) -> None:
    with world() as db:
        claire = _claire(db)
        written = _messages_of(db, claire)
        ids = [m.id for m in written]
        assert len(ids) == 16
        assert all(m.text for m in written)
        before = {
            s.message_id: (*tuple(getattr(s, name) for name in SIGNALS), s.sentiment_score)
            for s in db.scalars(sa.select(MessageSignal).where(MessageSignal.message_id.in_(ids)))
        }
        assert len(before) == 16
        memberships = set(
            db.scalars(sa.select(SegmentMember.segment_id).where(SegmentMember.person_id == claire))
        )
        assert len(memberships) == 1
        hits = search_messages(db, "admin", SearchQuery(text="inadmissible")).total
        assert hits > 0

    report = _erase(world, claire)

    assert report.person_id == claire
    assert report.counts.messages == 16
    assert report.counts.identities == 1
    assert report.counts.attributes == 1
    with world() as db:
        person = db.get(Person, claire)
        assert person is not None
        assert person.erased_at is not None
        assert (person.display_name, person.locale) == (None, None)
        # The CRM id is a digest now: the row says nothing of who it was.
        assert person.external_id == erased_key(person.source or "", "C1")
        identity = db.scalars(sa.select(Identity).where(Identity.person_id == claire)).one()
        assert identity.external_id == erased_key(identity.source, "claire")
        assert (identity.handle, identity.display_name, identity.email, identity.url) == (
            None,
            None,
            None,
            None,
        )
        assert (
            db.scalars(sa.select(PersonAttribute).where(PersonAttribute.person_id == claire)).all()
            == []
        )
        for message in _messages_of(db, claire):
            assert (message.text, message.title, message.url) == ("", None, None)
            assert message.content_hash == ERASED_CONTENT
        # The probabilities stay (the shares of each signal do not move), not the words.
        after = {
            s.message_id: (*tuple(getattr(s, name) for name in SIGNALS), s.sentiment_score)
            for s in db.scalars(sa.select(MessageSignal).where(MessageSignal.message_id.in_(ids)))
        }
        assert after == before
        assert all(
            s.evidence == {}
            for s in db.scalars(sa.select(MessageSignal).where(MessageSignal.message_id.in_(ids)))
        )
        # Search no longer finds her words (Paul wrote the same sentence: his stay).
        left = search_messages(db, "admin", SearchQuery(text="inadmissible"))
        assert 0 < left.total < hits
        assert all(hit.id not in ids for hit in left.items)
        kept = set(
            db.scalars(sa.select(SegmentMember.segment_id).where(SegmentMember.person_id == claire))
        )
        assert kept == memberships
        entry = db.scalars(sa.select(AuditEntry).where(AuditEntry.action == "person.erased")).one()
        assert (entry.actor, entry.subject_id) == ("test:dpo", str(claire))
        assert "Claire" not in str(entry.details)
        assert "claire" not in str(entry.details)


def test_aggregates_stay_the_same_after_erasure_even_when_everything_is_analysed_again(
    world: sessionmaker[Session],
) -> None:
    with world() as db:
        claire = _claire(db)
        before = _aggregates(db)
        customers = db.scalar(sa.select(sa.func.count()).select_from(ChurnRiskScore))
        assert before
        assert customers == 3
    _erase(world, claire)
    # A refresh of every segment keeps her where she was (her attributes are gone).
    with transaction(world) as session:
        segments.refresh_all(session, actor="test")
    run_analysis(world, engine=LocalEngine(workers=1))
    run_analysis(world, full=True, engine=LocalEngine(workers=1))
    with world() as db:
        assert _aggregates(db) == before
        france = db.scalars(sa.select(Segment).where(Segment.name == "France")).one()
        assert france.member_count == 2
        # She is scored no more: the churn-risk list is person-level.
        scored = set(db.scalars(sa.select(ChurnRiskScore.person_id)))
        assert claire not in scored
        assert len(scored) == customers - 1


def test_a_new_segment_does_not_take_in_an_erased_person(world: sessionmaker[Session]) -> None:
    with world() as db:
        claire = _claire(db)
    _erase(world, claire)
    with transaction(world) as session:
        made = segments.create_segment(
            session, name="Tous les clients", rule="kind = 'customer'", actor="test"
        )
        members = set(
            session.scalars(
                sa.select(SegmentMember.person_id).where(SegmentMember.segment_id == made.id)
            )
        )
    assert claire not in members
    assert len(members) == 2


def test_a_reimport_brings_back_neither_the_person_nor_their_words(
    world: sessionmaker[Session], tmp_path: Path
) -> None:
    with world() as db:
        claire = _claire(db)
        people_before = db.scalar(sa.select(sa.func.count()).select_from(Person))
    _erase(world, claire)

    # The same CRM export and the same messages, imported again.
    report = import_path(world, "people", tmp_path / "people.csv", actor="test")
    assert report.status == "succeeded"
    assert report.rejected == 0
    assert report.counts.erased == 1  # her CRM row
    again = import_path(world, "messages", tmp_path / "messages.csv", actor="test")
    assert again.status == "succeeded"
    assert again.rejected == 0
    assert again.counts.erased == 16 + 1  # her messages, and her account as their author
    # New messages of hers, and a new one of someone else's, in a later export.
    later = [
        {**row, "created_at": "2025-04-01T10:00:00+00:00"}
        for row in message_rows(5, first=1000)
        if row["author"] in ("claire", "paul")
    ]
    assert {row["author"] for row in later} == {"claire", "paul"}
    path = write_messages(tmp_path / "later.csv", later)
    newer = import_path(world, "messages", path, actor="test")
    assert newer.status == "succeeded"
    assert newer.rejected == 0
    theirs = sum(1 for row in later if row["author"] == "claire")
    assert newer.counts.erased == theirs + 1
    assert newer.counts.messages.created == len(later) - theirs

    with world() as db:
        assert db.scalar(sa.select(sa.func.count()).select_from(Person)) == people_before
        assert db.scalars(sa.select(Person).where(Person.display_name == "Claire Roux")).all() == []
        texts = [m.text for m in _messages_of(db, claire)]
        assert texts == [""] * 16
        assert db.scalars(sa.select(Identity).where(Identity.external_id == "claire")).all() == []


def test_erasing_a_person_erases_the_records_merged_into_them(
    world: sessionmaker[Session],
) -> None:
    with transaction(world) as session:
        claire = _claire(session)
        paul = session.execute(
            sa.select(Person.id).where(Person.display_name == "Paul Girard")
        ).scalar_one()
        resolution.merge_persons(session, claire, paul, actor="test")
    # Asked by the id of the record merged away: the whole human goes.
    report = _erase(world, paul)
    assert report.person_id == claire
    assert set(report.person_ids) == {claire, paul}
    assert report.counts.messages == 24  # 16 of Claire's, 8 of Paul's
    with world() as db:
        for pid in (claire, paul):
            person = db.get(Person, pid)
            assert person is not None
            assert person.erased_at is not None
            assert person.display_name is None


def test_an_erased_person_is_not_erased_twice_merged_unmerged_or_exported(
    world: sessionmaker[Session],
) -> None:
    with world() as db:
        claire = _claire(db)
        uma = db.execute(
            sa.select(Person.id).where(Person.display_name == "Uma Patel")
        ).scalar_one()
    _erase(world, claire)
    with transaction(world) as session:
        with pytest.raises(ConflictError, match="already erased"):
            erasure.erase_person(session, claire, actor="test")
        with pytest.raises(ConflictError, match="erased"):
            resolution.merge_persons(session, uma, claire, actor="test")
        with pytest.raises(ConflictError, match="erased"):
            resolution.unmerge(session, claire, actor="test")
        with pytest.raises(NotFoundError, match="erased"):
            subject_access.export_person(session, claire, actor="test")
        with pytest.raises(NotFoundError, match="no person 999999"):
            erasure.erasure_plan(session, 999_999)


def test_accounts_and_corrections_go_with_the_person(world: sessionmaker[Session]) -> None:
    with transaction(world) as session:
        claire = _claire(session)
        accounts.create_user(
            session,
            username="claire",
            role="customer",
            password="a long enough password",
            actor="test",
            person_id=claire,
        )
        first = _messages_of(session, claire)[0].id
        session.add(SignalCorrection(message_id=first, signal="discontent", label="yes", actor="a"))
    plan = None
    with world() as db:
        plan = erasure.erasure_plan(db, claire)
    assert (plan.counts.accounts, plan.counts.corrections) == (1, 1)
    assert plan.erased_at is None
    _erase(world, claire)
    with world() as db:
        assert (
            db.scalars(sa.select(UserAccount).where(UserAccount.username == "claire")).all() == []
        )
        assert db.scalars(sa.select(SignalCorrection)).all() == []


def test_the_dry_run_changes_nothing(world: sessionmaker[Session]) -> None:
    with world() as db:
        claire = _claire(db)
        plan = erasure.erasure_plan(db, claire)
        db.commit()
    assert plan.counts.messages == 16
    with world() as db:
        person = db.get(Person, claire)
        assert person is not None
        assert person.display_name == "Claire Roux"
        assert person.erased_at is None
        assert all(m.text for m in _messages_of(db, claire))


def test_the_people_of_the_world_are_those_the_tests_expect() -> None:
    # The counts above (16 messages of Claire's, 8 of Paul's) follow from the world.
    authors = [row["author"] for row in message_rows(40)]
    assert (authors.count("claire"), authors.count("paul")) == (16, 8)
    assert PEOPLE[0][:2] == ("C1", "Claire Roux")


def test_every_table_about_people_has_a_fate_on_erasure() -> None:
    """A table added later that points at a person or an identity must say what an
    erasure does to it (palabre.privacy.erasure.FATES), or this fails."""
    import_all_models()
    about_people = {
        table.name
        for table in Base.metadata.sorted_tables
        for key in table.foreign_keys
        if key.column.table.name in ("person", "identity")
    }
    assert about_people <= set(erasure.FATES), sorted(about_people - set(erasure.FATES))
    assert set(erasure.FATES) - about_people <= {"person", "identity"}
    assert set(erasure.FATES.values()) == {"removed", "anonymous", "as written"}
