"""``run_analysis``: the I/O around the stages — what is new, in chunks, results, watermarks.

Score stage
-----------
A message is scored when it has no ``message_signal`` row, when its ``content_hash``
differs from the one it was scored with (edited since, re-imported with other content),
when it was scored by other weights, or when its id is above the stage's watermark
(``last_message_id``). ``full`` sets the watermark back to 0: everything is scored again.
Messages are read by increasing id, :data:`CHUNK_SIZE` at a time; each chunk's results and
the watermark (moved to the chunk's last id) are written in one transaction, so memory
stays bounded and a run that stops half-way goes on from there the next time (a ``full``
run too: the watermark remembers where it was).

Segment-day stage
-----------------
It folds in the messages scored since it last ran (``message_signal.scored_at`` above its
``scored_through``) by recomputing the UTC days they were written on, for every segment.
When segment membership may have changed (a segment refreshed, created, deleted; a merge
or unmerge: the ``inputs_digest``), when its version changed or with ``full``, it
recomputes every day. Its rows and its watermark are written in one transaction.

Search index stage
------------------
On SQLite, it indexes the messages written since it last ran for text search
(:func:`palabre.fabric.search_index.catch_up`); imports leave that to it. Nothing to do
on PostgreSQL, whose indexes follow every write.

Alerts stage
------------
Rules and anomalies on the latest days of the watch (:mod:`palabre.pipeline.alert_run`):
new alerts are stored once, with their deliveries queued.

Trends stage
------------
Emerging topics over the latest months of every conversation, recomputed when messages
were added (:mod:`palabre.pipeline.trend_run`).

Churn-risk stage
----------------
Every customer's probability of leaving within 60 days, scored again when messages were
added or scored (:mod:`palabre.pipeline.risk_run`); the at-risk pages rank from it.

Runs are meant to run one at a time (``palabre analyze``, ``palabre demo``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Final

import orjson
import polars as pl
import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from palabre.config import Settings
from palabre.customers import watch
from palabre.customers.models import SegmentDay
from palabre.db.base import table_of, utcnow
from palabre.db.engine import transaction
from palabre.fabric import search_index
from palabre.fabric.models import Channel, Message
from palabre.identity.models import Identity, PersonMerge, Segment, SegmentMember
from palabre.pipeline.models import AnalysisWatermark, MessageSignal
from palabre.pipeline.stage import Engine, LocalEngine
from palabre.pipeline.stages import SIGNALS, ScoreStage, SegmentDayStage, model_version
from palabre.privacy.erasure_keys import ERASED_CONTENT
from palabre.text import service as text_service

#: messages read, scored and written per transaction
CHUNK_SIZE: Final = 50_000
#: ids per IN (...) list: under SQLite's and PostgreSQL's parameter limits
_ID_BATCH: Final = 900
#: segments the watch follows, and the conversations it counts (see docs/customer-voice.md)
WATCHED_SEGMENT_KINDS: Final = ("customer",)
UNWATCHED_CHANNEL_KINDS: Final = ("survey",)

_message = table_of(Message)
_signal = table_of(MessageSignal)
_segment_day = table_of(SegmentDay)

#: ``progress(stage, done, total)``: called as a stage advances (total None: unknown)
Progress = Callable[[str, int, int | None], None]


@dataclass
class StageReport:
    """What one stage did."""

    name: str
    rows_in: int = 0
    rows_out: int = 0
    seconds: float = 0.0
    #: for the segment-day stage: whether it recomputed every day
    recomputed_all: bool = False


@dataclass
class AnalysisReport:
    """What a run did, stage by stage."""

    stages: list[StageReport] = field(default_factory=list)
    seconds: float = 0.0

    def stage(self, name: str) -> StageReport:
        """The report of stage ``name``."""
        for report in self.stages:
            if report.name == name:
                return report
        raise KeyError(name)


def run_analysis(
    sessions: sessionmaker[Session],
    *,
    full: bool = False,
    progress: Progress | None = None,
    engine: Engine | None = None,
    chunk_size: int = CHUNK_SIZE,
    settings: Settings | None = None,
) -> AnalysisReport:
    """Bring the results tables up to date with the messages (see the module docstring).

    Each chunk commits on its own (``sessions`` gives one session per transaction): the
    run is its own transaction boundary, as an import is. ``settings`` gives the
    anomalies' persistence and where they are delivered (None: defaults, in the app only).
    """
    if chunk_size < 1:
        raise ValueError(f"chunk_size must be at least 1, got {chunk_size}")
    engine = engine or LocalEngine()
    started = time.perf_counter()
    report = AnalysisReport()
    report.stages.append(_search_index(sessions, progress))
    encoder = settings.signals_encoder if settings is not None else None
    report.stages.append(_score(sessions, engine, full, progress, chunk_size, encoder or None))
    report.stages.append(_segment_days(sessions, engine, full, progress, chunk_size))
    report.stages.append(_alerts(sessions, engine, full, progress, settings))
    # Imported here: the root-cause runner reads this module's helpers.
    from palabre.pipeline.cause_runner import run_root_causes

    report.stages.append(run_root_causes(sessions, engine, full, progress, chunk_size))
    from palabre.pipeline.trend_run import run_trends

    report.stages.append(run_trends(sessions, full, progress))
    from palabre.pipeline.risk_run import run_churn_risk

    report.stages.append(run_churn_risk(sessions, full, progress))
    report.seconds = time.perf_counter() - started
    return report


def _search_index(sessions: sessionmaker[Session], progress: Progress | None) -> StageReport:
    """Index the messages above the search index's watermark, in one transaction."""
    started = time.perf_counter()
    with transaction(sessions) as session:
        pending = search_index.pending_count(session)
        done = search_index.catch_up(
            session,
            progress=None if progress is None else (lambda d, t: progress("search_index", d, t)),
        )
    return StageReport(
        "search_index", rows_in=pending, rows_out=done, seconds=time.perf_counter() - started
    )


def _alerts(
    sessions: sessionmaker[Session],
    engine: Engine,
    full: bool,
    progress: Progress | None,
    settings: Settings | None,
) -> StageReport:
    from palabre.pipeline.alert_run import run_alerts

    if progress:
        progress("alerts", 0, None)
    days, raised, seconds = run_alerts(sessions, engine, full, settings)
    if progress:
        progress("alerts", days, days)
    return StageReport("alerts", rows_in=days, rows_out=raised, seconds=seconds)


# -- watermarks -------------------------------------------------------------------------


def _watermark(session: Session, stage: str, version: str) -> AnalysisWatermark:
    mark = session.get(AnalysisWatermark, stage)
    if mark is None:
        mark = AnalysisWatermark(stage=stage, last_message_id=0, version=version)
        session.add(mark)
        session.flush()
    return mark


def read_watermarks(session: Session) -> list[AnalysisWatermark]:
    """Every stage's watermark (for ``palabre analyze`` and status pages)."""
    return list(session.scalars(sa.select(AnalysisWatermark).order_by(AnalysisWatermark.stage)))


# -- score stage ------------------------------------------------------------------------


def _to_score(after_id: int, watermark: int, version: str) -> sa.ColumnElement[bool]:
    return sa.and_(
        _message.c.id > after_id,
        # An erased message keeps the probabilities measured on its words, even when
        # the model changes or ``--full`` scores everything (palabre.privacy.erasure).
        _message.c.content_hash != ERASED_CONTENT,
        sa.or_(
            _message.c.id > watermark,
            _signal.c.message_id.is_(None),
            _signal.c.content_hash != _message.c.content_hash,
            _signal.c.model_version != version,
        ),
    )


def _score(
    sessions: sessionmaker[Session],
    engine: Engine,
    full: bool,
    progress: Progress | None,
    chunk_size: int,
    encoder: str | None = None,
) -> StageReport:
    with transaction(sessions) as session:
        adaptation = text_service.current_adaptation(session)
    stage = ScoreStage(adaptation, encoder)
    report = StageReport(stage.name)
    started = time.perf_counter()
    # A new adaptation (``palabre train``) is a new model: every message is scored again;
    # so is switching a sentence encoder on or off (its name is in the model version).
    version = f"{stage.version}:{model_version(encoder)}"
    if adaptation is not None:
        version += f":{adaptation.digest}"
    joined = _message.outerjoin(_signal, _signal.c.message_id == _message.c.id)
    with transaction(sessions) as session:
        mark = _watermark(session, stage.name, version)
        if full:
            mark.last_message_id = 0
        mark.version = version
        mark.finished_at = None
        watermark = mark.last_message_id
        total = int(
            session.scalar(
                sa.select(sa.func.count())
                .select_from(joined)
                .where(_to_score(0, watermark, version))
            )
            or 0
        )
    if progress:
        progress(stage.name, 0, total)
    cursor = 0
    while True:
        with transaction(sessions) as session:
            rows = session.execute(
                sa.select(
                    _message.c.id,
                    _message.c.text,
                    _message.c.title,
                    _message.c.language,
                    _message.c.content_hash,
                )
                .select_from(joined)
                .where(_to_score(cursor, watermark, version))
                .order_by(_message.c.id)
                .limit(chunk_size)
            ).all()
            mark = _watermark(session, stage.name, version)
            if not rows:
                mark.finished_at = utcnow()
                break
            messages = pl.DataFrame(
                [tuple(r) for r in rows],
                schema={
                    "id": pl.Int64,
                    "text": pl.String,
                    "title": pl.String,
                    "language": pl.String,
                    "content_hash": pl.String,
                },
                orient="row",
            )
            scored = engine.run(stage, {"messages": messages})["message_signal"]
            _write_signals(session, scored, messages["content_hash"].to_list(), version)
            cursor = int(messages["id"].max())  # type: ignore[arg-type]
            # Every message up to this one is now scored with these weights.
            mark.last_message_id = max(mark.last_message_id, cursor)
            report.rows_in += messages.height
            report.rows_out += scored.height
        if progress:
            progress(stage.name, report.rows_in, total)
    report.seconds = time.perf_counter() - started
    return report


def _id_batches(ids: list[int]) -> Iterator[list[int]]:
    for start in range(0, len(ids), _ID_BATCH):
        yield ids[start : start + _ID_BATCH]


def _write_signals(session: Session, scored: pl.DataFrame, hashes: list[str], version: str) -> None:
    ids = scored["id"].to_list()
    for batch in _id_batches(ids):
        session.execute(sa.delete(_signal).where(_signal.c.message_id.in_(batch)))
    now = utcnow()
    # Analysts' answers win over the model (palabre.text.service.correct_signal).
    answers = text_service.corrections_for(session, ids)
    rows: list[dict[str, Any]] = []
    for row, content_hash in zip(scored.iter_rows(named=True), hashes, strict=True):
        answered = answers.get(row["id"], {})
        label, score = row["sentiment_label"], row["sentiment_score"]
        if "sentiment" in answered:
            label = answered["sentiment"]
            score = {"negative": -1.0, "neutral": 0.0, "positive": 1.0}[label] * abs(score)
        rows.append(
            {
                "message_id": row["id"],
                "language": row["language"],
                "sentiment_label": label,
                "sentiment_score": score,
                **{s: (float(answered[s] == "yes") if s in answered else row[s]) for s in SIGNALS},
                "evidence": orjson.loads(row["evidence"]),
                "content_hash": content_hash,
                "model_version": version,
                "scored_at": now,
            }
        )
    if rows:
        session.execute(sa.insert(_signal), rows)


# -- segment-day stage ------------------------------------------------------------------


def membership_digest(session: Session) -> str:
    """A digest of what decides who is in which segment: the segments (and when their
    members were computed) and the merges. It changes when membership may have."""
    segments = session.execute(
        sa.select(
            Segment.id, Segment.kind, Segment.member_count, Segment.computed_at, Segment.updated_at
        ).order_by(Segment.id)
    ).all()
    merges = session.execute(
        sa.select(
            sa.func.count(), sa.func.max(PersonMerge.id), sa.func.count(PersonMerge.undone_at)
        )
    ).one()
    text = repr(([tuple(str(v) for v in row) for row in segments], tuple(merges)))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _scored_rows(lo: dt.datetime | None, hi: dt.datetime | None) -> sa.Select[Any]:
    """One row per (scored message, watched segment of its author), created in [lo, hi)."""
    query = (
        sa.select(
            SegmentMember.segment_id,
            _message.c.channel_id,
            _message.c.created_at,
            _signal.c.sentiment_label,
            _signal.c.sentiment_score,
            *(_signal.c[s] for s in SIGNALS),
        )
        .select_from(_signal)
        .join(_message, _message.c.id == _signal.c.message_id)
        .join(Identity, Identity.id == _message.c.author_identity_id)
        # Identities sit on their live person (merges move them): membership applies.
        .join(SegmentMember, SegmentMember.person_id == Identity.person_id)
        .join(Segment, Segment.id == SegmentMember.segment_id)
        .join(Channel, Channel.id == _message.c.channel_id)
        .where(*watched_conditions())
    )
    if lo is not None:
        query = query.where(_message.c.created_at >= lo)
    if hi is not None:
        query = query.where(_message.c.created_at < hi)
    return query


def watched_conditions() -> tuple[sa.ColumnElement[bool], ...]:
    """What the watch counts: customer segments; public conversations that are not surveys
    (private and direct conversations, and individual survey answers, stay out)."""
    return (
        Segment.kind.in_(WATCHED_SEGMENT_KINDS),
        Channel.visibility == "public",
        Channel.kind.not_in(UNWATCHED_CHANNEL_KINDS),
    )


def _day_runs(days: set[dt.date]) -> list[tuple[dt.date, dt.date]]:
    """Consecutive days grouped: ``[(first, last), ...]`` in order."""
    runs: list[tuple[dt.date, dt.date]] = []
    for day in sorted(days):
        if runs and day == runs[-1][1] + dt.timedelta(days=1):
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    return runs


def _utc_midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0), tzinfo=dt.UTC)


def _segment_days(
    sessions: sessionmaker[Session],
    engine: Engine,
    full: bool,
    progress: Progress | None,
    chunk_size: int,
) -> StageReport:
    stage = SegmentDayStage()
    report = StageReport(stage.name)
    started = time.perf_counter()
    with transaction(sessions) as session:
        mark = _watermark(session, stage.name, stage.version)
        digest = membership_digest(session)
        through = session.scalar(sa.select(sa.func.max(_signal.c.scored_at)))
        everything = (
            full
            or mark.version != stage.version
            or mark.inputs_digest != digest
            or mark.scored_through is None
        )
        runs: list[tuple[dt.date | None, dt.date | None]]
        if everything:
            runs = [(None, None)]
        else:
            changed = sa.select(_message.c.created_at).join(
                _signal, _signal.c.message_id == _message.c.id
            )
            changed = changed.where(_signal.c.scored_at > mark.scored_through)
            if through is not None:
                changed = changed.where(_signal.c.scored_at <= through)
            days: set[dt.date] = set()
            for part in session.execute(
                changed.execution_options(yield_per=chunk_size)
            ).partitions():
                days.update(created.astimezone(dt.UTC).date() for (created,) in part)
            runs = list(_day_runs(days))
        if progress:
            progress(stage.name, 0, len(runs))
        parts: list[pl.DataFrame] = []
        for number, (first, last) in enumerate(runs, start=1):
            lo = _utc_midnight(first) if first else None
            hi = _utc_midnight(last + dt.timedelta(days=1)) if last else None
            query = _scored_rows(lo, hi).execution_options(yield_per=chunk_size)
            for part in session.execute(query).partitions():
                frame = _scored_frame(part)
                report.rows_in += frame.height
                parts.append(engine.run(stage, {"scored": frame})["segment_day"])
            # Partial counts stay small (segments x channels x days): fold them as we go.
            parts = [watch.combine(parts)]
            deleted = sa.delete(_segment_day)
            if first is not None and last is not None:
                deleted = deleted.where(_segment_day.c.day.between(first, last))
            session.execute(deleted)
            if progress:
                progress(stage.name, number, len(runs))
        daily = watch.combine(parts)
        if daily.height:
            session.execute(sa.insert(_segment_day), daily.to_dicts())
        report.rows_out = daily.height
        report.recomputed_all = everything
        mark.version = stage.version
        mark.inputs_digest = digest
        mark.scored_through = through
        mark.finished_at = utcnow()
    report.seconds = time.perf_counter() - started
    return report


def _scored_frame(rows: Any) -> pl.DataFrame:
    schema: dict[str, Any] = {
        "segment_id": pl.Int64,
        "channel_id": pl.Int64,
        "created_at": pl.Datetime("us", "UTC"),
        "sentiment_label": pl.String,
        "sentiment_score": pl.Float64,
        **dict.fromkeys(SIGNALS, pl.Float64),
    }
    return pl.DataFrame([tuple(r) for r in rows], schema=schema, orient="row")
