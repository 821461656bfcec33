"""Sending alerts: a JSON POST to a webhook (``urllib``, standard library) and an e-mail by
SMTP (``smtplib``), each attempt written to the delivery log (``alert_delivery``).

A delivery is *pending* until tried, *sent* once a receiver accepted it (HTTP 2xx, or the
SMTP server took the message) and *failed* after an attempt that did not work; failed
deliveries are tried again by the next ``palabre alerts deliver`` (or ``palabre
analyze``) until they have had ``alert_delivery_attempts`` attempts. The alert itself is
in the app whatever happens to its deliveries.
"""

from __future__ import annotations

import datetime as dt
import smtplib
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.orm import Session

from palabre import __version__
from palabre.config import Settings
from palabre.customers.models import Alert, AlertDelivery, AlertRule
from palabre.identity.models import Segment

#: how the e-mails name the signals, in both languages
SIGNAL_WORDS: dict[str, tuple[str, str]] = {
    "discontent": ("mécontentement", "discontent"),
    "drifting_away": ("éloignement", "drifting away"),
    "disappointment": ("déception", "disappointment"),
    "misunderstanding": ("incompréhension", "misunderstanding"),
    "suggestion": ("suggestions", "suggestions"),
    "praise": ("compliments", "praise"),
}
_ERROR_LENGTH = 500


class DeliveryError(Exception):
    """One attempt failed; the message goes to the delivery log."""


@dataclass(frozen=True)
class DeliveryReport:
    """What one round of deliveries did."""

    sent: int
    failed: int


def payload(alert: Alert, segment_name: str, rule_name: str | None) -> dict[str, Any]:
    """The JSON document a webhook receives (docs/alerts.md)."""
    return {
        "source": "palabre",
        "version": __version__,
        "alert": {
            "id": alert.id,
            "kind": alert.kind,
            "rule": rule_name,
            "segment": {"id": alert.segment_id, "name": segment_name},
            "signal": alert.signal,
            "day": alert.day.isoformat(),
            "last_day": alert.last_day.isoformat(),
            "share": alert.value,
            "baseline_share": alert.baseline,
            "change": alert.change,
            "p_value": alert.p_value,
            "volume": alert.volume,
            "severity": alert.severity,
            "state": alert.state,
        },
    }


def post_webhook(url: str, document: dict[str, Any], timeout: float) -> None:
    """POST ``document`` as JSON; anything but a 2xx answer in time is a DeliveryError."""
    request = urllib.request.Request(
        url,
        data=orjson.dumps(document),
        headers={"Content-Type": "application/json", "User-Agent": f"palabre/{__version__}"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            status = answer.status
    except urllib.error.HTTPError as exc:
        raise DeliveryError(f"HTTP {exc.code} from the receiver") from None
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise DeliveryError(f"no answer from the receiver: {reason}") from None
    if not 200 <= status < 300:
        raise DeliveryError(f"HTTP {status} from the receiver")


def email_message(document: dict[str, Any], sender: str, to: str) -> EmailMessage:
    """The alert as a bilingual plain-text e-mail (French first, then English)."""
    alert = document["alert"]
    fr, en = SIGNAL_WORDS.get(alert["signal"], (alert["signal"], alert["signal"]))
    segment = alert["segment"]["name"]
    share = round(100 * alert["share"])
    base = alert["baseline_share"]
    base_fr = f" (habituellement {round(100 * base)} %)" if base is not None else ""
    base_en = f" (usually {round(100 * base)}%)" if base is not None else ""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = f"[palabre] {segment} : {fr} / {en} ({alert['severity']})"
    message.set_content(
        f"Alerte palabre — segment « {segment} », {alert['day']}\n"
        f"{fr} : {share} % des messages{base_fr}.\n\n"
        f"palabre alert — segment “{segment}”, {alert['day']}\n"
        f"{en}: {share}% of messages{base_en}.\n\n"
        f"{orjson.dumps(document, option=orjson.OPT_INDENT_2).decode()}\n"
    )
    return message


def send_email(settings: Settings, message: EmailMessage) -> None:
    """Send ``message`` through the configured SMTP server, or raise DeliveryError."""
    if not settings.smtp_host:
        raise DeliveryError("no SMTP server configured (PALABRE_SMTP_HOST)")
    try:
        with smtplib.SMTP(
            settings.smtp_host, settings.smtp_port, timeout=settings.smtp_timeout
        ) as smtp:
            if settings.smtp_starttls:
                smtp.starttls()
            if settings.smtp_username:
                smtp.login(settings.smtp_username, settings.smtp_password or "")
            smtp.send_message(message)
    except (smtplib.SMTPException, OSError) as exc:
        raise DeliveryError(f"SMTP: {exc}") from None


def _attempt(settings: Settings, delivery: AlertDelivery, document: dict[str, Any]) -> None:
    if delivery.channel == "webhook":
        post_webhook(delivery.target, document, settings.webhook_timeout)
    else:
        try:
            message = email_message(document, settings.smtp_from, delivery.target)
        except ValueError as exc:  # a header the e-mail policy refuses (a line break)
            raise DeliveryError(f"the e-mail could not be written: {exc}") from None
        send_email(settings, message)


def deliver_pending(
    session: Session, settings: Settings, *, backoff: float = 0.5
) -> DeliveryReport:
    """Try every pending delivery, and every failed one with attempts left.

    Each delivery gets up to its remaining attempts now, ``backoff`` x attempt seconds
    apart; each attempt is counted, the last error kept. The caller commits.
    """
    due = session.execute(
        sa.select(AlertDelivery, Alert, Segment.name, AlertRule.name)
        .join(Alert, Alert.id == AlertDelivery.alert_id)
        .join(Segment, Segment.id == Alert.segment_id)
        .outerjoin(AlertRule, AlertRule.id == Alert.rule_id)
        .where(
            AlertDelivery.status.in_(("pending", "failed")),
            AlertDelivery.attempts < settings.alert_delivery_attempts,
        )
        .order_by(AlertDelivery.id)
    ).all()
    sent = failed = 0
    for delivery, alert, segment_name, rule_name in due:
        document = payload(alert, segment_name, rule_name)
        while delivery.attempts < settings.alert_delivery_attempts:
            delivery.attempts += 1
            delivery.last_attempt_at = dt.datetime.now(dt.UTC)
            try:
                _attempt(settings, delivery, document)
            except DeliveryError as exc:
                delivery.status = "failed"
                delivery.error = str(exc)[:_ERROR_LENGTH]
                if delivery.attempts < settings.alert_delivery_attempts and backoff > 0:
                    time.sleep(backoff * delivery.attempts)
                continue
            delivery.status = "sent"
            delivery.error = None
            delivery.sent_at = delivery.last_attempt_at
            break
        if delivery.status == "sent":
            sent += 1
        else:
            failed += 1
    session.flush()
    return DeliveryReport(sent, failed)
