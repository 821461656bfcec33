"""Background jobs seen by every server process: two ``create_app()`` on the same settings
are two processes of ``palabre serve --workers 2``. An import or a retraining started
through one is followed, progress and outcome, through the other; one retraining at a time
across both; a job whose process stopped beating reads as interrupted."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from palabre.config import Settings
from palabre.db.base import utcnow
from palabre.db.engine import transaction
from palabre.jobs import service as jobs
from palabre.jobs.models import BackgroundJob
from palabre.text import service
from palabre.text.models import SignalAdaptation
from palabre.text.residual import Inputs
from palabre.web import imports_worker
from palabre.web.app import create_app
from palabre.web.imports_worker import ImportWorker, worker_of
from palabre.web.training_worker import TrainingWorker, trainer_of
from tests.pipeline import world
from tests.web.conftest import Account, csrf_of, sign_in
from tests.web.test_model_pages import answer_discontent

FORUM = Path(__file__).resolve().parents[1] / "fixtures" / "messages" / "forum.csv"
MODEL = "/customers/model"


@pytest.fixture
def other_app(settings: Settings) -> Iterator[FastAPI]:
    """A second server process on the same workspace."""
    application = create_app(settings)
    yield application
    application.state.audit_buffer.close()
    application.state.engine.dispose()


def _client(app: FastAPI, account: Account) -> TestClient:
    client = TestClient(app, follow_redirects=False)
    assert sign_in(client, account) == 303
    return client


@pytest.fixture
def admins(
    app: FastAPI, other_app: FastAPI, make_account: Callable[..., Account]
) -> tuple[TestClient, TestClient]:
    """An admin signed in on each process (the same account)."""
    account = make_account("admin")
    return _client(app, account), _client(other_app, account)


def _upload(client: TestClient) -> str:
    answer = client.post(
        "/admin/imports",
        data={"kind": "messages", "source": "forum", "csrf_token": csrf_of(client)},
        files={"file": ("forum.csv", FORUM.read_bytes(), "text/csv")},
    )
    assert answer.status_code == 303
    location: str = answer.headers["location"]
    return location


def _age_heartbeat(sessions: sessionmaker[Session], kind: str) -> None:
    """What a process that died leaves behind: a heartbeat nobody refreshes any more."""
    with transaction(sessions) as session:
        session.execute(
            sa.update(BackgroundJob)
            .where(BackgroundJob.kind == kind)
            .values(heartbeat_at=utcnow() - jobs.STALE_AFTER - dt.timedelta(seconds=5))
        )


def test_an_import_started_on_one_process_is_followed_to_its_report_on_another(
    app: FastAPI,
    admins: tuple[TestClient, TestClient],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    here, there = admins
    # The import pauses after its first batch, the time to look at it.
    reached, release = threading.Event(), threading.Event()
    seen: list[tuple[int, int | None, int]] = []
    real_run_import = imports_worker.run_import

    def paused_run_import(*args: Any, progress: Any, **kwargs: Any) -> Any:
        def held(position: int, total: int | None, records: int) -> None:
            progress(position, total, records)
            if not reached.is_set():
                seen.append((position, total, records))
                reached.set()
                assert release.wait(timeout=60)

        return real_run_import(*args, progress=held, **kwargs)

    monkeypatch.setattr(imports_worker, "run_import", paused_run_import)
    worker = ImportWorker(app.state.sessions, batch_size=2)
    app.state.import_worker = worker
    job_url = _upload(here)
    job_id = job_url.rsplit("/", 1)[-1]
    try:
        assert reached.wait(timeout=60)
        worker.beat()  # what the heartbeat thread does every few seconds
        running = there.get(job_url + "/progress")
        assert running.status_code == 200
        assert 'data-state="running"' in running.text
        assert "hx-trigger" in running.text  # the other process keeps polling
        [(position, total, records)] = seen
        assert total is not None  # paused half way
        assert position < total
        assert records > 0
        assert f"{records} records read" in running.text
        state = there.get(f"/api/v1/imports/jobs/{job_id}").json()
        assert (state["state"], state["file_name"]) == ("running", "forum.csv")
        assert (state["position"], state["total"], state["records"]) == (position, total, records)
        assert f'href="/admin/imports/jobs/{job_id}"' in there.get("/admin/imports").text
    finally:
        release.set()
    assert worker_of(app).wait(timeout=60)

    done = there.get(job_url + "/progress")
    assert 'data-state="succeeded"' in done.text
    assert "hx-trigger" not in done.text
    assert 'data-count="messages-created">4<' in done.text
    report = there.get(f"/api/v1/imports/jobs/{job_id}").json()
    assert report["state"] == "succeeded"
    assert report["run_id"] is not None
    assert report["position"] == report["total"]
    assert f'href="/admin/imports/jobs/{job_id}"' not in there.get("/admin/imports").text


def test_an_unknown_job_is_a_clean_404_on_every_process(
    admins: tuple[TestClient, TestClient],
) -> None:
    for client in admins:
        page = client.get("/admin/imports/jobs/0123456789abcdef/progress")
        assert page.status_code == 404
        assert "no import job" in page.text
        assert client.get("/api/v1/imports/jobs/0123456789abcdef").status_code == 404


def test_an_import_whose_process_stopped_reads_as_interrupted_with_what_to_do(
    sessions: sessionmaker[Session], admins: tuple[TestClient, TestClient], tmp_path: Path
) -> None:
    _, there = admins
    with transaction(sessions) as session:
        row = jobs.queue_job(
            session,
            kind="import",
            actor="user:admin-user",
            parameters={
                "kind": "messages",
                "path": str(tmp_path / "gone.csv"),
                "client_name": "forum.csv",
                "source": None,
                "strict": False,
                "options": {},
            },
        )
        job_id = row.public_id
    assert 'data-state="queued"' in there.get(f"/admin/imports/jobs/{job_id}/progress").text
    _age_heartbeat(sessions, "import")
    fragment = there.get(f"/admin/imports/jobs/{job_id}/progress")
    assert fragment.status_code == 200
    assert 'data-state="interrupted"' in fragment.text
    assert "hx-trigger" not in fragment.text  # no spinning forever
    assert "stopped (it was restarted, or it died)" in fragment.text
    assert "upload the same file again" in fragment.text
    assert there.get(f"/api/v1/imports/jobs/{job_id}").json()["state"] == "interrupted"
    # No longer listed as in progress.
    assert f'href="/admin/imports/jobs/{job_id}"' not in there.get("/admin/imports").text


@pytest.fixture
def analysed(sessions: sessionmaker[Session], tmp_path: Path) -> sessionmaker[Session]:
    return world.build_analysed(sessions, tmp_path, messages=24)


def _retrain(client: TestClient) -> Any:
    page = client.get(MODEL)
    assert page.status_code == 200
    return client.post(f"{MODEL}/training", data={"csrf_token": csrf_of(client)})


def test_one_retraining_at_a_time_across_processes_each_seeing_the_run(
    app: FastAPI,
    other_app: FastAPI,
    analysed: sessionmaker[Session],
    admins: tuple[TestClient, TestClient],
) -> None:
    answer_discontent(analysed, 2)
    release = threading.Event()

    def slow_scorer(texts: list[str], hints: list[str | None]) -> Inputs:
        assert release.wait(timeout=60)
        return service.shipped_scorer(texts, hints)

    app.state.training_worker = TrainingWorker(analysed, None, scorer=slow_scorer)
    here, there = admins
    try:
        assert _retrain(here).status_code == 303
        fragment = there.get(f"{MODEL}/training")
        assert 'data-state="running"' in fragment.text
        assert 'hx-get="/customers/model/training"' in fragment.text
        assert 'id="retrain" disabled' in there.get(MODEL).text
        refused = _retrain(there)
        assert refused.status_code == 409
        assert "a run started by user:admin-user" in refused.text
        assert "is not over yet" in refused.text
        api = there.post(
            "/api/v1/signals/training", json={}, headers={"X-CSRF-Token": csrf_of(there)}
        )
        assert api.status_code == 409
        assert there.get("/api/v1/signals/training").json()["state"] == "running"
    finally:
        release.set()
    assert trainer_of(app).wait(timeout=60)
    with analysed() as db:
        adaptation = db.scalars(sa.select(SignalAdaptation.id)).one()
    done = there.get(f"{MODEL}/training", headers={"HX-Request": "true"})
    assert done.headers["HX-Refresh"] == "true"
    assert f"run #{adaptation} is the adaptation in use" in done.text
    assert there.get("/api/v1/signals/training").json()["adaptation_id"] == adaptation
    # Over: the other process may start the next one.
    assert _retrain(there).status_code == 303
    assert trainer_of(other_app).wait(timeout=120)


def test_a_retraining_whose_process_stopped_reads_as_interrupted_and_blocks_nothing(
    app: FastAPI,
    sessions: sessionmaker[Session],
    analysed: sessionmaker[Session],
    admins: tuple[TestClient, TestClient],
) -> None:
    answer_discontent(analysed, 2)
    with transaction(sessions) as session:
        jobs.start_training_job(session, actor="user:zoe", parameters={"min_corrections": 20})
    here, _ = admins
    assert _retrain(here).status_code == 409
    _age_heartbeat(sessions, "training")
    fragment = here.get(f"{MODEL}/training")
    assert 'data-state="interrupted"' in fragment.text
    assert "hx-trigger" not in fragment.text
    assert "it changed nothing: start it again" in fragment.text
    assert here.get("/api/v1/signals/training").json()["state"] == "interrupted"
    assert _retrain(here).status_code == 303
    assert trainer_of(app).wait(timeout=120)
    assert here.get("/api/v1/signals/training").json()["state"] == "succeeded"
