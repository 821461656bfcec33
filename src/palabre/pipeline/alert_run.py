"""The alerts stage's I/O: which days to look at, the counts and rules it reads, and the
alerts it stores (:func:`palabre.customers.alerts.raise_alerts`).

Days looked at: on the first run (or with ``full``, or when the rules or the stage
changed: the ``inputs_digest``) the last :data:`LOOKBACK_DAYS` days the watch holds; after
that, the days since the last one looked at, plus the :data:`LATE_DAYS` before it (messages
imported late change recent days). Never earlier than the lookback: alerts are about now,
not about last year's history being imported. Looking at a day twice raises nothing twice.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from typing import Final

import polars as pl
import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from palabre.config import Settings
from palabre.customers import alerting, alerts
from palabre.customers.models import AlertRule, SegmentDay
from palabre.db.base import utcnow
from palabre.db.engine import transaction
from palabre.pipeline import results
from palabre.pipeline.stage import Engine
from palabre.pipeline.stages import AlertStage

LOOKBACK_DAYS: Final = 7
LATE_DAYS: Final = 2


def _rules_digest(session: Session, persistence: int) -> str:
    rows = session.execute(
        sa.select(
            AlertRule.id,
            AlertRule.segment_id,
            AlertRule.signal,
            AlertRule.threshold,
            AlertRule.min_volume,
            AlertRule.persistence_days,
            AlertRule.enabled,
        ).order_by(AlertRule.id)
    ).all()
    text = repr(([tuple(r) for r in rows], persistence))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def days_to_look_at(latest: dt.date, last_seen: dt.date | None, everything: bool) -> list[dt.date]:
    """The days the stage evaluates (see the module docstring), oldest first."""
    first = latest - dt.timedelta(days=LOOKBACK_DAYS - 1)
    if not everything and last_seen is not None:
        first = max(first, last_seen - dt.timedelta(days=LATE_DAYS))
    count = (latest - first).days + 1
    return [first + dt.timedelta(days=k) for k in range(max(count, 0))]


def run_alerts(
    sessions: sessionmaker[Session],
    engine: Engine,
    full: bool,
    settings: Settings | None,
) -> tuple[int, int, float]:
    """Evaluate rules and anomalies, store the new alerts; ``(days, raised, seconds)``."""
    from palabre.pipeline.runner import _watermark  # the runner's own helper

    started = time.perf_counter()
    persistence = settings.anomaly_persistence_days if settings else 2
    targets = alerts.Targets()
    if settings is not None:
        targets = alerts.Targets(
            settings.anomaly_webhook_url,
            tuple(alerts.check_emails((settings.anomaly_emails or "").split(","))),
        )
    stage = AlertStage(persistence)
    with transaction(sessions) as session:
        mark = _watermark(session, stage.name, stage.version)
        digest = _rules_digest(session, persistence)
        latest = session.scalar(sa.select(sa.func.max(SegmentDay.day)))
        if latest is None:
            mark.finished_at = utcnow()
            return 0, 0, time.perf_counter() - started
        everything = full or mark.version != stage.version or mark.inputs_digest != digest
        last_seen = mark.scored_through.date() if mark.scored_through else None
        days = days_to_look_at(latest, last_seen, everything)
        specs = alerts.rule_specs(session)
        longest = max([persistence, *(r.persistence_days for r in specs)])
        daily = results.segment_days(session, alerting.history_start(days, longest), latest)
        rules = pl.DataFrame(
            [tuple(vars(r).values()) for r in specs],
            schema={
                "id": pl.Int64,
                "segment_id": pl.Int64,
                "signal": pl.String,
                "threshold": pl.Float64,
                "min_volume": pl.Int64,
                "persistence_days": pl.Int64,
            },
            orient="row",
        )
        found = engine.run(
            stage, {"segment_day": daily, "rules": rules, "days": pl.DataFrame({"day": days})}
        )["findings"]
        findings = [alerting.Finding(**row) for row in found.iter_rows(named=True)]
        raised = alerts.raise_alerts(session, findings, targets)
        mark.version = stage.version
        mark.inputs_digest = digest
        mark.scored_through = dt.datetime.combine(latest, dt.time(0), tzinfo=dt.UTC)
        mark.finished_at = utcnow()
    return len(days), len(raised), time.perf_counter() - started
