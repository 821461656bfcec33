"""``palabre people export`` and ``palabre people erase``: a person's data from the command
line, written whole or not at all; an erasure asks first unless told ``--yes``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from palabre.cli.main import app
from palabre.config import Settings
from palabre.db.engine import transaction
from palabre.errors import ConflictError, ValidationError
from palabre.identity.models import Person
from palabre.privacy import erasure
from tests.people.data import import_company, person_id

runner = CliRunner()


def people(settings: Settings, *args: str, answer: str | None = None) -> tuple[int, str]:
    """Run ``palabre people ...`` in-process on this test's workspace."""
    flags = ["--data-dir", str(settings.data_dir)]
    if settings.database_url:
        flags += ["--database-url", settings.database_url]
    result = runner.invoke(app, [*flags, "people", *args], input=answer)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.output


@pytest.fixture
def denise(sessions: sessionmaker[Session]) -> int:
    import_company(sessions)
    with sessions() as db:
        return person_id(db, "Denise Favre")


def _name(sessions: sessionmaker[Session], person: int) -> str | None:
    with sessions() as db:
        found = db.get(Person, person)
        assert found is not None
        return found.display_name


def test_export_writes_the_whole_document_to_a_file(
    settings: Settings, denise: int, tmp_path: Path
) -> None:
    target = tmp_path / "denise.json"
    code, output = people(settings, "export", str(denise), "--output", str(target))
    assert code == 0, output
    said = " ".join(output.split())  # Rich wraps long lines
    assert f"exported person {denise} to {target}: 2 messages, 2 identities" in said
    document = json.loads(target.read_text(encoding="utf-8"))
    assert document["persons"][0]["display_name"] == "Denise Favre"
    assert sorted(m["external_id"] for m in document["messages"]) == ["s1", "s3"]
    assert not list(tmp_path.glob(".*.part"))
    # To standard output without --output.
    code, output = people(settings, "export", str(denise))
    assert code == 0
    assert json.loads(output)["person_id"] == denise


def test_export_into_a_missing_folder_names_it_and_writes_nothing(
    settings: Settings, denise: int, tmp_path: Path
) -> None:
    target = tmp_path / "no-such-folder" / "denise.json"
    with pytest.raises(ValidationError, match=r"--output: cannot write .*no-such-folder"):
        people(settings, "export", str(denise), "--output", str(target))
    assert not target.parent.exists()


def test_erase_asks_first_and_a_no_erases_nothing(
    settings: Settings, denise: int, sessions: sessionmaker[Session]
) -> None:
    code, output = people(settings, "erase", str(denise), answer="n\n")
    assert code == 1
    assert "messages they wrote" in output
    assert "nothing erased" in output
    assert _name(sessions, denise) == "Denise Favre"


def test_a_dry_run_reports_and_yes_erases(
    settings: Settings, denise: int, sessions: sessionmaker[Session]
) -> None:
    code, output = people(settings, "erase", str(denise), "--dry-run", "--json")
    assert code == 0
    plan = json.loads(output)
    assert plan["dry_run"] is True
    assert plan["counts"]["messages"] == 2
    assert _name(sessions, denise) == "Denise Favre"

    code, output = people(settings, "erase", str(denise), "--yes", "--json")
    assert code == 0, output
    report = json.loads(output)
    assert report["erased_at"] is not None
    assert report["counts"]["messages"] == 2
    assert _name(sessions, denise) is None
    code, output = people(settings, "show", str(denise))
    assert code == 0
    assert "erased on" in output
    with pytest.raises(ConflictError, match="already erased"):
        people(settings, "erase", str(denise), "--yes")
    flags = ["--data-dir", str(settings.data_dir)]
    if settings.database_url:
        flags += ["--database-url", settings.database_url]
    counts = json.loads(runner.invoke(app, [*flags, "status", "--json"]).output)
    assert counts["erased_people"] == 1
    assert counts["people"] == 5  # the anonymous row still counts: the totals keep
    with sessions() as db:
        assert (
            db.scalar(
                sa.select(sa.func.count()).select_from(Person).where(Person.erased_at.is_not(None))
            )
            == 1
        )


def test_erasure_requests_are_listed_until_the_person_is_erased(
    settings: Settings, denise: int, sessions: sessionmaker[Session]
) -> None:
    code, output = people(settings, "erasure-requests")
    assert code == 0
    assert "nobody is waiting" in output
    with transaction(sessions) as session:
        first = erasure.request_erasure(session, denise, actor="user:denise")
    with transaction(sessions) as session:
        again = erasure.request_erasure(session, denise, actor="user:denise")
    assert again.requested_at == first.requested_at
    code, output = people(settings, "erasure-requests", "--json")
    assert code == 0
    assert [(r["person_id"], r["display_name"], r["actor"]) for r in json.loads(output)] == [
        (denise, "Denise Favre", "user:denise")
    ]
    people(settings, "erase", str(denise), "--yes")
    code, output = people(settings, "erasure-requests", "--json")
    assert json.loads(output) == []
