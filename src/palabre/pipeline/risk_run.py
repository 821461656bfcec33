"""The churn-risk part of ``run_analysis``: every customer's probability of leaving.

When messages were added or scored since the last run (the ``churn_risk`` watermark
keeps the highest message id and the latest ``message_signal.scored_at`` it saw), when
the customers changed (a digest of their ids: a person imported as an employee, a merge
or an unmerge; no score is kept for someone who is no longer a customer), or the stage's
version changed, or with ``full``: every customer is scored as of the day after
the latest analysed message (:func:`palabre.customers.risk_data.score_every_customer`)
and the ``churn_risk_score`` table is replaced in the same transaction. Otherwise
nothing is done. The at-risk pages rank from the table and explain only the customers
they list.
"""

from __future__ import annotations

import time
from typing import Final

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from palabre.customers.risk_data import customers_digest, score_every_customer
from palabre.db.base import utcnow
from palabre.db.engine import transaction
from palabre.fabric.models import Message
from palabre.pipeline.models import MessageSignal
from palabre.pipeline.runner import Progress, StageReport, _watermark

STAGE: Final = "churn_risk"
#: bump when the model or what it reads change: the next run scores everyone again
VERSION: Final = "churn-risk-1"


def run_churn_risk(
    sessions: sessionmaker[Session], full: bool, progress: Progress | None
) -> StageReport:
    """Score every customer again when the messages, their signals or the customers changed."""
    report = StageReport(STAGE)
    started = time.perf_counter()
    with transaction(sessions) as session:
        mark = _watermark(session, STAGE, VERSION)
        latest = int(session.scalar(sa.select(sa.func.max(Message.id))) or 0)
        scored = session.scalar(sa.select(sa.func.max(MessageSignal.scored_at)))
        digest = customers_digest(session)
        unchanged = (
            mark.last_message_id == latest
            and mark.scored_through == scored
            and mark.inputs_digest == digest
        )
        if not full and mark.version == VERSION and unchanged:
            if mark.finished_at is None:
                mark.finished_at = utcnow()
            report.seconds = time.perf_counter() - started
            return report
        if progress:
            progress(STAGE, 0, None)
        _as_of, report.rows_out = score_every_customer(session)
        report.rows_in = report.rows_out
        report.recomputed_all = True
        mark.last_message_id = latest
        mark.scored_through = scored
        mark.inputs_digest = digest
        mark.version = VERSION
        mark.finished_at = utcnow()
    if progress:
        progress(STAGE, report.rows_out, report.rows_out)
    report.seconds = time.perf_counter() - started
    return report
