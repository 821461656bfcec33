"""Retention of finished background jobs: the ``jobs_keep_days`` setting, applied.

A job's row, and the uploaded file an import's row names, are kept ``jobs_keep_days``
after the job ended, then deleted (:func:`palabre.jobs.service.purge_finished`). There
is no scheduler: the web application applies it each time it queues a job, the only
moment the table grows, and ``palabre analyze`` (the command a workspace runs regularly)
applies it too, so that the files of old uploads go even when nobody uploads any more.

An uploaded file is a copy of data the user still has (it came from their machine): palabre
reads it once, for its import, and never again — an interrupted import is finished by
uploading the file again. Keeping the copy longer than its job would keep personal data
out of reach of the database's own retention and erasure, so it goes with its row.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from sqlalchemy.orm import Session, sessionmaker

from palabre.config import Settings
from palabre.db.base import utcnow
from palabre.db.engine import transaction
from palabre.jobs import service as jobs

log = logging.getLogger("palabre.jobs")

#: The actor of the audit record a purge writes: the retention setting acts, not a person.
ACTOR: Final = "system"


@dataclass(frozen=True)
class PurgeReport:
    """What one application of the retention did."""

    jobs: int
    files: int


@dataclass(frozen=True)
class Retention:
    """How long finished jobs are kept (``keep_days``; 0: for ever) and the folder their
    uploaded files are in (only files directly in it are ever removed)."""

    keep_days: int
    uploads: Path

    @classmethod
    def of(cls, settings: Settings) -> Retention:
        """The retention the workspace's settings ask for."""
        return cls(keep_days=settings.jobs_keep_days, uploads=settings.uploads_path)

    def apply(self, sessions: sessionmaker[Session], now: dt.datetime | None = None) -> PurgeReport:
        """Delete the jobs that ended more than ``keep_days`` before ``now`` (in a
        transaction of its own), then, once that committed, their uploaded files.

        Files go after the commit: a purge rolled back keeps its rows and their files
        alike. A process stopped in between leaves a file no row names; it is never read.
        """
        if self.keep_days == 0:
            return PurgeReport(jobs=0, files=0)
        cutoff = (now or utcnow()) - dt.timedelta(days=self.keep_days)
        with transaction(sessions) as session:
            purged = jobs.purge_finished(session, older_than=cutoff, actor=ACTOR)
        return PurgeReport(jobs=purged.jobs, files=remove_uploads(purged.uploads, self.uploads))

    def apply_quietly(self, sessions: sessionmaker[Session]) -> None:
        """:meth:`apply`, logging a failure instead of raising it: the web application
        purges on the way to queueing a job, which must not fail for it (the next job
        tries again)."""
        try:
            self.apply(sessions)
        except Exception:
            log.exception("the purge of finished background jobs failed; the next job retries")


def remove_uploads(paths: tuple[str, ...], folder: Path) -> int:
    """Remove the files ``paths`` that lie directly in ``folder``; returns how many were there.

    A path elsewhere is left alone and logged: the web application stores every upload in
    ``folder``, so anything else did not come from it and is not palabre's to delete.
    """
    root = folder.resolve()
    removed = 0
    for text in paths:
        path = Path(text)
        if path.resolve().parent != root:
            log.warning("not removing %s: it is not in the uploads folder %s", path, root)
            continue
        try:
            path.unlink()
        except FileNotFoundError:
            continue  # removed by hand, or by a purge in another process
        removed += 1
    return removed
