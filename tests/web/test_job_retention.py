"""The web application applies the retention of finished jobs (``jobs_keep_days``) when it
queues one: an upload purges the imports that ended long ago, with their stored files, and
the pages that show "the last training" keep showing it, however old."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from palabre.config import Settings
from palabre.errors import ConfigError
from palabre.jobs.models import BackgroundJob
from palabre.jobs.retention import Retention
from palabre.privacy.models import AuditEntry
from palabre.text.residual import Inputs
from palabre.web.imports_worker import worker_of
from palabre.web.training_worker import TrainingWorker
from tests.jobs.test_retention import make_job, put_upload
from tests.web.conftest import csrf_of

FORUM = Path(__file__).resolve().parents[1] / "fixtures" / "messages" / "forum.csv"


def test_an_upload_purges_old_imports_and_their_files_and_the_last_training_stays_shown(
    app: FastAPI,
    client_as: Callable[[str], TestClient],
    settings: Settings,
    sessions: sessionmaker[Session],
) -> None:
    old_file = put_upload(settings, "20260101T000000-messages-0123456789abcdef.csv")
    old_import = make_job(sessions, ended_days_ago=40, upload=old_file)
    with sessions() as session:
        old_public_id = session.scalar(
            sa.select(BackgroundJob.public_id).where(BackgroundJob.id == old_import)
        )
    make_job(sessions, kind="training", state="failed", ended_days_ago=200)
    admin = client_as("admin")
    assert admin.get(f"/admin/imports/jobs/{old_public_id}").status_code == 200

    answer = admin.post(
        "/admin/imports",
        data={"kind": "messages", "source": "forum", "csrf_token": csrf_of(admin)},
        files={"file": ("forum.csv", FORUM.read_bytes(), "text/csv")},
    )
    assert answer.status_code == 303
    assert worker_of(app).wait(timeout=60)

    assert not old_file.exists()
    gone = admin.get(f"/admin/imports/jobs/{old_public_id}")
    assert gone.status_code == 404
    assert "see the list of import runs" in gone.text
    # The new import is there and done, with its own stored file.
    done = admin.get(answer.headers["location"] + "/progress")
    assert 'data-state="succeeded"' in done.text
    assert [p.name for p in settings.uploads_path.iterdir()] != []
    # The only training, 200 days old, is still "the last retraining" of the model page.
    training = admin.get("/customers/model/training")
    assert training.status_code == 200
    assert 'data-state="failed"' in training.text
    assert admin.get("/api/v1/signals/training").json()["state"] == "failed"
    with sessions() as session:
        kinds = session.scalars(sa.select(BackgroundJob.kind).order_by(BackgroundJob.id)).all()
        [audited] = session.scalars(
            sa.select(AuditEntry.details).where(AuditEntry.action == "jobs.purged")
        ).all()
    assert list(kinds) == ["training", "import"]
    assert audited["by_kind"] == {"import": 1}


def test_starting_a_training_purges_old_jobs_of_every_kind(
    settings: Settings, sessions: sessionmaker[Session]
) -> None:
    old_file = put_upload(settings, "20260101T000000-messages-0123456789abcdef.csv")
    make_job(sessions, kind="training", state="failed", ended_days_ago=60)
    make_job(sessions, ended_days_ago=50, upload=old_file)
    last_import = make_job(sessions, ended_days_ago=40)

    def broken(texts: list[str], hints: list[str | None]) -> Inputs:
        raise ConfigError("signals encoder: the embeddings extra is not installed")

    worker = TrainingWorker(sessions, None, scorer=broken, retention=Retention.of(settings))
    started = worker.start(actor="user:max", min_corrections=1)
    assert worker.wait(timeout=60)

    with sessions() as session:
        left = set(session.scalars(sa.select(BackgroundJob.id)))
    assert left == {last_import, started.id}
    assert not old_file.exists()
