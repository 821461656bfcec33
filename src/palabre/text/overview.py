"""What the signal model of a workspace is made of, for the people who teach it: the
shipped weights, the adaptation in use, the corrections stored and the history of
``palabre train`` runs with the report each one stored.

Read-only: the changes (corrections, domain terms, training) are in
:mod:`palabre.text.service`. Every figure comes from the database as it is; the reports
are shown as ``palabre train`` stored them (:class:`~palabre.text.adaptation.SignalFit`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.orm import Session

from palabre.errors import PalabreError
from palabre.fabric.browse import channel_rule
from palabre.fabric.models import Channel, Message
from palabre.pipeline.models import MessageSignal
from palabre.text.adaptation import SignalFit
from palabre.text.models import SignalAdaptation, SignalCorrection

#: corrections listed, newest first
RECENT_SHOWN: Final = 10
#: ``palabre train`` runs listed, newest first
RUNS_SHOWN: Final = 20
#: corrected messages not analysed since whose language is identified for the page
IDENTIFIED_AT_MOST: Final = 1000
_EXCERPT: Final = 160
_FIT_FIELDS: Final = frozenset(f.name for f in dataclasses.fields(SignalFit))


@dataclass(frozen=True)
class LabelCount:
    """How many stored answers give ``label`` for ``signal``."""

    signal: str
    label: str
    count: int


@dataclass(frozen=True)
class LanguageCount:
    """How many stored answers are about messages in ``language`` (None: not known yet)."""

    language: str | None
    count: int


@dataclass(frozen=True)
class RecentCorrection:
    """One stored answer, with where to read its message."""

    message_id: int
    thread_id: int
    signal: str
    label: str
    actor: str
    created_at: dt.datetime
    excerpt: str


@dataclass(frozen=True)
class CorrectionsSummary:
    """The answers stored: counts, the newest ones the reader may read, and how many
    were given after the adaptation in use was fitted (all of them when there is none)."""

    total: int
    messages: int
    by_label: list[LabelCount]
    by_language: list[LanguageCount]
    since_adaptation: int
    recent: list[RecentCorrection]


@dataclass(frozen=True)
class TrainingRun:
    """One ``palabre train`` run (a ``signal_adaptation`` row) and its stored report.

    ``corrections``, ``messages`` and ``terms`` are None when the report does not hold
    them (``terms`` is stored since the web page shows it)."""

    id: int
    digest: str
    actor: str
    created_at: dt.datetime
    corrections: int | None
    messages: int | None
    terms: int | None
    fits: list[SignalFit]

    @property
    def recalibrated(self) -> list[str]:
        """The signals whose recalibration was kept."""
        return [fit.signal for fit in self.fits if fit.recalibrated]

    @property
    def learned(self) -> list[str]:
        """The signals (and ``sentiment``) whose learned part (residual) was kept."""
        return [fit.signal for fit in self.fits if fit.residual]


@dataclass(frozen=True)
class ShippedModel:
    """The weights the workspace starts from: their version as ``palabre analyze``
    stores it, the sentence encoder blended in (None: off), and why that version could
    not be read with the encoder (None: it could)."""

    version: str
    encoder: str | None
    problem: str | None = None


def shipped_model(encoder: str | None) -> ShippedModel:
    """The shipped model's version, with ``encoder`` (``PALABRE_SIGNALS_ENCODER``) when
    it is set and usable; otherwise the linear model's, with the reason."""
    from palabre.pipeline.stages import model_version

    if encoder:
        try:
            return ShippedModel(model_version(encoder), encoder)
        except PalabreError as exc:
            return ShippedModel(model_version(None), encoder, exc.message)
    return ShippedModel(model_version(None), None)


def _run(row: sa.Row[Any]) -> TrainingRun:
    report: dict[str, Any] = row.report or {}
    fits = [
        SignalFit(**{k: v for k, v in fit.items() if k in _FIT_FIELDS})
        for fit in report.get("signals", [])
    ]

    def count(key: str) -> int | None:
        value = report.get(key)
        return int(value) if isinstance(value, int) else None

    return TrainingRun(
        id=row.id,
        digest=row.digest,
        actor=row.actor,
        created_at=row.created_at,
        corrections=count("corrections"),
        messages=count("messages"),
        terms=count("terms"),
        fits=fits,
    )


#: What a training run is read as: its report, never its parameters (a residual may hold
#: thousands of weights per signal).
_RUN_COLUMNS: Final = (
    SignalAdaptation.id,
    SignalAdaptation.digest,
    SignalAdaptation.actor,
    SignalAdaptation.created_at,
    SignalAdaptation.report,
)


def training_runs(session: Session, limit: int = RUNS_SHOWN) -> list[TrainingRun]:
    """The ``palabre train`` runs, newest first (the first is the adaptation in use).

    Only the report is read, never the parameters (a residual may hold thousands of
    weights per signal)."""
    rows = session.execute(
        sa.select(*_RUN_COLUMNS).order_by(SignalAdaptation.id.desc()).limit(limit)
    ).all()
    return [_run(row) for row in rows]


def training_run(session: Session, adaptation_id: int) -> TrainingRun | None:
    """One run by its id (None when there is no such row)."""
    row = session.execute(
        sa.select(*_RUN_COLUMNS).where(SignalAdaptation.id == adaptation_id)
    ).first()
    return None if row is None else _run(row)


def _language(declared: str | None, detected: str | None) -> str | None:
    from palabre.pipeline.stages import language_hint

    return language_hint(declared) or detected or None


def _languages(session: Session) -> list[LanguageCount]:
    """Answers per language of their message: the one its source declared, else the one
    the last analysis found; a corrected message has no stored analysis until the next
    ``palabre analyze``, so up to :data:`IDENTIFIED_AT_MOST` of those are identified
    here with the shipped identifier (the others count as not known)."""
    from palabre.pipeline.stages import language_hint, message_text
    from palabre.text.model import default_analyzer

    languages: dict[str | None, int] = {}
    for declared, detected, count in session.execute(
        sa.select(Message.language, MessageSignal.language, sa.func.count())
        .select_from(SignalCorrection)
        .join(Message, Message.id == SignalCorrection.message_id)
        .outerjoin(MessageSignal, MessageSignal.message_id == Message.id)
        .group_by(Message.language, MessageSignal.language)
    ):
        key = _language(declared, detected)
        languages[key] = languages.get(key, 0) + int(count)
    if languages.get(None):
        unknown = session.execute(
            sa.select(Message.language, Message.title, Message.text, sa.func.count())
            .select_from(SignalCorrection)
            .join(Message, Message.id == SignalCorrection.message_id)
            .outerjoin(MessageSignal, MessageSignal.message_id == Message.id)
            .where(MessageSignal.message_id.is_(None))
            .group_by(Message.id)
            .order_by(Message.id)
            .limit(IDENTIFIED_AT_MOST)
        ).all()
        # Counted under the language their source declared already.
        undeclared = [row for row in unknown if language_hint(row[0]) is None]
        texts = [message_text(title, text) for _, title, text, _ in undeclared]
        # One batch, as the analysis identifies them (a text at a time costs ten times more).
        found = default_analyzer().featurize(texts).languages if texts else []
        for (_, _, _, count), language in zip(undeclared, found, strict=True):
            languages[None] -= int(count)
            languages[language] = languages.get(language, 0) + int(count)
    return [
        LanguageCount(language, count)
        for language, count in sorted(languages.items(), key=lambda item: (-item[1], item[0] or ""))
        if count
    ]


def corrections_summary(
    session: Session, role: str, *, fitted_at: dt.datetime | None, recent: int = RECENT_SHOWN
) -> CorrectionsSummary:
    """The stored answers: per signal and label, per language (see :func:`_languages`;
    None when it is not known), how many were given after ``fitted_at``, and the
    ``recent`` newest among the messages ``role`` may read (counts cover every answer:
    they name no message)."""
    by_label = [
        LabelCount(signal, label, int(count))
        for signal, label, count in session.execute(
            sa.select(SignalCorrection.signal, SignalCorrection.label, sa.func.count())
            .group_by(SignalCorrection.signal, SignalCorrection.label)
            .order_by(SignalCorrection.signal, SignalCorrection.label)
        )
    ]
    by_language = _languages(session)
    since = sa.select(sa.func.count()).select_from(SignalCorrection)
    if fitted_at is not None:
        since = since.where(SignalCorrection.created_at > fitted_at)
    newest = session.execute(
        sa.select(
            SignalCorrection.message_id,
            Message.thread_id,
            SignalCorrection.signal,
            SignalCorrection.label,
            SignalCorrection.actor,
            SignalCorrection.created_at,
            Message.text,
        )
        .join(Message, Message.id == SignalCorrection.message_id)
        .join(Channel, Channel.id == Message.channel_id)
        .where(channel_rule(role))
        .order_by(SignalCorrection.created_at.desc(), SignalCorrection.id.desc())
        .limit(recent)
    ).all()
    return CorrectionsSummary(
        total=sum(c.count for c in by_label),
        messages=int(
            session.scalar(sa.select(sa.func.count(sa.distinct(SignalCorrection.message_id)))) or 0
        ),
        by_label=by_label,
        by_language=by_language,
        since_adaptation=int(session.scalar(since) or 0),
        recent=[
            RecentCorrection(
                message_id=row.message_id,
                thread_id=row.thread_id,
                signal=row.signal,
                label=row.label,
                actor=row.actor,
                created_at=row.created_at,
                excerpt=row.text if len(row.text) <= _EXCERPT else row.text[: _EXCERPT - 1] + "…",
            )
            for row in newest
        ],
    )


@dataclass(frozen=True)
class ModelOverview:
    """Everything the "Signal model" page and its API show."""

    shipped: ShippedModel
    in_use: TrainingRun | None
    corrections: CorrectionsSummary
    runs: list[TrainingRun]
    run_count: int


def model_overview(session: Session, role: str, *, encoder: str | None) -> ModelOverview:
    """The shipped model, the adaptation in use (the newest run; None: the shipped model
    as it is), the corrections (the newest among those ``role`` may read) and the runs."""
    runs = training_runs(session)
    in_use = runs[0] if runs else None
    return ModelOverview(
        shipped=shipped_model(encoder),
        in_use=in_use,
        corrections=corrections_summary(
            session, role, fitted_at=None if in_use is None else in_use.created_at
        ),
        runs=runs,
        run_count=int(
            session.scalar(sa.select(sa.func.count()).select_from(SignalAdaptation)) or 0
        ),
    )
