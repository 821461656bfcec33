"""In-app notifications of the innovation pillar, and the e-mail digest that sums them up.

A notification belongs to a person; the page words it from its ``kind`` and
``details`` in the reader's language. Kinds:

* ``stage_changed``: an idea one follows moved in the funnel (details: title, from,
  to, note);
* ``idea_merged``: an idea one follows or supports was merged into another (title,
  into_id, into_title);
* ``vote_transfer``: one's support of a merged idea may move to the surviving idea,
  if one agrees (transfer_id, title, into_id, into_title);
* ``role_assigned`` / ``role_released``: a manager gave one a role for an idea (ideator,
  expert, validator, champion), or released one from it (title, role, stage).

The digest (``palabre notify digest``) e-mails each person, once, the notifications
not yet e-mailed, to the e-mail address of one of their identities.
"""

from __future__ import annotations

import datetime as dt
import smtplib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.orm import Session

from palabre.config import Settings
from palabre.db.base import utcnow
from palabre.errors import ConfigError, PalabreError
from palabre.identity.models import Identity, Person
from palabre.innovation.models import Notification
from palabre.privacy import audit

KINDS: Final = (
    "stage_changed",
    "idea_merged",
    "vote_transfer",
    "role_assigned",
    "role_released",
)


def notify(
    session: Session,
    person_ids: Iterable[int],
    kind: str,
    *,
    idea_id: int | None,
    details: dict[str, Any],
    skip: int | None = None,
) -> int:
    """Add one notification per person (``skip``: the person who caused it); how many."""
    assert kind in KINDS, kind
    count = 0
    for person_id in sorted(set(person_ids)):
        if person_id == skip:
            continue
        session.add(
            Notification(person_id=person_id, kind=kind, idea_id=idea_id, details=dict(details))
        )
        count += 1
    return count


def unread_count(session: Session, person_id: int | None) -> int:
    """How many notifications the person has not read (0 without a person)."""
    if person_id is None:
        return 0
    return int(
        session.scalar(
            sa.select(sa.func.count())
            .select_from(Notification)
            .where(Notification.person_id == person_id, Notification.read_at.is_(None))
        )
        or 0
    )


def list_notifications(
    session: Session, person_id: int | None, *, limit: int = 100
) -> list[Notification]:
    """The person's latest notifications, newest first."""
    if person_id is None:
        return []
    return list(
        session.scalars(
            sa.select(Notification)
            .where(Notification.person_id == person_id)
            .order_by(Notification.created_at.desc(), Notification.id.desc())
            .limit(limit)
        )
    )


def mark_all_read(session: Session, person_id: int | None) -> int:
    """Mark the person's notifications read; how many were unread."""
    if person_id is None:
        return 0
    result = session.execute(
        sa.update(Notification)
        .where(Notification.person_id == person_id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
    return int(getattr(result, "rowcount", 0) or 0)


# --- the e-mail digest ---------------------------------------------------------------

_TEXT: Final[dict[str, dict[str, str]]] = {
    "en": {
        "subject": "palabre: {n} update(s) on ideas you follow",
        "stage_changed": "“{title}” moved from {from} to {to}.",
        "idea_merged": "“{title}” was merged into “{into_title}”.",
        "vote_transfer": (
            "“{title}”, which you supported, was merged into “{into_title}”: "
            "your support moves there only if you agree ({link})."
        ),
        "role_assigned": "You were asked to be {role} of “{title}” (stage {stage}).",
        "role_released": "You are no longer {role} of “{title}”.",
        "note": "Note: {note}",
        "open": "Open: {link}",
        "footer": "You receive this digest because you follow or support these ideas.",
    },
    "fr": {
        "subject": "palabre : {n} nouvelle(s) des idées que vous suivez",
        "stage_changed": "« {title} » est passée de {from} à {to}.",
        "idea_merged": "« {title} » a été fusionnée avec « {into_title} ».",
        "vote_transfer": (
            "« {title} », que vous souteniez, a été fusionnée avec « {into_title} » : "
            "votre soutien n'y est reporté que si vous l'acceptez ({link})."
        ),
        "role_assigned": "On vous a confié le rôle {role} pour « {title} » (étape {stage}).",
        "role_released": "Vous n'avez plus le rôle {role} pour « {title} ».",
        "note": "Note : {note}",
        "open": "Voir : {link}",
        "footer": "Vous recevez ce résumé parce que vous suivez ou soutenez ces idées.",
    },
}


#: The roles' names in French (the English text uses the role's own name).
_ROLE_FR: Final[dict[str, str]] = {
    "ideator": "d'idéateur",
    "expert": "d'expert",
    "validator": "de validateur",
    "champion": "de champion",
}


@dataclass(frozen=True)
class DigestReport:
    """What a digest run did: e-mails sent, notifications they carried, people skipped."""

    sent: int
    notifications: int
    without_address: int


def _address(session: Session, person_id: int) -> str | None:
    return session.scalar(
        sa.select(Identity.email)
        .where(Identity.person_id == person_id, Identity.email.is_not(None))
        .order_by(Identity.id)
        .limit(1)
    )


def digest_text(notifications: Sequence[Notification], locale: str, base_url: str) -> str:
    """The body of one person's digest, in ``locale`` (``en`` or ``fr``)."""
    words = _TEXT.get(locale, _TEXT["en"])
    lines: list[str] = []
    for note in notifications:
        details = {k: str(v) for k, v in note.details.items()}
        if locale == "fr" and "role" in details:
            details["role"] = _ROLE_FR.get(details["role"], details["role"])
        link = f"{base_url.rstrip('/')}/ideas/{note.idea_id}" if note.idea_id else base_url
        lines.append("- " + words[note.kind].format_map(defaultdict(str, details, link=link)))
        if note.kind == "stage_changed" and details.get("note"):
            lines.append("  " + words["note"].format(note=details["note"]))
        if note.kind != "vote_transfer":
            lines.append("  " + words["open"].format(link=link))
    return "\n".join([*lines, "", words["footer"], ""])


def send_digest(
    session: Session, settings: Settings, *, actor: str, now: dt.datetime | None = None
) -> DigestReport:
    """E-mail every person their notifications not yet e-mailed, one message each.

    Each notification carried is stamped ``emailed_at`` so the next run skips it; a
    person with no e-mail address keeps theirs for the in-app page only. An SMTP
    failure stops the run with a clear error; the caller's transaction then rolls
    back the stamps of the run (people already e-mailed may get their lines again).
    """
    if not settings.smtp_host:
        raise ConfigError("PALABRE_SMTP_HOST is not set: say which SMTP server sends e-mail")
    now = now or utcnow()
    pending = list(
        session.scalars(
            sa.select(Notification)
            .where(Notification.emailed_at.is_(None))
            .order_by(Notification.person_id, Notification.created_at, Notification.id)
        )
    )
    by_person: dict[int, list[Notification]] = defaultdict(list)
    for note in pending:
        by_person[note.person_id].append(note)
    sent = carried = missing = 0
    if not by_person:
        return DigestReport(0, 0, 0)
    try:
        smtp = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=settings.smtp_timeout)
    except OSError as exc:
        raise PalabreError(
            f"cannot reach the SMTP server {settings.smtp_host}:{settings.smtp_port}: {exc}"
        ) from exc
    with smtp:
        try:
            if settings.smtp_starttls:
                smtp.starttls()
            if settings.smtp_username:
                smtp.login(settings.smtp_username, settings.smtp_password or "")
            for person_id, notes in by_person.items():
                address = _address(session, person_id)
                if address is None:
                    missing += 1
                    continue
                person = session.get(Person, person_id)
                locale = "fr" if person and (person.locale or "").startswith("fr") else "en"
                message = EmailMessage()
                message["From"] = settings.smtp_from
                message["To"] = address
                message["Subject"] = _TEXT[locale]["subject"].format(n=len(notes))
                message.set_content(digest_text(notes, locale, settings.public_url))
                smtp.send_message(message)
                for note in notes:
                    note.emailed_at = now
                sent += 1
                carried += len(notes)
        except smtplib.SMTPException as exc:
            raise PalabreError(f"the SMTP server refused the digest: {exc}") from exc
    audit.record(
        session,
        actor=actor,
        action="notify.digest",
        subject_type="notification",
        details={"sent": sent, "notifications": carried, "without_address": missing},
    )
    return DigestReport(sent, carried, missing)
