"""``palabre segments``: add, list, show, refresh, edit and remove from the command line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from palabre.cli.main import app
from palabre.config import Settings
from palabre.identity.models import Segment
from palabre.privacy.models import AuditEntry

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "segments"
FRENCH_MAP = "Identifiant=id,Nom=name,Type=kind,Courriel=email,Langue=locale,Comptes=identities"
EXAMPLE_NAME = "Clients Genève mensuels"
EXAMPLE_RULE = "city = 'Genève' and contract = 'monthly'"

runner = CliRunner()


def palabre(settings: Settings, *args: str) -> tuple[int, str]:
    """Run ``palabre ...`` in-process on this test's workspace."""
    flags = ["--data-dir", str(settings.data_dir)]
    if settings.database_url:
        flags += ["--database-url", settings.database_url]
    result = runner.invoke(app, [*flags, *args])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.output


def import_crm(settings: Settings, name: str) -> None:
    code, output = palabre(
        settings, "import", "people", str(FIXTURES / name), "--map", FRENCH_MAP, "--source", "crm"
    )
    assert code == 0, output


def shown(settings: Settings, name: str) -> dict[str, object]:
    code, output = palabre(settings, "segments", "show", name, "--json")
    assert code == 0, output
    data: dict[str, object] = json.loads(output)
    return data


def member_ids(settings: Settings, name: str) -> list[str]:
    members = shown(settings, name)["members"]
    assert isinstance(members, list)
    return [m["external_id"] for m in members]


def test_the_issue_example_creates_the_segment_and_reports_its_size(settings: Settings) -> None:
    import_crm(settings, "crm-clients.csv")
    code, output = palabre(settings, "segments", "add", EXAMPLE_NAME, "--rule", EXAMPLE_RULE)
    assert code == 0, output
    assert f"segment {EXAMPLE_NAME} created: 2 members" in output
    assert member_ids(settings, EXAMPLE_NAME) == ["C-001", "C-004"]

    code, output = palabre(settings, "segments", "list", "--json")
    assert code == 0
    [listed] = json.loads(output)
    assert (listed["name"], listed["kind"], listed["rule"], listed["member_count"]) == (
        EXAMPLE_NAME,
        "customer",
        EXAMPLE_RULE,
        2,
    )
    code, output = palabre(settings, "segments", "list")
    assert code == 0
    assert EXAMPLE_NAME in output


def test_segments_follow_imports_and_edits(settings: Settings) -> None:
    import_crm(settings, "crm-clients.csv")
    palabre(settings, "segments", "add", EXAMPLE_NAME, "--rule", EXAMPLE_RULE)
    code, output = palabre(
        settings,
        "segments",
        "add",
        "Équipe Genève",
        "--rule",
        "city = 'Genève'",
        "--kind",
        "employee",
        "--description",
        "Collaborateurs basés à Genève",
    )
    assert code == 0
    assert "created: 1 member" in output

    import_crm(settings, "crm-clients-juin.csv")  # refreshes by itself
    assert member_ids(settings, EXAMPLE_NAME) == ["C-001", "C-002", "C-005"]

    code, output = palabre(settings, "segments", "refresh")
    assert code == 0
    assert f"{EXAMPLE_NAME}: 3 members (+0 −0)" in output
    assert "Équipe Genève: 1 member (+0 −0)" in output

    code, output = palabre(
        settings,
        "segments",
        "edit",
        EXAMPLE_NAME,
        "--rule",
        "tenure_months >= 24",
        "--name",
        "Fidèles",
    )
    assert code == 0, output
    assert "segment Fidèles: 2 members (+1 −2)" in output
    assert member_ids(settings, "fidèles") == ["C-001", "C-003"]

    code, output = palabre(settings, "segments", "show", "Fidèles", "--members", "1")
    assert code == 0
    assert "tenure_months >= 24" in output
    assert "Amélie Dupont" in output
    assert "Léa Müller" not in output

    code, output = palabre(settings, "segments", "refresh", "Fidèles")
    assert code == 0
    assert "Fidèles: 2 members (+0 −0)" in output

    code, output = palabre(settings, "segments", "remove", "Fidèles")
    assert code == 0
    assert "removed" in output
    code, output = palabre(settings, "segments", "list", "--json")
    assert [s["name"] for s in json.loads(output)] == ["Équipe Genève"]


def run_cli(cli_env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "palabre", "segments", *args],
        env=cli_env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def test_a_bad_rule_shows_the_caret_exits_non_zero_and_writes_nothing(
    settings: Settings, cli_env: dict[str, str], sessions: sessionmaker[Session]
) -> None:
    done = run_cli(cli_env, "add", EXAMPLE_NAME, "--rule", "city = 'Genève' and contract =")
    assert done.returncode == 1
    assert "expected a value after '=', found the end of the rule at column 31" in done.stderr
    lines = done.stderr.splitlines()
    assert lines[-2] == "  city = 'Genève' and contract ="
    assert lines[-1] == "  " + " " * 30 + "^"
    assert done.stdout == ""
    with sessions() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Segment)) == 0
        assert session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) == 0


def test_unknown_segments_and_empty_edits_are_errors(
    settings: Settings, cli_env: dict[str, str]
) -> None:
    done = run_cli(cli_env, "show", "Inconnu")
    assert done.returncode == 1
    assert "no segment named 'Inconnu'" in done.stderr
    done = run_cli(cli_env, "edit", "Inconnu")
    assert done.returncode == 1
    assert "nothing to change" in done.stderr
    done = run_cli(cli_env, "add", "x", "--rule", "true", "--kind", "partner")
    assert done.returncode == 1
    assert "customer, employee or any" in done.stderr
