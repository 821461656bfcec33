"""``palabre people``: matches, merge, unmerge, reject, map and show from the command line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from palabre.cli.main import app
from palabre.config import Settings
from palabre.identity.models import Identity, Person
from palabre.privacy.models import AuditEntry

runner = CliRunner()


def people(settings: Settings, *args: str) -> tuple[int, str]:
    """Run ``palabre people ...`` in-process on this test's workspace."""
    flags = ["--data-dir", str(settings.data_dir)]
    if settings.database_url:
        flags += ["--database-url", settings.database_url]
    result = runner.invoke(app, [*flags, "people", *args])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.output


@pytest.fixture
def two_jeans(sessions: sessionmaker[Session]) -> tuple[int, int]:
    """Two persons who are the same Jean Dupont, seen in Slack and in the CRM."""
    with sessions() as session:
        slack = Person(display_name="Jean Dupont")
        crm = Person(display_name="DUPONT Jean", kind="customer", source="crm", external_id="42")
        session.add_all([slack, crm])
        session.flush()
        session.add_all(
            [
                Identity(
                    person_id=slack.id,
                    original_person_id=slack.id,
                    source="slack",
                    channel_kind="chat",
                    external_id="U1",
                    handle="jdupont",
                ),
                Identity(
                    person_id=crm.id,
                    original_person_id=crm.id,
                    source="crm",
                    channel_kind="crm",
                    external_id="42",
                    email="j.dupont@acme.ch",
                ),
            ]
        )
        session.commit()
        return crm.id, slack.id


def holders(sessions: sessionmaker[Session]) -> dict[str, int]:
    with sessions() as session:
        rows = session.execute(sa.select(Identity.external_id, Identity.person_id))
        return {external_id: person_id for external_id, person_id in rows}  # noqa: C416


def test_matches_lists_the_pair_with_score_and_evidence(
    settings: Settings, two_jeans: tuple[int, int]
) -> None:
    crm, slack = two_jeans
    code, output = people(settings, "matches", "--json")
    assert code == 0
    (match,) = json.loads(output)
    assert {match["person_a"]["id"], match["person_b"]["id"]} == {crm, slack}
    assert match["score"] > 0.5
    assert "same name: 'Jean Dupont'" in match["evidence"]

    code, output = people(settings, "matches", "--limit", "5")
    assert code == 0
    assert "candidate matches" in output
    assert f"#{slack}" in output


def test_merge_show_and_unmerge_round_trip(
    settings: Settings, sessions: sessionmaker[Session], two_jeans: tuple[int, int]
) -> None:
    crm, slack = two_jeans
    before = holders(sessions)

    code, output = people(settings, "merge", str(crm), str(slack))
    assert code == 0
    assert f"person {slack} → {crm}" in output
    assert set(holders(sessions).values()) == {crm}

    code, output = people(settings, "show", str(slack), "--json")
    assert code == 0
    shown = json.loads(output)
    assert (shown["merged_into_id"], shown["root_id"]) == (crm, crm)
    code, output = people(settings, "show", str(crm))
    assert code == 0
    assert "jdupont" in output

    code, output = people(settings, "unmerge", str(slack))
    assert code == 0
    assert "unmerged" in output
    assert holders(sessions) == before
    # The pair was declared distinct by the unmerge: it is not proposed again.
    code, output = people(settings, "matches", "--json")
    assert json.loads(output) == []
    with sessions() as session:
        actions = list(session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)))
    assert actions == ["person.merge", "person.unmerge"]


def test_reject_hides_the_pair_from_matches(settings: Settings, two_jeans: tuple[int, int]) -> None:
    crm, slack = two_jeans
    code, output = people(settings, "reject", str(crm), str(slack))
    assert code == 0
    assert "distinct" in output
    code, output = people(settings, "matches")
    assert code == 0
    assert "no candidate matches" in output


def test_map_applies_a_mapping_file(
    settings: Settings,
    sessions: sessionmaker[Session],
    two_jeans: tuple[int, int],
    tmp_path: Path,
) -> None:
    crm, _slack = two_jeans
    mapping = tmp_path / "map.csv"
    mapping.write_text("source,external_id,person\nslack,U1,crm:42\n", encoding="utf-8")
    code, output = people(settings, "map", str(mapping))
    assert code == 0
    assert "mapping-file" in output
    assert holders(sessions) == {"U1": crm, "42": crm}


def run_cli(cli_env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "palabre", "people", *args],
        env=cli_env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def test_errors_print_one_line_and_exit_non_zero(
    cli_env: dict[str, str],
    sessions: sessionmaker[Session],
    two_jeans: tuple[int, int],
    tmp_path: Path,
) -> None:
    crm, _slack = two_jeans
    done = run_cli(cli_env, "merge", str(crm), str(crm))
    assert done.returncode == 1
    assert "cannot merge person" in done.stderr

    mapping = tmp_path / "bad.csv"
    mapping.write_text("source,external_id,person\nslack,U1,crm:nope\n", encoding="utf-8")
    done = run_cli(cli_env, "map", str(mapping))
    assert done.returncode == 4
    assert "line 2" in done.stderr
    assert "'person'" in done.stderr
    assert len(set(holders(sessions).values())) == 2
