"""The trend part of ``run_analysis``: emerging topics across every conversation.

When messages were added since the last run (the ``trends`` watermark keeps the
highest message id seen), or the stage's version changed, or with ``full``: the
messages of the last :data:`~palabre.innovation.trend_service.WINDOW_DAYS` days before
the latest one (every channel but surveys) are read in one query, with the people's
names (a person mentioned more is not a topic), the
:class:`~palabre.innovation.trends.TrendDetector` reads them day by day, and the
``trend`` table is replaced in the same transaction. Otherwise nothing is done.
"""

from __future__ import annotations

import time
from typing import Final

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from palabre.db.base import utcnow
from palabre.db.engine import transaction
from palabre.fabric.models import Message
from palabre.innovation.trend_service import (
    WINDOW_DAYS,
    people_names,
    read_trend_rows,
    replace_trends,
)
from palabre.innovation.trends import TrendDetector
from palabre.pipeline.runner import Progress, StageReport, _watermark

STAGE: Final = "trends"
#: bump when the detector's settings or what it reads change: the next run recomputes
VERSION: Final = f"trends-3-w{WINDOW_DAYS}"


def run_trends(
    sessions: sessionmaker[Session],
    full: bool,
    progress: Progress | None,
    *,
    window_days: int = WINDOW_DAYS,
) -> StageReport:
    """Recompute the stored trends when messages were added (see the module docstring)."""
    report = StageReport(STAGE)
    started = time.perf_counter()
    with transaction(sessions) as session:
        mark = _watermark(session, STAGE, VERSION)
        latest = int(session.scalar(sa.select(sa.func.max(Message.id))) or 0)
        if not full and mark.version == VERSION and mark.last_message_id == latest:
            if mark.finished_at is None:
                mark.finished_at = utcnow()
            report.seconds = time.perf_counter() - started
            return report
        if progress:
            progress(STAGE, 0, None)
        rows = read_trend_rows(session, window_days)
        detector = TrendDetector(names=people_names(session)) if rows else None
        trends = detector.fit(rows).trends_ if detector is not None else []
        report.rows_in = len(rows)
        report.rows_out = replace_trends(session, trends, utcnow())
        report.recomputed_all = True
        mark.last_message_id = latest
        mark.version = VERSION
        mark.finished_at = utcnow()
    if progress:
        progress(STAGE, report.rows_in, report.rows_in)
    report.seconds = time.perf_counter() - started
    return report
