"""A property-based run of the JSON API against its own OpenAPI schema: no server error.

Schemathesis generates requests for every operation of ``/api/v1/openapi.json``
(valid ones and edge cases: long strings, odd characters, big numbers, missing fields)
and sends them to the application in process, signed in as an admin, with the CSRF
header. Whatever it sends, the answer must not be a 5xx.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from palabre.web.app import SESSION_COOKIE
from palabre.web.imports_worker import worker_of
from palabre.web.training_worker import trainer_of
from tests.web.conftest import Account, csrf_of, sign_in

#: Examples per operation: enough to reach the edge cases, few enough for < 60 s in all.
EXAMPLES = 25


@dataclass(frozen=True)
class Credentials:
    """What a signed-in API client sends: the session cookie and the CSRF header."""

    cookies: dict[str, str]
    headers: dict[str, str]


@pytest.fixture
def admin_credentials(app: FastAPI, make_account: Callable[..., Account]) -> Iterator[Credentials]:
    """An admin's session; background imports and trainings started by the run finish
    before teardown."""
    client = TestClient(app, follow_redirects=False)
    assert sign_in(client, make_account("admin")) == 303
    token = csrf_of(client)
    yield Credentials(
        cookies={SESSION_COOKIE: client.cookies[SESSION_COOKIE]},
        headers={"X-CSRF-Token": token},
    )
    assert worker_of(app).wait(timeout=120)
    assert trainer_of(app).wait(timeout=120)


def test_no_request_makes_the_api_fail_with_a_server_error(
    app: FastAPI, admin_credentials: Credentials
) -> None:
    # One workspace for the whole run: what one operation creates, the next one meets.
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]  # type: ignore[union-attr]
    assert len(operations) >= 15
    failures: list[str] = []
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def call(case: schemathesis.Case) -> None:  # type: ignore[type-arg]
            response = case.call(
                headers=admin_credentials.headers, cookies=admin_credentials.cookies
            )
            case.validate_response(response, checks=[not_a_server_error])

        try:
            call()
        except Exception as exc:  # every operation runs; the failures are listed together
            failures.append(f"{operation.label}: {str(exc).strip().splitlines()[0]}")
    assert not failures, "server errors:\n" + "\n".join(failures)
