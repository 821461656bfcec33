"""Retention of finished background jobs (palabre.jobs.retention, service.purge_finished):
what ended more than ``jobs_keep_days`` ago goes, with an import's uploaded file; what is
recent, still going, or the latest of its kind stays; 0 keeps everything."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import sqlalchemy as sa
from pydantic import ValidationError
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from palabre.cli.main import app as cli_app
from palabre.config import Settings
from palabre.db.base import utcnow
from palabre.db.engine import transaction
from palabre.jobs import service as jobs
from palabre.jobs.models import BackgroundJob
from palabre.jobs.retention import Retention, remove_uploads
from palabre.privacy.models import AuditEntry

DAY = dt.timedelta(days=1)


def make_job(
    sessions: sessionmaker[Session],
    *,
    kind: str = "import",
    state: str = "succeeded",
    ended_days_ago: float = 0,
    upload: Path | None = None,
) -> int:
    """A job row as it is ``ended_days_ago`` days after it ended (or, while queued or
    running, after its process last beat)."""
    parameters: dict[str, object] = {"min_corrections": 1}
    if kind == "import":  # what ImportWorker.submit stores
        parameters = {
            "kind": "messages",
            "path": str(upload or ""),
            "client_name": "forum.csv",
            "source": None,
            "strict": False,
            "options": {},
        }
    at = utcnow() - ended_days_ago * DAY
    with transaction(sessions) as session:
        row = jobs.queue_job(session, kind=kind, actor="user:zoe", parameters=parameters)
        values: dict[str, object] = {"state": state, "created_at": at, "heartbeat_at": at}
        if state not in ("queued", "running"):
            values["finished_at"] = at
        session.execute(sa.update(BackgroundJob).where(BackgroundJob.id == row.id).values(**values))
        return row.id


def _ids(sessions: sessionmaker[Session]) -> set[int]:
    with sessions() as session:
        return set(session.scalars(sa.select(BackgroundJob.id)))


def _purge_audits(sessions: sessionmaker[Session]) -> list[AuditEntry]:
    with sessions() as session:
        return list(
            session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "jobs.purged"))
        )


def put_upload(settings: Settings, name: str) -> Path:
    """A small file stored where the web application stores uploads, as one it received."""
    folder = settings.uploads_path
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text("author,text\nzoe,bonjour\n", encoding="utf-8")
    return path


def test_jobs_that_ended_before_the_retention_go_and_recent_ones_stay(
    settings: Settings, sessions: sessionmaker[Session]
) -> None:
    old = [
        make_job(sessions, state=state, ended_days_ago=31)
        for state in ("succeeded", "failed", "interrupted")
    ]
    recent = [make_job(sessions, state="failed", ended_days_ago=29), make_job(sessions)]

    report = Retention(keep_days=30, uploads=settings.uploads_path).apply(sessions)

    assert report.jobs == len(old)
    assert _ids(sessions) == set(recent)


def test_queued_and_running_jobs_stay_however_long_ago_they_were_created(
    settings: Settings, sessions: sessionmaker[Session]
) -> None:
    live = [make_job(sessions, state=state) for state in ("queued", "running")]
    with transaction(sessions) as session:
        session.execute(sa.update(BackgroundJob).values(created_at=utcnow() - 400 * DAY))
    newest = make_job(sessions, ended_days_ago=90)  # would hide them as the latest import

    report = Retention(keep_days=30, uploads=settings.uploads_path).apply(sessions)

    assert report.jobs == 0
    assert _ids(sessions) == {*live, newest}


def test_a_live_job_stays_even_under_a_cutoff_of_now(sessions: sessionmaker[Session]) -> None:
    # Its heartbeat (a second ago) is before the cutoff; its process is alive all the same.
    live = [
        make_job(sessions, state=state, ended_days_ago=1 / 86400) for state in ("queued", "running")
    ]
    ended = make_job(sessions, state="failed", ended_days_ago=1 / 86400)
    latest = make_job(sessions, kind="import", state="queued")
    with transaction(sessions) as session:
        purged = jobs.purge_finished(session, older_than=utcnow(), actor="system")
    assert purged.by_kind == {"import": 1}
    assert ended not in _ids(sessions)
    assert _ids(sessions) == {*live, latest}


def test_a_running_job_whose_process_died_long_ago_goes_like_an_interrupted_one(
    settings: Settings, sessions: sessionmaker[Session]
) -> None:
    # Its row still says running (a crash stores nothing) but reads as interrupted.
    dead = make_job(sessions, state="running", ended_days_ago=45)
    with sessions() as session:
        row = session.get(BackgroundJob, dead)
        assert row is not None
        assert jobs.effective_state(row) == "interrupted"
    latest = make_job(sessions, ended_days_ago=1)

    Retention(keep_days=30, uploads=settings.uploads_path).apply(sessions)

    assert _ids(sessions) == {latest}


def test_the_latest_job_of_each_kind_stays_whatever_its_age(
    settings: Settings, sessions: sessionmaker[Session]
) -> None:
    make_job(sessions, kind="training", ended_days_ago=300)
    last_training = make_job(sessions, kind="training", state="failed", ended_days_ago=200)
    make_job(sessions, kind="import", ended_days_ago=100)
    last_import = make_job(sessions, kind="import", ended_days_ago=90)

    report = Retention(keep_days=30, uploads=settings.uploads_path).apply(sessions)

    assert report.jobs == 2
    assert _ids(sessions) == {last_training, last_import}
    # What the pages show as "the last training" and "the last import" is still there.
    with sessions() as session:
        training = jobs.latest_job(session, "training")
        upload = jobs.latest_job(session, "import")
        assert training is not None
        assert upload is not None
        assert (training.id, training.state) == (last_training, "failed")
        assert upload.id == last_import


def test_zero_keeps_every_job(settings: Settings, sessions: sessionmaker[Session]) -> None:
    kept = {make_job(sessions, ended_days_ago=days) for days in (3650, 365, 0)}

    report = Retention(keep_days=0, uploads=settings.uploads_path).apply(sessions)

    assert (report.jobs, report.files) == (0, 0)
    assert _ids(sessions) == kept
    assert _purge_audits(sessions) == []


def test_an_imports_uploaded_file_goes_with_its_row_and_a_kept_rows_file_stays(
    settings: Settings, sessions: sessionmaker[Session]
) -> None:
    gone = put_upload(settings, "20260101T000000-messages-0123456789abcdef.csv")
    kept = put_upload(settings, "20261201T000000-messages-fedcba9876543210.csv")
    make_job(sessions, ended_days_ago=40, upload=gone)
    make_job(sessions, ended_days_ago=40, upload=settings.uploads_path / "removed-by-hand.csv")
    make_job(sessions, ended_days_ago=2, upload=kept)

    report = Retention(keep_days=30, uploads=settings.uploads_path).apply(sessions)

    assert (report.jobs, report.files) == (2, 1)
    assert not gone.exists()
    assert kept.exists()


def test_a_file_outside_the_uploads_folder_is_never_removed(tmp_path: Path) -> None:
    uploads = tmp_path / "uploads"
    uploads.mkdir()
    outside = tmp_path / "precious.csv"
    outside.write_text("x\n", encoding="utf-8")
    sneaky = uploads / ".." / "precious.csv"

    assert remove_uploads((str(outside), str(sneaky)), uploads) == 0
    assert outside.exists()


def test_a_purge_that_fails_on_the_way_to_a_job_is_logged_not_raised(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # A database that cannot be opened: the web application must still queue its job.
    unreachable = sa.create_engine(f"sqlite:///{tmp_path / 'missing' / 'palabre.sqlite3'}")
    retention = Retention(keep_days=30, uploads=tmp_path / "uploads")
    with pytest.raises(sa.exc.OperationalError):
        retention.apply(sessionmaker(unreachable))
    caplog.clear()

    retention.apply_quietly(sessionmaker(unreachable))

    assert "the purge of finished background jobs failed" in caplog.text
    unreachable.dispose()


def test_a_purge_writes_one_audit_record_with_counts_and_none_when_nothing_went(
    settings: Settings, sessions: sessionmaker[Session]
) -> None:
    upload = put_upload(settings, "20260101T000000-messages-0123456789abcdef.csv")
    make_job(sessions, ended_days_ago=40, upload=upload)
    make_job(sessions, kind="training", ended_days_ago=50)
    make_job(sessions, kind="training", ended_days_ago=45)
    make_job(sessions, ended_days_ago=1)
    retention = Retention(keep_days=30, uploads=settings.uploads_path)

    retention.apply(sessions)
    retention.apply(sessions)  # nothing left to purge: no second record

    [entry] = _purge_audits(sessions)
    assert (entry.actor, entry.subject_type, entry.subject_id) == ("system", "background_job", None)
    assert entry.details["jobs"] == 2
    assert entry.details["by_kind"] == {"import": 1, "training": 1}
    assert entry.details["uploads"] == 1
    ended_before = dt.datetime.fromisoformat(entry.details["ended_before"])
    assert abs(ended_before - (utcnow() - 30 * DAY)) < dt.timedelta(minutes=5)
    # Counts only: not the file's name, not the actor of the jobs.
    assert "zoe" not in str(entry.details)
    assert upload.name not in str(entry.details)


def test_the_service_leaves_the_transaction_to_its_caller(
    settings: Settings, sessions: sessionmaker[Session]
) -> None:
    old = make_job(sessions, ended_days_ago=40)
    latest = make_job(sessions)
    with sessions() as session:
        purged = jobs.purge_finished(session, older_than=utcnow() - 30 * DAY, actor="system")
        assert purged.jobs == 1
        session.rollback()
    assert _ids(sessions) == {old, latest}
    assert _purge_audits(sessions) == []


def test_the_retention_is_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PALABRE_JOBS_KEEP_DAYS", raising=False)
    assert Settings().jobs_keep_days == 30
    monkeypatch.setenv("PALABRE_JOBS_KEEP_DAYS", "7")
    assert Settings().jobs_keep_days == 7
    monkeypatch.setenv("PALABRE_JOBS_KEEP_DAYS", "0")
    assert Settings().jobs_keep_days == 0
    monkeypatch.setenv("PALABRE_JOBS_KEEP_DAYS", "-1")
    with pytest.raises(ValidationError, match="jobs_keep_days"):
        Settings()


def test_palabre_analyze_applies_the_retention_and_says_what_went(
    settings: Settings, sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    upload = put_upload(settings, "20260101T000000-messages-0123456789abcdef.csv")
    make_job(sessions, ended_days_ago=10, upload=upload)
    latest = make_job(sessions, ended_days_ago=1)
    monkeypatch.setenv("PALABRE_JOBS_KEEP_DAYS", "7")
    flags = ["--data-dir", str(settings.data_dir)]
    if settings.database_url:
        flags += ["--database-url", settings.database_url]

    result = CliRunner().invoke(cli_app, [*flags, "analyze"])

    assert result.exit_code == 0, result.output
    assert "background jobs: 1 ended more than 7 days ago deleted" in result.output
    assert _ids(sessions) == {latest}
    assert not upload.exists()
