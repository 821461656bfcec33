"""Looking for a piece of text in a column, ignoring case, the same way on both databases.

On SQLite the column, lower-cased by Python's ``str.lower``, is compared with LIKE. On
PostgreSQL it is matched by a case-insensitive regular expression (``~*``) that says
the text literally: the same answers as ``ILIKE``, which PostgreSQL served from the
same trigram indexes, at less cost for each row tested — a search for a common word
walks the newest messages testing each text, and ``ILIKE`` lower-cases the whole text
first (the walk for ``bonjour`` on the 1 M-message demo: 3.7–3.9 ms against 4.9–5.0,
docs/benchmarks.md).
"""

from __future__ import annotations

import re
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


#: Characters a regular expression could read as an operator: each is written after a
#: backslash, which in PostgreSQL's expressions makes any character other than a letter,
#: a digit or ``_`` stand for itself.
_OPERATOR = re.compile(r"([^\w\s])")


def regex_literal(needle: str) -> str:
    """A PostgreSQL regular expression that finds ``needle`` as it is written."""
    return _OPERATOR.sub(r"\\\1", needle.replace("\x00", ""))


def contains_pattern(dialect: str, needle: str) -> str:
    """The value :func:`contains_condition` compares a column with, to find ``needle``."""
    if dialect == "postgresql":
        return regex_literal(needle)
    return like_pattern(needle)


def _sqlite_lower(value: object) -> str | None:
    return value.lower() if isinstance(value, str) else None


def register_sqlite_lower(session: Session) -> None:
    """Give the session's SQLite connection ``palabre_lower`` (Python's ``str.lower``)."""
    if session.get_bind().dialect.name == "sqlite":
        raw = session.connection().connection.driver_connection
        raw.create_function("palabre_lower", 1, _sqlite_lower, deterministic=True)  # type: ignore[union-attr]


def contains_condition(dialect: str, column: Any, pattern: Any) -> sa.ColumnElement[bool]:
    """``column`` matches ``pattern`` (a value or a bind parameter), ignoring case.

    ``pattern`` is what :func:`contains_pattern` gives for this dialect. For statements
    built once per dialect: on SQLite the session must have
    :func:`register_sqlite_lower` run first.
    """
    if dialect == "sqlite":
        return sa.func.palabre_lower(column).like(pattern, escape="\\")
    return sa.cast(column, sa.Text).regexp_match(pattern, flags="i")


def contains_text(session: Session, column: Any, needle: str) -> sa.ColumnElement[bool]:
    """``column`` contains ``needle``, ignoring case (accented letters too), on both databases.

    PostgreSQL's expressions fold every letter; SQLite's LIKE and lower() fold ASCII
    only, so on SQLite the comparison uses Python's ``str.lower`` registered on the
    connection.
    """
    register_sqlite_lower(session)
    dialect = session.get_bind().dialect.name
    return contains_condition(dialect, column, contains_pattern(dialect, needle))
