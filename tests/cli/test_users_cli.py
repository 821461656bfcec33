"""``palabre users`` and ``palabre serve``'s refusal of a database at another schema."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from palabre.accounts import service
from palabre.accounts.models import UserAccount
from palabre.cli.main import app
from palabre.config import Settings
from palabre.db import migrate
from palabre.errors import PalabreError
from palabre.privacy.models import AuditEntry
from tests.web.conftest import FAST_HASHER

runner = CliRunner()


@pytest.fixture(autouse=True)
def _fast_password_hashing() -> Iterator[None]:
    previous = service.use_password_hasher(FAST_HASHER)
    yield
    service.use_password_hasher(previous)


def palabre(settings: Settings, *args: str, stdin: str | None = None) -> tuple[int, str]:
    """Run ``palabre ...`` in-process on this test's workspace."""
    flags = ["--data-dir", str(settings.data_dir)]
    if settings.database_url:
        flags += ["--database-url", settings.database_url]
    result = runner.invoke(app, [*flags, *args], input=stdin)
    if isinstance(result.exception, PalabreError):
        # What palabre.cli.main.main prints and exits with for a user error.
        return result.exception.exit_code, result.output + result.exception.message
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.output


def _password_works(sessions: sessionmaker[Session], username: str, password: str) -> bool:
    with sessions() as session:
        return service.authenticate(session, username, password, actor="test").user is not None


def test_add_generates_a_password_printed_once_that_signs_in(
    settings: Settings, sessions: sessionmaker[Session]
) -> None:
    code, output = palabre(settings, "users", "add", "Alice", "--role", "admin")
    assert code == 0, output
    assert "created account alice with role admin" in output
    password = output.split("password: ")[1].split()[0]
    assert _password_works(sessions, "alice", password)
    with sessions() as session:
        entry = session.scalars(sa.select(AuditEntry)).one()
        assert entry.action == "account.create"
        assert entry.actor.startswith("cli:")


def test_add_reads_the_password_from_stdin_and_links_a_person(
    settings: Settings, sessions: sessionmaker[Session]
) -> None:
    from palabre.identity.models import Person

    with sessions() as session:
        person = Person(display_name="Bruno", kind="employee")
        session.add(person)
        session.commit()
        person_id = person.id
    code, output = palabre(
        settings,
        "users",
        "add",
        "bruno",
        "--role",
        "member",
        "--password-stdin",
        "--person",
        str(person_id),
        stdin="from standard input\n",
    )
    assert code == 0, output
    assert "password:" not in output
    assert _password_works(sessions, "bruno", "from standard input")
    with sessions() as session:
        assert service.get_user(session, "bruno").person_id == person_id


def test_bad_input_exits_non_zero_with_the_reason_and_writes_nothing(
    settings: Settings, sessions: sessionmaker[Session]
) -> None:
    code, output = palabre(settings, "users", "add", "carla", "--role", "boss")
    assert code != 0
    assert "role 'boss' is not one of" in output
    code, output = palabre(settings, "users", "add", "carla", "--role", "hr", "--person", "42")
    assert code != 0
    assert "person 42 does not exist" in output
    with sessions() as session:
        assert session.scalars(sa.select(UserAccount)).all() == []
        assert session.scalars(sa.select(AuditEntry)).all() == []


def test_set_role_passwd_and_list(settings: Settings, sessions: sessionmaker[Session]) -> None:
    assert palabre(settings, "users", "add", "dora", "--role", "member")[0] == 0
    code, output = palabre(settings, "users", "set-role", "dora", "analyst")
    assert (code, "dora now has role analyst" in output) == (0, True)
    code, output = palabre(
        settings, "users", "passwd", "dora", "--password-stdin", stdin="dora's new secret\n"
    )
    assert code == 0, output
    assert _password_works(sessions, "dora", "dora's new secret")
    code, output = palabre(settings, "users", "passwd", "dora", stdin="too short\ntoo short\n")
    assert code != 0
    assert "at least 10 characters" in output
    code, output = palabre(settings, "users", "list", "--json")
    assert code == 0
    (row,) = json.loads(output)
    assert (row["username"], row["role"], row["is_active"]) == ("dora", "analyst", True)
    assert "password_hash" not in row
    code, output = palabre(settings, "users", "set-role", "nobody", "admin")
    assert code != 0
    assert "no account named 'nobody'" in output


def test_serve_refuses_a_database_at_another_schema(
    settings: Settings, cli_env: dict[str, str], engine: sa.Engine
) -> None:
    migrate.downgrade(engine, "0001")
    result = subprocess.run(
        [sys.executable, "-m", "palabre", "serve", "--port", "1"],
        env=cli_env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 3
    assert "palabre db upgrade" in result.stderr
