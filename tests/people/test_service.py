"""Digital identity: who sees whom in the directory, which profile fields each reader
sees, who may edit a profile, and the audit of views and changes."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from palabre.errors import NotFoundError, ValidationError
from palabre.identity.models import Team
from palabre.identity.resolution import merge_persons
from palabre.people import service
from palabre.people.models import ProfileField
from palabre.people.service import FieldChange, ProfileEditDeniedError, Viewer
from palabre.privacy.models import AuditEntry
from tests.people.data import import_company, person_id


@pytest.fixture
def db(sessions: sessionmaker[Session]) -> Iterator[Session]:
    import_company(sessions)
    with sessions() as session:
        yield session


def _names(db: Session, viewer: Viewer, **filters: object) -> list[str | None]:
    found = service.list_people(db, viewer, **filters)  # type: ignore[arg-type]
    return [row.display_name for row in found.items]


def _audit(db: Session, action: str) -> list[AuditEntry]:
    return list(db.scalars(sa.select(AuditEntry).where(AuditEntry.action == action)))


EMPLOYEES = ["Alice Martin", "Bruno Keller", "Chloé Durand"]
EVERYONE = ["Alice Martin", "Bruno Keller", "Chloé Durand", "Denise Favre", "Edward Hughes"]


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("member", EMPLOYEES),
        ("hr", EMPLOYEES),
        ("manager", EMPLOYEES),
        ("analyst", EVERYONE),
        ("innovation", EVERYONE),
        ("admin", EVERYONE),
        ("customer", []),
    ],
)
def test_the_directory_shows_each_role_the_kinds_of_people_it_may_see(
    db: Session, role: str, expected: list[str]
) -> None:
    assert _names(db, Viewer("test", role)) == expected


def test_the_directory_searches_names_ignoring_case_and_accents_case(db: Session) -> None:
    admin = Viewer("test", "admin")
    assert _names(db, admin, text="CHLOÉ") == ["Chloé Durand"]
    assert _names(db, admin, text="ma") == ["Alice Martin"]
    # A LIKE wildcard typed by the reader is a plain character.
    assert _names(db, admin, text="%") == []
    assert _names(db, admin, kind="customer") == ["Denise Favre", "Edward Hughes"]
    # A member asking for customers gets nobody rather than an error or a leak.
    assert _names(db, Viewer("test", "member"), kind="customer") == []
    with pytest.raises(ValidationError, match="kind: 'robot'"):
        service.list_people(db, admin, kind="robot")


def test_a_team_filter_keeps_the_members_of_the_team_and_of_the_teams_under_it(
    db: Session,
) -> None:
    sales = db.scalar(sa.select(Team).where(Team.path == "Ventes"))
    geneva = db.scalar(sa.select(Team).where(Team.path == "Ventes/Genève"))
    assert sales is not None
    assert geneva is not None
    admin = Viewer("test", "admin")
    assert _names(db, admin, team_id=sales.id) == ["Alice Martin", "Bruno Keller"]
    assert _names(db, admin, team_id=geneva.id) == ["Alice Martin", "Bruno Keller"]
    with pytest.raises(NotFoundError, match="team: no team 999"):
        service.list_people(db, admin, team_id=999)


def test_the_directory_is_paginated(db: Session) -> None:
    admin = Viewer("test", "admin")
    first = service.list_people(db, admin, per_page=2)
    last = service.list_people(db, admin, per_page=2, page=3)
    assert (first.total, first.pages, first.has_next, first.has_previous) == (5, 3, True, False)
    assert [row.display_name for row in last.items] == ["Edward Hughes"]
    assert (last.has_next, last.has_previous) == (False, True)
    assert first.items[0].teams == ["Ventes/Genève"]


def _fill_profile(db: Session, alice: int) -> None:
    changes = {
        "headline": FieldChange("Responsable des ventes", "public"),
        "skills": FieldChange("négociation, CRM\nnégociation", "colleagues"),
        "phone": FieldChange("+41 22 555 01 02", "managers"),
        "bio": FieldChange("Parents de jumeaux.", "private"),
    }
    service.update_profile(db, Viewer("user:alice", "member", alice), alice, changes)


@pytest.mark.parametrize(
    ("role", "own", "expected"),
    [
        ("member", False, ["headline", "skills"]),
        ("analyst", False, ["headline", "skills"]),
        ("manager", False, ["headline", "skills", "phone"]),
        ("hr", False, ["headline", "skills", "phone"]),
        ("admin", False, ["headline", "skills", "phone"]),
        ("member", True, ["headline", "bio", "skills", "phone"]),
    ],
)
def test_each_profile_field_is_shown_only_to_the_audience_its_owner_chose(
    db: Session, role: str, own: bool, expected: list[str]
) -> None:
    alice = person_id(db, "Alice Martin")
    _fill_profile(db, alice)
    viewer = Viewer("user:reader", role, alice if own else None)
    profile = service.get_profile(db, viewer, alice)
    assert [f.key for f in profile.fields] == expected
    skills = next(f for f in profile.fields if f.key == "skills")
    assert skills.value == ["négociation", "CRM"]  # a list, duplicates dropped
    assert profile.is_self is own


def test_a_customer_sees_their_own_profile_and_nobody_else(db: Session) -> None:
    denise = person_id(db, "Denise Favre")
    customer = Viewer("user:denise", "customer", denise)
    assert service.get_profile(db, customer, denise).display_name == "Denise Favre"
    for other in ("Alice Martin", "Edward Hughes"):
        with pytest.raises(NotFoundError):
            service.get_profile(db, customer, person_id(db, other))


def test_a_member_cannot_open_a_customer_but_an_analyst_can(db: Session) -> None:
    denise = person_id(db, "Denise Favre")
    with pytest.raises(NotFoundError, match=f"no person {denise} that you may see"):
        service.get_profile(db, Viewer("user:m", "member"), denise)
    assert service.get_profile(db, Viewer("user:a", "analyst"), denise).kind == "customer"


def test_viewing_someone_else_is_audited_and_viewing_oneself_is_not(db: Session) -> None:
    alice = person_id(db, "Alice Martin")
    service.get_profile(db, Viewer("user:alice", "member", alice), alice)
    assert _audit(db, "person.viewed") == []
    service.get_profile(db, Viewer("user:hr", "hr"), alice, via="api")
    service.person_contributions(db, Viewer("user:hr", "hr"), alice)
    entries = _audit(db, "person.viewed")
    assert [(e.actor, e.subject_id, e.details["parts"], e.details["via"]) for e in entries] == [
        ("user:hr", str(alice), ["profile", "identities", "teams"], "api"),
        ("user:hr", str(alice), ["contributions"], "page"),
    ]


def test_a_person_edits_their_profile_and_the_audit_names_fields_not_values(db: Session) -> None:
    alice = person_id(db, "Alice Martin")
    _fill_profile(db, alice)
    (entry,) = _audit(db, "profile.updated")
    assert entry.actor == "user:alice"
    assert entry.details == {
        "fields": {
            "bio": "private",
            "headline": "public",
            "phone": "managers",
            "skills": "colleagues",
        },
        "removed": [],
    }
    assert "jumeaux" not in str(entry.details)
    # Emptying a field removes it; the same values again change nothing and audit nothing.
    editor = Viewer("user:alice", "member", alice)
    changed = service.update_profile(
        db,
        editor,
        alice,
        {"bio": FieldChange(""), "headline": FieldChange("Responsable des ventes")},
    )
    assert changed == ["bio"]
    assert len(_audit(db, "profile.updated")) == 2
    assert service.update_profile(db, editor, alice, {"bio": FieldChange(None)}) == []
    assert len(_audit(db, "profile.updated")) == 2


def test_only_the_person_or_an_admin_may_edit_a_profile(db: Session) -> None:
    alice = person_id(db, "Alice Martin")
    bruno = person_id(db, "Bruno Keller")
    with pytest.raises(ProfileEditDeniedError):
        service.update_profile(
            db, Viewer("user:bruno", "manager", bruno), alice, {"headline": FieldChange("x")}
        )
    service.update_profile(db, Viewer("user:root", "admin"), alice, {"headline": FieldChange("x")})
    row = db.scalar(sa.select(ProfileField).where(ProfileField.person_id == alice))
    assert row is not None
    assert (row.value, row.updated_by) == ("x", "user:root")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"hobby": FieldChange("chess")}, "unknown profile field"),
        ({"phone": FieldChange("call me maybe")}, "profile field 'phone': 'call me maybe' is not"),
        ({"headline": FieldChange("x" * 201)}, "profile field 'headline': longer than 200"),
        ({"skills": FieldChange([f"s{i}" for i in range(41)])}, "at most 40 items"),
        ({"location": FieldChange("Genève", "friends")}, "visibility 'friends' is not one of"),
    ],
)
def test_a_bad_field_is_refused_with_its_name_and_nothing_is_written(
    db: Session, changes: dict[str, FieldChange], message: str
) -> None:
    alice = person_id(db, "Alice Martin")
    together = {"headline": FieldChange("Valide"), **changes}
    with pytest.raises(ValidationError, match=message):
        service.update_profile(db, Viewer("user:alice", "member", alice), alice, together)
    assert db.scalars(sa.select(ProfileField)).all() == []
    assert _audit(db, "profile.updated") == []


def test_a_merged_person_shows_on_the_survivor_with_identities_and_messages(
    db: Session,
) -> None:
    alice = person_id(db, "Alice Martin")
    bruno = person_id(db, "Bruno Keller")
    merge_persons(db, alice, bruno, actor="test")
    admin = Viewer("user:root", "admin")
    opened = service.open_person(db, admin, bruno)
    assert (opened.id, opened.is_self) == (alice, False)
    profile = service.get_profile(db, admin, bruno)
    assert profile.id == alice
    assert profile.merged_person_ids == [bruno]
    came_with = {(i.source, i.handle or i.email): i.merged_from for i in profile.identities}
    assert came_with == {
        ("messages", "alice"): None,
        ("messages", "bruno"): bruno,
        ("people", "alice@example.com"): None,
        ("people", "bruno@example.com"): bruno,
    }
    texts = [m.text for m in service.person_contributions(db, admin, alice).items]
    assert texts == [
        "Moi, demande à Élodie.",
        "Colis renvoyé, suivi 1000_2000",
        "Désolé, nous vérifions la LIVRAISON.",
    ]
    # The merged person no longer appears in the directory on its own.
    assert "Bruno Keller" not in _names(db, admin)


def test_contributions_only_come_from_channels_the_reader_may_read(db: Session) -> None:
    alice = person_id(db, "Alice Martin")
    member = service.person_contributions(db, Viewer("user:m", "member"), alice)
    analyst = service.person_contributions(db, Viewer("user:a", "analyst"), alice)
    assert [m.channel_name for m in member.items] == ["équipe"]
    assert [m.channel_name for m in analyst.items] == ["équipe", "support"]
    denise = person_id(db, "Denise Favre")
    own = service.person_contributions(db, Viewer("user:d", "customer", denise), denise)
    assert own.total == 0  # customers browse no channel, not even their own messages' threads


def test_contributions_page_by_page_count_every_readable_message_past_the_last_page_too(
    db: Session,
) -> None:
    alice = person_id(db, "Alice Martin")
    admin = Viewer("user:a", "admin")
    everything = service.person_contributions(db, admin, alice, per_page=100)
    pages = [
        service.person_contributions(db, admin, alice, page=page, per_page=1)
        for page in range(1, everything.total + 2)
    ]
    assert everything.total == len(everything.items) >= 2
    # Each page carries the same total; the one past the end counts on its own.
    assert [p.total for p in pages] == [everything.total] * len(pages)
    assert [m.id for p in pages for m in p.items] == [m.id for m in everything.items]
    assert pages[-1].items == []
