"""Admin → Imports: upload a file, watch its import, read its report, list past runs.

The upload request stores the file and queues its import (see
:mod:`palabre.web.imports_worker`); the job page polls a small fragment every second
with htmx until the import is over, then shows its report. Routes for admins only.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Final

import sqlalchemy as sa
from fastapi import APIRouter, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.routing import APIRoute
from sqlalchemy.orm import Session
from starlette.types import Message

from palabre.accounts.models import UserAccount
from palabre.connectors.models import ImportRun
from palabre.connectors.registry import CONNECTORS
from palabre.errors import NotFoundError, PalabreError
from palabre.privacy.audit import record
from palabre.web.access import requires
from palabre.web.deps import DbSession
from palabre.web.i18n import N_
from palabre.web.imports_worker import (
    ImportJob,
    check_kind,
    find_import_job,
    find_run_id,
    import_jobs,
    import_options,
    store_upload,
    uploads_dir,
    worker_of,
)
from palabre.web.schemas import NO_NUL
from palabre.web.templating import render

#: Room for the form's other fields and the multipart framing around the file.
FORM_OVERHEAD: Final = 64 * 1024
#: Past runs listed on the imports page.
RUNS_LISTED: Final = 50
#: Rejections shown on a report page (the run keeps up to a thousand).
REJECTIONS_SHOWN: Final = 200

#: How the interface names each kind of import (keys: the connector registry's kinds).
KIND_LABELS: Final[dict[str, str]] = {
    "messages": N_("Messages, generic CSV or JSONL"),
    "people": N_("People from a CRM or HR export, CSV or JSONL"),
    "slack": N_("Slack workspace export (.zip)"),
    "mattermost": N_("Mattermost bulk export (JSONL)"),
    "discourse": N_("Discourse topics and posts (JSON)"),
    "mbox": N_("Mailing-list archive (mbox)"),
    "activitypub": N_("ActivityPub / Mastodon outbox.json"),
}
assert set(KIND_LABELS) == set(CONNECTORS), "every connector needs a label on the imports page"

COUNT_ROWS: Final[tuple[tuple[str, str], ...]] = (
    ("channels", N_("Channels")),
    ("identities", N_("Identities")),
    ("people", N_("People")),
    ("threads", N_("Threads")),
    ("messages", N_("Messages")),
)


class UploadLimitRoute(APIRoute):
    """A route whose request body may not exceed ``upload_max_bytes`` (plus the form's framing).

    The check runs before the multipart body is parsed: a declared ``Content-Length``
    over the limit is refused at once, and a body that grows past it while arriving
    is cut off, so an oversized upload never fills the disk.
    """

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def limited(request: Request) -> Response:
            max_bytes: int = request.app.state.settings.upload_max_bytes
            limit = max_bytes + FORM_OVERHEAD
            too_large = HTTPException(
                status_code=413,
                detail=(
                    f"file: larger than the {max_bytes:,} bytes allowed (setting "
                    "upload_max_bytes); import it with `palabre import` instead"
                ),
            )
            declared = request.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > limit:
                raise too_large
            received = 0
            receive = request.receive

            async def counting_receive() -> Message:
                nonlocal received
                message = await receive()
                if message["type"] == "http.request":
                    received += len(message.get("body", b""))
                    if received > limit:
                        raise too_large
                return message

            return await handler(Request(request.scope, counting_receive))

        return limited


router = APIRouter(
    prefix="/admin/imports",
    include_in_schema=False,
    dependencies=[requires("admin")],
    route_class=UploadLimitRoute,
)


def signed_in(request: Request) -> UserAccount:
    """The account the route's access declaration let through (it is cached on the request)."""
    user = getattr(request.state, "user", None)
    assert isinstance(user, UserAccount), "the route must declare requires(...) first"
    return user


def start_upload(
    request: Request,
    db: Session,
    user: UserAccount,
    *,
    kind: str,
    file: UploadFile,
    source: str | None,
    strict: bool,
    column_map: str | None,
) -> ImportJob:
    """Check the options, store the uploaded file, audit the upload and queue its import."""
    check_kind(kind)
    options = import_options(kind, column_map)
    source_name = (source or "").strip() or None
    settings = request.app.state.settings
    path = store_upload(
        file.file,
        uploads_dir(request.app),
        kind=kind,
        client_name=file.filename,
        max_bytes=settings.upload_max_bytes,
    )
    client_name = Path(file.filename or "upload").name[:200]
    actor = f"user:{user.username}"
    record(
        db,
        actor=actor,
        action="import.uploaded",
        subject_type="upload",
        subject_id=None,
        details={
            "kind": kind,
            "stored_as": path.name,
            "client_name": client_name,
            "bytes": path.stat().st_size,
            "source": source_name,
            "strict": strict,
        },
    )
    # The audit record must be committed before the worker's import records follow it.
    db.commit()
    return worker_of(request.app).submit(
        kind=kind,
        path=path,
        client_name=client_name,
        source=source_name,
        strict=strict,
        options=options,
        actor=actor,
    )


@dataclass(frozen=True)
class FormValues:
    """What the upload form showed or received (kept when it is shown again with an error)."""

    kind: str = "messages"
    source: str = ""
    strict: bool = False
    column_map: str = ""


def _imports_page(
    request: Request,
    db: Session,
    *,
    form: FormValues | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    runs = list(db.scalars(sa.select(ImportRun).order_by(ImportRun.id.desc()).limit(RUNS_LISTED)))
    context = {
        "kinds": list(KIND_LABELS.items()),
        "runs": runs,
        "jobs": import_jobs(db),
        "form": form or FormValues(),
        "error": error,
        "max_bytes": request.app.state.settings.upload_max_bytes,
    }
    return render(request, "admin/imports.html", context, status_code=status_code)


@router.get("")
def imports_page(request: Request, db: DbSession) -> HTMLResponse:
    """The upload form, the imports in progress and the past import runs."""
    return _imports_page(request, db)


@router.post("")
def upload(
    request: Request,
    db: DbSession,
    kind: Annotated[str, Form(max_length=40, pattern=NO_NUL)],
    file: Annotated[UploadFile, File()],
    source: Annotated[str, Form(max_length=100, pattern=NO_NUL)] = "",
    strict: Annotated[bool, Form()] = False,
    column_map: Annotated[str, Form(max_length=2000, pattern=NO_NUL)] = "",
) -> Response:
    """Store the file, queue its import and go to its progress page."""
    try:
        job = start_upload(
            request,
            db,
            signed_in(request),
            kind=kind,
            file=file,
            source=source,
            strict=strict,
            column_map=column_map,
        )
    except PalabreError as exc:
        db.rollback()
        form = FormValues(kind=kind, source=source, strict=strict, column_map=column_map)
        return _imports_page(request, db, form=form, error=exc.message, status_code=exc.http_status)
    return RedirectResponse(f"/admin/imports/jobs/{job.id}", status_code=303)


def _job_context(request: Request, db: Session, job_id: str) -> dict[str, Any]:
    job = find_import_job(db, job_id)
    if job is None:
        raise NotFoundError(f"no import job {job_id!r} (see the list of import runs)")
    run_id = job.run_id or find_run_id(request.app.state.sessions, job.path)
    run = db.get(ImportRun, run_id) if run_id is not None else None
    return {"job": job, "run": run, **_report_context(run), "kind_labels": KIND_LABELS}


def _report_context(run: ImportRun | None) -> dict[str, Any]:
    if run is None:
        return {"count_rows": COUNT_ROWS, "rejections": []}
    return {
        "count_rows": COUNT_ROWS,
        "rejections": list(run.rejections or [])[:REJECTIONS_SHOWN],
        "upload_name": Path(run.path).name,
    }


@router.get("/jobs/{job_id}")
def job_page(request: Request, db: DbSession, job_id: str) -> HTMLResponse:
    """An uploaded file's import: its progress while it runs, then its report."""
    return render(request, "admin/import_job.html", _job_context(request, db, job_id))


@router.get("/jobs/{job_id}/progress")
def job_progress(request: Request, db: DbSession, job_id: str) -> HTMLResponse:
    """The progress fragment the job page polls every second (the report once done)."""
    return render(request, "admin/_import_progress.html", _job_context(request, db, job_id))


@router.get("/runs/{run_id}")
def run_page(request: Request, db: DbSession, run_id: int) -> HTMLResponse:
    """The report of a past import run: counts, rejections with where and why."""
    run = db.get(ImportRun, run_id)
    if run is None:
        raise NotFoundError(f"no import run {run_id}")
    context = {"run": run, **_report_context(run), "kind_labels": KIND_LABELS}
    return render(request, "admin/import_run.html", context)
