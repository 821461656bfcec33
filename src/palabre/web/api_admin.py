"""The admin part of the JSON API: accounts (admin), imports (admin), segments (admin, analyst).

Same session cookie and CSRF header as the pages (docs/web.md). The rules are the
pages' rules: every change is audited by its service, an admin cannot change their
own role or deactivate themselves, an upload is limited to ``upload_max_bytes``.
"""

from __future__ import annotations

from typing import Annotated, Final, Literal

import sqlalchemy as sa
from fastapi import APIRouter, File, Form, Path, Query, Request, Response, UploadFile

from palabre.accounts import service as accounts
from palabre.accounts.models import UserAccount
from palabre.accounts.schemas import UserAccountRead
from palabre.connectors.models import ImportRun
from palabre.errors import NotFoundError
from palabre.identity import segments as segment_service
from palabre.identity.models import Segment
from palabre.web.access import requires
from palabre.web.admin_imports import UploadLimitRoute, signed_in, start_upload
from palabre.web.admin_views import SEGMENT_ROLES, refuse_self_change
from palabre.web.api import PREFIX
from palabre.web.deps import DbSession
from palabre.web.imports_worker import ImportJob, find_import_job
from palabre.web.schemas import (
    NO_NUL,
    ImportJobRead,
    ImportRunRead,
    ImportRunReport,
    RefreshRead,
    SegmentCreate,
    SegmentRead,
    SegmentUpdate,
    UserCreate,
    UserCreated,
    UserUpdate,
)

#: Ids are 32-bit on PostgreSQL: a larger one cannot name anything (and must not reach SQL).
MAX_ID: Final = 2**31 - 1

ImportKind = Literal[
    "messages", "people", "slack", "mattermost", "discourse", "mbox", "activitypub"
]
Username = Annotated[str, Path(min_length=1, max_length=150, pattern=NO_NUL)]
RunId = Annotated[int, Path(ge=1, le=MAX_ID)]
SegmentId = Annotated[int, Path(ge=1, le=MAX_ID)]

users_router = APIRouter(
    prefix=f"{PREFIX}/users", tags=["accounts"], dependencies=[requires("admin")]
)
imports_router = APIRouter(
    prefix=f"{PREFIX}/imports",
    tags=["imports"],
    dependencies=[requires("admin")],
    route_class=UploadLimitRoute,
)
segments_router = APIRouter(
    prefix=f"{PREFIX}/segments", tags=["segments"], dependencies=[requires(*SEGMENT_ROLES)]
)


def _actor(request: Request) -> str:
    return f"user:{signed_in(request).username}"


# -- accounts --------------------------------------------------------------------------


@users_router.get("", response_model=list[UserAccountRead])
def list_users(db: DbSession) -> list[UserAccount]:
    """Every account, by username."""
    return accounts.list_users(db)


@users_router.post("", response_model=UserCreated, status_code=201)
def create_user(request: Request, db: DbSession, body: UserCreate) -> UserCreated:
    """Create an account with a generated password, returned in this answer only."""
    password = accounts.generate_password()
    user = accounts.create_user(
        db,
        username=body.username,
        role=body.role,
        password=password,
        actor=_actor(request),
        display_name=(body.display_name or "").strip() or None,
        locale=body.locale,
    )
    read = UserAccountRead.model_validate(user)
    return UserCreated(**read.model_dump(), password=password)


@users_router.get("/{username}", response_model=UserAccountRead)
def get_user(db: DbSession, username: Username) -> UserAccount:
    """One account."""
    return accounts.get_user(db, username)


@users_router.patch("/{username}", response_model=UserAccountRead)
def update_user(
    request: Request, db: DbSession, username: Username, body: UserUpdate
) -> UserAccount:
    """Change an account's role, or deactivate it (never one's own account)."""
    user = accounts.get_user(db, username)
    admin = signed_in(request)
    if body.role is not None and body.role != user.role:
        refuse_self_change(admin, user.username, "change the role of")
        accounts.set_role(db, user.username, body.role, actor=_actor(request))
    if body.is_active is False:
        refuse_self_change(admin, user.username, "deactivate")
        accounts.deactivate(db, user.username, actor=_actor(request))
    return user


# -- imports ---------------------------------------------------------------------------


def _job_read(job: ImportJob) -> ImportJobRead:
    return ImportJobRead(
        id=job.id,
        kind=job.kind,
        file_name=job.client_name,
        source=job.source,
        strict=job.strict,
        state=job.state,
        run_id=job.run_id,
        position=job.position,
        total=job.total,
        records=job.records,
        error=job.error,
        submitted_at=job.submitted_at,
        finished_at=job.finished_at,
    )


@imports_router.get("", response_model=list[ImportRunRead])
def list_imports(
    db: DbSession,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> list[ImportRun]:
    """The import runs, newest first (``limit``: default 50)."""
    query = sa.select(ImportRun).order_by(ImportRun.id.desc()).limit(limit)
    return list(db.scalars(query))


@imports_router.post("", response_model=ImportJobRead, status_code=202)
def upload_import(
    request: Request,
    db: DbSession,
    kind: Annotated[ImportKind, Form()],
    file: Annotated[UploadFile, File(description="the file to import")],
    source: Annotated[str, Form(max_length=100, pattern=NO_NUL)] = "",
    strict: Annotated[bool, Form()] = False,
    column_map: Annotated[str, Form(max_length=2000, pattern=NO_NUL)] = "",
) -> ImportJobRead:
    """Store the file and queue its import; follow it at ``/imports/jobs/{id}``."""
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
    return _job_read(job)


@imports_router.get("/jobs/{job_id}", response_model=ImportJobRead)
def import_job(
    db: DbSession, job_id: Annotated[str, Path(max_length=64, pattern=NO_NUL)]
) -> ImportJobRead:
    """Where an uploaded file's import stands, whichever server process runs it
    (``interrupted``: that process stopped before the import ended)."""
    job = find_import_job(db, job_id)
    if job is None:
        raise NotFoundError(f"no import job {job_id!r}")
    return _job_read(job)


@imports_router.get("/{run_id}", response_model=ImportRunReport)
def import_run(db: DbSession, run_id: RunId) -> ImportRun:
    """An import run with its counts and the reasons of its first rejections."""
    run = db.get(ImportRun, run_id)
    if run is None:
        raise NotFoundError(f"no import run {run_id}")
    return run


# -- segments --------------------------------------------------------------------------


def _segment(db: DbSession, segment_id: int) -> Segment:
    segment = db.get(Segment, segment_id)
    if segment is None:
        raise NotFoundError(f"no segment with id {segment_id}")
    return segment


@segments_router.get("", response_model=list[SegmentRead])
def list_segments(db: DbSession) -> list[Segment]:
    """Every segment, by name, with its members count."""
    return segment_service.list_segments(db)


@segments_router.post("", response_model=SegmentRead, status_code=201)
def create_segment(request: Request, db: DbSession, body: SegmentCreate) -> Segment:
    """Define a segment; its members are computed at once (422 with a caret on a bad rule)."""
    return segment_service.create_segment(
        db,
        name=body.name,
        rule=body.rule,
        kind=body.kind,
        description=body.description,
        actor=_actor(request),
    )


@segments_router.get("/{segment_id}", response_model=SegmentRead)
def get_segment(db: DbSession, segment_id: SegmentId) -> Segment:
    """One segment."""
    return _segment(db, segment_id)


@segments_router.patch("/{segment_id}", response_model=SegmentRead)
def update_segment(
    request: Request, db: DbSession, segment_id: SegmentId, body: SegmentUpdate
) -> Segment:
    """Rename a segment or change its rule, kind or description (a new rule recomputes it)."""
    segment = _segment(db, segment_id)
    segment_service.update_segment(
        db,
        segment,
        name=body.name,
        rule=body.rule,
        kind=body.kind,
        description=body.description,
        actor=_actor(request),
    )
    return segment


@segments_router.delete("/{segment_id}", status_code=204, response_class=Response)
def delete_segment(request: Request, db: DbSession, segment_id: SegmentId) -> Response:
    """Delete a segment and its membership."""
    segment_service.delete_segment(db, _segment(db, segment_id), actor=_actor(request))
    return Response(status_code=204)


@segments_router.post("/{segment_id}/refresh", response_model=RefreshRead)
def refresh_segment(request: Request, db: DbSession, segment_id: SegmentId) -> RefreshRead:
    """Recompute a segment's members from its rule."""
    result = segment_service.refresh_segment(db, _segment(db, segment_id), actor=_actor(request))
    return RefreshRead(added=result.added, removed=result.removed, members=result.total)
