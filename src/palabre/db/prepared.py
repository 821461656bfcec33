"""Statements built once and run on the session's connection, past the ORM layer.

Pages read through a handful of statements each. Built anew at every request and sent
through ``Session.execute``, a statement costs SQLAlchemy some 0.5 ms before and after
the database's own work (building it, computing its cache key, the ORM's execution
context), several times what SQLite takes to answer a lookup by key. Built once with
bind parameters, kept (a module constant or an ``lru_cache``-d builder) and run on the
connection with :func:`rows`, the same statement costs about 0.06 ms (a thread's
messages on the 1 M-message demo: 0.47 ms of CPU built and sent through the session,
0.06 ms built once and run here; ``benchmarks/statement_cost.py``).

Results are plain rows (``row.name``), never ORM objects: nothing is added to the
session's identity map, and nothing a page reads this way can be changed by mistake.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypeAlias

import sqlalchemy as sa
from sqlalchemy.orm import InstrumentedAttribute, Session

#: A statement of any columns (what the builders of statements kept here return).
AnySelect: TypeAlias = sa.Select[*tuple[Any, ...]]


def rows(
    session: Session, statement: sa.Executable, params: Mapping[str, Any] | None = None
) -> sa.CursorResult[*tuple[Any, ...]]:
    """Run a built ``statement`` with ``params`` in ``session``'s transaction.

    Changes the session holds are flushed first when it autoflushes, as
    ``Session.execute`` would: a page rendered after a change in the same request reads
    that change.
    """
    if session.autoflush and (session.new or session.deleted or session.dirty):
        session.flush()
    return session.connection().execute(statement, dict(params) if params else None)


def scalar(
    session: Session, statement: sa.Executable, params: Mapping[str, Any] | None = None
) -> Any:
    """The first column of the first row of :func:`rows` (None when there is no row)."""
    return rows(session, statement, params).scalar()


def among_constants(
    column: sa.ColumnElement[Any] | InstrumentedAttribute[Any], values: Sequence[str]
) -> sa.ColumnElement[bool]:
    """``column IN ('a', 'b')`` with the values written into the SQL text.

    For the code's own constants (channel kinds, person kinds), never for input: the
    values must be plain words. ``column.in_(values)`` binds a list, which SQLAlchemy
    expands into the statement's text again at every execution ("post-compile"), work
    a statement built once should not pay on every page.
    """
    for value in values:
        if not value.replace("_", "").isalnum():
            raise ValueError(f"{value!r} is not a plain word: bind it instead")
    return column.in_([sa.literal_column(f"'{value}'") for value in values])
