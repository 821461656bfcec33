"""Admin pages: the overview, accounts and roles, and segments.

Accounts (``/admin``, ``/admin/users``) are for admins only. Segments
(``/admin/segments``) serve admins and customer analysts, who define the segments
they watch. Every change goes through a service that writes the audit record; an
admin cannot change their own role or deactivate themselves (so that a workspace
never loses its last admin by a slip of the mouse).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Annotated, Final

import sqlalchemy as sa
from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from palabre.accounts import service as accounts
from palabre.accounts.models import ROLES, UserAccount
from palabre.connectors.models import ImportRun
from palabre.errors import ConflictError, PalabreError, RuleSyntaxError
from palabre.identity import segments as segment_service
from palabre.identity.models import Segment
from palabre.privacy import erasure
from palabre.web.access import requires
from palabre.web.admin_imports import KIND_LABELS, signed_in
from palabre.web.deps import DbSession
from palabre.web.i18n import N_
from palabre.web.imports_worker import import_jobs
from palabre.web.schemas import NO_NUL
from palabre.web.templating import render

#: Who manages segments: admins, and the customer analysts who watch them.
SEGMENT_ROLES: Final[tuple[str, ...]] = ("admin", "analyst")

SEGMENT_KIND_LABELS: Final[dict[str, str]] = {
    "customer": N_("Customers"),
    "employee": N_("Employees"),
    "any": N_("Anyone"),
}
assert set(SEGMENT_KIND_LABELS) == set(segment_service.SEGMENT_KINDS)

router = APIRouter(prefix="/admin", include_in_schema=False, dependencies=[requires("admin")])
segments_router = APIRouter(
    prefix="/admin/segments", include_in_schema=False, dependencies=[requires(*SEGMENT_ROLES)]
)


def refuse_self_change(user: UserAccount, username: str, what: str) -> None:
    """Refuse (409) an admin's change of their own account that could lock them out."""
    if accounts.normalize_username(username) == user.username:
        raise ConflictError(f"you cannot {what} your own account: ask another admin")


# -- overview --------------------------------------------------------------------------


@router.get("")
def overview(request: Request, db: DbSession) -> HTMLResponse:
    """Accounts by role, segments, recent imports and the imports in progress."""
    users = accounts.list_users(db)
    by_role = Counter(user.role for user in users if user.is_active)
    recent = list(db.scalars(sa.select(ImportRun).order_by(ImportRun.id.desc()).limit(5)))
    context = {
        "roles": [(role, by_role.get(role, 0)) for role in ROLES],
        "active_users": sum(by_role.values()),
        "inactive_users": sum(1 for user in users if not user.is_active),
        "segment_count": db.scalar(sa.select(sa.func.count()).select_from(Segment)) or 0,
        "runs": recent,
        "jobs": import_jobs(db),
        "kind_labels": KIND_LABELS,
        "erasure_requests": erasure.pending_requests(db),
    }
    return render(request, "admin/overview.html", context)


# -- accounts --------------------------------------------------------------------------


@dataclass(frozen=True)
class NewUserForm:
    """The values of the new-account form (kept when it is shown again with an error)."""

    username: str = ""
    display_name: str = ""
    role: str = "member"
    locale: str = ""


def _users_page(
    request: Request,
    db: Session,
    *,
    form: NewUserForm | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    context = {
        "users": accounts.list_users(db),
        "roles": ROLES,
        "form": form or NewUserForm(),
        "error": error,
    }
    return render(request, "admin/users.html", context, status_code=status_code)


@router.get("/users")
def users_page(request: Request, db: DbSession) -> HTMLResponse:
    """Every account with its role and state; the forms to add, change and deactivate."""
    return _users_page(request, db)


@router.post("/users")
def add_user(
    request: Request,
    db: DbSession,
    username: Annotated[str, Form(max_length=150, pattern=NO_NUL)],
    role: Annotated[str, Form(max_length=16, pattern=NO_NUL)],
    display_name: Annotated[str, Form(max_length=300, pattern=NO_NUL)] = "",
    locale: Annotated[str, Form(max_length=35, pattern=NO_NUL)] = "",
) -> HTMLResponse:
    """Create an account with a generated password, shown once on the answer page."""
    admin = signed_in(request)
    password = accounts.generate_password()
    try:
        user = accounts.create_user(
            db,
            username=username,
            role=role,
            password=password,
            actor=f"user:{admin.username}",
            display_name=display_name.strip() or None,
            locale=locale or None,
        )
    except PalabreError as exc:
        db.rollback()
        form = NewUserForm(username, display_name, role, locale)
        return _users_page(request, db, form=form, error=exc.message, status_code=exc.http_status)
    return render(
        request, "admin/user_created.html", {"created": user, "password": password}, status_code=201
    )


@router.post("/users/{username}/role")
def change_role(
    request: Request,
    db: DbSession,
    username: str,
    role: Annotated[str, Form(max_length=16, pattern=NO_NUL)],
) -> Response:
    """Give an account another role (not one's own)."""
    admin = signed_in(request)
    try:
        refuse_self_change(admin, username, "change the role of")
        accounts.set_role(db, username, role, actor=f"user:{admin.username}")
    except PalabreError as exc:
        db.rollback()
        return _users_page(request, db, error=exc.message, status_code=exc.http_status)
    return RedirectResponse("/admin/users", status_code=303)


@router.post("/users/{username}/deactivate")
def deactivate_user(request: Request, db: DbSession, username: str) -> Response:
    """Stop an account from signing in (not one's own); its sessions end at once."""
    admin = signed_in(request)
    try:
        refuse_self_change(admin, username, "deactivate")
        accounts.deactivate(db, username, actor=f"user:{admin.username}")
    except PalabreError as exc:
        db.rollback()
        return _users_page(request, db, error=exc.message, status_code=exc.http_status)
    return RedirectResponse("/admin/users", status_code=303)


# -- segments --------------------------------------------------------------------------


@dataclass(frozen=True)
class SegmentForm:
    """The values of the new-segment form (kept when it is shown again with an error)."""

    name: str = ""
    kind: str = "customer"
    rule: str = ""
    description: str = ""


def _segments_page(
    request: Request,
    db: Session,
    *,
    form: SegmentForm | None = None,
    error: str | None = None,
    rule_error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    context = {
        "segments": segment_service.list_segments(db),
        "kind_labels": SEGMENT_KIND_LABELS,
        "form": form or SegmentForm(),
        "error": error,
        "rule_error": rule_error,
    }
    return render(request, "admin/segments.html", context, status_code=status_code)


@segments_router.get("")
def segments_page(request: Request, db: DbSession) -> HTMLResponse:
    """Every segment with its members count; the form that defines one by a rule."""
    return _segments_page(request, db)


@segments_router.post("")
def add_segment(
    request: Request,
    db: DbSession,
    name: Annotated[str, Form(max_length=200, pattern=NO_NUL)],
    rule: Annotated[str, Form(max_length=10_000, pattern=NO_NUL)],
    kind: Annotated[str, Form(max_length=16, pattern=NO_NUL)] = "customer",
    description: Annotated[str, Form(max_length=2000, pattern=NO_NUL)] = "",
) -> Response:
    """Define a segment; a rule that does not parse is shown again with a caret under the fault."""
    user = signed_in(request)
    try:
        segment_service.create_segment(
            db,
            name=name,
            rule=rule,
            kind=kind,
            description=description,
            actor=f"user:{user.username}",
        )
    except PalabreError as exc:
        db.rollback()
        form = SegmentForm(name, kind, rule, description)
        rule_problem = isinstance(exc, RuleSyntaxError)
        return _segments_page(
            request,
            db,
            form=form,
            error=None if rule_problem else exc.message,
            rule_error=exc.message if rule_problem else None,
            status_code=exc.http_status,
        )
    return RedirectResponse("/admin/segments", status_code=303)


@segments_router.post("/{segment_id}/refresh")
def refresh_segment(request: Request, db: DbSession, segment_id: int) -> Response:
    """Recompute a segment's members from its rule."""
    user = signed_in(request)
    segment = segment_service.get_segment(db, segment_id)
    segment_service.refresh_segment(db, segment, actor=f"user:{user.username}")
    return RedirectResponse("/admin/segments", status_code=303)


@segments_router.post("/{segment_id}/delete")
def delete_segment(request: Request, db: DbSession, segment_id: int) -> Response:
    """Delete a segment and its membership (its definition stays in the audit log)."""
    user = signed_in(request)
    segment = segment_service.get_segment(db, segment_id)
    segment_service.delete_segment(db, segment, actor=f"user:{user.username}")
    return RedirectResponse("/admin/segments", status_code=303)
