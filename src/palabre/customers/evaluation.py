"""Data for evaluating the early warning: the telco-churn table and the demo company.

Used by ``benchmarks/churn_eval.py`` and the tests. :func:`telco_rows` reads IBM's
Telco Customer Churn CSV into typed rows; :func:`load_demo` draws a demo company and
keeps what a deployment would hold (CRM attributes, who wrote what, when, where) beside
its ground truth (who leaves, when; each message's intended signals), and
:func:`demo_snapshot` turns it into feature rows and labels at a date.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from palabre.customers.features import (
    DEFAULT_THRESHOLD,
    CustomerRow,
    FeatureTable,
    FeatureValue,
    MessageRow,
    build_features,
)
from palabre.errors import ImportFormatError

TELCO_NUMBERS = ("tenure", "MonthlyCharges", "TotalCharges")
#: channel id -> kind, for the demo's customer channels (palabre.demo.simulate)
DEMO_CHANNEL_KINDS = {
    "communaute": "community",
    "community": "community",
    "idees": "community",
    "social": "social",
    "support": "support",
    "email": "email",
}


def telco_rows(path: Path) -> tuple[list[dict[str, FeatureValue]], NDArray[np.int_]]:
    """Typed rows and churn labels of ``Telco-Customer-Churn.csv``.

    Numbers stay numbers (a blank ``TotalCharges`` is missing), ``SeniorCitizen`` is a
    boolean, every other column a category; ``customerID`` is left out.
    """
    rows: list[dict[str, FeatureValue]] = []
    labels: list[int] = []
    with path.open(encoding="utf-8", newline="") as handle:
        for line, record in enumerate(csv.DictReader(handle), start=2):
            churn = record.pop("Churn", None)
            if churn not in ("Yes", "No"):
                raise ImportFormatError(
                    str(path), "Churn must be Yes or No", line=line, field="Churn"
                )
            record.pop("customerID", None)
            row: dict[str, FeatureValue] = {}
            for name, text in record.items():
                if name in TELCO_NUMBERS:
                    try:
                        row[name] = float(text) if text.strip() else None
                    except ValueError:
                        raise ImportFormatError(
                            str(path), f"not a number: {text!r}", line=line, field=name
                        ) from None
                elif name == "SeniorCitizen":
                    row[name] = text.strip() == "1"
                else:
                    row[name] = text
            rows.append(row)
            labels.append(int(churn == "Yes"))
    return rows, np.array(labels)


@dataclass(frozen=True)
class DemoData:
    """One demo company as plain rows, with its answer key."""

    seed: int
    customers: list[CustomerRow]
    messages: list[MessageRow]
    texts: list[str]
    intended: list[dict[str, float]]  # the simulator's signals, as probabilities 0 / 1
    churn: dict[str, dt.date]  # customer id -> churn date (ground truth)


def load_demo(scale: str | int, seed: int) -> DemoData:
    """Draw the demo company and keep the customers' own messages."""
    from palabre.connectors.records import MessageRecord
    from palabre.demo import MessageTruth, generate_company

    company = generate_company(scale, seed)
    customers = [
        CustomerRow(p.external_id, dict(p.attributes))
        for p in company.people()
        if p.kind == "customer"
    ]
    truths: dict[str, MessageTruth] = {}
    messages: list[MessageRow] = []
    texts: list[str] = []
    intended: list[dict[str, float]] = []
    for record in company.records(lambda t: truths.__setitem__(t.id, t)):
        if not isinstance(record, MessageRecord):
            continue
        meant = truths.pop(record.external_id, None)
        if meant is None or meant.author_kind != "customer":
            continue
        messages.append(
            MessageRow(
                author=meant.author,  # what identity resolution gives: the CRM id
                created_at=record.created_at,
                channel_kind=DEMO_CHANNEL_KINDS.get(record.channel_external_id, "other"),
                is_reply=record.reply_to_external_id is not None,
            )
        )
        texts.append(record.text)
        intended.append(dict.fromkeys(meant.signals, 1.0))
    churn = {
        c["id"]: dt.date.fromisoformat(c["churn_date"])
        for c in company.ground_truth()["customers"]
        if c["churn_date"]
    }
    return DemoData(seed, customers, messages, texts, intended, churn)


def score_texts(texts: Sequence[str], workers: int = 2) -> list[dict[str, float]]:
    """Signal probabilities of each text by palabre's analyzer (palabre.text)."""
    from palabre.text.parallel import analyze_parallel

    return [result.signals for result in analyze_parallel(texts, workers=workers)]


def demo_snapshot(
    data: DemoData,
    signals: Sequence[Mapping[str, float]] | None,
    as_of: dt.date,
    horizon_days: int = 60,
    threshold: float | Mapping[str, float] = DEFAULT_THRESHOLD,
) -> tuple[FeatureTable, NDArray[np.int_]]:
    """Features at ``as_of`` of the customers still there, and who leaves within the horizon.

    Customers whose churn date is on or before ``as_of`` have already left and are not
    scored. Label 1: the churn date falls in the ``horizon_days`` after ``as_of``.
    """
    present = [c for c in data.customers if data.churn.get(c.id, dt.date.max) > as_of]
    table = build_features(present, data.messages, signals, as_of, threshold=threshold)
    end = as_of + dt.timedelta(days=horizon_days)
    labels = np.array([int(data.churn.get(c.id, dt.date.max) <= end) for c in present])
    return table, labels
