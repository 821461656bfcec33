"""Persons from a CRM or HR export (CSV or JSONL): ``palabre import people FILE``.

Each row describes one person of that system: its id there, name, kind, e-mails,
locale, the accounts it declares on other sources (deterministic identity links),
its team, and any other column as a typed attribute usable in segment rules.
The format, with examples, is documented in ``docs/connectors/people.md``.

Rows that cannot be translated (a bad kind, a bad date, a duplicate id) become
:class:`~palabre.connectors.records.Rejection` records; the import goes on.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import ClassVar

from palabre.connectors.base import Connector, location
from palabre.connectors.records import (
    AttributeValue,
    PersonIdentity,
    PersonKind,
    PersonRecord,
    Record,
    Rejection,
)
from palabre.connectors.tabular import (
    RowProblem,
    TabularFormat,
    TabularReader,
    normalise_delimiter,
    open_rows,
    parse_column_map,
)
from palabre.errors import ValidationError

#: the columns with a meaning of their own; every other column becomes an attribute
PERSON_COLUMNS: frozenset[str] = frozenset(
    {
        "id",
        "name",
        "kind",
        "email",
        "locale",
        "identities",
        "team",
        "team_role",
        "team_since",
        "team_until",
        "observed_at",
    }
)

# Accepted spellings of a person kind, compared without case and accents.
_KIND_WORDS: dict[str, PersonKind] = {
    "customer": "customer",
    "customers": "customer",
    "client": "customer",
    "cliente": "customer",
    "clients": "customer",
    "employee": "employee",
    "employees": "employee",
    "staff": "employee",
    "employe": "employee",
    "salarie": "employee",
    "salariee": "employee",
    "collaborateur": "employee",
    "collaboratrice": "employee",
    "partner": "partner",
    "partners": "partner",
    "partenaire": "partner",
    "unknown": "unknown",
    "inconnu": "unknown",
}

_BOOLEANS = {
    "true": True,
    "yes": True,
    "oui": True,
    "vrai": True,
    "false": False,
    "no": False,
    "non": False,
    "faux": False,
}
# Leading zeros are refused on purpose: "01234" is a postcode or a code, not a number.
_INT = re.compile(r"[+-]?(?:0|[1-9][0-9]*)")
_FLOAT_DOT = re.compile(r"[+-]?(?:0|[1-9][0-9]*)\.[0-9]+")
_FLOAT_COMMA = re.compile(r"([+-]?(?:0|[1-9][0-9]*)),([0-9]+)")
# "1,234" could be an English thousand: only a comma that cannot be a thousands
# separator (not exactly 3 digits after it, or an integer part of 0 or 4+ digits).
_THOUSANDS_LIKE = re.compile(r"[+-]?[1-9][0-9]{0,2},[0-9]{3}")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_DATETIME = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,6})?)?"
    r"(?:Z|[+-][0-9]{2}:?[0-9]{2})?"
)
_LOCALE = re.compile(r"([A-Za-z]{2,3})(?:[-_]([A-Za-z0-9]{2,8}))*")
_EMAIL = re.compile(r"[^@\s;,<>]+@[^@\s;,<>]+\.[^@\s;,<>]+")
_SOURCE = re.compile(r"[a-z0-9][a-z0-9_.-]*")


class PeopleConnector(Connector):
    """Read persons from a CRM / HR export, one row per person.

    Options: ``column_map`` (source column → palabre column, a mapping or the CLI
    text ``old=new,old2=new2``), ``delimiter`` (None sniffs it), ``encoding``
    (default ``utf-8``; a BOM is honoured), ``kind`` (the kind of rows without
    one, default ``unknown``) and ``format`` (``csv`` / ``jsonl``, default from the
    file name or content).
    """

    kind: ClassVar[str] = "people"
    description: ClassVar[str] = "persons from a CRM or HR export (CSV or JSONL)"

    def __init__(self, path: Path | str, **options: object) -> None:
        super().__init__(path, **options)
        self.column_map = _column_map_option(options.get("column_map"))
        delimiter = options.get("delimiter")
        if delimiter is not None and not isinstance(delimiter, str):
            raise ValidationError("the delimiter must be a character such as ';' or 'tab'")
        self.delimiter = normalise_delimiter(delimiter)
        encoding = options.get("encoding") or "utf-8"
        if not isinstance(encoding, str):
            raise ValidationError("the encoding must be a name such as 'utf-8' or 'latin-1'")
        self.encoding = encoding
        default_kind = options.get("kind")
        if default_kind is None or default_kind == "":
            self.default_kind: PersonKind = "unknown"
        else:
            parsed = parse_kind(str(default_kind))
            if parsed is None:
                raise ValidationError(
                    f"unknown person kind '{default_kind}' "
                    "(customer, employee, partner, unknown; or client, employé, partenaire)"
                )
            self.default_kind = parsed
        fmt = options.get("format")
        if fmt is not None and fmt != "csv" and fmt != "jsonl":
            raise ValidationError(f"unknown format '{fmt}' (csv or jsonl)")
        self.format: TabularFormat | None = fmt

    def check(self) -> None:
        """Check that the file exists, is text and has an ``id`` column; reads the header only."""
        super().check()
        with self._open():
            pass

    def _open(self) -> TabularReader:
        return open_rows(
            self.path,
            required={"id"},
            optional=PERSON_COLUMNS,
            column_map=self.column_map,
            delimiter=self.delimiter,
            encoding=self.encoding,
            format=self.format,
        )

    def records(self) -> Iterator[Record]:
        """Yield one :class:`PersonRecord` per row, or a :class:`Rejection`.

        A second row with an id already seen is rejected (naming the first line):
        two rows for one person in one export is a mistake to look at, not a silent
        overwrite. Remembering ids costs one dictionary entry per person.
        """
        first_line: dict[str, int] = {}
        with self._open() as rows:
            for row in rows:
                self.position = rows.position
                if isinstance(row, RowProblem):
                    yield row.rejection(self.path)
                    continue
                external_id = row.values.get("id", "").strip()
                where = location(self.path, row.line)
                if not external_id:
                    yield Rejection(where, "the id is empty", field="id")
                    continue
                earlier = first_line.get(external_id)
                if earlier is not None:
                    yield Rejection(
                        where,
                        f"duplicate id '{external_id}': already on line {earlier}",
                        field="id",
                        external_id=external_id,
                    )
                    continue
                first_line[external_id] = row.line
                try:
                    yield self._person(external_id, row.values)
                except _RowError as error:
                    yield Rejection(where, error.reason, field=error.field, external_id=external_id)
            self.position = rows.position

    def _person(self, external_id: str, values: Mapping[str, str]) -> PersonRecord:
        cells = {key: value.strip() for key, value in values.items() if value.strip()}
        kind = self.default_kind
        if "kind" in cells:
            parsed = parse_kind(cells["kind"])
            if parsed is None:
                raise _RowError(
                    "kind",
                    f"unknown kind '{cells['kind']}' "
                    "(customer, employee, partner, unknown; or client, employé, partenaire)",
                )
            kind = parsed
        team_path = parse_team(cells.get("team", ""))
        since = _date_cell(cells, "team_since")
        until = _date_cell(cells, "team_until")
        if since and until and until < since:
            raise _RowError("team_until", f"team_until {until} is before team_since {since}")
        if not team_path:
            for name in ("team_role", "team_since", "team_until"):
                if name in cells:
                    raise _RowError(name, f"{name} is given but the team is empty")
        observed = cells.get("observed_at")
        return PersonRecord(
            external_id=external_id,
            display_name=cells.get("name"),
            kind=kind,
            locale=_locale_cell(cells),
            emails=_emails_cell(cells),
            identities=_identities_cell(cells),
            attributes=tuple(
                (key, parse_value(value))
                for key, value in cells.items()
                if key not in PERSON_COLUMNS
            ),
            team_path=team_path,
            team_role=cells.get("team_role"),
            team_since=since,
            team_until=until,
            observed_at=_datetime(observed, "observed_at") if observed else None,
        )


class _RowError(Exception):
    """A cell that makes its row untranslatable (turned into a Rejection)."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(reason)
        self.field = field
        self.reason = reason


def parse_kind(text: str) -> PersonKind | None:
    """The person kind a cell names (English or French, any case and accents), else None."""
    return _KIND_WORDS.get(_fold(text))


def parse_team(text: str) -> tuple[str, ...]:
    """Split a team path such as ``Ventes/Genève`` into ``("Ventes", "Genève")``."""
    return tuple(part.strip() for part in text.split("/") if part.strip())


def parse_value(text: str) -> AttributeValue:
    """Type one attribute cell: bool, int, float, date, datetime, or the text itself.

    Only unambiguous forms are typed: ``12,5`` is 12.5 but ``1,234`` (a thousand
    in English, 1.234 in French) stays text, as do numbers with leading zeros
    (postcodes, codes) and dates not in ISO form. A naive datetime is taken as UTC.
    """
    text = text.strip()
    folded = text.lower()
    if folded in _BOOLEANS:
        return _BOOLEANS[folded]
    if _INT.fullmatch(text):
        return int(text)
    if _FLOAT_DOT.fullmatch(text):
        return float(text)
    comma = _FLOAT_COMMA.fullmatch(text)
    if comma and not _THOUSANDS_LIKE.fullmatch(text):
        return float(f"{comma.group(1)}.{comma.group(2)}")
    if _DATE.fullmatch(text):
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            return text  # 2025-02-30 looks like a date but is not one: keep what was written
    if _DATETIME.fullmatch(text):
        try:
            moment = dt.datetime.fromisoformat(text)
        except ValueError:
            return text
        return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
    return text


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.strip().casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def _column_map_option(value: object) -> dict[str, str]:
    if value is None or value == "":
        return {}
    if isinstance(value, str):
        return parse_column_map(value)
    if isinstance(value, Mapping):
        return {str(old): str(new) for old, new in value.items()}
    raise ValidationError("column_map must be a mapping or text such as 'Mail=email,Nom=name'")


def _date_cell(cells: Mapping[str, str], name: str) -> dt.date | None:
    text = cells.get(name)
    if text is None:
        return None
    if _DATE.fullmatch(text):
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            pass
    raise _RowError(name, f"'{text}' is not a date in the form YYYY-MM-DD")


def _datetime(text: str, name: str) -> dt.datetime:
    if _DATE.fullmatch(text) or _DATETIME.fullmatch(text):
        try:
            moment = dt.datetime.fromisoformat(text)
        except ValueError:
            pass
        else:
            # Times without a zone are taken as UTC, as documented.
            return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
    raise _RowError(name, f"'{text}' is not an ISO date or time (e.g. 2025-03-01T09:30:00Z)")


def _locale_cell(cells: Mapping[str, str]) -> str | None:
    text = cells.get("locale")
    if text is None:
        return None
    if not _LOCALE.fullmatch(text):
        raise _RowError("locale", f"'{text}' is not a locale such as fr, en or fr-CH")
    # BCP 47 casing: language lower, region upper (fr_ch → fr-CH).
    parts = text.replace("_", "-").split("-")
    tail = [part.upper() if len(part) == 2 else part for part in parts[1:]]
    return "-".join([parts[0].lower(), *tail])


def _emails_cell(cells: Mapping[str, str]) -> tuple[str, ...]:
    text = cells.get("email")
    if text is None:
        return ()
    emails: list[str] = []
    for item in re.split(r"[;,]", text):
        email = item.strip()
        if not email:
            continue
        if not _EMAIL.fullmatch(email):
            raise _RowError("email", f"'{email}' is not an e-mail address")
        if email not in emails:
            emails.append(email)
    return tuple(emails)


def _identities_cell(cells: Mapping[str, str]) -> tuple[PersonIdentity, ...]:
    text = cells.get("identities")
    if text is None:
        return ()
    identities: list[PersonIdentity] = []
    for item in text.split(";"):
        if not item.strip():
            continue
        source, sep, external_id = item.partition(":")
        source = source.strip().lower()
        external_id = external_id.strip()
        if not sep or not _SOURCE.fullmatch(source) or not external_id:
            raise _RowError(
                "identities",
                f"'{item.strip()}' is not source:id (e.g. slack:U123;email:a@example.ch)",
            )
        email = external_id if source == "email" else None
        if email is not None and not _EMAIL.fullmatch(email):
            raise _RowError("identities", f"'{email}' is not an e-mail address")
        identity = PersonIdentity(source=source, external_id=external_id, email=email)
        if identity not in identities:
            identities.append(identity)
    return tuple(identities)
