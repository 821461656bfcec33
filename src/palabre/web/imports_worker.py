"""Imports started from the web: uploaded files stored safely, then imported in the background.

An upload is written under ``<data dir>/uploads/`` with a generated name (the client's
file name is never used as a path: only its extension, from an allow-list, is kept,
because connectors tell CSV from JSONL by it). The import itself runs in one worker
thread per server process, one import at a time, through the same
:func:`~palabre.connectors.importer.run_import` as ``palabre import``; the request that
uploaded only queues it.

The job's state and progress live in its ``background_job`` row (:mod:`palabre.jobs`),
which the process running it writes and every process reads: the progress fragment the
page polls every second may be answered by any of ``palabre serve --workers N``. The
outcome lives in the ``import_run`` row the importer writes, found by the upload's
unique path. A job whose process stopped (a restart) reads as interrupted.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
import threading
from collections import deque
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Final, Literal, cast

import sqlalchemy as sa
from fastapi import FastAPI
from sqlalchemy.orm import Session, sessionmaker

from palabre.connectors.importer import run_import
from palabre.connectors.models import ImportRun
from palabre.connectors.registry import CONNECTORS, connector_class
from palabre.connectors.tabular import parse_column_map
from palabre.db.engine import transaction
from palabre.errors import PalabreError, ValidationError
from palabre.fabric import search_index
from palabre.jobs import service as jobs
from palabre.jobs.heartbeat import Heartbeat
from palabre.jobs.models import BackgroundJob
from palabre.jobs.retention import Retention

log = logging.getLogger("palabre.web.imports")

JobState = Literal["queued", "running", "succeeded", "failed", "interrupted"]

#: The extensions kept from the client's file name, per kind; the first is the default.
EXTENSIONS: Final[dict[str, tuple[str, ...]]] = {
    "messages": ("csv", "tsv", "jsonl", "ndjson", "json"),
    "people": ("csv", "tsv", "jsonl", "ndjson", "json"),
    "slack": ("zip",),
    "mattermost": ("jsonl", "json"),
    "discourse": ("json",),
    "mbox": ("mbox", "txt"),
    "activitypub": ("json",),
}
assert set(EXTENSIONS) == set(CONNECTORS), "every connector needs its upload extensions"

#: The kinds whose files have columns that a column map can rename.
TABULAR_KINDS: Final = frozenset({"messages", "people"})

_CHUNK: Final = 1024 * 1024


class UploadTooLargeError(PalabreError):
    """The uploaded file is larger than the ``upload_max_bytes`` setting allows."""

    http_status = 413


def check_kind(kind: str) -> str:
    """``kind`` if a connector reads it, else a ValidationError listing the kinds."""
    connector_class(kind)
    return kind


def import_options(kind: str, column_map: str | None) -> dict[str, object]:
    """The connector options for ``kind`` from the form's column map (``old=new,...``)."""
    text = (column_map or "").strip()
    if not text:
        return {}
    if kind not in TABULAR_KINDS:
        raise ValidationError(
            f"column_map: a column map applies to messages and people files only, not {kind!r}"
        )
    return {"column_map": parse_column_map(text)}


def upload_extension(kind: str, client_name: str | None) -> str:
    """The stored file's extension: the client's if allowed for ``kind``, else the default."""
    allowed = EXTENSIONS[kind]
    suffix = Path(client_name or "").suffix.lower().lstrip(".")
    return suffix if suffix in allowed else allowed[0]


def store_upload(
    source: Any, uploads: Path, *, kind: str, client_name: str | None, max_bytes: int
) -> Path:
    """Copy the readable binary ``source`` to a new file under ``uploads``; returns its path.

    The name is generated (date, random token, allowed extension). More than
    ``max_bytes`` raises :class:`UploadTooLargeError` and removes the partial file; an
    empty file raises a ValidationError. The file is created exclusively, mode 600.
    """
    uploads.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S")
    name = f"{stamp}-{kind}-{secrets.token_hex(8)}.{upload_extension(kind, client_name)}"
    target = uploads / name
    written = 0
    try:
        with target.open("xb") as out:
            target.chmod(0o600)
            while chunk := source.read(_CHUNK):
                written += len(chunk)
                if written > max_bytes:
                    raise UploadTooLargeError(
                        f"file: larger than the {max_bytes:,} bytes allowed "
                        "(setting upload_max_bytes); import it with `palabre import` instead"
                    )
                out.write(chunk)
        if written == 0:
            raise ValidationError("file: the uploaded file is empty")
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    return target


@dataclass
class ImportJob:
    """One uploaded file waiting for, going through or done with its import, as its
    ``background_job`` row says (whichever process runs it)."""

    id: str
    kind: str
    path: Path
    client_name: str
    source: str | None
    strict: bool
    options: dict[str, object]
    actor: str
    submitted_at: dt.datetime
    state: JobState = "queued"
    run_id: int | None = None
    position: int = 0
    total: int | None = None
    records: int = 0
    error: str | None = None
    finished_at: dt.datetime | None = None

    @property
    def done(self) -> bool:
        """Whether the import is over (succeeded, failed or interrupted)."""
        return self.state in ("succeeded", "failed", "interrupted")

    @property
    def fraction(self) -> float | None:
        """How far the connector got through its input (0 to 1), when its size is known."""
        if self.state == "succeeded":
            return 1.0
        if not self.total:
            return None
        return min(1.0, self.position / self.total)


def _import_job(row: BackgroundJob) -> ImportJob:
    parameters = row.parameters
    state = cast(JobState, jobs.effective_state(row))
    return ImportJob(
        id=row.public_id,
        kind=str(parameters["kind"]),
        path=Path(str(parameters["path"])),
        client_name=str(parameters["client_name"]),
        source=parameters.get("source"),
        strict=bool(parameters.get("strict")),
        options=dict(parameters.get("options") or {}),
        actor=row.actor,
        submitted_at=row.created_at,
        state=state,
        run_id=row.outcome_id,
        position=row.position,
        total=row.total,
        records=row.records,
        error=row.error,
        finished_at=row.finished_at,
    )


def find_import_job(session: Session, job_id: str) -> ImportJob | None:
    """The import job with this public id, from any process (None when unknown)."""
    row = jobs.find_job(session, "import", job_id)
    return None if row is None else _import_job(row)


def import_jobs(session: Session) -> list[ImportJob]:
    """The imports queued or running in a live server process, oldest first."""
    return [_import_job(row) for row in jobs.active_jobs(session, "import")]


class ImportWorker:
    """Runs the imports this process queued, one after the other, in a background thread.

    The thread starts with the first job and ends when the queue is empty, so an idle
    application holds no thread. Each job's state and progress go to its
    ``background_job`` row, which a heartbeat thread refreshes every few seconds while
    the queue is not empty (in its own short transactions, never in the import's).
    """

    def __init__(
        self,
        sessions: sessionmaker[Session],
        batch_size: int,
        retention: Retention | None = None,
    ) -> None:
        """``retention``: applied each time a job is queued (None: never)."""
        self.sessions = sessions
        self.batch_size = batch_size
        self.retention = retention
        self._queue: deque[tuple[int, ImportJob]] = deque()
        self._running: int | None = None
        self._progress = jobs.Progress()
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._thread: threading.Thread | None = None

    def submit(
        self,
        *,
        kind: str,
        path: Path,
        client_name: str,
        source: str | None,
        strict: bool,
        options: dict[str, object],
        actor: str,
    ) -> ImportJob:
        """Queue the import of the stored file ``path``; returns a snapshot of its job."""
        parameters = {
            "kind": kind,
            "path": str(path),
            "client_name": client_name,
            "source": source,
            "strict": strict,
            "options": options,
        }
        with transaction(self.sessions) as session:
            row = jobs.queue_job(
                session,
                kind="import",
                actor=actor,
                parameters=parameters,
                # The upload's random token: the stored file and the job share it.
                public_id=path.stem.rsplit("-", 1)[-1],
            )
            job = _import_job(row)
            row_id = row.id
        if self.retention is not None:
            # Queueing is the only moment the table grows: purging here bounds it without a
            # scheduler, for one small DELETE (in its own transaction, after the new row
            # committed, so that the new row is the latest and a failed purge costs only
            # a log line). Before the thread starts: it does not wait behind the import.
            self.retention.apply_quietly(self.sessions)
        with self._lock:
            self._queue.append((row_id, job))
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._drain, name="palabre-imports", daemon=True
                )
                self._thread.start()
        return replace(job)

    def wait(self, timeout: float) -> bool:
        """Block until no import is queued or running; False when ``timeout`` ran out first."""
        with self._idle:
            return self._idle.wait_for(lambda: self._thread is None, timeout=timeout)

    def beat(self) -> None:
        """Refresh the heartbeat of this process's queued and running imports, with the
        progress of the running one (what the heartbeat thread does every few seconds)."""
        with self._lock:
            ids = [row_id for row_id, _ in self._queue]
            progress = {} if self._running is None else {self._running: self._progress}
        with transaction(self.sessions) as session:
            jobs.beat(session, ids, progress)

    def _drain(self) -> None:
        heartbeat = Heartbeat(self.beat, jobs.HEARTBEAT_SECONDS, "palabre-imports-heartbeat")
        heartbeat.start()
        try:
            while True:
                with self._lock:
                    if not self._queue:
                        # Under the same lock as submit(): a job queued from now on starts
                        # a new thread, none is left behind in the queue.
                        self._running = None
                        self._thread = None
                        self._idle.notify_all()
                        return
                    row_id, job = self._queue.popleft()
                    self._running, self._progress = row_id, jobs.Progress()
                try:
                    self._run(row_id, job)
                except Exception:  # the database failed us: the job reads as interrupted
                    log.exception("import job of %s could not record its state", job.path)
        finally:
            heartbeat.stop()

    def _run(self, row_id: int, job: ImportJob) -> None:
        def progress(position: int, total: int | None, records: int) -> None:
            with self._lock:
                self._progress = jobs.Progress(position, total, records)

        with transaction(self.sessions) as session:
            jobs.mark_running(session, row_id)
        state: JobState = "failed"
        error: str | None = None
        try:
            connector = connector_class(job.kind)(job.path, **job.options)
            total = connector.total()
            with self._lock:
                self._progress = jobs.Progress(total=total)
            report = run_import(
                self.sessions,
                connector,
                source=job.source,
                strict=job.strict,
                batch_size=self.batch_size,
                actor=job.actor,
                progress=progress,
                # The application's pages read through these indexes while it imports.
                defer_indexes_from=None,
            )
            state = "succeeded" if report.status == "succeeded" else "failed"
            error = report.error
            if state == "succeeded":
                # A search finds the new rows without it, but scanning them one by one:
                # uploads are small, index them now rather than at the next analysis.
                with transaction(self.sessions) as session:
                    search_index.catch_up(session)
        except PalabreError as exc:
            error = exc.message
        except Exception as exc:  # a bug must not kill the worker: the page says it failed
            log.exception("import of %s failed", job.path)
            error = f"unexpected error: {exc!r}"
        run_id = find_run_id(self.sessions, job.path)
        with self._lock:
            final = self._progress
            self._running = None
        with transaction(self.sessions) as session:
            jobs.finish(
                session, row_id, state=state, outcome_id=run_id, error=error, progress=final
            )


def find_run_id(sessions: sessionmaker[Session], path: Path) -> int | None:
    """The import run of the uploaded file ``path`` (None before it starts, or when rolled back)."""
    with sessions() as session:
        return session.scalar(
            sa.select(ImportRun.id).where(ImportRun.path == str(path)).order_by(ImportRun.id.desc())
        )


_WORKER_LOCK = threading.Lock()


def worker_of(app: FastAPI) -> ImportWorker:
    """The application's import worker, made on first use."""
    with _WORKER_LOCK:
        worker: ImportWorker | None = getattr(app.state, "import_worker", None)
        if worker is None:
            settings = app.state.settings
            worker = ImportWorker(
                app.state.sessions, settings.import_batch_size, Retention.of(settings)
            )
            app.state.import_worker = worker
        return worker


def uploads_dir(app: FastAPI) -> Path:
    """Where the application stores uploaded files."""
    folder: Path = app.state.settings.uploads_path
    return folder
