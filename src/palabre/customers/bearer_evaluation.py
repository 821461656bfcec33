"""The demo company as flag-bearer inputs, with its answer key (the planted flag bearers).

Used by ``benchmarks/flag_bearers_eval.py`` and the tests: :func:`load_demo` draws a demo
company and keeps what a deployment would hold after identity resolution (messages by
person, replies, reactions, mentions, the ``followers`` CRM attribute), scores every text
with palabre's analyzer (:mod:`palabre.text`), and returns the frames
:func:`palabre.customers.bearers.score_bearers` reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import polars as pl

from palabre.customers.bearers import NEGATIVE_SIGNALS


@dataclass(frozen=True)
class DemoBearers:
    """One demo company's inputs and answer key."""

    messages: pl.DataFrame
    reactions: pl.DataFrame
    mentions: pl.DataFrame
    followers: dict[str, int]
    customers: set[str]
    planted: list[str]


def load_demo(
    scale: str | int, seed: int, *, signals: str = "text", workers: int = 2
) -> DemoBearers:
    """Draw the demo company of ``scale`` and ``seed`` and build the inputs.

    ``signals``: ``text`` scores the texts with palabre's analyzer; ``truth`` takes the
    simulator's intended signals (probability 1 when meant, else 0): what a perfect text
    model would give.
    """
    from palabre.connectors.records import MessageRecord
    from palabre.demo import MessageTruth, generate_company

    if signals not in ("text", "truth"):
        raise ValueError(f"signals must be text or truth, got {signals!r}")
    company = generate_company(scale, seed)
    person_of: dict[str, str] = {}
    followers: dict[str, int] = {}
    customers: set[str] = set()
    for person in company.people():
        for identity in person.identities:
            person_of[identity.external_id] = person.external_id
        for email in person.emails:
            person_of[f"email:{email}"] = person.external_id
        if person.kind == "customer":
            customers.add(person.external_id)
        for name, value in person.attributes:
            if name == "followers" and isinstance(value, int | float):
                followers[person.external_id] = int(value)
    rows: list[dict[str, Any]] = []
    texts: list[str] = []
    reactions: list[tuple[str, str | None]] = []
    mentions: list[tuple[str, str]] = []
    truths: dict[str, MessageTruth] = {}
    meant: list[tuple[str, ...]] = []
    for record in company.records(lambda t: truths.__setitem__(t.id, t)):
        if not isinstance(record, MessageRecord):
            continue
        truth = truths.pop(record.external_id, None)
        meant.append(truth.signals if truth else ())
        author = record.author_external_id
        rows.append(
            {
                "id": record.external_id,
                # Anonymous authors stay themselves: nobody's person, still in the graph.
                "author": person_of.get(author or "", author),
                "created_at": record.created_at,
                "reply_to": record.reply_to_external_id,
            }
        )
        texts.append(record.text)
        for reaction in record.reactions:
            who = reaction.author_external_id
            reactions.append((record.external_id, person_of.get(who, who) if who else None))
        for mentioned in record.mentions:
            mentions.append((record.external_id, person_of.get(mentioned, mentioned)))
    if signals == "text":
        from palabre.text.parallel import analyze_parallel

        scored = [r.signals for r in analyze_parallel(texts, workers=workers)]
    else:
        # The simulator names drifting away "drifting".
        scored = [
            {
                s: float(s in names or (s == "drifting_away" and "drifting" in names))
                for s in NEGATIVE_SIGNALS
            }
            for names in meant
        ]
    for row, probabilities in zip(rows, scored, strict=True):
        for signal in NEGATIVE_SIGNALS:
            row[signal] = float(probabilities.get(signal, 0.0))
    messages = pl.DataFrame(
        rows,
        schema={
            "id": pl.String,
            "author": pl.String,
            "created_at": pl.Datetime("us", "UTC"),
            "reply_to": pl.String,
            **dict.fromkeys(NEGATIVE_SIGNALS, pl.Float64),
        },
    )
    answers = company.ground_truth()
    return DemoBearers(
        messages=messages,
        reactions=pl.DataFrame(
            reactions, schema={"message_id": pl.String, "person": pl.String}, orient="row"
        ),
        mentions=pl.DataFrame(
            mentions, schema={"message_id": pl.String, "person": pl.String}, orient="row"
        ),
        followers=followers,
        customers=customers,
        planted=[b["id"] for b in answers["flag_bearers"]],
    )
