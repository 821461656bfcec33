"""Run an import: connector -> batches -> store, with a report.

Transactions: each batch commits whole or not at all, and a re-run of the same
import completes an interrupted one without duplicates (records are keyed by
source and external id). With ``strict=True`` the whole import is one transaction
and the first rejection rolls everything back.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from palabre.connectors.base import Connector
from palabre.connectors.models import ImportRun
from palabre.connectors.parallel import can_read_in_parallel, read_in_parallel
from palabre.connectors.records import MessageColumns, Rejection
from palabre.connectors.writer import BatchWriter, Counts
from palabre.db import indexes
from palabre.db.base import table_of, utcnow
from palabre.errors import ImportRejectedError, PalabreError
from palabre.fabric.models import Message
from palabre.privacy import audit

#: how many rejections a report keeps with their reasons (all are counted)
KEPT_REJECTIONS = 1000
#: an import expected to bring at least this many records (and at least as many as the
#: messages stored) drops the message and thread secondary indexes and rebuilds them at
#: its end (SQLite; see :mod:`palabre.db.indexes`)
DEFER_INDEXES_RECORDS = 100_000
#: databases on which a large import defers them (PostgreSQL measured: see the README)
DEFER_INDEXES_DIALECTS = ("sqlite",)
#: SQLite page cache while a large import rebuilds them (KiB). SQLite's sorter sorts
#: in runs of about this size, and smaller runs sorted faster on the development
#: machine: the five message indexes took 2.9-3.3 s with 2 MiB against 3.4-4.2 s with
#: 16 MiB for 1 M messages, 16.9 s against 21.8 s for 5 M, and hold less memory.
#: (A helper thread for the sorter, ``PRAGMA threads``, saved another 0.4-0.7 s of
#: wall time for 1 M, for 1 s more CPU; for 5 M, 0.6 s for 9 s: not used.)
REBUILD_CACHE_KIB = 2 * 1024
#: tables whose secondary indexes a large import defers
DEFERRED_INDEX_TABLES = ("message", "thread")
#: SQLite page cache of the connection that writes the batches of such an import (KiB)
BULK_CACHE_KIB = 40 * 1024
_USUAL_CACHE = "palabre.usual_cache_size"
#: bytes read from the start of a file to estimate how many records it holds
_SAMPLE_BYTES = 1 << 20

#: allocations between two collections of Python's youngest generation while an import
#: writes (the default, 700, collected about 1,400 times per million messages, each
#: time walking the rows of the batch being built: about 0.8 s per million)
IMPORT_GC_THRESHOLD = 50_000

ProgressCallback = Callable[[int, int | None, int], None]


@dataclass
class ImportReport:
    """What an import did. ``status`` is ``succeeded`` or ``failed``."""

    run_id: int | None
    kind: str
    source: str
    path: str
    status: str
    counts: Counts
    rejected: int = 0
    rejections: list[Rejection] = field(default_factory=list)
    merges: int = 0
    replies_linked: int = 0
    seconds: float = 0.0
    error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready view (the ``--json`` output of ``palabre import``)."""
        totals = self.counts.totals()
        return {
            "run_id": self.run_id,
            "kind": self.kind,
            "source": self.source,
            "path": self.path,
            "status": self.status,
            **totals,
            "rejected": self.rejected,
            "counts": self.counts.as_dict(),
            "rejections": [
                {
                    "location": r.location,
                    "field": r.field,
                    "reason": r.reason,
                    "external_id": r.external_id,
                }
                for r in self.rejections
            ],
            "merges": self.merges,
            "seconds": round(self.seconds, 3),
            "error": self.error,
        }


def run_import(
    sessions: sessionmaker[Session],
    connector: Connector,
    *,
    source: str | None = None,
    strict: bool = False,
    batch_size: int = 5000,
    actor: str = "system",
    progress: ProgressCallback | None = None,
    parallel: bool = True,
    defer_indexes_from: int | None = DEFER_INDEXES_RECORDS,
) -> ImportReport:
    """Import everything ``connector`` yields; see the module docstring for transactions.

    Raises :class:`~palabre.errors.ImportFormatError` (nothing written) when the input
    is not usable, and :class:`~palabre.errors.ImportRejectedError` in strict mode.
    With ``parallel`` (the default) a large input of a connector that allows it is
    read by a second process while this one writes (see :mod:`.parallel`). On SQLite,
    an input estimated at ``defer_indexes_from`` records or more (None: never), of a
    source with no message stored yet, and at least as many as the messages stored, is
    written with the message and thread secondary indexes dropped, rebuilt before the
    import ends (not in strict mode).
    """
    started = time.perf_counter()
    connector.check()
    source_name = source or connector.default_source
    path = str(connector.path)
    total = connector.total()

    run_values = {
        "kind": connector.kind,
        "source": source_name,
        "path": path,
        "status": "running",
        "started_at": utcnow(),
        "actor": actor,
        "counts": {},
        "rejected": 0,
        "rejections": [],
    }
    run_table = table_of(ImportRun)
    with sessions.begin() as session:
        # An import killed while its indexes were dropped left them missing.
        indexes.restore_missing(session.connection())
    strict_session: Session | None = None
    if strict:
        strict_session = sessions()
        run_id = int(
            strict_session.execute(
                run_table.insert().returning(run_table.c.id), run_values
            ).scalar_one()
        )
    else:
        with sessions.begin() as session:
            run_id = int(
                session.execute(
                    run_table.insert().returning(run_table.c.id), run_values
                ).scalar_one()
            )
    deferred: list[str] = []
    if not strict and _defer_indexes(sessions, connector, source_name, defer_indexes_from):
        with sessions.begin() as session:
            deferred = indexes.drop_secondary(session.connection(), DEFERRED_INDEX_TABLES)

    writer = BatchWriter(
        source=source_name,
        source_kind=connector.kind,
        default_channel_kind=connector.default_channel_kind,
        run_id=run_id,
    )
    report = ImportReport(
        run_id=run_id,
        kind=connector.kind,
        source=source_name,
        path=path,
        status="running",
        counts=writer.counts,
    )

    def reject(rejections: list[Rejection]) -> None:
        for rejection in rejections:
            report.rejected += 1
            if len(report.rejections) < KEPT_REJECTIONS:
                report.rejections.append(rejection)
        if strict and rejections:
            first = rejections[0]
            where = first.location + (f", field '{first.field}'" if first.field else "")
            raise ImportRejectedError(f"{where}: {first.reason} (--strict: nothing was imported)")

    # The batches of a first large import into SQLite go through a connection of their
    # own, without foreign key checks and disk syncs (see bulk_connection).
    batch_sessions = sessions
    bulk: sa.Connection | None = None

    def flush(batch: list[object]) -> None:
        if strict_session is not None:
            reject(writer.write(strict_session, batch))
            strict_session.flush()
            return
        with batch_sessions.begin() as session:
            rejections = writer.write(session, batch)
        reject(rejections)

    try:
        if deferred:
            bulk = bulk_connection(sessions)
            batch_sessions = sessionmaker(bind=bulk, expire_on_commit=False)
        records_seen = 0
        batches = (
            read_in_parallel(connector, batch_size, times_as_text=_is_sqlite(sessions))
            if parallel and can_read_in_parallel(connector)
            else _batches(connector, batch_size)
        )
        with rare_collections():
            for batch, position in batches:
                if strict:
                    reject([r for r in batch if isinstance(r, Rejection)])
                if batch:
                    flush(batch)
                records_seen += sum(
                    len(record) if type(record) is MessageColumns else 1 for record in batch
                )
                if progress is not None:
                    progress(position, total, records_seen)
        if progress is not None:
            progress(connector.position if total is None else total, total, records_seen)
        if bulk is not None:
            release_bulk_connection(bulk)
            bulk = None
        if deferred:
            # The reader is done and the caches are no longer needed: their memory goes
            # to building the indexes instead.
            writer.release_caches()
            with sessions.begin() as session:
                indexes.restore_missing(session.connection(), sqlite_cache_kib=REBUILD_CACHE_KIB)
        _finish(sessions, strict_session, writer, report)
        if strict_session is not None:
            strict_session.commit()
    except BaseException as exc:
        if bulk is not None:
            release_bulk_connection(bulk)
        if strict_session is not None:
            strict_session.rollback()
            strict_session.close()
            strict_session = None
            report.run_id = None
        else:
            _mark_failed(sessions, run_id, report, exc)
            if deferred:
                _restore_quietly(sessions)
        raise
    finally:
        if strict_session is not None:
            strict_session.close()
    report.seconds = time.perf_counter() - started
    return report


@contextmanager
def rare_collections() -> Iterator[None]:
    """Collect Python's youngest generation every ``IMPORT_GC_THRESHOLD`` allocations.

    A batch's rows die with the batch (reference counting frees them); collecting
    while they are alive only walks them. The usual threshold comes back afterwards.
    """
    previous = gc.get_threshold()
    gc.set_threshold(max(previous[0], IMPORT_GC_THRESHOLD), *previous[1:])
    try:
        yield
    finally:
        gc.set_threshold(*previous)


def bulk_connection(sessions: sessionmaker[Session]) -> sa.Connection:
    """A SQLite connection for the batches of a first large import of a source.

    Foreign keys are not checked on it: the writer takes every id it stores from rows
    it read or inserted in the same transaction (and checks the ids SQLite gives),
    and the checks cost about a tenth of the inserts. ``synchronous=OFF`` skips the
    disk syncs: a killed process loses nothing committed (WAL), a power cut or an
    operating system crash during the import may corrupt the database (see
    docs/settings.md). Give it back with :func:`release_bulk_connection`.
    """
    engine = sessions.kw["bind"]
    connection: sa.Connection = engine.connect()
    # Outside any transaction (the driver begins one before a write only), where SQLite
    # applies them; on this connection only.
    connection.exec_driver_sql("PRAGMA foreign_keys = OFF")
    connection.exec_driver_sql("PRAGMA synchronous = OFF")
    # A smaller page cache than the usual 64 MiB: with the secondary indexes dropped
    # the inserts touch few pages, and a 5 M import neared 300 MB with the full one.
    connection.info[_USUAL_CACHE] = connection.exec_driver_sql("PRAGMA cache_size").scalar()
    connection.exec_driver_sql(f"PRAGMA cache_size = -{BULK_CACHE_KIB}")
    connection.commit()
    return connection


def release_bulk_connection(connection: sa.Connection) -> None:
    """Put the usual checks back on a :func:`bulk_connection` and return it to the pool."""
    try:
        connection.rollback()  # a failed batch may have left its transaction open
        connection.exec_driver_sql("PRAGMA foreign_keys = ON")
        connection.exec_driver_sql("PRAGMA synchronous = NORMAL")
        usual = int(connection.info.pop(_USUAL_CACHE))
        connection.exec_driver_sql(f"PRAGMA cache_size = {usual}")
        connection.commit()
        on = connection.exec_driver_sql("PRAGMA foreign_keys").scalar()
        if on != 1:
            raise RuntimeError("foreign keys stayed off")
        # Its page cache (up to 64 MiB) would otherwise stay full in the pool while
        # another connection rebuilds the indexes: a 5 M import neared 300 MB.
        connection.exec_driver_sql("PRAGMA shrink_memory")
    except Exception:
        # Never let a connection without foreign keys serve anything else.
        connection.invalidate()
    finally:
        connection.close()


def _is_sqlite(sessions: sessionmaker[Session]) -> bool:
    bind = sessions.kw.get("bind")
    return bind is not None and bind.dialect.name == "sqlite"


def _defer_indexes(
    sessions: sessionmaker[Session], connector: Connector, source: str, threshold: int | None
) -> bool:
    """Whether this import should write with the secondary indexes dropped.

    Only for a source new to the store: its every row is an insert. A re-import (rows
    mostly unchanged) would rebuild every index for nothing (measured: the 1 M
    re-import took longer than the first import with it).
    """
    if threshold is None or threshold <= 0:
        return False
    estimate = estimated_records(connector)
    if estimate is None or estimate < threshold:
        return False
    message = table_of(Message)
    with sessions() as session:
        if session.get_bind().dialect.name not in DEFER_INDEXES_DIALECTS:
            return False
        if session.scalar(sa.select(message.c.id).where(message.c.source == source).limit(1)):
            return False
        # max(id) bounds the count from above and costs one index lookup.
        stored = int(session.scalar(sa.select(sa.func.max(message.c.id))) or 0)
    return estimate >= stored


def estimated_records(connector: Connector) -> int | None:
    """About how many records a one-file input holds, from the lines of its first MiB.

    None when the input is not one file. A line per record is what the tabular and
    JSON Lines formats have; multi-line texts only make the estimate lower.
    """
    total = connector.total()
    if total is None or not connector.path.is_file():
        return None
    try:
        with connector.path.open("rb") as handle:
            sample = handle.read(_SAMPLE_BYTES)
    except OSError:
        return None
    lines = sample.count(b"\n")
    if not sample or not lines:
        return 1 if sample else 0
    return int(total * lines / len(sample))


def _restore_quietly(sessions: sessionmaker[Session]) -> None:
    """Rebuild dropped indexes after a failed import (the next start does it otherwise)."""
    try:
        with sessions.begin() as session:
            indexes.restore_missing(session.connection())
    except Exception:  # the import's own error matters more than this one
        pass


def _batches(connector: Connector, size: int) -> Iterator[tuple[list[object], int]]:
    """Group the connector's records into lists of ``size``, with the reading position."""
    for batch in connector.batches(size):
        yield batch, connector.position


def _finish(
    sessions: sessionmaker[Session],
    strict_session: Session | None,
    writer: BatchWriter,
    report: ImportReport,
) -> None:
    """Link replies, apply the identity rules, refresh segments, and close the run record."""
    from palabre.identity import resolution, segments

    def finish_in(session: Session) -> None:
        report.replies_linked = writer.resolve_replies(session)
        merges = 0
        for crm_person, other_person, evidence in writer.declared_links:
            resolution.merge_persons(
                session,
                crm_person,
                other_person,
                actor=report_actor(session, report),
                rule="crm-declared",
                evidence=evidence,
                force=True,
            )
            merges += 1
        if writer.touched_persons:
            merges += len(
                resolution.auto_merge(
                    session,
                    actor=report_actor(session, report),
                    person_ids=sorted(writer.touched_persons),
                )
            )
        report.merges = merges
        people = report.counts.people
        if people.created + people.updated > 0 or merges:
            # New attributes or merged persons change who matches: keep segments fresh.
            segments.refresh_all(session, actor=report_actor(session, report))
        report.status = "succeeded"
        _write_run(session, report)
        audit.record(
            session,
            actor=report_actor(session, report),
            action="import.completed",
            subject_type="import_run",
            subject_id=report.run_id,
            details={
                "kind": report.kind,
                "source": report.source,
                "path": report.path,
                **report.counts.totals(),
                "rejected": report.rejected,
            },
        )

    if strict_session is not None:
        finish_in(strict_session)
    else:
        with sessions.begin() as session:
            finish_in(session)


def report_actor(session: Session, report: ImportReport) -> str:
    """The actor recorded on the run (who started the import)."""
    actor = session.scalar(
        sa.select(table_of(ImportRun).c.actor).where(table_of(ImportRun).c.id == report.run_id)
    )
    return str(actor or "system")


def _write_run(session: Session, report: ImportReport) -> None:
    run_table = table_of(ImportRun)
    session.execute(
        run_table.update()
        .where(run_table.c.id == report.run_id)
        .values(
            status=report.status,
            finished_at=utcnow(),
            counts=report.counts.as_dict(),
            rejected=report.rejected,
            rejections=[
                {"location": r.location, "field": r.field, "reason": r.reason}
                for r in report.rejections
            ],
            error=report.error,
        )
    )


def _mark_failed(
    sessions: sessionmaker[Session], run_id: int, report: ImportReport, exc: BaseException
) -> None:
    report.status = "failed"
    report.error = exc.message if isinstance(exc, PalabreError) else repr(exc)
    try:
        with sessions.begin() as session:
            _write_run(session, report)
    except Exception:  # the original error matters more than this one
        pass


def import_path(
    sessions: sessionmaker[Session],
    kind: str,
    path: Path | str,
    *,
    options: dict[str, object] | None = None,
    **kwargs: Any,
) -> ImportReport:
    """Import ``path`` with the connector registered for ``kind``."""
    from palabre.connectors.registry import connector_class

    connector = connector_class(kind)(path, **(options or {}))
    return run_import(sessions, connector, **kwargs)
