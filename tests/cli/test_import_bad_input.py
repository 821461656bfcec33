"""``palabre import`` given bad input, as a user runs it: one clear line, a non-zero exit, no trace.

Every case runs the real command line in a subprocess on this test's workspace
(SQLite or PostgreSQL, see ``cli_env``), then looks in the database to check that
the import left nothing behind. The files live in ``tests/fixtures/bad-input``;
the large, binary or broken ones are made here in the test's temporary folder.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from palabre.connectors.models import ImportRun
from palabre.fabric.models import Channel, Message, Thread
from palabre.identity.models import Identity, Person
from palabre.privacy.models import AuditEntry

FIXTURES = Path(__file__).parent.parent / "fixtures" / "bad-input"
SLACK_EXPORT = Path(__file__).parent.parent / "fixtures" / "slack" / "export"

#: exit codes of palabre.errors: ImportFormatError, ImportRejectedError, a usage error
FORMAT_ERROR, REJECTED, USAGE = 4, 5, 2

#: what an import may add; the counts of these must not move when it fails
CONTENT = {
    "messages": Message,
    "threads": Thread,
    "channels": Channel,
    "identities": Identity,
    "people": Person,
}


def palabre(cli_env: dict[str, str], *args: str | Path) -> subprocess.CompletedProcess[str]:
    """Run ``python -m palabre ARGS`` on this test's workspace, as a user would."""
    return subprocess.run(
        [sys.executable, "-m", "palabre", *map(str, args)],
        env=cli_env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def error_line(result: subprocess.CompletedProcess[str]) -> str:
    """The one line a failed command prints; fails the test unless there is exactly one."""
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, f"expected one line on stderr, got:\n{result.stderr}"
    assert lines[0].startswith("error: "), lines[0]
    return lines[0]


def counts(sessions: sessionmaker[Session]) -> dict[str, int]:
    """How many rows each table an import writes holds (import runs and audit too)."""
    tables = {**CONTENT, "import_runs": ImportRun, "audit": AuditEntry}
    with sessions() as session:
        return {
            name: session.scalar(sa.select(sa.func.count()).select_from(model)) or 0
            for name, model in tables.items()
        }


def assert_nothing_imported(sessions: sessionmaker[Session]) -> None:
    """No content row was written; a run that started is on record as failed, with its error."""
    found = counts(sessions)
    assert {name: found[name] for name in CONTENT} == dict.fromkeys(CONTENT, 0)
    with sessions() as session:
        runs = session.execute(sa.select(ImportRun.status, ImportRun.error)).all()
    assert all(status == "failed" and error for status, error in runs), runs


def messages_by_id(sessions: sessionmaker[Session]) -> dict[str, str]:
    """External id -> text of every stored message."""
    with sessions() as session:
        return dict(session.execute(sa.select(Message.external_id, Message.text)).all())


def report(result: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    """The ``--json`` report printed by a successful import."""
    assert result.returncode == 0, result.stderr
    data: dict[str, Any] = json.loads(result.stdout)
    return data


# -- files that are not what the command expects ------------------------------------


def test_missing_columns_are_listed_with_the_columns_found(
    cli_env: dict[str, str], sessions: sessionmaker[Session]
) -> None:
    path = FIXTURES / "missing-columns.csv"
    result = palabre(cli_env, "import", "messages", path)
    assert result.returncode == FORMAT_ERROR
    line = error_line(result)
    assert f"{path}, line 1" in line
    assert "missing required columns 'author', 'created_at'" in line
    assert "columns found: 'id', 'channel', 'writer', 'text'" in line
    assert "--map" in line  # how to fix it
    assert_nothing_imported(sessions)


def test_a_forced_wrong_delimiter_is_refused_with_a_hint(
    cli_env: dict[str, str], sessions: sessionmaker[Session]
) -> None:
    path = FIXTURES / "semicolon.csv"
    result = palabre(cli_env, "import", "messages", path, "--delimiter", ",")
    assert result.returncode == FORMAT_ERROR
    line = error_line(result)
    assert f"{path}, line 1" in line
    assert "columns found: 'id;channel;author;created_at;text'" in line
    assert "--delimiter ';'" in line
    assert_nothing_imported(sessions)


def test_the_same_file_imports_when_the_delimiter_is_sniffed(
    cli_env: dict[str, str], sessions: sessionmaker[Session]
) -> None:
    data = report(palabre(cli_env, "import", "messages", FIXTURES / "semicolon.csv", "--json"))
    assert data["rejected"] == 0
    assert data["counts"]["messages"]["created"] == 3
    # The commas inside the text stayed in the text: ';' was the delimiter.
    assert messages_by_id(sessions)["s1"] == "Bonjour, ma commande n'est jamais arrivée"


def test_latin1_bytes_in_a_utf8_file_name_the_line_and_hint_the_encoding(
    cli_env: dict[str, str], sessions: sessionmaker[Session]
) -> None:
    path = FIXTURES / "latin1.csv"
    result = palabre(cli_env, "import", "messages", path)
    assert result.returncode == FORMAT_ERROR
    line = error_line(result)
    assert f"{path}, line 3" in line  # line 2 is plain ASCII
    assert "cannot be decoded as utf-8" in line
    assert "--encoding latin-1" in line
    assert_nothing_imported(sessions)

    data = report(palabre(cli_env, "import", "messages", path, "--encoding", "latin-1", "--json"))
    assert data["rejected"] == 0
    stored = messages_by_id(sessions)
    assert stored["l2"] == "Très déçu par la livraison"
    assert stored["l3"] == "Ça arrive à tout le monde"
    with sessions() as session:
        assert session.scalar(sa.select(Identity.id).where(Identity.external_id == "chloé"))


def _slack_zip(tmp_path: Path) -> Path:
    archive = tmp_path / "slack-export.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        for file in sorted(SLACK_EXPORT.rglob("*")):
            if file.is_file():
                zf.write(file, file.relative_to(SLACK_EXPORT).as_posix())
    return archive


def test_a_truncated_slack_zip_is_refused(
    cli_env: dict[str, str], sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    archive = _slack_zip(tmp_path)
    assert palabre(cli_env, "import", "slack", archive, "--strict").returncode == 0  # whole: fine
    before = counts(sessions)
    truncated = tmp_path / "truncated.zip"
    truncated.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])

    result = palabre(cli_env, "import", "slack", truncated)
    assert result.returncode == FORMAT_ERROR
    line = error_line(result)
    assert f"{truncated}: truncated or corrupt zip archive" in line
    assert counts(sessions) == before


def test_a_corrupt_member_of_a_slack_zip_names_the_member(
    cli_env: dict[str, str], sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    archive = _slack_zip(tmp_path)
    with zipfile.ZipFile(archive) as zf:
        member = zf.getinfo("general/2025-03-04.json")
    data = bytearray(archive.read_bytes())
    # The compressed bytes start after the 30-byte local header, the name and the extra field.
    with archive.open("rb") as stream:
        stream.seek(member.header_offset + 26)
        name_length, extra_length = (int.from_bytes(stream.read(2), "little") for _ in range(2))
    start = member.header_offset + 30 + name_length + extra_length
    for offset in range(start + 2, start + member.compress_size - 2):
        data[offset] ^= 0x5A
    archive.write_bytes(bytes(data))

    result = palabre(cli_env, "import", "slack", archive)
    assert result.returncode == FORMAT_ERROR
    line = error_line(result)
    assert f"{archive}/general/2025-03-04.json" in line
    assert_nothing_imported(sessions)


def test_a_json_file_that_is_not_a_slack_export(
    cli_env: dict[str, str], sessions: sessionmaker[Session]
) -> None:
    path = FIXTURES / "not-slack.json"
    result = palabre(cli_env, "import", "slack", path)
    assert result.returncode == FORMAT_ERROR
    line = error_line(result)
    assert f"{path}: not a zip archive" in line
    assert "expected a Slack workspace export" in line
    assert_nothing_imported(sessions)


def test_an_empty_file(cli_env: dict[str, str], sessions: sessionmaker[Session]) -> None:
    path = FIXTURES / "empty.csv"
    for kind in ("messages", "people", "slack"):
        result = palabre(cli_env, "import", kind, path)
        assert result.returncode == FORMAT_ERROR, kind
        assert error_line(result) == f"error: {path}: the file is empty"
    assert_nothing_imported(sessions)


@pytest.mark.parametrize(
    ("kind", "reason"),
    [
        ("messages", "this is not a text file"),
        ("people", "this is not a text file"),
        ("mattermost", "this is not a text file"),
        ("discourse", "this is not a text file"),
        ("activitypub", "this is not a text file"),
        ("mbox", "line 1: not an mbox file"),
        ("slack", "not a zip archive"),
    ],
)
def test_a_5_gb_file_that_is_not_text_is_refused_without_reading_it(
    cli_env: dict[str, str],
    sessions: sessionmaker[Session],
    tmp_path: Path,
    kind: str,
    reason: str,
) -> None:
    path = tmp_path / "outbox.json"
    path.touch()
    os.truncate(path, 5 * 1024**3)  # sparse: 5 GB of NUL bytes that take no disk
    started = time.monotonic()
    result = palabre(cli_env, "import", kind, path)
    elapsed = time.monotonic() - started
    assert result.returncode == FORMAT_ERROR
    assert f"{path}: {reason}" in error_line(result) or f"{path}, {reason}" in error_line(result)
    # Reading 5 GB takes far longer than this (and as much memory); the head alone is instant.
    assert elapsed < 30
    assert_nothing_imported(sessions)


def test_a_folder_given_to_import_messages(
    cli_env: dict[str, str], sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    result = palabre(cli_env, "import", "messages", tmp_path)
    assert result.returncode == FORMAT_ERROR
    assert error_line(result) == f"error: {tmp_path}: is a folder; give a .csv or .jsonl file"
    assert_nothing_imported(sessions)


@pytest.mark.parametrize("kind", ["messages", "people", "slack", "mbox"])
def test_a_missing_path(
    cli_env: dict[str, str], sessions: sessionmaker[Session], tmp_path: Path, kind: str
) -> None:
    path = tmp_path / "nowhere" / "export.csv"
    result = palabre(cli_env, "import", kind, path)
    assert result.returncode == FORMAT_ERROR
    line = error_line(result)
    assert line.startswith(f"error: {path}: no such file")
    assert_nothing_imported(sessions)


def test_brackets_in_a_file_name_are_printed_as_written(
    cli_env: dict[str, str], sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    # "[/old]" and "[red]" look like Rich markup: they must be shown, not interpreted.
    folder = tmp_path / "exports[/old]"  # a folder "exports[" holding "old]"
    folder.mkdir(parents=True)
    path = folder / "messages[red].csv"
    shutil.copyfile(FIXTURES / "missing-columns.csv", path)
    result = palabre(cli_env, "import", "messages", path)
    assert result.returncode == FORMAT_ERROR
    assert f"error: {path}, line 1: missing required columns" in error_line(result)

    renamed = folder / "dupes[red].csv"
    shutil.copyfile(FIXTURES / "duplicate-ids.csv", renamed)
    result = palabre(cli_env, "import", "messages", renamed)
    assert result.returncode == 0, result.stderr
    assert f"{renamed}:5 field 'id': duplicate id 'd1'" in result.stdout


def test_an_unknown_import_kind_is_a_usage_error(
    cli_env: dict[str, str], sessions: sessionmaker[Session]
) -> None:
    result = palabre(cli_env, "import", "chat", FIXTURES / "semicolon.csv")
    assert result.returncode == USAGE
    assert "Traceback" not in result.stderr
    assert "No such command 'chat'" in result.stderr
    assert_nothing_imported(sessions)


# -- rejections, --strict and the report -------------------------------------------


@pytest.mark.parametrize("batch_size", ["5000", "1"], ids=["one-batch", "batch-per-record"])
def test_a_duplicate_id_is_rejected_with_its_place_and_the_first_copy_kept(
    cli_env: dict[str, str], sessions: sessionmaker[Session], batch_size: str
) -> None:
    path = FIXTURES / "duplicate-ids.csv"
    # With one record per batch the two copies are in different transactions.
    data = report(
        palabre(cli_env, "import", "messages", path, "--json", "--batch-size", batch_size)
    )
    assert data["status"] == "succeeded"
    assert data["rejected"] == 1
    (rejection,) = data["rejections"]
    assert rejection["location"] == f"{path}:5"
    assert rejection["field"] == "id"
    assert "duplicate id 'd1'" in rejection["reason"]
    assert messages_by_id(sessions) == {
        "d1": "first copy of d1",
        "d2": "a message of its own",
        "d3": "another one",
    }


def test_a_duplicate_id_under_strict_fails_and_imports_nothing(
    cli_env: dict[str, str], sessions: sessionmaker[Session]
) -> None:
    path = FIXTURES / "duplicate-ids.csv"
    result = palabre(cli_env, "import", "messages", path, "--strict", "--batch-size", "1")
    assert result.returncode == REJECTED
    line = error_line(result)
    assert f"{path}:5, field 'id': duplicate id 'd1'" in line
    assert "nothing was imported" in line
    assert counts(sessions) == dict.fromkeys([*CONTENT, "import_runs", "audit"], 0)


def test_strict_leaves_a_workspace_that_holds_data_unchanged(
    cli_env: dict[str, str], sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    assert palabre(cli_env, "import", "messages", FIXTURES / "semicolon.csv").returncode == 0
    before = counts(sessions)
    before_texts = messages_by_id(sessions)
    # A new channel, a new author, an edit of s1, then one bad date: all or nothing.
    path = tmp_path / "strict.csv"
    path.write_text(
        "id,channel,author,created_at,text\n"
        "n1,billing,emma,2025-04-01T10:00:00Z,New channel and new author\n"
        "s1,support,claire,2025-03-01T09:00:00Z,An edit of s1\n"
        "n2,billing,emma,yesterday,Bad date\n",
        encoding="utf-8",
    )
    result = palabre(cli_env, "import", "messages", path, "--strict", "--batch-size", "1")
    assert result.returncode == REJECTED
    line = error_line(result)
    assert f"{path}:4, field 'created_at'" in line
    assert counts(sessions) == before
    assert messages_by_id(sessions) == before_texts


def test_the_json_report_accounts_for_every_row(
    cli_env: dict[str, str], sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    path = tmp_path / "mixed.csv"
    rows = [
        "r1,support,alice,2025-03-01T09:00:00Z,fine",
        "r2,support,bob,2025-03-01T09:01:00Z,also fine",
        "r3,support,alice,not a date,bad date",
        "r4,,alice,2025-03-01T09:03:00Z,no channel",
        "r1,support,alice,2025-03-01T09:04:00Z,duplicate",
        'r5,support,bob,2025-03-01T09:05:00Z,"too",many,cells',
    ]
    path.write_text("id,channel,author,created_at,text\n" + "\n".join(rows) + "\n")
    data = report(palabre(cli_env, "import", "messages", path, "--json"))

    for key in ("created", "updated", "unchanged", "rejected", "rejections", "counts"):
        assert key in data, key
    by_kind = data["counts"]
    for total in ("created", "updated", "unchanged"):
        assert data[total] == sum(
            by_kind[kind][total]
            for kind in ("channels", "identities", "threads", "messages", "people")
        )
    # Exit 0 means every row is either stored or rejected with a reason.
    assert by_kind["messages"]["created"] + data["rejected"] == len(rows)
    assert data["rejected"] == len(data["rejections"]) == 4
    places = {(r["location"], r["field"]) for r in data["rejections"]}
    assert places == {
        (f"{path}:4", "created_at"),
        (f"{path}:5", "channel"),
        (f"{path}:6", "id"),
        (f"{path}:7", None),
    }
    assert all(r["reason"] for r in data["rejections"])
    assert sorted(messages_by_id(sessions)) == ["r1", "r2"]


def test_rerunning_an_import_adds_nothing(
    cli_env: dict[str, str], sessions: sessionmaker[Session]
) -> None:
    path = FIXTURES / "semicolon.csv"
    first = report(palabre(cli_env, "import", "messages", path, "--json"))
    stored = counts(sessions)
    again = report(palabre(cli_env, "import", "messages", path, "--json"))
    assert again["created"] == again["updated"] == 0
    assert again["counts"]["messages"]["unchanged"] == first["counts"]["messages"]["created"] == 3
    after = counts(sessions)
    assert {name: after[name] for name in CONTENT} == {name: stored[name] for name in CONTENT}


def test_rerunning_a_failed_import_completes_it_without_duplicates(
    cli_env: dict[str, str], sessions: sessionmaker[Session]
) -> None:
    path = FIXTURES / "latin1.csv"
    # One record per batch: line 2's channel, author and message commit before line 3 fails.
    failed = palabre(cli_env, "import", "messages", path, "--batch-size", "1")
    assert failed.returncode == FORMAT_ERROR
    assert f"{path}, line 3" in error_line(failed)
    assert list(messages_by_id(sessions)) == ["l1"]
    with sessions() as session:
        run = session.execute(sa.select(ImportRun.status, ImportRun.error)).one()
    assert run.status == "failed"
    assert "line 3" in run.error

    data = report(palabre(cli_env, "import", "messages", path, "--encoding", "latin-1", "--json"))
    assert data["counts"]["messages"] == {"created": 2, "updated": 0, "unchanged": 1}
    with sessions() as session:
        total, distinct = session.execute(
            sa.select(sa.func.count(), sa.func.count(sa.distinct(Message.external_id)))
        ).one()
    assert total == distinct == 3
