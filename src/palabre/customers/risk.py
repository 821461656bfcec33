"""Customers at risk: the early-warning model applied to a workspace's customers, with the
reasons in words and the messages behind them.

Which model. A workspace's CRM seldom says who left and when, so there is nothing of its
own to learn from at first. The reference model is the additive churn model
(:class:`palabre.customers.analysis.ChurnRiskModel`) fitted on the demo company (seed 1,
``small`` scale, eight monthly snapshots, label "leaves within 60 days") with the
**behaviour and text families only**: activity drift, silences, channel changes and the
four signals. They mean the same in every workspace; CRM attributes do not (a demo
contract type says nothing about a real one), so they are left out. Its probabilities
are calibrated on the demo; on a real workspace they rank customers (who first), and
their level is indicative (docs/early-warning.md). The fit takes about ten seconds and is
kept for the life of the process.

Pure code apart from drawing the demo company: no database (DESIGN rule 1);
:mod:`palabre.customers.risk_data` reads the workspace.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Final

from palabre.customers.analysis import ChurnRiskModel, Reason
from palabre.customers.features import (
    CRM_PREFIX,
    DEFAULT_THRESHOLD,
    CustomerRow,
    FeatureValue,
    MessageRow,
    build_features,
)

REFERENCE_SCALE: Final = "small"
REFERENCE_SEED: Final = 1
TRAIN_DATES: Final = tuple(dt.date(2025, month, 1) for month in range(4, 12))


@dataclass(frozen=True)
class Risk:
    """One customer's probability of leaving within 60 days and its main reasons."""

    customer: str
    probability: float
    reasons: list[Reason]


def _without_crm(rows: Sequence[Mapping[str, FeatureValue]]) -> list[dict[str, FeatureValue]]:
    return [{k: v for k, v in row.items() if not k.startswith(CRM_PREFIX)} for row in rows]


@lru_cache(maxsize=2)
def reference_model(scale: str = REFERENCE_SCALE, seed: int = REFERENCE_SEED) -> ChurnRiskModel:
    """The reference model (see the module docstring), fitted once per process."""
    from palabre.customers.evaluation import demo_snapshot, load_demo

    data = load_demo(scale, seed)
    rows: list[dict[str, FeatureValue]] = []
    labels: list[int] = []
    for when in TRAIN_DATES:
        table, y = demo_snapshot(data, data.intended, when)
        rows.extend(_without_crm(table.rows))
        labels.extend(int(v) for v in y)
    return ChurnRiskModel().fit(rows, labels)


def score_customers(
    model: ChurnRiskModel,
    customers: Sequence[CustomerRow],
    messages: Sequence[MessageRow],
    signals: Sequence[Mapping[str, float]],
    as_of: dt.date,
    *,
    top: int | None = None,
    reasons: int = 3,
) -> list[Risk]:
    """The customers' risks as seen at ``as_of`` (messages before it only), the highest
    first: the ``top`` first (all when None), each with up to ``reasons`` reasons."""
    table = build_features(customers, messages, signals, as_of, threshold=DEFAULT_THRESHOLD)
    rows = _without_crm(table.rows)
    if not rows:
        return []
    probabilities = model.predict_proba(rows)[:, 1]
    order = sorted(range(len(rows)), key=lambda i: (-float(probabilities[i]), table.ids[i]))
    if top is not None:
        order = order[:top]
    # Explaining is the costly part: only the customers listed are explained.
    return [
        Risk(
            table.ids[i],
            float(probabilities[i]),
            model.explain(rows[i], top=reasons) if reasons else [],
        )
        for i in order
    ]
