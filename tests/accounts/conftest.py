"""Account tests hash with argon2's lowest cost: they test behaviour, not strength."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from palabre.accounts import service
from tests.web.conftest import FAST_HASHER


@pytest.fixture(autouse=True)
def _fast_password_hashing() -> Iterator[None]:
    previous = service.use_password_hasher(FAST_HASHER)
    yield
    service.use_password_hasher(previous)
