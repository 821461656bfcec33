"""Learning curve of ``palabre train``: held-out sentiment after N analyst corrections.

    python benchmarks/adaptation_eval.py [--sets tweeteval,xlmt-fr,xlmt-en,allocine]
                                         [--sizes 100,300,1000,all] [--seed 0]

For each evaluation set, a throwaway SQLite workspace (a temporary folder, deleted at
the end) goes through what a workspace goes through:

1. the adaptation split (TweetEval ``val``; XLM-T French / English and Allociné
   ``train``) is imported as messages by the generic ``messages`` connector;
2. their labels are recorded as an analyst's sentiment corrections, in a random order
   (``--seed``), with :func:`palabre.text.service.correct_signal`: 100 of them, then
   300, 1000 and all (each step adds to the previous ones);
3. after each step, ``palabre train --json`` runs (the command itself);
4. the test split is scored with the workspace's adaptation as ``palabre analyze``
   applies it, and the set's metric printed beside the shipped model's (0 corrections):
   TweetEval macro recall, XLM-T macro F1, Allociné accuracy (positive when the
   sentiment score is above zero, as ``palabre eval signals``), with the held-out
   3-class log-loss (Allociné: 2-class, negative vs positive).

These are *in-domain* figures: the corrections come from the test set's own source.
They say what a workspace gets after N corrections of its own messages, never what the
shipped model does (``palabre eval signals``). Nothing learned here leaves the
temporary workspace. Timings are CPU seconds of ``palabre train`` (this process).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import orjson
import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from palabre.cli.main import app
from palabre.config import Settings
from palabre.connectors.importer import import_path
from palabre.db import migrate
from palabre.db.engine import make_engine, transaction
from palabre.fabric.models import Message
from palabre.text import data, service
from palabre.text.data import Example
from palabre.text.evaluate import macro_scores
from palabre.text.model import SENTIMENT_LABELS, default_analyzer, softmax
from palabre.text.parallel import analyze_in_chunks
from palabre.text.residual import Residual

ANALYST = "analyst:benchmark"


@dataclass(frozen=True)
class EvalSet:
    """An evaluation set: its adaptation and test splits and its metric."""

    name: str
    metric: str
    adapt: Callable[[], list[Example]]
    test: Callable[[], list[Example]]


SETS = {
    "tweeteval": EvalSet(
        "TweetEval sentiment (adapt: val, score: test)",
        "macro recall",
        lambda: data.tweeteval_sentiment("val"),
        lambda: data.tweeteval_sentiment("test"),
    ),
    "xlmt-fr": EvalSet(
        "XLM-T French / DEFT 2017 (adapt: train, score: test)",
        "macro F1",
        lambda: data.xlmt("fr", "train"),
        lambda: data.xlmt("fr", "test"),
    ),
    "xlmt-en": EvalSet(
        "XLM-T English (adapt: train, score: test)",
        "macro F1",
        lambda: data.xlmt("en", "train"),
        lambda: data.xlmt("en", "test"),
    ),
    "allocine": EvalSet(
        "Allociné TV series (adapt: train, score: test)",
        "accuracy",
        lambda: data.allocine("train"),
        lambda: data.allocine("test"),
    ),
}


def label_of(example: Example) -> str:
    """The example's sentiment label."""
    return next(iter(example.labels))


def metric(name: str, rows: list[Example], labels: np.ndarray, scores: np.ndarray) -> float:
    """The set's figure from predicted labels (indices) and sentiment scores."""
    truth = np.array([SENTIMENT_LABELS.index(label_of(r)) for r in rows])
    if name == "accuracy":  # two classes: the sign of the score
        return float(np.mean((scores > 0) == (truth == 2)))
    recall, f1 = macro_scores(truth.tolist(), labels.tolist(), 3)
    return recall if name == "macro recall" else f1


def held_out_loss(rows: list[Example], probs: np.ndarray, binary: bool) -> float:
    """Log-loss of the test labels (binary: negative vs positive, neutral left out)."""
    truth = np.array([SENTIMENT_LABELS.index(label_of(r)) for r in rows])
    if binary:
        p = probs[:, 2] / np.maximum(probs[:, 0] + probs[:, 2], 1e-12)
        q = np.clip(np.where(truth == 2, p, 1 - p), 1e-6, 1.0)
    else:
        q = np.clip(probs[np.arange(len(truth)), truth], 1e-6, 1.0)
    return float(-np.mean(np.log(q)))


def import_rows(sessions: sessionmaker[Session], folder: Path, rows: list[Example]) -> None:
    """The adaptation rows as messages ``a0``, ``a1``... of one support channel."""
    path = folder / "messages.csv"
    start = dt.datetime(2026, 1, 5, tzinfo=dt.UTC)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "channel", "author", "created_at", "text", "language"])
        for i, row in enumerate(rows):
            moment = start + dt.timedelta(minutes=i)
            writer.writerow(
                [
                    f"a{i}",
                    "support",
                    f"customer{i % 97}",
                    moment.isoformat(),
                    row.text,
                    row.language,
                ]
            )
    report = import_path(sessions, "messages", path, actor=ANALYST)
    if report.status != "succeeded":
        raise SystemExit(f"import failed: {report.as_dict()}")


def run_set(key: str, sizes: list[int | None], seed: int) -> None:
    """Print the learning curve of one evaluation set."""
    spec = SETS[key]
    adapt_rows, test_rows = spec.adapt(), spec.test()
    binary = key == "allocine"
    texts = [r.text for r in test_rows]
    languages: list[str | None] = [r.language for r in test_rows]
    print(f"\n{spec.name}: {len(adapt_rows)} rows to correct, {len(test_rows)} test rows")
    print(f"{'corrections':>12} {spec.metric:>13} {'log-loss':>9} {'train CPU s':>12}  kept (λ)")
    with tempfile.TemporaryDirectory(prefix="palabre-adapt-") as name:
        folder = Path(name)
        settings = Settings(data_dir=folder / "data")
        engine = make_engine(settings)
        migrate.upgrade(engine)
        sessions = sessionmaker(engine)
        import_rows(sessions, folder, adapt_rows)
        with sessions() as session:
            found = session.execute(sa.select(Message.external_id, Message.id)).all()
            ids = {str(external): int(mid) for external, mid in found}
        order = np.random.default_rng(seed).permutation(len(adapt_rows))
        order = np.array([i for i in order.tolist() if f"a{i}" in ids], dtype=np.int64)
        done = 0
        for size in [0, *sizes]:
            target = len(order) if size is None else min(size, len(order))
            with transaction(sessions) as session:
                for i in order[done:target].tolist():
                    service.correct_signal(
                        session, ids[f"a{i}"], "sentiment", label_of(adapt_rows[i]), actor=ANALYST
                    )
            done = target
            kept, seconds = "-", 0.0
            residual: Residual | None = None
            if done:
                started = time.process_time()
                result = CliRunner().invoke(
                    app, ["--data-dir", str(settings.data_dir), "train", "--json"]
                )
                seconds = time.process_time() - started
                if result.exit_code != 0:
                    raise SystemExit(f"palabre train failed: {result.output}")
                fit = next(
                    s for s in orjson.loads(result.output)["signals"] if s["signal"] == "sentiment"
                )
                kept = f"{'yes' if fit['residual'] else 'no'} ({fit['strength']:g})"
                with sessions() as session:
                    adaptation = service.current_adaptation(session)
                residual = None if adaptation is None else adaptation.residual
            batch = analyze_in_chunks(texts, languages, residual=residual)
            figure = metric(spec.metric, test_rows, batch.labels, batch.scores)
            probs = _sentiment_probs(batch.labels, texts, languages, residual)
            loss = held_out_loss(test_rows, probs, binary)
            label = "0 (shipped)" if done == 0 else str(done)
            print(f"{label:>12} {figure:>13.3f} {loss:>9.3f} {seconds:>12.1f}  {kept}")
        engine.dispose()


def _sentiment_probs(
    labels: np.ndarray,
    texts: list[str],
    languages: list[str | None],
    residual: Residual | None,
) -> np.ndarray:
    """Sentiment probabilities of the test texts, read back through the model's parts
    (their argmax must be the labels the scoring path gave)."""
    analyzer = default_analyzer()
    langs, message, _, batch = analyzer.raw_scores(texts, languages)
    logits = analyzer.sentiment_logits(langs, message)
    if residual:
        logits = logits + residual.scores(batch, analyzer.space)[0][:, :3]
    probs = softmax(logits)
    # The same model as the batch that gave the figure: its labels must agree.
    assert np.array_equal(probs.argmax(axis=1), labels)
    return probs


def main(argv: list[str] | None = None) -> int:
    """Run the learning curves asked for."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sets", default=",".join(SETS))
    parser.add_argument("--sizes", default="100,300,1000,all")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    sizes: list[int | None] = [None if s == "all" else int(s) for s in args.sizes.split(",")]
    load = os.getloadavg()
    print(f"load average at start: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    for key in args.sets.split(","):
        if key not in SETS:
            raise SystemExit(f"--sets: unknown set {key!r} (one of {', '.join(SETS)})")
        run_set(key, sizes, args.seed)
    load = os.getloadavg()
    print(f"\nload average at end: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
