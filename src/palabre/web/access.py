"""Who may call which route: every route declares it, and the declarations form a registry.

A route declares exactly one :class:`Requirement`, made by :func:`public`,
:func:`authenticated` or :func:`requires`, either in ``dependencies=[...]`` or as a
parameter that receives the signed-in account::

    @router.get("/admin/users", dependencies=[requires("admin")])
    def users_page(request: Request) -> HTMLResponse: ...

    @router.get("/people/{person_id}")
    def profile(person_id: int, user: Annotated[UserAccount, requires("hr", "manager")]): ...

A router may carry the declaration for all its routes
(``APIRouter(dependencies=[requires("admin")])``). :func:`route_policies` reads the
declarations back from the application's routes, so the registry cannot drift from
what is enforced; :func:`undeclared_routes` lists the routes that forgot, and the app
factory refuses to start while any does.

Roles are never implied: ``admin`` reaches a route only when the route names it, so
that privacy-sensitive pages (barometer answers, HR data) are opted into explicitly.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

from fastapi import Depends, FastAPI, Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts

from palabre.accounts.models import ROLES, UserAccount
from palabre.errors import PalabreError
from palabre.web.deps import DbSession
from palabre.web.sessions import load_user


class NotSignedInError(PalabreError):
    """The route needs a signed-in account and there is none (HTML: redirect to sign-in)."""

    http_status = 401


class AccessDeniedError(PalabreError):
    """The signed-in account's role is not among the roles the route serves."""

    http_status = 403


PolicyKind = Literal["public", "authenticated", "roles"]


@dataclass(frozen=True)
class Policy:
    """What a route admits: everyone, any signed-in account, or the listed roles."""

    kind: PolicyKind
    roles: frozenset[str] = frozenset()

    def admits(self, role: str | None) -> bool:
        """Whether a caller with ``role`` (None: anonymous) may use the route."""
        if self.kind == "public":
            return True
        if role is None:
            return False
        return self.kind == "authenticated" or role in self.roles

    def describe(self) -> str:
        """``public``, ``authenticated`` or the roles joined by commas (for docs and tests)."""
        return ", ".join(sorted(self.roles)) if self.kind == "roles" else self.kind


class Requirement:
    """The dependency that enforces a :class:`Policy`; it returns the signed-in account.

    For a public route the account may be None (anonymous visitors are welcome).
    """

    def __init__(self, policy: Policy) -> None:
        self.policy = policy

    def __repr__(self) -> str:
        return f"Requirement({self.policy.describe()})"

    def __call__(self, request: Request, db: DbSession) -> UserAccount | None:
        # A plain ``def``: FastAPI runs it in the thread pool. Not on the event loop, even
        # on SQLite: with every pooled connection in use the loop would wait for one
        # while the requests holding them need the loop to give theirs back (a stall
        # the load benchmark hit, docs/web.md).
        user = load_user(request, db)
        if self.policy.admits(user.role if user is not None else None):
            return user
        if user is None:
            raise NotSignedInError("sign in to see this page")
        raise AccessDeniedError(f"the role {user.role!r} does not give access to this page")


def public() -> Any:
    """Declare a route open to everyone, signed in or not."""
    return Depends(Requirement(Policy("public")))


def authenticated() -> Any:
    """Declare a route open to every signed-in account, whatever its role."""
    return Depends(Requirement(Policy("authenticated")))


def requires(*roles: str) -> Any:
    """Declare a route open to the signed-in accounts holding one of ``roles``."""
    if not roles:
        raise ValueError("requires() needs at least one role; use authenticated() for any role")
    unknown = [role for role in roles if role not in ROLES]
    if unknown:
        raise ValueError(f"unknown roles {unknown}: roles are {', '.join(ROLES)}")
    return Depends(Requirement(Policy("roles", frozenset(roles))))


def _requirements(dependant: Dependant) -> Iterator[Requirement]:
    for dependency in dependant.dependencies:
        if isinstance(dependency.call, Requirement):
            yield dependency.call
        yield from _requirements(dependency)


RouteKey = tuple[str, str]


def _api_routes(app: FastAPI) -> Iterator[tuple[str, set[str], list[Requirement]]]:
    # FastAPI includes routers lazily: the effective routes (full path, the router's
    # dependencies merged in) are only visible through iter_route_contexts.
    for context in iter_route_contexts(app.routes):
        if not isinstance(context.original_route, APIRoute):
            continue
        dependant: Dependant = context.dependant
        yield str(context.path), set(context.methods or ()), list(_requirements(dependant))


def route_policies(app: FastAPI) -> dict[RouteKey, Policy]:
    """``(METHOD, path) -> Policy`` for every route that declares exactly one requirement."""
    policies: dict[RouteKey, Policy] = {}
    for path, methods, found in _api_routes(app):
        if len(found) == 1:
            for method in sorted(methods):
                policies[(method, path)] = found[0].policy
    return policies


def undeclared_routes(app: FastAPI) -> list[str]:
    """Routes with no requirement, or with more than one (ambiguous): ``"GET /path (why)"``."""
    problems: list[str] = []
    for path, methods, found in _api_routes(app):
        if len(found) != 1:
            why = "no declaration" if not found else f"{len(found)} declarations"
            problems.extend(f"{method} {path} ({why})" for method in sorted(methods))
    return problems
