"""Quality of the early warning (palabre.customers): telco-churn and the demo company.

    python benchmarks/churn_eval.py [--part telco|demo|all] [--scale default] [--signals text]

telco-churn (../shared/datasets/telco-churn, or PALABRE_DATASETS_DIR): stratified 5-fold
cross-validation, every customer scored by a model that never saw them; ROC AUC, PR AUC,
Brier score and calibration error (ECE, 10 bins), and a reliability table.

Demo company: the model is trained on the company of seed 1 (monthly snapshots from
2025-04-01 to 2025-11-01, label: leaves within 60 days) and tested on the company of
seed 2 (another draw: other customers, other messages) at three dates. Features come
only from messages written before each date; signals are palabre's text analysis of the
messages (``--signals text``) or the simulator's intended signals (``--signals truth``,
an upper bound: a perfect text model).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from pathlib import Path

import numpy as np
from sklearn.model_selection import StratifiedKFold

from palabre.customers.analysis import ChurnRiskModel
from palabre.customers.evaluation import DemoData, demo_snapshot, load_demo, score_texts, telco_rows
from palabre.customers.features import CRM_PREFIX, FeatureValue
from palabre.customers.metrics import precision_at_k, reliability, risk_quality

TRAIN_DATES = tuple(dt.date(2025, month, 1) for month in range(4, 12))
TEST_DATES = (dt.date(2025, 7, 1), dt.date(2025, 9, 1), dt.date(2025, 10, 15))
Rows = list[dict[str, FeatureValue]]
REPO = Path(__file__).resolve().parent.parent


def telco(folds: int = 5, seed: int = 0) -> int:
    """Cross-validated figures on telco-churn."""
    root = Path(os.environ.get("PALABRE_DATASETS_DIR") or REPO.parent / "shared" / "datasets")
    path = root / "telco-churn" / "Telco-Customer-Churn.csv"
    if not path.exists():
        print(f"telco-churn: {path} not found")
        return 1
    rows, y = telco_rows(path)
    p = np.zeros(len(y))
    start = time.perf_counter()
    for train, test in StratifiedKFold(folds, shuffle=True, random_state=seed).split(rows, y):
        model = ChurnRiskModel().fit([rows[i] for i in train], y[train])
        p[test] = model.predict_proba([rows[i] for i in test])[:, 1]
    q = risk_quality(y, p)
    print(
        f"telco-churn, {folds}-fold stratified CV (seed {seed}), "
        f"{time.perf_counter() - start:.1f} s"
    )
    print(f"  customers {q.n}, churned {q.positives}")
    print(
        f"  ROC AUC {q.roc_auc:.3f}   PR AUC {q.pr_auc:.3f}   Brier {q.brier:.4f}   ECE {q.ece:.4f}"
    )
    print("  reliability:  predicted   observed   customers")
    for b in reliability(y, p):
        print(
            f"    {b.low:.1f}-{b.high:.1f}       {b.mean_predicted:6.3f}     "
            f"{b.observed:6.3f}   {b.count:6d}"
        )
    return 0


def _stack(
    data: DemoData, signals: list[dict[str, float]], dates: tuple[dt.date, ...]
) -> tuple[Rows, np.ndarray]:
    rows: Rows = []
    labels: list[int] = []
    for when in dates:
        table, y = demo_snapshot(data, signals, when)
        rows.extend(table.rows)
        labels.extend(int(v) for v in y)
    return rows, np.array(labels)


def _without_crm(rows: Rows) -> Rows:
    return [{k: v for k, v in row.items() if not k.startswith(CRM_PREFIX)} for row in rows]


def demo(scale: str, source: str, k: int = 50) -> int:
    """Train on the demo company of seed 1, test on seed 2."""
    start = time.perf_counter()
    companies = [load_demo(scale, seed) for seed in (1, 2)]
    drawn = time.perf_counter() - start
    signals: list[list[dict[str, float]]] = []
    for data in companies:
        signals.append(score_texts(data.texts) if source == "text" else data.intended)
    scored = time.perf_counter() - start - drawn
    train, test = companies
    rows, y = _stack(train, signals[0], TRAIN_DATES)
    print(
        f"demo company, scale {scale}: train seed 1, test seed 2; signals: {source} "
        f"(drawn in {drawn:.0f} s, {sum(len(d.messages) for d in companies):,} customer "
        f"messages scored in {scored:.0f} s)"
    )
    print(
        f"  training rows {len(y):,} (8 monthly snapshots), leaving within 60 days {int(y.sum())}"
    )
    print(
        f"  {'features':<26}{'as of':<12}{'customers':>10}{'leave':>7}"
        f"{'ROC AUC':>9}{'PR AUC':>8}{'ECE':>7}{f'P@{k}':>7}"
    )
    for name, keep in (("all three families", False), ("behaviour + text only", True)):
        model = ChurnRiskModel().fit(_without_crm(rows) if keep else rows, y)
        for when in TEST_DATES:
            table, truth = demo_snapshot(test, signals[1], when)
            test_rows = _without_crm(table.rows) if keep else table.rows
            p = model.predict_proba(test_rows)[:, 1]
            q = risk_quality(truth, p)
            print(
                f"  {name:<26}{when.isoformat():<12}{q.n:>10}{q.positives:>7}{q.roc_auc:>9.3f}"
                f"{q.pr_auc:>8.3f}{q.ece:>7.3f}{precision_at_k(truth, p, k):>7.2f}"
            )
    table, truth = demo_snapshot(test, signals[1], TEST_DATES[1])
    model = ChurnRiskModel().fit(rows, y)
    p = model.predict_proba(table.rows)[:, 1]
    print(f"  top 3 at {TEST_DATES[1]} with their reasons:")
    for i in np.argsort(-p)[:3]:
        reasons = "; ".join(r.text_en for r in model.explain(table.rows[i]))
        print(f"    {table.ids[i]}  p={p[i]:.2f}  leaves={'yes' if truth[i] else 'no'}  {reasons}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Print the figures of the parts asked for."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--part", choices=("telco", "demo", "all"), default="all")
    parser.add_argument("--scale", default="default")
    parser.add_argument("--signals", choices=("text", "truth"), default="text")
    args = parser.parse_args(argv)
    status = 0
    if args.part in ("telco", "all"):
        status |= telco()
    if args.part in ("demo", "all"):
        status |= demo(args.scale, args.signals)
    return status


if __name__ == "__main__":
    sys.exit(main())
