"""Flag bearers from the database: read the interactions of a period into the frames
:func:`palabre.customers.bearers.score_bearers` takes, and return the ranking with names
and evidence messages. Queries over a caller-owned session; the only write is the audit
record of who looked at these named customers (DESIGN, privacy model).

What is read: the scored messages of the last ``days`` days (up to the latest message) on
the conversations the watch counts (public, not surveys), with their replies; reactions
and mentions on them, identities resolved to their live person; the ``followers``
attribute where a CRM or a source holds it. The graph is everyone's (customers, staff,
unknown people); the ranking holds customers only, or one customer segment's members.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Final

import polars as pl
import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased

from palabre.customers import bearers
from palabre.errors import NotFoundError, ValidationError
from palabre.fabric.browse import safe_url
from palabre.fabric.interaction_version import KeptByVersion
from palabre.fabric.models import Channel, Mention, Message, Reaction
from palabre.identity.models import Identity, Person, PersonAttribute, Segment, SegmentMember
from palabre.pipeline.models import MessageSignal
from palabre.pipeline.runner import UNWATCHED_CHANNEL_KINDS
from palabre.privacy.audit import record

DEFAULT_DAYS: Final = 90
MAX_DAYS: Final = 730
_EXCERPT: Final = 240


@dataclass(frozen=True)
class EvidenceMessage:
    """A negative message of a flag bearer, and where to read it."""

    id: int
    thread_id: int
    created_at: dt.datetime
    excerpt: str
    url: str | None


@dataclass(frozen=True)
class FlagBearer:
    """A ranked person: the score's parts, their name and their evidence."""

    rank: int
    person_id: int
    name: str
    score: float
    negativity: float
    reach: float
    recurrence: float
    messages: int
    negative_days: int
    replies: float
    reactions: float
    mentions: int
    followers: int | None
    influence: float
    evidence: list[EvidenceMessage]


@dataclass(frozen=True)
class BearerReport:
    """The ranking of a period (``start`` to ``end``, UTC days) in a segment or all."""

    segment: str | None
    start: dt.date | None
    end: dt.date | None
    items: list[FlagBearer]


def _messages(session: Session, lo: dt.datetime) -> pl.DataFrame:
    rows = session.execute(
        sa.select(
            Message.id,
            Identity.person_id,
            Message.created_at,
            Message.reply_to_id,
            *(getattr(MessageSignal, s) for s in bearers.NEGATIVE_SIGNALS),
        )
        .join(MessageSignal, MessageSignal.message_id == Message.id)
        .join(Channel, Channel.id == Message.channel_id)
        .join(Identity, Identity.id == Message.author_identity_id)
        .where(
            Message.created_at >= lo,
            Channel.visibility == "public",
            Channel.kind.not_in(UNWATCHED_CHANNEL_KINDS),
        )
    ).all()
    schema: dict[str, Any] = {
        "id": pl.String,
        "author": pl.String,
        "created_at": pl.Datetime("us", "UTC"),
        "reply_to": pl.String,
        **dict.fromkeys(bearers.NEGATIVE_SIGNALS, pl.Float64),
    }
    data = [
        (str(i), str(p), at, None if r is None else str(r), *probs) for i, p, at, r, *probs in rows
    ]
    return pl.DataFrame(data, schema=schema, orient="row")


def _links(
    session: Session, model: type[Reaction] | type[Mention], lo: dt.datetime
) -> pl.DataFrame:
    rows = session.execute(
        sa.select(model.message_id, Identity.person_id)
        .join(Message, Message.id == model.message_id)
        .outerjoin(Identity, Identity.id == model.identity_id)
        .where(Message.created_at >= lo)
    ).all()
    return pl.DataFrame(
        [(str(m), None if p is None else str(p)) for m, p in rows],
        schema={"message_id": pl.String, "person": pl.String},
        orient="row",
    )


def _followers(session: Session) -> dict[str, int]:
    rows = session.execute(
        sa.select(PersonAttribute.person_id, sa.func.max(PersonAttribute.value_number))
        .where(PersonAttribute.key == "followers", PersonAttribute.value_number.is_not(None))
        .group_by(PersonAttribute.person_id)
    )
    return {str(p): int(v) for p, v in rows if v is not None and v >= 0}


def _ranked_people(session: Session, segment_id: int | None) -> set[str]:
    # An erased person is ranked no more (palabre.privacy.erasure); they stay in their
    # segments so that its counts keep adding up.
    if segment_id is None:
        query = sa.select(Person.id).where(
            Person.kind == "customer", Person.merged_into_id.is_(None), Person.erased_at.is_(None)
        )
    else:
        query = (
            sa.select(SegmentMember.person_id)
            .join(Person, Person.id == SegmentMember.person_id)
            .where(SegmentMember.segment_id == segment_id, Person.erased_at.is_(None))
        )
    return {str(p) for (p,) in session.execute(query)}


def flag_bearers(
    session: Session,
    *,
    actor: str,
    segment_id: int | None = None,
    days: int = DEFAULT_DAYS,
    top: int = 20,
) -> BearerReport:
    """The customers (or one customer segment's members) whose discontent reaches others
    most over the last ``days`` days, best first; audited as a view of named people."""
    if not 1 <= days <= MAX_DAYS:
        raise ValidationError(f"days: 1 to {MAX_DAYS}, got {days}")
    if not 1 <= top <= 500:
        raise ValidationError(f"top: 1 to 500, got {top}")
    segment_name = None
    if segment_id is not None:
        segment = session.get(Segment, segment_id)
        if segment is None or segment.kind != "customer":
            raise NotFoundError(f"no customer segment {segment_id}")
        segment_name = segment.name
    latest = session.scalar(
        sa.select(sa.func.max(Message.created_at)).join(
            MessageSignal, MessageSignal.message_id == Message.id
        )
    )
    if latest is None:
        _record_view(session, actor, segment_id, days, top)
        return BearerReport(segment_name, None, None, [])
    end = latest.astimezone(dt.UTC).date()
    start = end - dt.timedelta(days=days - 1)
    lo = dt.datetime.combine(start, dt.time(0), tzinfo=dt.UTC)

    def rank() -> list[bearers.Bearer]:
        found = bearers.score_bearers(
            _messages(session, lo),
            _links(session, Reaction, lo),
            _links(session, Mention, lo),
            _followers(session),
            people=_ranked_people(session, segment_id),
            top=top,
        )
        return [b for b in found if b.score > 0]

    # The ranking depends on the interactions, on the signals (the analysis scores them
    # again after a new model) and on who the segment's members are.
    scored = session.scalar(sa.select(sa.func.max(MessageSignal.scored_at)))
    members = (
        session.scalar(sa.select(Segment.computed_at).where(Segment.id == segment_id))
        if segment_id is not None
        else None
    )
    key = ("bearers", segment_id, members, scored, lo, top)
    ranked = _kept_rankings.get(session, key, rank)
    # Recorded once the ranking is read: a transaction that wrote keeps nothing.
    _record_view(session, actor, segment_id, days, top)
    return BearerReport(segment_name, start, end, _decorate(session, ranked))


def _record_view(session: Session, actor: str, segment_id: int | None, days: int, top: int) -> None:
    record(
        session,
        actor=actor,
        action="customers.view_flag_bearers",
        subject_type="segment" if segment_id is not None else "customers",
        subject_id=segment_id,
        details={"days": days, "top": top},
    )


#: Rankings a process keeps while their data stays the same (palabre.fabric.
#: interaction_version, and the signals and the segment above): reading a period's
#: messages and links took about 1.5 s at one million messages, at every view.
_kept_rankings: KeptByVersion[list[bearers.Bearer]] = KeptByVersion(size=16, max_age=600.0)


def _decorate(session: Session, ranked: list[bearers.Bearer]) -> list[FlagBearer]:
    ids = [int(b.person) for b in ranked]
    evidence_ids = [int(m) for b in ranked for m in b.evidence]
    names: dict[int, str] = {}
    if ids:
        first_identity = aliased(Identity)
        for pid, name, handle in session.execute(
            sa.select(Person.id, Person.display_name, first_identity.handle)
            .outerjoin(first_identity, first_identity.person_id == Person.id)
            .where(Person.id.in_(ids))
        ):
            names.setdefault(pid, name or handle or f"#{pid}")
    messages: dict[int, EvidenceMessage] = {}
    if evidence_ids:
        for message in session.scalars(sa.select(Message).where(Message.id.in_(evidence_ids))):
            text = " ".join(message.text.split())
            messages[message.id] = EvidenceMessage(
                id=message.id,
                thread_id=message.thread_id,
                created_at=message.created_at,
                excerpt=text if len(text) <= _EXCERPT else text[: _EXCERPT - 1] + "…",
                url=safe_url(message.url),
            )
    return [
        FlagBearer(
            rank=rank,
            person_id=int(b.person),
            name=names.get(int(b.person), f"#{b.person}"),
            score=b.score,
            negativity=b.negativity,
            reach=b.reach,
            recurrence=b.recurrence,
            messages=b.messages,
            negative_days=b.negative_days,
            replies=b.replies,
            reactions=b.reactions,
            mentions=b.mentions,
            followers=b.followers,
            influence=b.influence,
            evidence=[messages[int(m)] for m in b.evidence if int(m) in messages],
        )
        for rank, b in enumerate(ranked, start=1)
    ]
