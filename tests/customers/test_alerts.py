"""Alerts end to end: rules stored and checked, the alerts stage of ``run_analysis``
(raised once, extended while the condition lasts), states with audit, and delivery to a
real local SMTP server and real local HTTP receivers, including ones that fail."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from palabre.config import Settings
from palabre.customers import alerts, delivery
from palabre.customers.models import Alert, AlertDelivery, SegmentDay
from palabre.db.engine import transaction
from palabre.errors import ConflictError, NotFoundError, ValidationError
from palabre.identity.models import Segment
from palabre.pipeline.runner import run_analysis
from palabre.pipeline.stage import LocalEngine
from palabre.privacy.models import AuditEntry
from tests.customers.receivers import smtp_server, webhook_receiver
from tests.pipeline import world


@pytest.fixture
def built(sessions: sessionmaker[Session], tmp_path: Path) -> sessionmaker[Session]:
    world.build(sessions, tmp_path, messages=40)
    return sessions


def _segment(session: Session, name: str) -> int:
    return session.execute(sa.select(Segment.id).where(Segment.name == name)).scalar_one()


def _add_rule(sessions: sessionmaker[Session], **fields: object) -> int:
    values: dict[str, object] = {
        "name": "France unhappy",
        "signal": "discontent",
        "threshold": 0.05,
        "min_volume": 1,
        "actor": "test",
    }
    values.update(fields)
    with transaction(sessions) as session:
        if "segment_id" not in values:
            values["segment_id"] = _segment(session, "France")
        return alerts.add_rule(session, **values).id  # type: ignore[arg-type]


def _discontent_days(session: Session, segment: int) -> list[dt.date]:
    rows = session.execute(
        sa.select(SegmentDay.day).where(
            SegmentDay.segment_id == segment,
            SegmentDay.channel_id.is_(None),
            SegmentDay.n_discontent > 0,
        )
    )
    return sorted(day for (day,) in rows)


def _analyze(sessions: sessionmaker[Session], settings: Settings | None = None) -> int:
    report = run_analysis(sessions, engine=LocalEngine(workers=1), settings=settings)
    return report.stage("alerts").rows_out


def test_rules_are_checked_field_by_field(built: sessionmaker[Session]) -> None:
    with built() as session:
        france = _segment(session, "France")
        cases = [
            ({"signal": "anger"}, ValidationError, "signal"),
            ({"threshold": 1.5}, ValidationError, "threshold"),
            ({"min_volume": 0}, ValidationError, "min_volume"),
            ({"persistence_days": 0}, ValidationError, "persistence"),
            ({"webhook_url": "ftp://example.org/x"}, ValidationError, "webhook"),
            ({"emails": ["not-an-address"]}, ValidationError, "email"),
            ({"segment_id": 9999}, NotFoundError, "segment"),
        ]
        for fields, error, named in cases:
            values: dict[str, object] = {
                "name": "r",
                "signal": "discontent",
                "threshold": 0.2,
                "segment_id": france,
                "actor": "test",
            }
            values.update(fields)
            with pytest.raises(error, match=named):
                alerts.add_rule(session, **values)  # type: ignore[arg-type]
        alerts.add_rule(session, name="r", signal="praise", threshold=0.2, actor="test")
        with pytest.raises(ConflictError, match="already"):
            alerts.add_rule(session, name="r", signal="praise", threshold=0.3, actor="test")


def test_the_alerts_stage_raises_each_alert_once_and_extends_lasting_ones(
    built: sessionmaker[Session],
) -> None:
    rule_id = _add_rule(built)
    raised = _analyze(built)
    with built() as session:
        france = _segment(session, "France")
        days = _discontent_days(session, france)
        stored = list(session.scalars(sa.select(Alert).order_by(Alert.day)))
    assert raised == len(stored) >= 1
    assert {(a.kind, a.rule_id, a.segment_id, a.signal) for a in stored} == {
        ("rule", rule_id, france, "discontent")
    }
    # Every day the condition held (within the lookback) is covered by exactly one alert.
    latest = max(days)
    recent = [d for d in days if d > latest - dt.timedelta(days=7)]
    covered = [d for d in recent if any(a.day <= d <= a.last_day for a in stored)]
    assert covered == recent
    for a in stored:
        assert a.value > 0.05
        assert a.state == "open"

    # Running again, even recomputing everything, raises nothing new.
    assert _analyze(built) == 0
    assert (
        run_analysis(built, engine=LocalEngine(workers=1), full=True).stage("alerts").rows_out == 0
    )
    with built() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Alert)) == len(stored)


def test_a_rule_that_never_holds_raises_nothing(built: sessionmaker[Session]) -> None:
    _add_rule(built, threshold=0.99)
    _add_rule(built, name="few", min_volume=1000)
    assert _analyze(built) == 0


def test_acknowledge_and_close_are_audited_and_impossible_moves_refused(
    built: sessionmaker[Session],
) -> None:
    _add_rule(built)
    _analyze(built)
    with transaction(built) as session:
        alert = session.scalars(sa.select(Alert)).first()
        assert alert is not None
        assert alerts.open_count(session) >= 1
        alerts.set_alert_state(session, alert, "acknowledged", actor="user:ana")
        alerts.set_alert_state(session, alert, "closed", actor="user:ana")
        with pytest.raises(ConflictError, match="closed"):
            alerts.set_alert_state(session, alert, "acknowledged", actor="user:ana")
        alert_id = alert.id
    with built() as session:
        actions = session.scalars(
            sa.select(AuditEntry.action).where(
                AuditEntry.subject_type == "alert", AuditEntry.subject_id == str(alert_id)
            )
        ).all()
        assert sorted(actions) == ["alert.acknowledged", "alert.closed"]
        assert [v.alert.id for v in alerts.list_alerts(session, states=["closed"])] == [alert_id]


def test_alerts_reach_a_real_smtp_server_and_a_real_webhook(
    built: sessionmaker[Session], settings: Settings
) -> None:
    with smtp_server() as (port, inbox), webhook_receiver() as (url, posted):
        _add_rule(built, webhook_url=url, emails=["crm@example.org", "ops@example.org"])
        raised = _analyze(built)
        local = settings.model_copy(
            update={"smtp_host": "127.0.0.1", "smtp_port": port, "smtp_starttls": False}
        )
        with transaction(built) as session:
            report = delivery.deliver_pending(session, local, backoff=0)
    assert report == delivery.DeliveryReport(sent=3 * raised, failed=0)
    assert len(posted.documents) == raised
    document = posted.documents[0]
    assert posted.content_types[0] == "application/json"
    assert document["alert"]["segment"]["name"] == "France"
    assert document["alert"]["signal"] == "discontent"
    assert document["alert"]["rule"] == "France unhappy"
    recipients = sorted(r for rcpt, _ in inbox.received for r in rcpt)
    assert recipients == sorted(["crm@example.org", "ops@example.org"] * raised)
    _, message = inbox.received[0]
    assert "France" in str(message["Subject"])
    body = message.get_payload(decode=True)
    assert isinstance(body, bytes)
    assert "mécontentement" in body.decode()
    assert "discontent:" in body.decode()
    with built() as session:
        statuses = session.scalars(sa.select(AlertDelivery.status)).all()
        assert set(statuses) == {"sent"}


@pytest.mark.parametrize("behaviour", ["fail", "hang"])
def test_a_failing_receiver_is_logged_as_failed_and_the_alert_stays_in_the_app(
    built: sessionmaker[Session], settings: Settings, behaviour: str
) -> None:
    with webhook_receiver(behaviour, delay=2.0) as (url, posted):
        _add_rule(built, webhook_url=url)
        raised = _analyze(built)
        assert raised >= 1
        quick = settings.model_copy(update={"webhook_timeout": 0.3, "alert_delivery_attempts": 2})
        with transaction(built) as session:
            report = delivery.deliver_pending(session, quick, backoff=0)
        assert report == delivery.DeliveryReport(sent=0, failed=raised)
        assert posted.hits == 2 * raised  # each delivery tried twice
        with transaction(built) as session:
            # Out of attempts: a later round leaves them alone.
            assert delivery.deliver_pending(session, quick, backoff=0).failed == 0
    with built() as session:
        logged = session.scalars(sa.select(AlertDelivery)).all()
        assert {(d.status, d.attempts) for d in logged} == {("failed", 2)}
        expected = "HTTP 500" if behaviour == "fail" else "no answer"
        assert all(d.error and expected in d.error for d in logged)
        views = alerts.list_alerts(session)
        assert len(views) == raised
        assert {v.alert.state for v in views} == {"open"}


def test_without_an_smtp_server_e_mails_fail_with_the_reason(
    built: sessionmaker[Session], settings: Settings
) -> None:
    _add_rule(built, emails=["crm@example.org"])
    _analyze(built)
    with transaction(built) as session:
        report = delivery.deliver_pending(session, settings, backoff=0)
    assert report.sent == 0
    assert report.failed >= 1
    with built() as session:
        errors = set(session.scalars(sa.select(AlertDelivery.error)))
        assert errors == {"no SMTP server configured (PALABRE_SMTP_HOST)"}


def test_anomalies_go_to_the_addresses_of_the_settings(
    built: sessionmaker[Session], settings: Settings
) -> None:
    # The small world has no baseline: no anomaly, hence nothing queued for anomalies.
    configured = settings.model_copy(
        update={"anomaly_emails": "ops@example.org", "anomaly_persistence_days": 1}
    )
    assert _analyze(built, configured) == 0
    with built() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(AlertDelivery)) == 0


def _spike_rows(days: int, spike_days: int, per_day: int = 12) -> list[dict[str, str]]:
    """France writes ``per_day`` neutral messages a day for ``days`` days; on the last
    ``spike_days`` days most of them are angry."""
    calm, angry = world.TEXTS[7], world.TEXTS[0]
    rows = []
    for day in range(days):
        when = dt.datetime.combine(world.START + dt.timedelta(days=day), dt.time(9))
        for k in range(per_day):
            spiking = day >= days - spike_days and k < per_day * 3 // 4
            rows.append(
                {
                    "id": f"s{day}-{k}",
                    "channel": "forum",
                    "channel_kind": "community",
                    "author": ("claire", "paul")[k % 2],
                    "created_at": (when + dt.timedelta(minutes=k))
                    .replace(tzinfo=dt.UTC)
                    .isoformat(),
                    "text": angry if spiking else calm,
                }
            )
    return rows


@pytest.mark.parametrize(("spike_days", "raised"), [(1, 0), (2, 1)])
def test_an_anomaly_needs_a_lasting_rise_and_goes_to_the_settings_targets(
    sessions: sessionmaker[Session],
    settings: Settings,
    tmp_path: Path,
    spike_days: int,
    raised: int,
) -> None:
    world.build(sessions, tmp_path, messages=1)
    world.import_messages(
        sessions, world.write_messages(tmp_path / "spike.csv", _spike_rows(40, spike_days))
    )
    with webhook_receiver() as (url, posted):
        configured = settings.model_copy(
            update={"anomaly_webhook_url": url, "anomaly_persistence_days": 2}
        )
        assert _analyze(sessions, configured) == raised
        with transaction(sessions) as session:
            delivery.deliver_pending(session, configured, backoff=0)
    with sessions() as session:
        found = session.scalars(sa.select(Alert)).all()
    assert [(a.kind, a.signal) for a in found] == [("anomaly", "discontent")] * raised
    assert len(posted.documents) == raised
    if raised:
        assert found[0].severity == "high"
        assert found[0].p_value is not None
        assert posted.documents[0]["alert"]["kind"] == "anomaly"


def test_a_removed_rule_keeps_its_alerts_and_a_new_rule_starts_afresh(
    built: sessionmaker[Session],
) -> None:
    _add_rule(built)
    first = _analyze(built)
    assert first >= 1
    with transaction(built) as session:
        alerts.remove_rule(session, alerts.find_rule(session, "France unhappy"), actor="test")
    _add_rule(built)  # same name, perhaps the same id
    assert _analyze(built) == first
    with built() as session:
        kept = session.scalars(sa.select(Alert).where(Alert.rule_id.is_(None))).all()
        assert len(kept) == first
        assert all(a.key.startswith("removed:") for a in kept)
