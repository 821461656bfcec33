"""Every route declares who it serves, and every role (and anonymous) gets the answer declared.

The walk reads the declarations from the application itself (palabre.web.access), so a
page added later is covered without touching this file; a route with no declaration
(or two) fails here, and the application refuses to start with it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient

from palabre.accounts.models import ROLES, UserAccount
from palabre.web.access import Policy, authenticated, public, requires, route_policies
from palabre.web.access import undeclared_routes as find_undeclared
from palabre.web.corrections_views import CORRECTION_ROLES
from palabre.web.training_worker import trainer_of
from tests.web.conftest import Account, csrf_of, sign_in

# Routes that are not palabre's own route functions, and why they need no declaration.
FRAMEWORK_ROUTES = {
    "/api/v1/openapi.json": "the public API schema, served by FastAPI",
    "/static": "stylesheets and vendored scripts, the same for everyone",
}
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


def test_every_route_of_the_application_declares_who_it_serves(app: FastAPI) -> None:
    assert find_undeclared(app) == []
    others = [
        str(context.path)
        for context in iter_route_contexts(app.routes)
        if not isinstance(context.original_route, APIRoute)
    ]
    assert sorted(others) == sorted(FRAMEWORK_ROUTES)


def test_a_route_without_declaration_or_with_two_is_reported() -> None:
    app = FastAPI()
    router = APIRouter(prefix="/admin", dependencies=[requires("admin")])

    @router.get("/users")
    def users() -> str:
        return "by router"

    @router.get("/twice", dependencies=[public()])
    def twice() -> str:
        return "ambiguous"

    @app.get("/forgotten")
    def forgotten() -> str:
        return "nobody said"

    @app.get("/mine")
    def mine(user: Annotated[UserAccount, authenticated()]) -> str:
        return user.username

    app.include_router(router)
    assert find_undeclared(app) == [
        "GET /forgotten (no declaration)",
        "GET /admin/twice (2 declarations)",
    ]
    policies = route_policies(app)
    assert policies[("GET", "/admin/users")] == Policy("roles", frozenset({"admin"}))
    assert policies[("GET", "/mine")] == Policy("authenticated")


def _url(path: str) -> str:
    # A path parameter gets an id that may not exist: access is decided before lookup.
    return re.sub(r"\{[^}]+\}", "1", path)


def _expected(policy: Policy, role: str | None, path: str) -> str:
    if policy.admits(role):
        return "served"
    if role is None:
        return "unauthorised" if path.startswith("/api/") else "to sign-in"
    return "forbidden"


def _outcome(status: int, location: str) -> str:
    if status == 401:
        return "unauthorised"
    if status == 403:
        return "forbidden"
    if status in (302, 303, 307) and location.startswith("/signin?next="):
        return "to sign-in"
    if status >= 500:
        return f"server error {status}"
    # Served: a page, a redirect elsewhere, or (for an id that does not exist, a form
    # posted empty) a 404 / 422 from the route itself, past the access check.
    return "served"


def test_walk_every_route_for_every_role_and_anonymous(
    app: FastAPI, make_account: Callable[..., Account]
) -> None:
    policies = route_policies(app)
    accounts = {role: make_account(role) for role in ROLES}
    clients: dict[str | None, TestClient] = {None: TestClient(app, follow_redirects=False)}
    for role, account in accounts.items():
        clients[role] = TestClient(app, follow_redirects=False)
        assert sign_in(clients[role], account) == 303

    mismatches = []
    checked = 0
    for (method, path), policy in sorted(policies.items()):
        for role, client in clients.items():
            headers = {"X-CSRF-Token": csrf_of(client)} if method in UNSAFE else {}
            response = client.request(method, _url(path), headers=headers)
            got = _outcome(response.status_code, response.headers.get("location", ""))
            want = _expected(policy, role, path)
            checked += 1
            if got != want:
                mismatches.append(f"{method} {path} as {role or 'anonymous'}: {got}, want {want}")
            # A route may sign the caller out (POST /signout): sign in again.
            signed_out = method in UNSAFE and client.get("/api/v1/me").status_code != 200
            if role is not None and signed_out:
                assert sign_in(client, accounts[role]) == 303
    assert mismatches == []
    assert checked == len(policies) * (len(ROLES) + 1)
    # "Retrain now" (page and API) started a training in the background: let it end
    # before the workspace goes.
    assert trainer_of(app).wait(timeout=120)


#: The signal model's page, its forms and its API: what the walk above visits for them.
SIGNAL_MODEL_ROUTES = {
    ("GET", "/customers/model"),
    ("POST", "/customers/model/terms"),
    ("POST", "/customers/model/terms/{term_id}/remove"),
    ("POST", "/customers/model/training"),
    ("GET", "/customers/model/training"),
    ("GET", "/api/v1/signals/model"),
    ("GET", "/api/v1/signals/adaptations"),
    ("GET", "/api/v1/signals/terms"),
    ("POST", "/api/v1/signals/terms"),
    ("DELETE", "/api/v1/signals/terms/{term_id}"),
    ("POST", "/api/v1/signals/training"),
    ("GET", "/api/v1/signals/training"),
}


def test_the_signal_model_serves_exactly_the_roles_that_correct_signals(app: FastAPI) -> None:
    policies = route_policies(app)
    model_routes = {
        key for key in policies if key[1].startswith(("/customers/model", "/api/v1/signals/"))
    }
    assert model_routes == SIGNAL_MODEL_ROUTES
    for key in SIGNAL_MODEL_ROUTES:
        assert policies[key] == Policy("roles", frozenset(CORRECTION_ROLES)), key


def test_a_get_page_without_parameters_answers_200_to_every_role_it_serves(
    app: FastAPI, client_as: Callable[[str], TestClient]
) -> None:
    clients = {role: client_as(role) for role in ROLES}
    for (method, path), policy in route_policies(app).items():
        if method != "GET" or "{" in path or path == "/signin":
            continue  # /signin sends a signed-in visitor on (tested with sign-in)
        for role, client in clients.items():
            if policy.admits(role):
                assert client.get(path).status_code == 200, (path, role)
