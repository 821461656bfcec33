"""Alert use cases: rules (add, list, remove), alerts raised from the watch's findings,
their states (acknowledge, close) and the delivery log they start.

Services own no transaction (DESIGN rule 3): the caller commits. Every change of a rule or
of an alert's state writes an audit record in the same transaction.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final
from urllib.parse import urlsplit

import sqlalchemy as sa
from sqlalchemy.orm import Session

from palabre.customers import watch
from palabre.customers.alerting import Finding, RuleSpec
from palabre.customers.models import ALERT_STATES, Alert, AlertDelivery, AlertRule
from palabre.errors import ConflictError, NotFoundError, ValidationError
from palabre.identity.models import Segment
from palabre.privacy.audit import record

_EMAIL: Final = re.compile(r"^[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>]+$")
#: from one state, the states an alert may move to
_MOVES: Final = {
    "open": ("acknowledged", "closed"),
    "acknowledged": ("closed", "open"),
    "closed": ("open",),
}


def check_webhook_url(url: str, field: str = "webhook") -> str:
    """An http(s) URL with a host, or a :class:`ValidationError` naming ``field``."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationError(f"{field}: {url!r} is not an http:// or https:// URL")
    return url.strip()


def check_emails(addresses: Sequence[str], field: str = "email") -> list[str]:
    """E-mail addresses, stripped and each checked, or a :class:`ValidationError`."""
    cleaned = []
    for address in addresses:
        address = address.strip()
        if not address:
            continue
        if not _EMAIL.match(address):
            raise ValidationError(f"{field}: {address!r} is not an e-mail address")
        cleaned.append(address)
    return cleaned


# -- rules ------------------------------------------------------------------------------


def add_rule(
    session: Session,
    *,
    name: str,
    signal: str,
    threshold: float,
    actor: str,
    segment_id: int | None = None,
    min_volume: int = 10,
    persistence_days: int = 1,
    webhook_url: str | None = None,
    emails: Sequence[str] = (),
) -> AlertRule:
    """Create an alert rule (checked field by field) and audit it."""
    name = name.strip()
    if not name or len(name) > 200:
        raise ValidationError("name: give a name of 1 to 200 characters")
    if signal not in watch.SIGNALS:
        raise ValidationError(f"signal: {signal!r} is not one of {', '.join(watch.SIGNALS)}")
    if not 0.0 <= threshold < 1.0:
        raise ValidationError(f"threshold: a share from 0 to 1 (excluded), got {threshold}")
    if min_volume < 1:
        raise ValidationError(f"min_volume: at least 1 message, got {min_volume}")
    if not 1 <= persistence_days <= watch.BASELINE_DAYS:
        raise ValidationError(
            f"persistence: 1 to {watch.BASELINE_DAYS} days, got {persistence_days}"
        )
    if segment_id is not None:
        segment = session.get(Segment, segment_id)
        if segment is None or segment.kind != "customer":
            raise NotFoundError(f"segment: no customer segment {segment_id}")
    if session.scalar(sa.select(AlertRule.id).where(AlertRule.name == name)) is not None:
        raise ConflictError(f"name: an alert rule is already called {name!r}")
    rule = AlertRule(
        name=name,
        segment_id=segment_id,
        signal=signal,
        threshold=threshold,
        min_volume=min_volume,
        persistence_days=persistence_days,
        webhook_url=check_webhook_url(webhook_url) if webhook_url else None,
        emails=check_emails(emails),
        enabled=True,
        created_by=actor,
    )
    session.add(rule)
    session.flush()
    record(
        session,
        actor=actor,
        action="alert_rule.create",
        subject_type="alert_rule",
        subject_id=rule.id,
        details={"name": name, "signal": signal, "threshold": threshold},
    )
    return rule


def list_rules(session: Session) -> list[AlertRule]:
    """Every alert rule, by name."""
    return list(session.scalars(sa.select(AlertRule).order_by(AlertRule.name)))


def find_rule(session: Session, name_or_id: str) -> AlertRule:
    """A rule by name, or by id when ``name_or_id`` is a number; else a 404."""
    rule = session.scalar(sa.select(AlertRule).where(AlertRule.name == name_or_id))
    if rule is None and name_or_id.isdigit():
        rule = session.get(AlertRule, int(name_or_id))
    if rule is None:
        raise NotFoundError(f"no alert rule {name_or_id!r}")
    return rule


def remove_rule(session: Session, rule: AlertRule, *, actor: str) -> None:
    """Delete a rule; the alerts it raised stay (their rule becomes empty)."""
    record(
        session,
        actor=actor,
        action="alert_rule.delete",
        subject_type="alert_rule",
        subject_id=rule.id,
        details={"name": rule.name},
    )
    # Its alerts stay, under a key no later rule can take (SQLite may reuse the id).
    session.execute(
        sa.update(Alert)
        .where(Alert.key == f"rule:{rule.id}")
        .values(key=f"removed:{rule.id}:{int(rule.created_at.timestamp())}")
    )
    session.delete(rule)
    session.flush()


def rule_specs(session: Session) -> list[RuleSpec]:
    """The enabled rules, as the alerts stage reads them."""
    rules = session.scalars(sa.select(AlertRule).where(AlertRule.enabled).order_by(AlertRule.id))
    return [
        RuleSpec(r.id, r.segment_id, r.signal, r.threshold, r.min_volume, r.persistence_days)
        for r in rules
    ]


# -- raising ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Targets:
    """Where the alerts of one source go besides the app."""

    webhook_url: str | None = None
    emails: tuple[str, ...] = ()


def _targets(session: Session, finding: Finding, anomaly_targets: Targets) -> Targets:
    if finding.rule_id is None:
        return anomaly_targets
    rule = session.get(AlertRule, finding.rule_id)
    if rule is None:
        return Targets()
    return Targets(rule.webhook_url, tuple(rule.emails or ()))


def raise_alerts(
    session: Session, findings: Sequence[Finding], anomaly_targets: Targets = Targets()
) -> list[Alert]:
    """Store what the findings say, at most once each, and queue their deliveries.

    A finding already covered by an alert of the same source, segment and signal is
    skipped (runs are idempotent); one that continues an alert (its last day is the day
    before) extends it: a condition that lasts is one alert, paged once. Returns the
    alerts raised now (new ones only).
    """
    raised: list[Alert] = []
    for finding in sorted(findings, key=lambda f: (f.day, f.key, f.segment_id, f.signal)):
        same = (
            Alert.key == finding.key,
            Alert.segment_id == finding.segment_id,
            Alert.signal == finding.signal,
        )
        covering = session.scalar(
            sa.select(Alert)
            .where(*same, Alert.day <= finding.day, Alert.last_day >= finding.day - dt.timedelta(1))
            .order_by(Alert.day.desc())
            .limit(1)
        )
        if covering is not None:
            if covering.last_day < finding.day:
                covering.last_day = finding.day
                covering.updated_at = dt.datetime.now(dt.UTC)
            continue
        alert = Alert(
            kind=finding.kind,
            key=finding.key,
            rule_id=finding.rule_id,
            segment_id=finding.segment_id,
            signal=finding.signal,
            day=finding.day,
            last_day=finding.day,
            value=finding.value,
            baseline=finding.baseline,
            volume=finding.volume,
            change=finding.change,
            p_value=finding.p_value,
            severity=finding.severity,
            state="open",
        )
        session.add(alert)
        session.flush()
        targets = _targets(session, finding, anomaly_targets)
        if targets.webhook_url:
            session.add(
                AlertDelivery(alert_id=alert.id, channel="webhook", target=targets.webhook_url)
            )
        for address in dict.fromkeys(targets.emails):
            session.add(AlertDelivery(alert_id=alert.id, channel="email", target=address))
        raised.append(alert)
    session.flush()
    return raised


# -- reading and states -----------------------------------------------------------------


@dataclass(frozen=True)
class AlertView:
    """An alert with the names the pages and the CLI show."""

    alert: Alert
    segment_name: str
    rule_name: str | None
    deliveries: list[AlertDelivery]


def list_alerts(
    session: Session, *, states: Sequence[str] = ("open", "acknowledged"), limit: int = 200
) -> list[AlertView]:
    """Alerts in ``states``, the most recent day first, then the most severe."""
    unknown = [s for s in states if s not in ALERT_STATES]
    if unknown:
        raise ValidationError(f"state: {unknown[0]!r} is not one of {', '.join(ALERT_STATES)}")
    severity_rank = sa.case({"high": 0, "medium": 1, "low": 2}, value=Alert.severity)
    rows = session.execute(
        sa.select(Alert, Segment.name, AlertRule.name)
        .join(Segment, Segment.id == Alert.segment_id)
        .outerjoin(AlertRule, AlertRule.id == Alert.rule_id)
        .where(Alert.state.in_(list(states)))
        .order_by(Alert.last_day.desc(), severity_rank, Alert.id.desc())
        .limit(limit)
    ).all()
    ids = [alert.id for alert, _, _ in rows]
    deliveries: dict[int, list[AlertDelivery]] = {i: [] for i in ids}
    if ids:
        for delivery in session.scalars(
            sa.select(AlertDelivery)
            .where(AlertDelivery.alert_id.in_(ids))
            .order_by(AlertDelivery.id)
        ):
            deliveries[delivery.alert_id].append(delivery)
    return [AlertView(a, s, r, deliveries[a.id]) for a, s, r in rows]


def open_count(session: Session) -> int:
    """How many alerts are open (the badge)."""
    return int(session.scalar(sa.select(sa.func.count()).where(Alert.state == "open")) or 0)


def get_alert(session: Session, alert_id: int) -> Alert:
    """One alert, or a 404."""
    alert = session.get(Alert, alert_id)
    if alert is None:
        raise NotFoundError(f"no alert {alert_id}")
    return alert


def set_alert_state(session: Session, alert: Alert, state: str, *, actor: str) -> Alert:
    """Acknowledge, close or reopen an alert (audited); an impossible move is a 409."""
    if state not in ALERT_STATES:
        raise ValidationError(f"state: {state!r} is not one of {', '.join(ALERT_STATES)}")
    if state not in _MOVES[alert.state]:
        raise ConflictError(f"alert {alert.id} is {alert.state}: it cannot become {state}")
    previous = alert.state
    alert.state = state
    alert.updated_at = dt.datetime.now(dt.UTC)
    alert.updated_by = actor
    record(
        session,
        actor=actor,
        action=f"alert.{state}",
        subject_type="alert",
        subject_id=alert.id,
        details={"from": previous, "to": state},
    )
    session.flush()
    return alert
