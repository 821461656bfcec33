"""Looking for a piece of text in a column, ignoring case, the same way on both databases."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session


def escape_like(text: str) -> str:
    """``text`` with LIKE's wildcards (``%``, ``_``) and the escape character escaped."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def like_pattern(needle: str) -> str:
    """The LIKE pattern that finds ``needle`` anywhere, lower-cased (see :func:`contains_text`)."""
    # PostgreSQL refuses NUL in a text value: it can match nothing anyway.
    return "%" + escape_like(needle.replace("\x00", "").lower()) + "%"


def _sqlite_lower(value: object) -> str | None:
    return value.lower() if isinstance(value, str) else None


def register_sqlite_lower(session: Session) -> None:
    """Give the session's SQLite connection ``palabre_lower`` (Python's ``str.lower``)."""
    if session.get_bind().dialect.name == "sqlite":
        raw = session.connection().connection.driver_connection
        raw.create_function("palabre_lower", 1, _sqlite_lower, deterministic=True)  # type: ignore[union-attr]


def contains_condition(dialect: str, column: Any, pattern: Any) -> sa.ColumnElement[bool]:
    """``column`` matches the lower-cased LIKE ``pattern`` (a value or a bind parameter).

    For statements built once per dialect: on SQLite the session must have
    :func:`register_sqlite_lower` run first.
    """
    if dialect == "sqlite":
        return sa.func.palabre_lower(column).like(pattern, escape="\\")
    return sa.cast(column, sa.Text).ilike(pattern, escape="\\")


def contains_text(session: Session, column: Any, needle: str) -> sa.ColumnElement[bool]:
    """``column`` contains ``needle``, ignoring case (accented letters too), on both databases.

    PostgreSQL's ILIKE folds every letter; SQLite's LIKE and lower() fold ASCII only, so
    on SQLite the comparison uses Python's ``str.lower`` registered on the connection.
    """
    register_sqlite_lower(session)
    return contains_condition(session.get_bind().dialect.name, column, like_pattern(needle))
