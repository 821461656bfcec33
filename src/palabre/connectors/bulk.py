"""Set-based SQL helpers for imports: bulk inserts, id lookups, bounded caches, times.

The importer writes millions of rows: these helpers keep the per-row work in
Python to the minimum and let each database do what it does fast.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from functools import lru_cache
from typing import Any, Generic, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import Session

K = TypeVar("K")
V = TypeVar("V")

#: how many keys one ``IN (...)`` list holds (SQLite's variable limit is far above)
IN_CHUNK = 900


class LRU(Generic[K, V]):
    """A bounded mapping: recent keys stay, old ones are forgotten in bulk.

    Two generations of plain dicts: lookups hit the young one, then the old one
    (promoting the key); when the young one is full, the old one is dropped. This
    costs one dict lookup on a hit, where a strict LRU (OrderedDict.move_to_end on
    every hit) costs several times more on the import's hottest path.
    """

    def __init__(self, size: int) -> None:
        self.size = max(1, size // 2)
        self._young: dict[K, V] = {}
        self._old: dict[K, V] = {}

    def get(self, key: K) -> V | None:
        value = self._young.get(key)
        if value is None:
            value = self._old.get(key)
            if value is not None:
                self.put(key, value)
        return value

    def put(self, key: K, value: V) -> None:
        young = self._young
        young[key] = value
        if len(young) >= self.size:
            self._old = young
            self._young = {}

    def update(self, items: dict[K, V]) -> None:
        """``put`` every item, in bulk (the generations turn over at most once more)."""
        young = self._young
        young.update(items)
        if len(young) >= self.size:
            self._old = young
            self._young = {}

    def found(self, keys: Iterable[K]) -> dict[K, V]:
        """The cached values of ``keys`` (those not cached are absent), promoting them
        in bulk: one pass for a batch's keys instead of a ``get`` each."""
        young = self._young
        old = self._old
        hits: dict[K, V] = {}
        promoted: dict[K, V] = {}
        for key in keys:
            value = young.get(key)
            if value is None:
                value = old.get(key)
                if value is None:
                    continue
                promoted[key] = value
            hits[key] = value
        if promoted:
            self.update(promoted)
        return hits

    def __contains__(self, key: object) -> bool:
        # A key found is promoted, like ``get``: the writer checks which ids it must
        # load with ``in``, then reads them after more puts; a key left in the old
        # generation could be dropped in between (seen with 5 M messages).
        if key in self._young:
            return True
        if key in self._old:
            self.put(key, self._old[key])
            return True
        return False


def utc(value: dt.datetime | None) -> dt.datetime | None:
    if value is None:
        return None
    if value.tzinfo is None:
        # Connectors should give aware times; a naive one is taken as UTC rather than lost.
        return value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC)


def chunks(items: Sequence[Any], size: int = IN_CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


@lru_cache(maxsize=64)
def keyed_select(
    table: sa.Table, columns: tuple[str, ...], key: str = "external_id"
) -> sa.Select[*tuple[Any, ...]]:
    """``SELECT columns FROM table WHERE source = :source AND key IN :keys``, built once.

    A statement built per chunk with the chunk's values in it is a knot of reference
    cycles (bind parameters, labels, cache keys) that holds the values: freed only by
    the collector, which an import runs rarely (see ``rare_collections``), they piled
    up to about 100 MB in a re-import of a million messages. Built once with an
    expanding parameter, the values only pass through the execution.
    """
    return sa.select(*(table.c[name] for name in columns)).where(
        table.c.source == sa.bindparam("source"),
        table.c[key].in_(sa.bindparam("keys", expanding=True)),
    )


def rows_by_keys(
    session: Session,
    table: sa.Table,
    columns: Sequence[str],
    source: str,
    keys: Iterable[Any],
    key: str = "external_id",
) -> Iterator[sa.Row[*tuple[Any, ...]]]:
    """The rows of ``source`` in ``table`` whose ``key`` is among ``keys`` (a chunk of
    keys per query): ``columns`` of each, in that order."""
    statement = keyed_select(table, tuple(columns), key)
    for chunk in chunks(list(keys)):
        yield from session.execute(statement, {"source": source, "keys": list(chunk)})


class BulkInsert:
    """A fast ``executemany`` INSERT through the DBAPI cursor.

    SQLAlchemy's per-row parameter processing costs more than SQLite's own insert;
    here the column types' bind processors are looked up once and applied in a
    tight loop, and the rows go to the driver as plain tuples.
    """

    def __init__(
        self,
        table: sa.Table,
        columns: Sequence[str],
        dialect: sa.Dialect,
        prepared: Sequence[str] = (),
    ) -> None:
        self.columns = tuple(columns)
        # ``prepared`` columns arrive already in the driver's form (see _time_param).
        self.processors = tuple(
            (index, processor)
            for index, name in enumerate(columns)
            if name not in prepared
            and (processor := table.c[name].type._cached_bind_processor(dialect)) is not None
        )
        marker = "?" if dialect.paramstyle == "qmark" else "%s"
        names = ", ".join(dialect.identifier_preparer.quote(name) for name in columns)
        placeholders = ", ".join([marker] * len(columns))
        self.sql = f"INSERT INTO {table.name} ({names}) VALUES ({placeholders})"
        # Both databases skip a row whose unique key exists already with this clause.
        self.sql_ignoring_conflicts = self.sql + " ON CONFLICT DO NOTHING"

    def run(
        self, session: Session, rows: Sequence[Sequence[Any]], *, ignore_conflicts: bool = False
    ) -> int:
        """Insert ``rows`` (tuples in :attr:`columns` order) in the session's transaction.

        Returns how many rows were inserted; with ``ignore_conflicts`` a row whose
        unique key exists already is skipped instead of failing the statement.
        """
        if not rows:
            return 0
        processors = self.processors
        params: Sequence[Sequence[Any]]
        if processors:
            converted: list[tuple[Any, ...]] = []
            for row in rows:
                values = list(row)
                for index, processor in processors:
                    if values[index] is not None:
                        values[index] = processor(values[index])
                converted.append(tuple(values))
            params = converted
        elif rows and type(rows[0]) is tuple and isinstance(rows, list):
            params = rows  # already in the driver's form: no copy
        else:
            params = [tuple(row) for row in rows]
        sql = self.sql_ignoring_conflicts if ignore_conflicts else self.sql
        result = session.connection().exec_driver_sql(sql, params)
        # Both drivers report the total of an executemany; -1 would mean "unknown".
        count = result.rowcount
        return len(params) if count is None or count < 0 else int(count)


def insert_returning_ids(
    session: Session,
    table: sa.Table,
    rows: Sequence[dict[str, Any]],
    *,
    prepared: Sequence[str] = (),
) -> list[int]:
    """Insert ``rows`` and return their new ids, in order, with as few statements as possible.

    PostgreSQL returns them in bulk (``RETURNING`` with insertmanyvalues). SQLite would
    fall back to one statement per row for ordered ``RETURNING``; but an import holds
    SQLite's single write lock for its whole transaction and the ``id`` column is the
    rowid, which SQLite assigns as max + 1: one ``executemany`` then gets consecutive
    ids after the previous maximum, which is checked rather than assumed. On SQLite
    the ``prepared`` columns are in the driver's form already (see :class:`BulkInsert`);
    on PostgreSQL they go through SQLAlchemy as usual.
    """
    if not rows:
        return []
    if session.get_bind().dialect.name != "sqlite":
        result = session.execute(
            table.insert().returning(table.c.id, sort_by_parameter_order=True), list(rows)
        )
        return [int(row[0]) for row in result]
    before = int(session.scalar(sa.select(sa.func.coalesce(sa.func.max(table.c.id), 0))) or 0)
    columns = list(rows[0])
    inserter = BulkInsert(table, columns, session.get_bind().dialect, prepared)
    inserter.run(session, [tuple([row[c] for c in columns]) for row in rows])
    low, high, count = session.execute(
        sa.select(sa.func.min(table.c.id), sa.func.max(table.c.id), sa.func.count()).where(
            table.c.id > before
        )
    ).one()
    if count != len(rows) or (low, high) != (before + 1, before + len(rows)):
        raise RuntimeError(f"unexpected ids inserting into {table.name}: concurrent writer?")
    return list(range(before + 1, before + len(rows) + 1))


def sqlite_time(value: dt.datetime | str | None) -> str | None:
    """A timestamp in the text form SQLAlchemy stores in SQLite (naive UTC, microseconds).

    Text is taken as that form already (the reading process formats message times).
    """
    if value is None:
        return None
    if isinstance(value, str):
        return value  # formatted by the reading process already (see parallel.py)
    return sqlite_text(value)


def sqlite_text(value: dt.datetime) -> str:
    """:func:`sqlite_time` of a datetime (never None)."""
    zone = value.tzinfo
    if zone is not None and zone is not dt.UTC:
        value = value.astimezone(dt.UTC)
    # The first 26 characters of isoformat with a fixed precision are SQLAlchemy's
    # storage text; the zone suffix (always +00:00 here) is cut rather than removed
    # with replace(), which costs twice as much on the import's hottest path.
    return value.isoformat(" ", "microseconds")[:26]


def aware_time(value: dt.datetime | None) -> dt.datetime | None:
    return utc(value)
