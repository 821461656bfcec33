"""The people connector: persons from CRM and HR exports (CSV or JSONL)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from palabre.connectors.people import PeopleConnector, parse_kind, parse_team, parse_value
from palabre.connectors.records import PersonIdentity, PersonRecord, Record, Rejection
from palabre.connectors.registry import connector_class
from palabre.errors import ImportFormatError, ValidationError

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "people"

FRENCH_MAP = {
    "Identifiant": "id",
    "Nom": "name",
    "Type": "kind",
    "Courriel": "email",
    "Langue": "locale",
    "Comptes": "identities",
    "Équipe": "team",
}
HR_MAP = {"employee_id": "id", "full_name": "name"}


def read(path: Path, **options: object) -> list[Record]:
    connector = PeopleConnector(path, **options)
    connector.check()
    return list(connector.records())


def persons(records: list[Record]) -> dict[str, PersonRecord]:
    return {r.external_id: r for r in records if isinstance(r, PersonRecord)}


def rejections(records: list[Record]) -> list[Rejection]:
    return [r for r in records if isinstance(r, Rejection)]


def write(tmp_path: Path, content: str, name: str = "people.csv") -> Path:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    return path


def test_registry_finds_the_people_connector() -> None:
    assert connector_class("people") is PeopleConnector


def test_french_crm_export_with_semicolons_and_accents() -> None:
    records = read(FIXTURES / "crm-clients-fr.csv", column_map=FRENCH_MAP)
    people = persons(records)
    amelie = people["C-001"]
    assert amelie.display_name == "Amélie Dupont"
    assert amelie.kind == "customer"
    assert amelie.locale == "fr-CH"
    assert amelie.emails == ("amelie.dupont@example.ch",)
    assert amelie.identities == (
        PersonIdentity("slack", "U123"),
        PersonIdentity("email", "a.dupont@example.ch", email="a.dupont@example.ch"),
    )
    assert dict(amelie.attributes) == {
        "Ville": "Genève",
        "Chiffre d'affaires": 12500.5,
        "Fidèle": True,
        "Date inscription": dt.date(2023, 4, 12),
        "NPA": "01204",  # a leading zero keeps a postcode as text
    }
    jerome = people["C-002"]
    assert jerome.locale == "fr-CH"
    assert dict(jerome.attributes)["Chiffre d'affaires"] == "1,234"  # ambiguous: kept as text
    assert dict(jerome.attributes)["NPA"] == 1003
    assert people["C-003"].kind == "partner"
    assert "Fidèle" not in dict(people["C-003"].attributes)  # empty cells are absent
    [rejected] = rejections(records)
    assert rejected.location.endswith("crm-clients-fr.csv:5")
    assert rejected.field == "kind"
    assert rejected.external_id == "C-004"


def test_english_hr_export_with_teams() -> None:
    records = read(FIXTURES / "hr-employees-en.csv", column_map=HR_MAP)
    people = persons(records)
    jane = people["E100"]
    assert jane.kind == "employee"
    assert jane.locale == "en-GB"
    assert jane.team_path == ("Sales", "Geneva")
    assert jane.team_role == "manager"
    assert jane.team_since == dt.date(2022, 3, 1)
    assert jane.team_until is None
    assert jane.observed_at == dt.datetime(2025, 1, 31, 8, 0, tzinfo=dt.UTC)
    assert jane.identities == (
        PersonIdentity("slack", "U900"),
        PersonIdentity("mattermost", "jsmith"),
    )
    assert dict(jane.attributes) == {
        "grade": 7,
        "remote": True,
        "start_date": dt.date(2019, 6, 1),
    }
    assert people["E101"].emails == ("tom.baker@example.com", "tbaker@example.org")
    by_line = {r.location.rsplit(":", 1)[1]: r for r in rejections(records)}
    assert by_line["4"].field == "team_until"  # until before since
    assert by_line["5"].field == "team_since"  # 03/01/2024 is not ISO
    assert "YYYY-MM-DD" in by_line["5"].reason


def test_default_kind_applies_to_rows_without_one(tmp_path: Path) -> None:
    path = write(tmp_path, "id,name\n1,A\n2,B\n")
    assert {p.kind for p in persons(read(path, kind="employé")).values()} == {"employee"}
    assert {p.kind for p in persons(read(path)).values()} == {"unknown"}


def test_invalid_default_kind_is_a_validation_error(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="unknown person kind"):
        PeopleConnector(write(tmp_path, "id\n1\n"), kind="robot")


def test_latin1_file_fails_with_encoding_hint_then_reads_with_it() -> None:
    path = FIXTURES / "latin1-export.csv"
    connector = PeopleConnector(path)
    with pytest.raises(ImportFormatError, match="--encoding latin-1") as caught:
        list(connector.records())
    assert caught.value.line == 2
    people = persons(read(path, encoding="latin-1"))
    assert people["1"].display_name == "René Müller"
    assert dict(people["2"].attributes) == {"city": "Genève"}


def test_missing_id_column_is_reported_by_check() -> None:
    connector = PeopleConnector(FIXTURES / "missing-id.csv")
    with pytest.raises(ImportFormatError) as caught:
        connector.check()
    message = str(caught.value)
    assert "missing-id.csv, line 1" in message
    assert "'id'" in message
    assert "'customer', 'name', 'email'" in message


def test_missing_id_column_can_be_mapped_from_the_cli_form() -> None:
    people = persons(read(FIXTURES / "missing-id.csv", column_map="customer=id"))
    assert people["C-1"].emails == ("ana@example.com",)


def test_duplicate_id_is_rejected_naming_the_first_line() -> None:
    records = read(FIXTURES / "duplicate-ids.csv")
    assert [p.display_name for p in persons(records).values()] == ["First", "Second"]
    [duplicate] = rejections(records)
    assert duplicate.location.endswith("duplicate-ids.csv:4")
    assert duplicate.field == "id"
    assert "line 2" in duplicate.reason


def test_jsonl_export_reads_persons_and_rejects_non_objects() -> None:
    records = read(FIXTURES / "people.jsonl")
    people = persons(records)
    zoe = people["J1"]
    assert zoe.kind == "customer"
    assert zoe.emails == ("zoe@example.ch", "zoe.martin@example.ch")
    assert dict(zoe.attributes) == {"tier": "gold", "score": 4.5, "vip": True, "visits": 12}
    assert people["J2"].team_path == ("Support", "Zürich")
    [rejected] = rejections(records)
    assert rejected.location.endswith("people.jsonl:2")


def test_row_with_more_cells_than_header_is_rejected(tmp_path: Path) -> None:
    path = write(tmp_path, "id;name\n1;a;b\n2;c\n")
    records = read(path)
    assert rejections(records)[0].location == f"{path}:2"
    assert list(persons(records)) == ["2"]


@pytest.mark.parametrize(
    ("header", "cell", "field"),
    [
        ("email", "not-an-email", "email"),
        ("locale", "français", "locale"),
        ("identities", "U123", "identities"),
        ("observed_at", "yesterday", "observed_at"),
        ("team_role", "lead", "team_role"),
    ],
)
def test_invalid_cells_reject_the_row_with_the_field(
    tmp_path: Path, header: str, cell: str, field: str
) -> None:
    path = write(tmp_path, f"id,{header}\n1,{cell}\n")
    [rejected] = read(path)
    assert isinstance(rejected, Rejection)
    assert rejected.field == field
    assert rejected.location == f"{path}:2"


def test_empty_id_is_rejected(tmp_path: Path) -> None:
    path = write(tmp_path, "id,name\n ,Ghost\n")
    [rejected] = read(path)
    assert isinstance(rejected, Rejection)
    assert rejected.field == "id"


def test_position_reaches_the_file_size(tmp_path: Path) -> None:
    path = write(tmp_path, "id,name\n" + "".join(f"{i},n{i}\n" for i in range(3000)))
    connector = PeopleConnector(path)
    assert len(list(connector.records())) == 3000
    assert connector.position == connector.total() == path.stat().st_size


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("42", 42),
        ("-7", -7),
        ("007", "007"),
        ("12.5", 12.5),
        ("12,5", 12.5),
        ("0,125", 0.125),
        ("1234,567", 1234.567),
        ("1,234", "1,234"),
        ("1,234,567", "1,234,567"),
        ("oui", True),
        ("NON", False),
        ("yes", True),
        ("false", False),
        ("2025-01-31", dt.date(2025, 1, 31)),
        ("2025-02-30", "2025-02-30"),
        ("2025-01-31T10:00:00+01:00", dt.datetime.fromisoformat("2025-01-31T10:00:00+01:00")),
        ("2025-01-31 10:00", dt.datetime(2025, 1, 31, 10, 0, tzinfo=dt.UTC)),
        ("31/01/2025", "31/01/2025"),
        ("+41 79 123 45 67", "+41 79 123 45 67"),
        ("Genève", "Genève"),
        ("1E5", "1E5"),
    ],
)
def test_attribute_values_are_typed_only_when_unambiguous(text: str, expected: object) -> None:
    value = parse_value(text)
    assert value == expected
    assert type(value) is type(expected)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("client", "customer"),
        ("Employé", "employee"),
        ("salariée", "employee"),
        ("PARTENAIRE", "partner"),
        ("customer", "customer"),
        ("robot", None),
    ],
)
def test_kinds_are_read_in_french_and_english(text: str, expected: str | None) -> None:
    assert parse_kind(text) == expected


def test_team_path_splits_on_slashes_and_trims() -> None:
    assert parse_team(" Ventes / Genève /") == ("Ventes", "Genève")
    assert parse_team("") == ()
