"""Secondary indexes that a large import drops and rebuilds, and their repair.

Inserting a million messages into SQLite costs about twice as much with the message
table's secondary indexes as without them, and building those indexes afterwards, in
one sorted pass, costs far less than maintaining them row by row. A large import
therefore drops them first and rebuilds them at its end (:func:`drop_secondary`,
:func:`restore_missing`).

Every index is rebuilt from the SQLAlchemy metadata, whose names and definitions are
those of the migrations (a test compares the two). An import killed in between leaves
indexes missing: :func:`restore_missing` is cheap when nothing is missing, and runs at
the start of every import, by ``palabre db upgrade``, by ``palabre analyze`` and when
the web application starts.
"""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa

from palabre.db.base import Base, import_all_models


def _applies(index: sa.Index, dialect: str) -> bool:
    """False for an index the models declare for another database only (``ddl_if``)."""
    condition = getattr(index, "_ddl_if", None)
    return condition is None or condition.dialect is None or condition.dialect == dialect


def _existing(connection: sa.Connection) -> set[str]:
    """Names of the indexes in the database (one catalogue query)."""
    if connection.dialect.name == "sqlite":
        rows = connection.exec_driver_sql(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND name IS NOT NULL"
        )
    else:
        rows = connection.exec_driver_sql(
            "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()"
        )
    return {str(row[0]) for row in rows}


def declared(table_names: Iterable[str] | None = None) -> list[sa.Index]:
    """The indexes the models declare (of ``table_names`` only, when given), by name."""
    import_all_models()
    wanted = None if table_names is None else set(table_names)
    found = [
        index
        for table in Base.metadata.sorted_tables
        if wanted is None or table.name in wanted
        for index in table.indexes
    ]
    return sorted(found, key=lambda index: str(index.name))


def missing(connection: sa.Connection) -> list[sa.Index]:
    """Indexes the models declare for this database that the database lacks."""
    dialect = connection.dialect.name
    present = _existing(connection)
    return [i for i in declared() if _applies(i, dialect) and str(i.name) not in present]


def restore_missing(connection: sa.Connection, *, sqlite_cache_kib: int | None = None) -> list[str]:
    """Create every declared index the database lacks; return their names.

    The database must be at the newest schema. One catalogue query when nothing is
    missing, which is the usual case. On SQLite, ``sqlite_cache_kib`` bounds the page
    cache while the indexes are built (SQLite's sorter takes as much again): building
    the indexes of 5 M messages with the usual 64 MiB took the importer past 300 MB.
    """
    todo = missing(connection)
    if not todo:
        return []
    limited = sqlite_cache_kib is not None and connection.dialect.name == "sqlite"
    if limited:
        previous = connection.exec_driver_sql("PRAGMA cache_size").scalar()
        connection.exec_driver_sql(f"PRAGMA cache_size = -{int(sqlite_cache_kib or 0)}")
    try:
        for index in todo:
            index.create(connection)
    finally:
        if limited:
            connection.exec_driver_sql(f"PRAGMA cache_size = {int(previous or 0)}")
    return [str(index.name) for index in todo]


def restore_if_current(engine: sa.Engine) -> list[str]:
    """:func:`restore_missing` in its own transaction, when the database is at the newest
    schema (an older or empty one is left to ``palabre db upgrade``)."""
    from palabre.db import migrate

    try:
        if migrate.current_revision(engine) != migrate.head_revision():
            return []
    except sa.exc.OperationalError:
        return []  # no database yet: whatever opens it next says so
    with engine.begin() as connection:
        return restore_missing(connection)


def drop_secondary(connection: sa.Connection, table_names: Iterable[str]) -> list[str]:
    """Drop the declared, non-unique indexes of ``table_names`` present in the database.

    Unique constraints stay: the importer relies on them to skip repeated rows. Returns
    the names dropped; :func:`restore_missing` builds them again.
    """
    dialect = connection.dialect.name
    present = _existing(connection)
    dropped = []
    for index in declared(table_names):
        name = str(index.name)
        if index.unique or not _applies(index, dialect) or name not in present:
            continue
        index.drop(connection)
        dropped.append(name)
    return dropped


__all__ = ["declared", "drop_secondary", "missing", "restore_if_current", "restore_missing"]
