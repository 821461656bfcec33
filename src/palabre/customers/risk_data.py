"""Customers at risk from the database: read the customers' messages and signals, score
them with the reference model (:mod:`palabre.customers.risk`) and return the list with
names, reasons in words and the messages behind them. Queries over a caller-owned
session; the only write is the audit record of who looked at these named customers.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Final

import sqlalchemy as sa
from sqlalchemy.orm import Session

from palabre.customers import risk
from palabre.customers.features import (
    BASELINE_DAYS,
    DEFAULT_THRESHOLD,
    RECENT_DAYS,
    SIGNALS,
    WINDOW_DAYS,
    CustomerRow,
    MessageRow,
)
from palabre.customers.models import ChurnRiskScore
from palabre.errors import NotFoundError, ValidationError
from palabre.fabric.browse import safe_url
from palabre.fabric.models import Channel, Message
from palabre.identity.models import Identity, Person, Segment, SegmentMember
from palabre.pipeline.models import MessageSignal
from palabre.privacy.audit import record

_EXCERPT: Final = 200
EVIDENCE: Final = 3


@dataclass(frozen=True)
class RiskMessage:
    """A recent message of the customer that carries a worrying signal."""

    id: int
    thread_id: int
    created_at: dt.datetime
    signal: str
    probability: float
    excerpt: str
    url: str | None


@dataclass(frozen=True)
class CustomerRisk:
    """One customer of the list: probability, reasons (both languages), messages."""

    rank: int
    person_id: int
    name: str
    probability: float
    reasons_fr: list[str]
    reasons_en: list[str]
    messages: list[RiskMessage]


@dataclass(frozen=True)
class RiskReport:
    """The list as seen at ``as_of`` (None: nothing analysed yet)."""

    segment: str | None
    as_of: dt.date | None
    customers: int
    items: list[CustomerRisk]


def analysis_day(session: Session) -> dt.date | None:
    """The day the list is seen from: the day after the latest analysed message (None:
    nothing analysed yet)."""
    latest = session.scalar(
        sa.select(sa.func.max(Message.created_at)).join(
            MessageSignal, MessageSignal.message_id == Message.id
        )
    )
    if latest is None:
        return None
    return latest.astimezone(dt.UTC).date() + dt.timedelta(days=1)


def _customers() -> sa.Select[int]:
    # An erased person is scored no more (palabre.privacy.erasure).
    return sa.select(Person.id).where(
        Person.kind == "customer", Person.merged_into_id.is_(None), Person.erased_at.is_(None)
    )


def customers_digest(session: Session) -> str:
    """A digest of who the customers are (their ids, merged people left out)."""
    digest = hashlib.sha256()
    for (person_id,) in session.execute(_customers().order_by(Person.id)):
        digest.update(f"{person_id},".encode())
    return digest.hexdigest()


def _window(
    session: Session, people: sa.ScalarSelect[int] | list[int], as_of: dt.date
) -> tuple[list[MessageRow], list[dict[str, float]]]:
    """The messages of ``people`` the model reads at ``as_of``, and their signals."""
    lo = dt.datetime.combine(as_of, dt.time(0), tzinfo=dt.UTC) - dt.timedelta(
        days=WINDOW_DAYS + BASELINE_DAYS
    )
    rows = session.execute(
        sa.select(
            Identity.person_id,
            Message.created_at,
            Channel.kind,
            Message.reply_to_id.is_not(None),
            *(getattr(MessageSignal, s) for s in SIGNALS),
        )
        .join(Identity, Identity.id == Message.author_identity_id)
        .join(Channel, Channel.id == Message.channel_id)
        .outerjoin(MessageSignal, MessageSignal.message_id == Message.id)
        .where(Identity.person_id.in_(people), Message.created_at >= lo)
    ).all()
    messages = [MessageRow(str(p), at, kind, bool(reply)) for p, at, kind, reply, *_ in rows]
    # A message not scored yet counts as carrying no signal.
    signals = [
        {s: float(v or 0.0) for s, v in zip(SIGNALS, tuple(r)[4:], strict=True)} for r in rows
    ]
    return messages, signals


def score_every_customer(session: Session) -> tuple[dt.date | None, int]:
    """Score every customer as of :func:`analysis_day` and replace the stored scores
    (``churn_risk_score``); the ``churn_risk`` stage of ``palabre analyze`` runs it.
    Returns the day and how many customers were scored. No reasons: the pages explain
    the customers they list."""
    session.execute(sa.delete(ChurnRiskScore))
    as_of = analysis_day(session)
    ids = [int(p) for (p,) in session.execute(_customers())]
    if as_of is None or not ids:
        return as_of, 0
    messages, signals = _window(session, _customers().scalar_subquery(), as_of)
    customers = [CustomerRow(str(p)) for p in ids]
    ranked = risk.score_customers(
        risk.reference_model(), customers, messages, signals, as_of, reasons=0
    )
    session.execute(
        sa.insert(ChurnRiskScore),
        [
            {"person_id": int(r.customer), "as_of": as_of, "probability": r.probability}
            for r in ranked
        ],
    )
    return as_of, len(ranked)


def customers_at_risk(
    session: Session,
    *,
    actor: str,
    segment_id: int | None = None,
    top: int = 50,
) -> RiskReport:
    """The customers (or one customer segment's members) most likely to leave within 60
    days, seen from the day after the latest analysed message; audited.

    When the analysis has stored every customer's score for that day
    (:func:`score_every_customer`), the ``top`` are chosen from them and only those are
    read and explained; otherwise (no ``palabre analyze`` since the stage exists) every
    customer is scored here, as before: 8 s a view at 1 M messages.
    """
    if not 1 <= top <= 500:
        raise ValidationError(f"top: 1 to 500, got {top}")
    segment_name = None
    people = _customers()
    if segment_id is not None:
        segment = session.get(Segment, segment_id)
        if segment is None or segment.kind != "customer":
            raise NotFoundError(f"no customer segment {segment_id}")
        segment_name = segment.name
        people = people.join(SegmentMember, SegmentMember.person_id == Person.id).where(
            SegmentMember.segment_id == segment_id
        )
    record(
        session,
        actor=actor,
        action="customers.view_at_risk",
        subject_type="segment" if segment_id is not None else "customers",
        subject_id=segment_id,
        details={"top": top},
    )
    as_of = analysis_day(session)
    count = int(session.scalar(sa.select(sa.func.count()).select_from(people.subquery())) or 0)
    if as_of is None or not count:
        return RiskReport(segment_name, None, count, [])
    stored = session.execute(
        sa.select(ChurnRiskScore.person_id)
        .where(ChurnRiskScore.person_id.in_(people.scalar_subquery()))
        .where(ChurnRiskScore.as_of == as_of)
        .order_by(ChurnRiskScore.probability.desc(), ChurnRiskScore.person_id)
        .limit(top)
    ).scalars()
    chosen = [int(p) for p in stored]
    if chosen:
        messages, signals = _window(session, chosen, as_of)
        customers = [CustomerRow(str(p)) for p in chosen]
    else:
        messages, signals = _window(session, people.scalar_subquery(), as_of)
        customers = [CustomerRow(str(p)) for (p,) in session.execute(people)]
    ranked = risk.score_customers(
        risk.reference_model(), customers, messages, signals, as_of, top=top
    )
    return RiskReport(segment_name, as_of, count, _decorate(session, ranked, as_of))


def _decorate(session: Session, ranked: list[risk.Risk], as_of: dt.date) -> list[CustomerRisk]:
    ids = [int(r.customer) for r in ranked]
    names: dict[int, str | None] = {}
    if ids:
        named = sa.select(Person.id, Person.display_name).where(Person.id.in_(ids))
        names = {int(i): n for i, n in session.execute(named)}
    since = dt.datetime.combine(as_of, dt.time(0), tzinfo=dt.UTC) - dt.timedelta(days=RECENT_DAYS)
    found: dict[int, list[RiskMessage]] = {i: [] for i in ids}
    if ids:
        carries = sa.or_(*(getattr(MessageSignal, s) >= DEFAULT_THRESHOLD for s in SIGNALS))
        query = (
            sa.select(Identity.person_id, Message, MessageSignal)
            .join(Identity, Identity.id == Message.author_identity_id)
            .join(MessageSignal, MessageSignal.message_id == Message.id)
            .where(Identity.person_id.in_(ids), Message.created_at >= since, carries)
            .order_by(Message.created_at.desc(), Message.id.desc())
        )
        for person_id, message, scored in session.execute(query):
            mine = found[person_id]
            if len(mine) >= EVIDENCE:
                continue
            signal = max(SIGNALS, key=lambda s: float(getattr(scored, s)))
            text = " ".join(message.text.split())
            mine.append(
                RiskMessage(
                    id=message.id,
                    thread_id=message.thread_id,
                    created_at=message.created_at,
                    signal=signal,
                    probability=float(getattr(scored, signal)),
                    excerpt=text if len(text) <= _EXCERPT else text[: _EXCERPT - 1] + "…",
                    url=safe_url(message.url),
                )
            )
    return [
        CustomerRisk(
            rank=rank,
            person_id=int(r.customer),
            name=names.get(int(r.customer)) or f"#{r.customer}",
            probability=r.probability,
            reasons_fr=[reason.text_fr for reason in r.reasons],
            reasons_en=[reason.text_en for reason in r.reasons],
            messages=found[int(r.customer)],
        )
        for rank, r in enumerate(ranked, start=1)
    ]
