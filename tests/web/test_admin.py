"""Admin pages: accounts and roles, imports by upload with progress and report, segments."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from palabre.accounts.models import UserAccount
from palabre.config import Settings
from palabre.connectors.models import ImportRun
from palabre.fabric.models import Message
from palabre.identity.models import Segment
from palabre.privacy.models import AuditEntry
from palabre.web.app import create_app
from palabre.web.imports_worker import worker_of
from tests.web.conftest import Account, csrf_of, sign_in

FORUM = Path(__file__).resolve().parents[1] / "fixtures" / "messages" / "forum.csv"
_PASSWORD = re.compile(r'class="one-time-password"><code>([^<]+)</code>')


def _actions(sessions: sessionmaker[Session]) -> list[tuple[str, str]]:
    with sessions() as session:
        return [
            (entry.actor, entry.action)
            for entry in session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id))
        ]


# -- accounts --------------------------------------------------------------------------


def test_an_admin_adds_an_account_whose_one_time_password_signs_in(
    app: FastAPI, client_as: Callable[[str], TestClient], sessions: sessionmaker[Session]
) -> None:
    admin = client_as("admin")
    answer = admin.post(
        "/admin/users",
        data={
            "username": "Lea.Martin",
            "display_name": "Léa Martin",
            "role": "analyst",
            "locale": "fr",
            "csrf_token": csrf_of(admin),
        },
    )
    assert answer.status_code == 201
    found = _PASSWORD.search(answer.text)
    assert found, "the generated password is shown"
    password = found.group(1)
    # Shown once: the accounts page never shows it again.
    assert password not in admin.get("/admin/users").text
    newcomer = TestClient(app, follow_redirects=False)
    assert sign_in(newcomer, Account("lea.martin", "analyst", password)) == 303
    assert ("user:admin-user", "account.create") in _actions(sessions)


def test_a_bad_new_account_is_refused_with_the_form_kept(
    client_as: Callable[[str], TestClient], make_account: Callable[..., Account]
) -> None:
    make_account("member", "taken")
    admin = client_as("admin")
    answer = admin.post(
        "/admin/users",
        data={"username": "taken", "role": "hr", "csrf_token": csrf_of(admin)},
    )
    assert answer.status_code == 409
    assert "already exists" in answer.text
    assert 'value="taken"' in answer.text


def test_an_admin_changes_a_role_and_deactivates_an_account(
    app: FastAPI,
    client_as: Callable[[str], TestClient],
    make_account: Callable[..., Account],
    sessions: sessionmaker[Session],
) -> None:
    bob = make_account("member", "bob")
    bob_client = TestClient(app, follow_redirects=False)
    assert sign_in(bob_client, bob) == 303
    admin = client_as("admin")
    token = csrf_of(admin)
    changed = admin.post("/admin/users/bob/role", data={"role": "manager", "csrf_token": token})
    assert changed.status_code == 303
    deactivated = admin.post("/admin/users/bob/deactivate", data={"csrf_token": token})
    assert deactivated.status_code == 303
    with sessions() as session:
        account = session.scalars(sa.select(UserAccount).where(UserAccount.username == "bob")).one()
        assert (account.role, account.is_active) == ("manager", False)
    assert {
        ("user:admin-user", "account.set_role"),
        ("user:admin-user", "account.deactivate"),
    } <= set(_actions(sessions))
    # Bob's open session ends with his account.
    assert bob_client.get("/api/v1/me").status_code == 401


def test_an_admin_cannot_demote_or_deactivate_themselves(
    client_as: Callable[[str], TestClient], sessions: sessionmaker[Session]
) -> None:
    admin = client_as("admin")
    token = csrf_of(admin)
    demoted = admin.post(
        "/admin/users/admin-user/role", data={"role": "member", "csrf_token": token}
    )
    assert demoted.status_code == 409
    assert "ask another admin" in demoted.text
    assert (
        admin.post("/admin/users/admin-user/deactivate", data={"csrf_token": token}).status_code
        == 409
    )
    with sessions() as session:
        account = session.scalars(sa.select(UserAccount)).one()
        assert (account.role, account.is_active) == ("admin", True)


def test_account_forms_need_the_csrf_token(client_as: Callable[[str], TestClient]) -> None:
    admin = client_as("admin")
    assert admin.post("/admin/users", data={"username": "x1", "role": "member"}).status_code == 403


# -- imports ---------------------------------------------------------------------------


def _upload(
    client: TestClient,
    content: bytes,
    *,
    name: str = "forum.csv",
    kind: str = "messages",
    **form: str,
) -> object:
    return client.post(
        "/admin/imports",
        data={"kind": kind, "csrf_token": csrf_of(client), **form},
        files={"file": (name, content, "text/csv")},
    )


def test_an_uploaded_csv_is_imported_in_the_background_with_progress_then_a_report(
    app: FastAPI,
    client_as: Callable[[str], TestClient],
    sessions: sessionmaker[Session],
    settings: Settings,
) -> None:
    admin = client_as("admin")
    bad_row = b'm9,support-en,zoe,,,not a date,,,,en,"Hello"\n'
    answer = _upload(
        admin, FORUM.read_bytes() + bad_row, name="../../etc/passwd.csv", source="forum"
    )
    assert answer.status_code == 303  # type: ignore[attr-defined]
    job_url = answer.headers["location"]  # type: ignore[attr-defined]
    assert job_url.startswith("/admin/imports/jobs/")
    page = admin.get(job_url)
    assert page.status_code == 200
    assert worker_of(app).wait(timeout=60)

    fragment = admin.get(job_url + "/progress")
    assert fragment.status_code == 200
    assert 'data-state="succeeded"' in fragment.text
    assert "hx-trigger" not in fragment.text  # polling stops once the import is over
    assert 'data-count="messages-created">4<' in fragment.text
    assert "1 record rejected" in fragment.text
    assert "not a date" in fragment.text
    # The stored file has a generated name in uploads/, whatever the client called it.
    stored = list((settings.data_dir / "uploads").iterdir())
    assert len(stored) == 1
    assert re.fullmatch(r"\d{8}T\d{6}-messages-[0-9a-f]{16}\.csv", stored[0].name)
    assert "passwd" not in stored[0].name
    with sessions() as session:
        run = session.scalars(sa.select(ImportRun)).one()
        assert (run.status, run.source, run.actor) == ("succeeded", "forum", "user:admin-user")
        assert session.scalar(sa.select(sa.func.count()).select_from(Message)) == 4
    listing = admin.get("/admin/imports").text
    assert f'href="/admin/imports/runs/{run.id}"' in listing
    report = admin.get(f"/admin/imports/runs/{run.id}")
    assert report.status_code == 200
    assert stored[0].name in report.text
    assert str(settings.data_dir) not in report.text
    actions = _actions(sessions)
    assert actions.index(("user:admin-user", "import.uploaded")) < actions.index(
        ("user:admin-user", "import.completed")
    )


def test_a_file_that_is_not_of_its_kind_fails_with_the_reason(
    app: FastAPI, client_as: Callable[[str], TestClient]
) -> None:
    admin = client_as("admin")
    answer = _upload(admin, b"no,header,we,know\n1,2,3,4\n", name="x.csv")
    assert worker_of(app).wait(timeout=60)
    fragment = admin.get(answer.headers["location"] + "/progress").text  # type: ignore[attr-defined]
    assert 'data-state="failed"' in fragment
    assert "Nothing was imported" in fragment
    assert "author" in fragment  # the missing column is named


def test_strict_mode_imports_nothing_when_a_record_is_rejected(
    app: FastAPI, client_as: Callable[[str], TestClient], sessions: sessionmaker[Session]
) -> None:
    admin = client_as("admin")
    bad_row = b'm9,support-en,zoe,,,not a date,,,,en,"Hello"\n'
    answer = _upload(admin, FORUM.read_bytes() + bad_row, strict="true")
    assert worker_of(app).wait(timeout=60)
    fragment = admin.get(answer.headers["location"] + "/progress").text  # type: ignore[attr-defined]
    assert 'data-state="failed"' in fragment
    assert "nothing was imported" in fragment
    with sessions() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Message)) == 0


@pytest.mark.parametrize(
    ("form", "problem"),
    [
        ({"kind": "fax"}, "unknown import kind"),
        ({"kind": "slack", "column_map": "a=b"}, "messages and people files only"),
        ({"kind": "messages", "column_map": "oops"}, "invalid column mapping"),
    ],
)
def test_bad_upload_options_are_refused_and_nothing_is_stored(
    client_as: Callable[[str], TestClient], settings: Settings, form: dict[str, str], problem: str
) -> None:
    admin = client_as("admin")
    answer = admin.post(
        "/admin/imports",
        data={"csrf_token": csrf_of(admin), **form},
        files={"file": ("forum.csv", FORUM.read_bytes(), "text/csv")},
    )
    assert answer.status_code == 422
    assert problem in answer.text
    assert not list((settings.data_dir / "uploads").glob("*"))


def test_an_upload_over_the_size_limit_is_refused_and_not_kept(
    settings: Settings, make_account: Callable[..., Account], sessions: sessionmaker[Session]
) -> None:
    small = create_app(settings.model_copy(update={"upload_max_bytes": 2048}))
    admin = TestClient(small, follow_redirects=False)
    assert sign_in(admin, make_account("admin")) == 303
    token = csrf_of(admin)

    def send(size: int) -> int:
        status: int
        status = admin.post(
            "/admin/imports",
            data={"kind": "messages", "csrf_token": token},
            files={"file": ("big.csv", FORUM.read_bytes() + b"x" * size, "text/csv")},
        ).status_code
        return status

    # Over the limit but within the form's framing allowance: refused while copying.
    assert send(4096) == 413
    # Far over: refused from its Content-Length, before the body is read.
    assert send(200_000) == 413
    assert not list((settings.data_dir / "uploads").glob("*"))
    assert "import.uploaded" not in {action for _, action in _actions(sessions)}
    small.state.engine.dispose()


# -- segments --------------------------------------------------------------------------


def test_an_analyst_defines_refreshes_and_deletes_a_segment(
    client_as: Callable[[str], TestClient], sessions: sessionmaker[Session]
) -> None:
    analyst = client_as("analyst")
    token = csrf_of(analyst)
    made = analyst.post(
        "/admin/segments",
        data={"name": "Everyone", "rule": "true", "kind": "any", "csrf_token": token},
    )
    assert made.status_code == 303
    with sessions() as session:
        segment = session.scalars(sa.select(Segment)).one()
    page = analyst.get("/admin/segments").text
    assert "Everyone" in page
    assert f'data-members="{segment.id}">0<' in page
    assert (
        analyst.post(
            f"/admin/segments/{segment.id}/refresh", data={"csrf_token": token}
        ).status_code
        == 303
    )
    assert (
        analyst.post(f"/admin/segments/{segment.id}/delete", data={"csrf_token": token}).status_code
        == 303
    )
    with sessions() as session:
        assert session.scalars(sa.select(Segment)).all() == []
    assert {"segment.created", "segment.refreshed", "segment.deleted"} <= {
        action for _, action in _actions(sessions)
    }


def test_a_bad_rule_is_shown_inline_with_a_caret_under_the_fault(
    client_as: Callable[[str], TestClient], sessions: sessionmaker[Session]
) -> None:
    admin = client_as("admin")
    answer = admin.post(
        "/admin/segments",
        data={"name": "Loyal", "rule": "tenure_months >= and x", "csrf_token": csrf_of(admin)},
    )
    assert answer.status_code == 422
    found = re.search(r'<pre class="rule-error">(.*?)</pre>', answer.text, re.S)
    assert found, "the rule error is shown in the form"
    lines = found.group(1).splitlines()
    assert lines[-2].strip() == "tenure_months &gt;= and x"
    assert lines[-1].strip() == "^"
    # The caret sits under "and", the token that cannot follow ">=".
    assert lines[-1].index("^") - lines[-2].index("t") == len("tenure_months >= ")
    assert 'aria-invalid="true"' in answer.text
    assert "tenure_months &gt;= and x</textarea>" in answer.text  # the rule is kept for fixing
    with sessions() as session:
        assert session.scalars(sa.select(Segment)).all() == []


def test_only_admins_see_accounts_and_imports_while_analysts_also_manage_segments(
    client_as: Callable[[str], TestClient],
) -> None:
    analyst, member = client_as("analyst"), client_as("member")
    assert analyst.get("/admin/segments").status_code == 200
    for path in ("/admin", "/admin/users", "/admin/imports"):
        assert analyst.get(path).status_code == 403
    assert member.get("/admin/segments").status_code == 403
    admin_page = client_as("admin").get("/admin").text
    for link in ("/admin/users", "/admin/imports", "/admin/segments"):
        assert f'href="{link}"' in admin_page
