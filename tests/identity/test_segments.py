"""Segments service: rules evaluated over imported people, materialised and kept fresh."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from palabre.connectors.importer import ImportReport, run_import
from palabre.connectors.people import PeopleConnector
from palabre.errors import ConflictError, NotFoundError, RuleSyntaxError, ValidationError
from palabre.identity import resolution, segments
from palabre.identity.models import Person, Segment, SegmentMember
from palabre.privacy.models import AuditEntry

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "segments"
FRENCH_MAP = "Identifiant=id,Nom=name,Type=kind,Courriel=email,Langue=locale,Comptes=identities"
ACTOR = "test:segments"
GENEVE_MONTHLY = "city = 'Genève' and contract = 'monthly'"


def import_people(
    sessions: sessionmaker[Session], name: str, *, source: str = "crm"
) -> ImportReport:
    """Import a people file of the fixtures as the CLI would (own transactions)."""
    column_map = FRENCH_MAP if name.startswith("crm") else None
    connector = PeopleConnector(FIXTURES / name, column_map=column_map)
    return run_import(sessions, connector, source=source, actor="test:importer")


def person_ids(session: Session) -> dict[str, int]:
    """``external id -> person id`` for every imported person."""
    rows = session.execute(sa.select(Person.external_id, Person.id))
    return {str(external_id): int(pid) for external_id, pid in rows}


def members(session: Session, segment: Segment) -> set[str]:
    """The stored members of a segment: their CRM ids (``#id`` for a person without one)."""
    session.flush()
    rows = session.execute(
        sa.select(Person.id, Person.external_id)
        .join(SegmentMember, SegmentMember.person_id == Person.id)
        .where(SegmentMember.segment_id == segment.id)
    )
    return {external_id or f"#{pid}" for pid, external_id in rows}


def audit(session: Session, action: str) -> list[AuditEntry]:
    session.flush()
    return list(
        session.scalars(
            sa.select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
        )
    )


@pytest.fixture
def crm(sessions: sessionmaker[Session]) -> ImportReport:
    """The French CRM export of eight persons, imported."""
    return import_people(sessions, "crm-clients.csv")


@pytest.mark.parametrize(
    ("rule", "kind", "expected"),
    [
        (GENEVE_MONTHLY, "customer", {"C-001", "C-004"}),
        (GENEVE_MONTHLY, "any", {"C-001", "C-004", "C-006", "C-008"}),
        ("city = 'Genève'", "employee", {"C-006"}),
        ("tenure_months >= 24", "customer", {"C-001", "C-003"}),
        ("tenure_months = 26", "customer", {"C-001"}),
        ("monthly_fee > 30", "customer", {"C-001", "C-007"}),
        ("signup_date < date('2024-01-01')", "customer", {"C-001", "C-003"}),
        ("last_contact >= date('2025-05-01')", "customer", {"C-001", "C-002"}),
        ("Fidèle and locale = 'fr-CH'", "customer", {"C-001"}),
        ("contract is null", "customer", {"C-005"}),
        ("not contract = 'monthly'", "customer", {"C-003", "C-005"}),
        ("name contains 'dupont' or email ends with '@haddad.example.ch'", "any", {"C-001"}),
        ("kind = 'partner'", "any", {"C-008"}),
        ("true", "employee", {"C-006"}),
    ],
)
def test_members_are_the_persons_the_rule_selects(
    session: Session, crm: ImportReport, rule: str, kind: str, expected: set[str]
) -> None:
    segment = segments.create_segment(session, name="s", rule=rule, kind=kind, actor=ACTOR)
    assert members(session, segment) == expected
    assert segment.member_count == len(expected)
    assert segment.computed_at is not None


def test_stored_attributes_come_back_typed(session: Session, crm: ImportReport) -> None:
    # The text '26' is not the number 26: a rule that matches proves the type came back.
    segment = segments.create_segment(
        session,
        name="typed",
        rule="tenure_months = 26 and monthly_fee = 49.9 and Fidèle = true"
        " and signup_date = date('2023-04-12') and last_contact = date('2025-06-02')",
        actor=ACTOR,
    )
    assert members(session, segment) == {"C-001"}
    assert segments.stored_value("number", "26", 26.0, None) == 26
    assert isinstance(segments.stored_value("number", "26", 26.0, None), int)
    assert segments.stored_value("number", "49.9", 49.9, None) == 49.9
    assert segments.stored_value("bool", "false", 0.0, None) is False
    assert segments.stored_value("date", "2023-04-12", None, dt.date(2023, 4, 12)) == dt.date(
        2023, 4, 12
    )
    assert segments.stored_value("datetime", "2025-06-02T07:30:00+00:00", None, None) == (
        dt.datetime(2025, 6, 2, 7, 30, tzinfo=dt.UTC)
    )
    # A row edited by hand into nonsense is read as its text rather than breaking a refresh.
    assert segments.stored_value("date", "31/01/2025", None, None) == "31/01/2025"


def test_create_stores_the_canonical_rule_and_audits(session: Session, crm: ImportReport) -> None:
    segment = segments.create_segment(
        session,
        name="  Clients Genève mensuels ",
        rule="city='Genève'  AND contract = \"monthly\"",
        description="Suivi des clients mensuels de Genève",
        actor=ACTOR,
    )
    assert segment.name == "Clients Genève mensuels"
    assert segment.rule == GENEVE_MONTHLY
    assert segment.kind == "customer"
    [entry] = audit(session, "segment.created")
    assert entry.actor == ACTOR
    assert entry.subject_id == str(segment.id)
    assert entry.details["members"] == 2
    assert entry.details["rule"] == GENEVE_MONTHLY


def test_a_rule_syntax_error_names_the_column_and_writes_nothing(
    session: Session, crm: ImportReport
) -> None:
    with pytest.raises(RuleSyntaxError) as caught:
        segments.create_segment(session, name="cassé", rule="city = ", actor=ACTOR)
    message = caught.value.message
    assert "column 8" in message
    assert message.splitlines()[-1] == "  " + " " * 7 + "^"
    assert session.scalar(sa.select(sa.func.count()).select_from(Segment)) == 0
    assert audit(session, "segment.created") == []


def test_bad_names_kinds_and_duplicates_are_refused(session: Session, crm: ImportReport) -> None:
    segments.create_segment(session, name="Clients Genève", rule="true", actor=ACTOR)
    with pytest.raises(ConflictError, match="already exists"):
        segments.create_segment(session, name="clients genève", rule="true", actor=ACTOR)
    with pytest.raises(ValidationError, match="needs a name"):
        segments.create_segment(session, name="   ", rule="true", actor=ACTOR)
    with pytest.raises(ValidationError, match="customer, employee or any"):
        segments.create_segment(session, name="x", rule="true", kind="partner", actor=ACTOR)
    assert [s.name for s in segments.list_segments(session)] == ["Clients Genève"]


def test_a_second_import_refreshes_segments_by_itself(
    session: Session, sessions: sessionmaker[Session], crm: ImportReport
) -> None:
    segment = segments.create_segment(session, name="gm", rule=GENEVE_MONTHLY, actor=ACTOR)
    assert members(session, segment) == {"C-001", "C-004"}
    session.commit()

    report = import_people(sessions, "crm-clients-juin.csv")

    assert report.counts.people.updated == 8
    session.expire_all()
    # Jérôme moved to Genève, Chloé signed a monthly contract, Marc went annual.
    assert members(session, segment) == {"C-001", "C-002", "C-005"}
    assert segment.member_count == 3
    [entry] = audit(session, "segment.refreshed")
    assert entry.actor == "test:importer"
    assert (entry.details["added"], entry.details["removed"], entry.details["members"]) == (2, 1, 3)


def test_an_import_that_changes_no_person_leaves_segments_alone(
    session: Session, sessions: sessionmaker[Session], crm: ImportReport
) -> None:
    segment = segments.create_segment(session, name="gm", rule=GENEVE_MONTHLY, actor=ACTOR)
    computed = segment.computed_at
    session.commit()
    report = import_people(sessions, "crm-clients.csv")
    assert report.counts.people.unchanged == 8
    session.expire_all()
    assert segment.computed_at == computed
    assert audit(session, "segment.refreshed") == []


def test_refresh_adds_and_removes_with_set_differences(
    session: Session, sessions: sessionmaker[Session], crm: ImportReport
) -> None:
    employees = segments.create_segment(
        session, name="anciens", rule="tenure_months >= 30", kind="any", actor=ACTOR
    )
    assert members(session, employees) == {"C-003", "C-006", "C-008"}
    ids = person_ids(session)
    # Membership edited behind the service's back is put right by a refresh.
    session.execute(
        sa.delete(SegmentMember).where(SegmentMember.person_id == ids["C-003"]),
    )
    session.add(SegmentMember(segment_id=employees.id, person_id=ids["C-002"]))
    result = segments.refresh_segment(session, employees, actor=ACTOR)
    assert result == segments.RefreshResult(added=1, removed=1, total=3)
    assert members(session, employees) == {"C-003", "C-006", "C-008"}
    again = segments.refresh_segment(session, employees, actor=ACTOR)
    assert again == segments.RefreshResult(added=0, removed=0, total=3)
    assert [e.details["added"] for e in audit(session, "segment.refreshed")] == [1, 0]


def test_paging_gives_the_same_members_as_one_pass(
    session: Session, crm: ImportReport, monkeypatch: pytest.MonkeyPatch
) -> None:
    wide = segments.create_segment(session, name="wide", rule="true", kind="any", actor=ACTOR)
    narrow = segments.create_segment(session, name="gm", rule=GENEVE_MONTHLY, actor=ACTOR)
    expected = {segment.name: members(session, segment) for segment in (wide, narrow)}
    ids = person_ids(session)
    # Stale members go whatever the page boundaries: one in the middle of the id range,
    # one (a partner) above the last customer, where no page of customers reaches.
    session.add(SegmentMember(segment_id=narrow.id, person_id=ids["C-003"]))
    session.add(SegmentMember(segment_id=narrow.id, person_id=ids["C-008"]))
    monkeypatch.setattr(segments, "PAGE_SIZE", 2)
    # Alone, the customer segment pages over customers only.
    assert segments.refresh_segment(session, narrow) == segments.RefreshResult(0, 2, 2)
    session.add(SegmentMember(segment_id=narrow.id, person_id=ids["C-003"]))
    results = segments.refresh_all(session, actor=ACTOR)
    assert {name: members(session, s) for name, s in (("wide", wide), ("gm", narrow))} == expected
    assert results == {
        "gm": segments.RefreshResult(added=0, removed=1, total=2),
        "wide": segments.RefreshResult(added=0, removed=0, total=8),
    }


def test_merged_persons_count_once_through_their_survivor(
    session: Session, sessions: sessionmaker[Session], crm: ImportReport
) -> None:
    import_people(sessions, "boutique.csv", source="boutique")
    segment = segments.create_segment(session, name="gm", rule=GENEVE_MONTHLY, actor=ACTOR)
    # Before the CRM says so, the boutique's Amélie is a person of her own.
    assert members(session, segment) == {"C-001", "C-004", "B-1"}
    session.commit()

    # The June export declares Amélie's boutique account: the import merges and refreshes.
    report = import_people(sessions, "crm-clients-juin.csv")
    assert report.merges == 1
    session.expire_all()
    ids = person_ids(session)
    assert session.get(Person, ids["B-1"]).merged_into_id == ids["C-001"]  # type: ignore[union-attr]
    assert members(session, segment) == {"C-001", "C-002", "C-005"}
    assert segment.member_count == 3


def test_a_survivor_keeps_its_attributes_and_takes_the_missing_ones(
    session: Session, sessions: sessionmaker[Session], crm: ImportReport
) -> None:
    import_people(sessions, "boutique.csv", source="boutique")
    ids = person_ids(session)
    # Chloé (CRM: Genève, no contract) is the boutique's Chloé P. (Lausanne, monthly).
    resolution.merge_persons(session, ids["C-005"], ids["B-2"], actor=ACTOR)
    gm = segments.create_segment(session, name="gm", rule=GENEVE_MONTHLY, actor=ACTOR)
    lausanne = segments.create_segment(
        session, name="lausanne", rule="city = 'Lausanne'", actor=ACTOR
    )
    points = segments.create_segment(
        session, name="points", rule="loyalty_points >= 40 and name = 'Chloé Perret'", actor=ACTOR
    )
    assert members(session, gm) == {"C-001", "C-004", "B-1", "C-005"}
    assert members(session, lausanne) == {"C-002"}  # her own city wins over the boutique's
    assert members(session, points) == {"C-005"}

    resolution.unmerge(session, ids["B-2"], actor=ACTOR)
    segments.refresh_all(session, actor=ACTOR)
    assert members(session, gm) == {"C-001", "C-004", "B-1"}
    assert members(session, lausanne) == {"C-002", "B-2"}


def test_an_unknown_survivor_takes_the_kind_of_the_person_merged_into_it(
    session: Session, crm: ImportReport
) -> None:
    chat = Person(display_name="amelie.d (Slack)")
    session.add(chat)
    session.flush()
    resolution.merge_persons(session, chat.id, person_ids(session)["C-001"], actor=ACTOR)
    segment = segments.create_segment(session, name="gm", rule=GENEVE_MONTHLY, actor=ACTOR)
    assert members(session, segment) == {f"#{chat.id}", "C-004"}
    [view] = [m for m in segments.segment_members(session, segment) if m.person_id == chat.id]
    assert view.display_name == "amelie.d (Slack)"


def test_update_renames_changes_the_rule_and_recomputes(
    session: Session, crm: ImportReport
) -> None:
    segment = segments.create_segment(session, name="gm", rule=GENEVE_MONTHLY, actor=ACTOR)
    assert segments.update_segment(session, segment, name="Genève mensuels", actor=ACTOR) is None
    assert segments.get_segment(session, "genève MENSUELS") is segment
    result = segments.update_segment(
        session, segment, rule="city = 'Genève'", kind="any", description="tous", actor=ACTOR
    )
    assert result == segments.RefreshResult(added=4, removed=0, total=6)
    assert members(session, segment) == {"C-001", "C-003", "C-004", "C-005", "C-006", "C-008"}
    assert segment.description == "tous"
    entries = audit(session, "segment.updated")
    assert [sorted(e.details["changes"]) for e in entries] == [
        ["name"],
        ["description", "kind", "rule"],
    ]
    assert entries[0].details["changes"]["name"] == ["gm", "Genève mensuels"]
    with pytest.raises(RuleSyntaxError, match="column 8"):
        segments.update_segment(session, segment, rule="city = (", name="autre", actor=ACTOR)
    assert segment.name == "Genève mensuels"  # nothing changed on a bad rule


def test_get_list_members_and_delete(session: Session, crm: ImportReport) -> None:
    b = segments.create_segment(session, name="b", rule="tenure_months >= 24", actor=ACTOR)
    a = segments.create_segment(session, name="a", rule=GENEVE_MONTHLY, actor=ACTOR)
    assert [s.name for s in segments.list_segments(session)] == ["a", "b"]
    assert segments.get_segment(session, str(b.id)) is b
    assert segments.get_segment(session, b.id) is b
    with pytest.raises(NotFoundError, match="no segment named 'c'"):
        segments.get_segment(session, "c")
    ids = person_ids(session)
    first = segments.segment_members(session, a, limit=1)
    rest = segments.segment_members(session, a, limit=10, offset=1)
    assert [m.person_id for m in first + rest] == sorted([ids["C-001"], ids["C-004"]])
    assert first[0].external_id == "C-001"
    assert (first[0].kind, first[0].locale, first[0].source) == ("customer", "fr-CH", "crm")

    segments.delete_segment(session, a, actor=ACTOR)
    assert [s.name for s in segments.list_segments(session)] == ["b"]
    assert (
        session.scalar(
            sa.select(sa.func.count())
            .select_from(SegmentMember)
            .where(SegmentMember.segment_id == a.id)
        )
        == 0
    )
    [entry] = audit(session, "segment.deleted")
    assert entry.details == {
        "name": "a",
        "kind": "customer",
        "rule": GENEVE_MONTHLY,
        "members": 2,
    }
