"""Imports started from the web: uploaded files stored safely, then imported in the background.

An upload is written under ``<data dir>/uploads/`` with a generated name (the client's
file name is never used as a path: only its extension, from an allow-list, is kept,
because connectors tell CSV from JSONL by it). The import itself runs in one worker
thread per application, one import at a time, through the same
:func:`~palabre.connectors.importer.run_import` as ``palabre import``; the request that
uploaded only queues it.

Progress lives in memory (:class:`ImportJob`, read by the progress fragment every
second); the outcome lives in the ``import_run`` row the importer writes, found by the
upload's unique path. After a restart the jobs are forgotten but the runs remain.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
import threading
from collections import deque
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Final, Literal

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

log = logging.getLogger("palabre.web.imports")

JobState = Literal["queued", "running", "succeeded", "failed"]

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

UPLOADS_FOLDER: Final = "uploads"
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
    """One uploaded file waiting for, going through or done with its import."""

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
        """Whether the import is over (succeeded or failed)."""
        return self.state in ("succeeded", "failed")

    @property
    def fraction(self) -> float | None:
        """How far the connector got through its input (0 to 1), when its size is known."""
        if self.state == "succeeded":
            return 1.0
        if not self.total:
            return None
        return min(1.0, self.position / self.total)


class ImportWorker:
    """Runs queued imports one after the other in a background thread.

    The thread starts with the first job and ends when the queue is empty, so an idle
    application holds no thread. Jobs are kept in memory (the most recent
    ``keep`` of them) for their progress pages.
    """

    def __init__(self, sessions: sessionmaker[Session], batch_size: int, keep: int = 200) -> None:
        self.sessions = sessions
        self.batch_size = batch_size
        self.keep = keep
        self._jobs: dict[str, ImportJob] = {}
        self._queue: deque[str] = deque()
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
        job = ImportJob(
            id=path.stem.rsplit("-", 1)[-1],
            kind=kind,
            path=path,
            client_name=client_name,
            source=source,
            strict=strict,
            options=options,
            actor=actor,
            submitted_at=dt.datetime.now(dt.UTC),
        )
        with self._lock:
            self._jobs[job.id] = job
            self._forget_old()
            self._queue.append(job.id)
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._drain, name="palabre-imports", daemon=True
                )
                self._thread.start()
            return replace(job)

    def job(self, job_id: str) -> ImportJob | None:
        """A snapshot of the job (None when unknown or forgotten)."""
        with self._lock:
            job = self._jobs.get(job_id)
            return replace(job) if job is not None else None

    def jobs(self) -> list[ImportJob]:
        """Snapshots of the jobs still queued or running, oldest first."""
        with self._lock:
            return [replace(job) for job in self._jobs.values() if not job.done]

    def wait(self, timeout: float) -> bool:
        """Block until no import is queued or running; False when ``timeout`` ran out first."""
        with self._idle:
            return self._idle.wait_for(lambda: self._thread is None, timeout=timeout)

    def _forget_old(self) -> None:
        finished = [job_id for job_id, job in self._jobs.items() if job.done]
        for job_id in finished[: max(0, len(self._jobs) - self.keep)]:
            del self._jobs[job_id]

    def _drain(self) -> None:
        while True:
            with self._lock:
                if not self._queue:
                    self._thread = None
                    self._idle.notify_all()
                    return
                job = self._jobs[self._queue.popleft()]
                job.state = "running"
            self._run(job)

    def _run(self, job: ImportJob) -> None:
        def progress(position: int, total: int | None, records: int) -> None:
            with self._lock:
                job.position, job.total, job.records = position, total, records

        state: JobState = "failed"
        error: str | None = None
        try:
            connector = connector_class(job.kind)(job.path, **job.options)
            with self._lock:
                job.total = connector.total()
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
            job.state, job.error, job.run_id = state, error, run_id
            job.finished_at = dt.datetime.now(dt.UTC)


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
            worker = ImportWorker(app.state.sessions, settings.import_batch_size)
            app.state.import_worker = worker
        return worker


def uploads_dir(app: FastAPI) -> Path:
    """Where the application stores uploaded files."""
    folder: Path = app.state.settings.data_dir / UPLOADS_FOLDER
    return folder
