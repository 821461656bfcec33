"""``palabre serve``: several worker processes, the workspace they serve, a clean stop."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
from collections.abc import Iterator

import httpx
import psutil
import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from palabre.accounts import service
from palabre.cli.serve import worker_environment
from palabre.config import Settings
from palabre.privacy.models import AuditEntry
from tests.people.data import import_company, person_id
from tests.serving import free_port, wait_until_up
from tests.web.conftest import FAST_HASHER, PASSWORD


@pytest.fixture(autouse=True)
def _fast_password_hashing() -> Iterator[None]:
    previous = service.use_password_hasher(FAST_HASHER)
    yield
    service.use_password_hasher(previous)


def test_the_workers_get_the_workspace_that_the_flags_chose(settings: Settings) -> None:
    env = worker_environment(settings)
    assert env["PALABRE_DATA_DIR"] == str(settings.data_dir)
    assert env.get("PALABRE_DATABASE_URL") == settings.database_url
    assert Settings(**{"data_dir": env["PALABRE_DATA_DIR"]}).data_dir == settings.data_dir


def test_serve_with_two_workers_answers_and_writes_every_audited_view_when_stopped(
    settings: Settings, cli_env: dict[str, str], sessions: sessionmaker[Session]
) -> None:
    import_company(sessions)
    with sessions() as db:
        alice = person_id(db, "Alice Martin")
        service.create_user(db, username="rh", role="hr", password=PASSWORD, actor="test")
        db.commit()
    # The workspace is named by flags only: the workers must receive it from serve.
    env = {k: v for k, v in cli_env.items() if not k.startswith("PALABRE_")}
    flags = ["--data-dir", str(settings.data_dir)]
    if settings.database_url:
        flags += ["--database-url", settings.database_url]
    port = free_port()
    command = [sys.executable, "-m", "palabre", *flags, "serve", "--port", str(port)]
    process = subprocess.Popen(
        [*command, "--workers", "2"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base, process)
        workers = psutil.Process(process.pid).children()
        assert len(workers) >= 2
        with httpx.Client(base_url=base, timeout=30) as client:
            page = client.get("/signin")
            token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
            assert token is not None
            signed = client.post(
                "/signin",
                data={"username": "rh", "password": PASSWORD, "csrf_token": token.group(1)},
            )
            assert signed.status_code == 303
            for _ in range(4):
                assert client.get(f"/people/{alice}").status_code == 200
        process.send_signal(signal.SIGINT)  # Ctrl+C
        out, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, err
    assert "2 processes" in out
    with sessions() as db:
        viewed = db.scalars(
            sa.select(AuditEntry.actor).where(
                AuditEntry.action == "person.viewed", AuditEntry.subject_id == str(alice)
            )
        ).all()
    assert viewed == ["user:rh"] * 8  # four views, each of the profile and the contributions
