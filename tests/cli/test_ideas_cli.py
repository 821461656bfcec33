"""``palabre ideas`` and ``palabre notify``: campaigns, funnel, merge, similar and the digest."""

from __future__ import annotations

import json
import subprocess
import sys

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from palabre.cli.main import app
from palabre.config import Settings
from palabre.db.engine import transaction
from palabre.innovation import service
from palabre.innovation.models import Campaign, Notification
from palabre.privacy.models import AuditEntry
from tests.innovation.ideas_helpers import member
from tests.innovation.smtp_sink import SmtpSink

runner = CliRunner()


def palabre(settings: Settings, *args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    """Run ``palabre ...`` in-process on this test's workspace."""
    flags = ["--data-dir", str(settings.data_dir)]
    if settings.database_url:
        flags += ["--database-url", settings.database_url]
    result = runner.invoke(app, [*flags, *args], env=env)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.output


def test_a_campaign_is_created_listed_and_its_ideas_moved_and_merged(
    settings: Settings, sessions: sessionmaker[Session]
) -> None:
    code, output = palabre(
        settings,
        "ideas",
        "campaign-add",
        "Bureau 2027",
        "--question",
        "Comment mieux travailler ensemble ?",
        "--closes",
        "2999-12-31",
    )
    assert code == 0, output
    assert "proposed → under_review → selected" in output
    with transaction(sessions) as session:
        campaign_id = session.scalars(sa.select(Campaign.id)).one()
        alice = member(session, "Alice")
        a = service.submit_idea(session, alice, campaign_id, title="Télétravail le vendredi")
        b = service.submit_idea(session, alice, campaign_id, title="Teletravail les vendredis")
        ids = (a.id, b.id)
    code, output = palabre(settings, "ideas", "campaigns", "--json")
    assert json.loads(output)[0]["ideas"] == 2
    code, output = palabre(settings, "ideas", "similar", "teletravial vendredi", "--json")
    assert {item["id"] for item in json.loads(output)} == set(ids)
    code, output = palabre(settings, "ideas", "move", str(ids[1]), "selected", "--note", "Budget")
    assert code == 0, output
    assert "proposed → selected" in output
    code, output = palabre(settings, "ideas", "merge", str(ids[0]), str(ids[1]))
    assert code == 0, output
    assert "0 supporters asked" in output
    code, output = palabre(settings, "ideas", "list", "Bureau 2027", "--json")
    assert [(i["id"], i["stage"]) for i in json.loads(output)] == [(ids[1], "selected")]
    with sessions() as session:
        actors = set(session.scalars(sa.select(AuditEntry.actor)))
        assert all(actor.startswith("cli:") for actor in actors if actor != "user:alice")


def run_cli(cli_env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "palabre", *args],
        env=cli_env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def test_bad_input_names_the_option_exits_non_zero_and_changes_nothing(
    cli_env: dict[str, str], sessions: sessionmaker[Session]
) -> None:
    done = run_cli(
        cli_env, "ideas", "campaign-add", "X", "--question", "Q", "--closes", "31/12/2026"
    )
    assert done.returncode == 1
    assert "--closes: '31/12/2026' is not a date (YYYY-MM-DD)" in done.stderr
    done = run_cli(cli_env, "ideas", "campaign-add", "X", "--question", "Q", "--audience", "team")
    assert done.returncode == 1
    assert "team: a team campaign names an existing team" in done.stderr
    with sessions() as session:
        assert session.scalars(sa.select(Campaign)).all() == []
        assert session.scalars(sa.select(AuditEntry)).all() == []


def test_notify_digest_sends_through_the_configured_smtp_server(
    settings: Settings, cli_env: dict[str, str], sessions: sessionmaker[Session]
) -> None:
    with transaction(sessions) as session:
        made = service.create_campaign(
            session, name="C", question="Q", audience="employees", actor="t"
        )
        alice = member(session, "Alice", email="alice@example.org")
        idea = service.submit_idea(session, alice, made.id, title="Vélos partagés")
        idea_id = idea.id
    assert palabre(settings, "ideas", "move", str(idea_id), "selected")[0] == 0
    done = run_cli(cli_env, "notify", "digest")
    assert done.returncode == 2
    assert "PALABRE_SMTP_HOST is not set" in done.stderr
    sink = SmtpSink()
    try:
        env = {
            "PALABRE_SMTP_HOST": "127.0.0.1",
            "PALABRE_SMTP_PORT": str(sink.port),
            "PALABRE_SMTP_STARTTLS": "false",
        }
        code, output = palabre(settings, "notify", "digest", env=env)
    finally:
        sink.stop()
    assert code == 0, output
    assert "1 e-mails sent, carrying 1 notifications" in output
    assert sink.recipients == [["alice@example.org"]]
    with sessions() as session:
        assert session.scalar(sa.select(Notification.emailed_at)) is not None


def test_campaign_edit_reopens_a_closed_campaign_and_prints_what_changed(
    settings: Settings, sessions: sessionmaker[Session]
) -> None:
    code, output = palabre(
        settings,
        "ideas",
        "campaign-add",
        "Bureau 2025",
        "--question",
        "Comment ?",
        "--opens",
        "2025-01-06",
        "--closes",
        "2025-03-31",
    )
    assert code == 0, output
    code, output = palabre(settings, "ideas", "campaigns", "--json")
    assert json.loads(output)[0]["open"] is False

    code, output = palabre(
        settings, "ideas", "campaign-edit", "Bureau 2025", "--no-closing", "--name", "Bureau"
    )
    assert code == 0, output
    assert "name: Bureau 2025 → Bureau" in output
    assert "closes_on: 2025-03-31 → (none)" in output
    assert "is open today" in output
    code, output = palabre(settings, "ideas", "campaigns", "--json")
    assert (json.loads(output)[0]["name"], json.loads(output)[0]["open"]) == ("Bureau", True)

    code, output = palabre(settings, "ideas", "campaign-edit", "Bureau", "--closes", "2025-02-01")
    assert code == 0, output
    assert "is closed today" in output
    code, output = palabre(settings, "ideas", "campaign-edit", "Bureau", "--closes", "2025-02-01")
    assert "nothing changed" in output
    with sessions() as session:
        updates = session.scalars(
            sa.select(AuditEntry).where(AuditEntry.action == "campaign.update")
        ).all()
    assert len(updates) == 2
    assert updates[0].actor.startswith("cli:")


def test_campaign_edit_refuses_bad_input_naming_the_option_and_changes_nothing(
    cli_env: dict[str, str], sessions: sessionmaker[Session]
) -> None:
    assert run_cli(cli_env, "ideas", "campaign-add", "X", "--question", "Q").returncode == 0
    for args, message in [
        (("--closes", "31/12/2026"), "--closes: '31/12/2026' is not a date (YYYY-MM-DD)"),
        (("--closes", "2026-01-02", "--no-closing"), "--closes: give a last day or --no-closing"),
        (("--opens", "2027-02-01", "--closes", "2027-01-31"), "closes_on: the campaign closes"),
        (("--audience", "team", "--team", "Nowhere"), "--team: no team with path 'Nowhere'"),
        (("--audience", "martians"), "audience: 'martians' is not one of"),
    ]:
        done = run_cli(cli_env, "ideas", "campaign-edit", "X", *args)
        assert done.returncode == 1, args
        assert message in done.stderr, done.stderr
    missing = run_cli(cli_env, "ideas", "campaign-edit", "Y", "--no-closing")
    assert missing.returncode != 0
    assert "campaign: no campaign named 'Y'" in missing.stderr
    with sessions() as session:
        made = session.scalars(sa.select(Campaign)).one()
        assert (made.audience, made.opens_on, made.closes_on) == ("employees", None, None)
        assert (
            session.scalars(
                sa.select(AuditEntry).where(AuditEntry.action == "campaign.update")
            ).all()
            == []
        )
