"""The root-cause part of ``run_analysis``: topics, their assignment, and the drivers.

What is read: the *watched* messages (public conversations that are not surveys, written
by a member of a customer segment: what the segment watch counts) that have signals.

1. **Fit** (stage ``topic_fit``), when there are no topics yet, with ``full``, when the
   stage's version changed, or when the watched messages carrying a negative signal have
   grown by :data:`REFIT_GROWTH` since the last fit: a random sample of at most
   :data:`FIT_SAMPLE` of them (seeded: the same data gives the same sample) is given to
   the topic model. The topics found are matched with the known ones
   (:func:`palabre.text.topics.match_topics`): a known topic keeps its id and label and
   gets the new terms; a new one gets a new id; a known one not found again is set
   inactive (kept, with its history). The number of carriers fitted on is kept in the
   stage's watermark (``last_message_id``).
2. **Assign** (``topic_assign``): after a fit, every watched message again; otherwise
   only those without a topic row or edited since (``content_hash``). Chunks of
   ``chunk_size`` messages, each in its own transaction. The pass after a fit is pending
   until it completes (``topic_fit.finished_at`` empty); the last message it has done is
   kept in the ``root_causes`` watermark (``last_message_id``), so a run that stops
   half-way resumes it.
3. **Drivers** (``cause_count`` then ``topic_driver``): recomputed from every
   assignment when something was assigned, signals were rescored, segment membership
   may have changed, or with ``full``; written in one transaction.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Sequence
from typing import Any, Final

import numpy as np
import orjson
import polars as pl
import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from palabre.customers import causes
from palabre.customers.models import MessageTopic, Topic, TopicDriver
from palabre.customers.watch import SIGNALS, THRESHOLDS
from palabre.db.base import table_of, utcnow
from palabre.db.engine import transaction
from palabre.fabric.models import Channel, Message
from palabre.identity.models import Identity, Segment, SegmentMember
from palabre.pipeline.cause_stages import (
    CauseCountStage,
    DriverStage,
    TopicAssignStage,
    TopicFitStage,
    frame_to_topics,
    topics_to_frame,
)
from palabre.pipeline.models import AnalysisWatermark, MessageSignal
from palabre.pipeline.runner import (
    UNWATCHED_CHANNEL_KINDS,
    WATCHED_SEGMENT_KINDS,
    Progress,
    StageReport,
    membership_digest,
)
from palabre.pipeline.stage import Engine
from palabre.privacy.erasure_keys import ERASED_CONTENT
from palabre.text.topics import TopicTerms, match_topics

FIT_SAMPLE: Final = 30_000
#: refit when the carriers grew by this share since the last fit
REFIT_GROWTH: Final = 0.25
#: the signals whose carriers topics are fitted on (root causes are about these)
NEGATIVE: Final = ("discontent", "drifting_away", "disappointment", "misunderstanding")
STAGE: Final = "root_causes"
_ID_BATCH: Final = 900

_message = table_of(Message)
_signal = table_of(MessageSignal)
_mt = table_of(MessageTopic)
_topic = table_of(Topic)
_driver = table_of(TopicDriver)


def _watched_author() -> sa.ColumnElement[bool]:
    """The message's author belongs to a watched segment."""
    member = (
        sa.select(SegmentMember.person_id)
        .join(Segment, Segment.id == SegmentMember.segment_id)
        .where(Segment.kind.in_(WATCHED_SEGMENT_KINDS))
    )
    return Identity.person_id.in_(member)


def _watched_messages() -> sa.Select[Any]:
    return (
        sa.select(
            _message.c.id,
            _message.c.title,
            _message.c.text,
            _signal.c.language,
            _message.c.content_hash,
        )
        .select_from(_message)
        .join(_signal, _signal.c.message_id == _message.c.id)
        .join(Identity, Identity.id == _message.c.author_identity_id)
        .join(Channel, Channel.id == _message.c.channel_id)
        .where(
            Channel.visibility == "public",
            Channel.kind.not_in(UNWATCHED_CHANNEL_KINDS),
            _watched_author(),
        )
    )


def _negative_condition() -> sa.ColumnElement[bool]:
    return sa.or_(*(_signal.c[s] >= THRESHOLDS[s] for s in NEGATIVE))


def _text(title: str | None, text: str) -> str:
    return f"{title}. {text}" if title and title.strip() else text


def _frame(rows: Sequence[Any]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "id": [int(r[0]) for r in rows],
            "text": [_text(r[1], r[2]) for r in rows],
            "language": [r[3] for r in rows],
        },
        schema={"id": pl.Int64, "text": pl.String, "language": pl.String},
    )


def _version() -> str:
    return "-".join((TopicFitStage.version, TopicAssignStage.version, DriverStage.version, "neg4"))


def run_root_causes(
    sessions: sessionmaker[Session],
    engine: Engine,
    full: bool,
    progress: Progress | None,
    chunk_size: int,
    *,
    fit_stage: TopicFitStage | None = None,
    sample: int = FIT_SAMPLE,
) -> StageReport:
    """Fit (when needed), assign and rank the root causes (see the module docstring)."""
    report = StageReport(STAGE)
    started = time.perf_counter()
    version = _version()
    with transaction(sessions) as session:
        mark = _mark(session, STAGE, version)
        fit_mark = _mark(session, "topic_fit", version)
        carriers = int(
            session.scalar(
                sa.select(sa.func.count()).select_from(
                    _watched_messages().where(_negative_condition()).subquery()
                )
            )
            or 0
        )
        has_topics = bool(session.scalar(sa.select(sa.func.count()).where(_topic.c.active)))
        grown = carriers - fit_mark.last_message_id
        refit = (
            full
            or fit_mark.version != version
            or not has_topics
            or (grown > 0 and grown >= REFIT_GROWTH * max(fit_mark.last_message_id, 1))
        )
        mark.finished_at = None
    if refit and carriers:
        _fit(sessions, engine, fit_stage or TopicFitStage(), carriers, sample, version)
    with transaction(sessions) as session:
        # A fit leaves a pass over every message pending until it completes (a run that
        # stops half-way resumes it after the last message done).
        pending = _mark(session, "topic_fit", version).finished_at is None
    if progress:
        progress(STAGE, 0, None)
    assigned = _assign(sessions, engine, everything=pending, chunk_size=chunk_size)
    report.rows_in = assigned
    with transaction(sessions) as session:
        mark = _mark(session, STAGE, version)
        digest = membership_digest(session)
        through = session.scalar(sa.select(sa.func.max(_signal.c.scored_at)))
        stale = (
            assigned > 0
            or full
            or mark.inputs_digest != digest
            or mark.scored_through != through
            or mark.version != version
        )
        if stale:
            report.rows_out = _drivers(session, engine, chunk_size)
            report.recomputed_all = True
        mark.version = version
        mark.inputs_digest = digest
        mark.scored_through = through
        mark.finished_at = utcnow()
    if progress:
        progress(STAGE, assigned, assigned)
    report.seconds = time.perf_counter() - started
    return report


def _mark(session: Session, stage: str, version: str) -> AnalysisWatermark:
    mark = session.get(AnalysisWatermark, stage)
    if mark is None:
        mark = AnalysisWatermark(stage=stage, last_message_id=0, version=version)
        session.add(mark)
        session.flush()
    return mark


def _fit(
    sessions: sessionmaker[Session],
    engine: Engine,
    stage: TopicFitStage,
    carriers: int,
    sample: int,
    version: str,
) -> None:
    with transaction(sessions) as session:
        ids = [
            int(i)
            for (i,) in session.execute(
                sa.select(_watched_messages().where(_negative_condition()).subquery().c.id)
            )
        ]
        ids.sort()
        if len(ids) > sample:
            rng = np.random.default_rng(len(ids))
            ids = sorted(int(i) for i in rng.choice(ids, sample, replace=False))
        rows: list[Any] = []
        for start in range(0, len(ids), _ID_BATCH):
            batch = ids[start : start + _ID_BATCH]
            rows.extend(session.execute(_watched_messages().where(_message.c.id.in_(batch))))
        found = engine.run(stage, {"sample": _frame(rows)})["topics"]
        save_topics(session, frame_to_topics(found), utcnow())
        fit_mark = _mark(session, "topic_fit", version)
        fit_mark.last_message_id = carriers
        fit_mark.version = version
        fit_mark.finished_at = None  # until every message has been assigned again
        _mark(session, STAGE, version).last_message_id = 0


def save_topics(session: Session, found: list[TopicTerms], now: dt.datetime) -> list[int]:
    """Match ``found`` with the known topics and write them: a match keeps its id and
    label, a new topic gets a new row, known topics not found are set inactive. Returns
    the ids of ``found``, in order."""
    known = list(session.scalars(sa.select(Topic).order_by(Topic.id)))
    known_terms = [
        TopicTerms(t.language, tuple((str(k), float(w)) for k, w in t.terms), t.label)
        for t in known
    ]
    matches = match_topics(known_terms, found)
    matched = {i for i in matches if i is not None}
    for i, old in enumerate(known):
        if i not in matched:
            old.active = False
    ids: list[int] = []
    for topic, match in zip(found, matches, strict=True):
        terms = [[k, w] for k, w in topic.terms]
        if match is not None:
            row = known[match]
            row.terms, row.size, row.active, row.last_seen = terms, topic.size, True, now
        else:
            row = Topic(
                language=topic.language,
                label=topic.label[:200],
                terms=terms,
                size=topic.size,
                active=True,
                first_seen=now,
                last_seen=now,
            )
            session.add(row)
            session.flush()
        ids.append(row.id)
    return ids


def _active_topics(session: Session) -> pl.DataFrame:
    rows = session.execute(
        sa.select(Topic.id, Topic.language, Topic.label, Topic.terms, Topic.size)
        .where(Topic.active)
        .order_by(Topic.id)
    ).all()
    return pl.DataFrame(
        {
            "id": [r[0] for r in rows],
            "language": [r[1] for r in rows],
            "label": [r[2] for r in rows],
            "terms": [orjson.dumps(r[3]).decode() for r in rows],
            "size": [r[4] for r in rows],
        },
        schema=topics_to_frame([]).schema,
    )


def _assign(
    sessions: sessionmaker[Session], engine: Engine, *, everything: bool, chunk_size: int
) -> int:
    stage = TopicAssignStage()
    with transaction(sessions) as session:
        topics = _active_topics(session)
    if topics.height == 0:
        return 0
    query = (
        _watched_messages()
        .outerjoin(_mt, _mt.c.message_id == _message.c.id)
        # An erased message keeps its topic (palabre.privacy.erasure): its words are gone.
        .where(_message.c.content_hash != ERASED_CONTENT)
    )
    if not everything:
        query = query.where(
            sa.or_(_mt.c.message_id.is_(None), _mt.c.content_hash != _message.c.content_hash)
        )
    with transaction(sessions) as session:
        cursor = _mark(session, STAGE, _version()).last_message_id if everything else 0
    done = 0
    while True:
        with transaction(sessions) as session:
            rows = session.execute(
                query.where(_message.c.id > cursor).order_by(_message.c.id).limit(chunk_size)
            ).all()
            if not rows:
                if everything:
                    _mark(session, "topic_fit", _version()).finished_at = utcnow()
                break
            messages = _frame(rows)
            result = engine.run(stage, {"messages": messages, "topics": topics})["message_topic"]
            ids = messages["id"].to_list()
            for start in range(0, len(ids), _ID_BATCH):
                session.execute(
                    sa.delete(_mt).where(_mt.c.message_id.in_(ids[start : start + _ID_BATCH]))
                )
            hashes = [r[4] for r in rows]
            session.execute(
                sa.insert(_mt),
                [
                    {"message_id": m, "topic_id": t, "score": s, "content_hash": h}
                    for (m, t, s), h in zip(result.iter_rows(), hashes, strict=True)
                ],
            )
            cursor = int(ids[-1])
            if everything:
                _mark(session, STAGE, _version()).last_message_id = cursor
            done += len(ids)
    return done


def _drivers(session: Session, engine: Engine, chunk_size: int) -> int:
    count_stage, driver_stage = CauseCountStage(), DriverStage()
    query = (
        sa.select(
            SegmentMember.segment_id,
            _message.c.created_at,
            _mt.c.topic_id,
            *(_signal.c[s] for s in SIGNALS),
        )
        .select_from(_mt)
        .join(_message, _message.c.id == _mt.c.message_id)
        .join(_signal, _signal.c.message_id == _message.c.id)
        .join(Identity, Identity.id == _message.c.author_identity_id)
        .join(SegmentMember, SegmentMember.person_id == Identity.person_id)
        .join(Segment, Segment.id == SegmentMember.segment_id)
        .join(Channel, Channel.id == _message.c.channel_id)
        .where(
            Segment.kind.in_(WATCHED_SEGMENT_KINDS),
            Channel.visibility == "public",
            Channel.kind.not_in(UNWATCHED_CHANNEL_KINDS),
        )
        .execution_options(yield_per=chunk_size)
    )
    schema: dict[str, Any] = {
        "segment_id": pl.Int64,
        "created_at": pl.Datetime("us", "UTC"),
        "topic_id": pl.Int64,
        **dict.fromkeys(SIGNALS, pl.Float64),
    }
    parts: list[pl.DataFrame] = []
    for part in session.execute(query).partitions():
        frame = pl.DataFrame([tuple(r) for r in part], schema=schema, orient="row")
        parts.append(engine.run(count_stage, {"assigned": frame})["cause_counts"])
    counts = causes.combine(parts)
    table = engine.run(driver_stage, {"cause_counts": counts})["topic_driver"]
    session.execute(sa.delete(_driver))
    if table.height:
        session.execute(sa.insert(_driver), table.to_dicts())
    return table.height
