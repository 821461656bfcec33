"""Count the SQL statements a request runs: list pages must not grow with their rows (N+1)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event


@contextmanager
def statements(engine: sa.Engine) -> Iterator[list[str]]:
    """Collect every statement ``engine`` sends to the database inside the block."""
    seen: list[str] = []

    def collect(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", collect)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", collect)
