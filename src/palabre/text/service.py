"""Use cases of the signal model in a workspace: analysts correct signals, add domain
terms, and ``palabre train`` fits the workspace's adaptation on them.

Every change is audited in the caller's transaction; nothing here commits.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

import numpy as np
import sqlalchemy as sa
from sqlalchemy.orm import Session

from palabre.db.base import utcnow
from palabre.errors import NotFoundError, ValidationError
from palabre.fabric.models import Message
from palabre.pipeline.models import MessageSignal
from palabre.privacy import audit
from palabre.text.adaptation import (
    MIN_CORRECTIONS,
    Adaptation,
    SignalFit,
    Term,
    fit_adaptation,
    fit_on_inputs,
)
from palabre.text.lexicon import SIGNALS
from palabre.text.models import DomainTerm, SignalAdaptation, SignalCorrection
from palabre.text.residual import Inputs

SENTIMENT: Final = "sentiment"
SENTIMENT_ANSWERS: Final = ("negative", "neutral", "positive")
SIGNAL_ANSWERS: Final = ("yes", "no")
#: how far one occurrence of a domain term may move a signal's log-odds
MAX_TERM_WEIGHT: Final = 5.0


def _check_signal(signal: str, *, sentiment: bool) -> None:
    allowed = (*SIGNALS, SENTIMENT) if sentiment else SIGNALS
    if signal not in allowed:
        raise ValidationError(f"signal: {signal!r} is not one of {', '.join(allowed)}")


def correct_signal(
    session: Session, message_id: int, signal: str, label: str, *, actor: str
) -> SignalCorrection:
    """Record an analyst's answer for one signal of a message (it replaces an earlier one).

    ``label``: ``yes`` / ``no`` for a signal, ``negative`` / ``neutral`` / ``positive``
    for ``sentiment``. The message's stored signals are dropped so that the next
    ``palabre analyze`` writes them again with the answer applied.
    """
    _check_signal(signal, sentiment=True)
    allowed = SENTIMENT_ANSWERS if signal == SENTIMENT else SIGNAL_ANSWERS
    if label not in allowed:
        raise ValidationError(f"label: {label!r} is not one of {', '.join(allowed)}")
    if session.get(Message, message_id) is None:
        raise NotFoundError(f"message: no message {message_id}")
    correction = session.scalar(
        sa.select(SignalCorrection).where(
            SignalCorrection.message_id == message_id, SignalCorrection.signal == signal
        )
    )
    previous = None if correction is None else correction.label
    if correction is None:
        correction = SignalCorrection(
            message_id=message_id, signal=signal, label=label, actor=actor
        )
        session.add(correction)
    else:
        # The row is the answer in use: when it was given says whether the adaptation
        # in use has learned from it (the audit log keeps the earlier answer).
        correction.label, correction.actor, correction.created_at = label, actor, utcnow()
    session.execute(sa.delete(MessageSignal).where(MessageSignal.message_id == message_id))
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="signal.corrected",
        subject_type="message",
        subject_id=message_id,
        details={"signal": signal, "label": label, "previous": previous},
    )
    return correction


def corrections_for(session: Session, message_ids: list[int]) -> dict[int, dict[str, str]]:
    """The answers recorded for these messages: message id -> signal -> label."""
    found: dict[int, dict[str, str]] = {}
    for start in range(0, len(message_ids), 900):
        rows = session.execute(
            sa.select(
                SignalCorrection.message_id, SignalCorrection.signal, SignalCorrection.label
            ).where(SignalCorrection.message_id.in_(message_ids[start : start + 900]))
        )
        for message_id, signal, label in rows:
            found.setdefault(int(message_id), {})[signal] = label
    return found


def add_domain_term(
    session: Session,
    term: str,
    signal: str,
    *,
    weight: float = 1.5,
    language: str | None = None,
    actor: str,
) -> DomainTerm:
    """Declare a word or phrase of the domain that raises (weight > 0) or lowers a signal."""
    text = " ".join(term.split())
    if not text or len(text) > 200:
        raise ValidationError("term: give a word or phrase of 1 to 200 characters")
    _check_signal(signal, sentiment=False)
    if language not in (None, "fr", "en"):
        raise ValidationError(f"language: {language!r} is not fr or en (or none: every language)")
    if not -MAX_TERM_WEIGHT <= weight <= MAX_TERM_WEIGHT or weight == 0:
        raise ValidationError(
            f"weight: {weight} must be non-zero, between -{MAX_TERM_WEIGHT} and {MAX_TERM_WEIGHT}"
        )
    existing = session.scalar(
        sa.select(DomainTerm).where(
            DomainTerm.term == text,
            DomainTerm.signal == signal,
            DomainTerm.language.is_(None) if language is None else DomainTerm.language == language,
        )
    )
    if existing is not None:
        raise ValidationError(f"term: '{text}' is already declared for {signal} (id {existing.id})")
    row = DomainTerm(term=text, signal=signal, weight=weight, language=language, actor=actor)
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="signal.term_added",
        subject_type="domain_term",
        subject_id=row.id,
        details={"term": text, "signal": signal, "weight": weight, "language": language},
    )
    return row


def remove_domain_term(session: Session, term_id: int, *, actor: str) -> None:
    """Forget a domain term (the adaptation in use keeps it until the next ``train``)."""
    row = session.get(DomainTerm, term_id)
    if row is None:
        raise NotFoundError(f"term: no domain term {term_id}")
    details = {"term": row.term, "signal": row.signal, "weight": row.weight}
    session.delete(row)
    audit.record(
        session,
        actor=actor,
        action="signal.term_removed",
        subject_type="domain_term",
        subject_id=term_id,
        details=details,
    )


def list_domain_terms(session: Session) -> list[DomainTerm]:
    """Every domain term, by signal and term."""
    return list(session.scalars(sa.select(DomainTerm).order_by(DomainTerm.signal, DomainTerm.term)))


def current_adaptation(session: Session) -> Adaptation | None:
    """The adaptation in use: the newest ``palabre train`` result (None: the shipped model)."""
    row = session.scalar(sa.select(SignalAdaptation).order_by(SignalAdaptation.id.desc()).limit(1))
    return None if row is None else Adaptation.from_json(row.parameters)


@dataclass(frozen=True)
class TrainReport:
    """What ``palabre train`` fitted: per signal, the cross-validated effect."""

    adaptation_id: int
    digest: str
    terms: int
    fits: list[SignalFit]


#: the model in use on the corrected messages: (texts, languages) -> what the fit needs
Scorer = Callable[[list[str], list[str | None]], Inputs]


def train(
    session: Session,
    scorer: Scorer,
    *,
    actor: str,
    min_corrections: int = MIN_CORRECTIONS,
) -> TrainReport:
    """Fit the workspace's adaptation on its corrections and domain terms, and store it.

    ``scorer`` gives the shipped model's probabilities, sentiment logits and features
    (see :func:`shipped_scorer`). Signal answers recalibrate and fit the residual model
    of their signal; sentiment answers (three classes, or only negative / positive)
    fit its sentiment head. Messages are rescored by the next ``palabre analyze`` (the
    model version changes).
    """
    from palabre.pipeline.stages import language_hint, message_text

    rows = session.execute(
        sa.select(
            SignalCorrection.message_id,
            SignalCorrection.signal,
            SignalCorrection.label,
            Message.title,
            Message.text,
            Message.language,
        )
        .join(Message, Message.id == SignalCorrection.message_id)
        .order_by(SignalCorrection.message_id, SignalCorrection.signal)
    ).all()
    position: dict[int, int] = {}
    texts: list[str] = []
    hints: list[str | None] = []
    answers: dict[str, list[tuple[int, bool]]] = {}
    sentiment: list[tuple[int, int]] = []
    for message_id, signal, label, title, text, language in rows:
        if message_id not in position:
            position[message_id] = len(texts)
            texts.append(message_text(title, text))
            hints.append(language_hint(language))
        if signal == SENTIMENT:
            sentiment.append((position[message_id], SENTIMENT_ANSWERS.index(label)))
        else:
            answers.setdefault(signal, []).append((position[message_id], label == "yes"))
    terms = [
        Term(t.term, t.signal, float(t.weight), t.language) for t in list_domain_terms(session)
    ]
    if texts:
        inputs = scorer(texts, hints)
        adaptation, fits = fit_on_inputs(
            terms, texts, inputs, answers, sentiment, min_corrections=min_corrections
        )
    else:
        adaptation, fits = fit_adaptation(
            terms, [], [], np.zeros((0, len(SIGNALS))), {}, min_corrections=min_corrections
        )
    report = {
        "corrections": len(rows),
        "messages": len(texts),
        "terms": len(terms),
        "signals": [fit.__dict__ for fit in fits],
    }
    row = SignalAdaptation(
        digest=adaptation.digest, parameters=adaptation.to_json(), report=report, actor=actor
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="signal.trained",
        subject_type="signal_adaptation",
        subject_id=row.id,
        details={
            "digest": adaptation.digest,
            "corrections": len(rows),
            "terms": len(terms),
            "recalibrated": sorted(adaptation.recalibration),
            "residual": sorted(adaptation.residual.weights),
            "residual_weights": adaptation.residual.size(),
        },
    )
    return TrainReport(row.id, adaptation.digest, len(terms), fits)


def shipped_scorer(texts: list[str], hints: list[str | None]) -> Inputs:
    """The shipped model's view of the corrected messages (for :func:`train`)."""
    return scorer_for(None)(texts, hints)


def scorer_for(encoder: str | None) -> Scorer:
    """The scorer ``palabre analyze`` uses: the shipped model, blended with ``encoder``
    (``PALABRE_SIGNALS_ENCODER``) when one is named, so that the adaptation is fitted on
    the probabilities and logits it will correct."""
    from palabre.text.parallel import analyzer_for

    analyzer = analyzer_for(encoder)

    def score(texts: list[str], hints: list[str | None]) -> Inputs:
        return analyzer.adaptation_inputs(texts, hints)

    return score
