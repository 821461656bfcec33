"""Build an encoder's embedding head: ``python -m palabre.text.train_embeddings``.

Needs the ``train`` and ``embeddings`` extras and ``../shared/datasets``
(``PALABRE_DATASETS_DIR`` overrides). Steps:

1. embed the English rows that train the linear model (:mod:`palabre.text.train`):
   GoEmotions ``train`` and XED English ``train`` (shippable licences only), with the
   vectors kept under ``--cache`` (default ``.cache/embeddings`` in the repository,
   ignored by git) so that a rerun embeds nothing again;
2. fit one logistic regression per head on the vectors: sentiment (three classes,
   the same labels, class balance and neutral weight as the linear model), and the
   binary heads with the same labels and rows as the linear model's;
3. choose each head's blend weight with the linear model on validation splits
   only: sentiment on TweetEval ``val`` and XLM-T English ``val`` (the mean of macro
   recall and macro F1: the issue's two sentiment measures), the binary heads on
   GoEmotions ``dev`` (average precision; XED English ``calib`` too for discontent);
4. refit the isotonic maps of the binary heads on the blended scores, on the same
   calibration rows as the linear model (GoEmotions ``dev``, XED English ``calib``);
5. save ``weights/signals_<encoder>.npz`` byte for byte reproducibly.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from palabre.text import data
from palabre.text.calibration import IsotonicCalibrator
from palabre.text.data import Example
from palabre.text.embedding_head import ENCODER_LANGUAGE, blend, head_path
from palabre.text.embeddings import CachedEncoder, EncoderUnavailableError, load_encoder
from palabre.text.evaluate import macro_scores
from palabre.text.model import SENTIMENT_HEADS, SENTIMENT_LABELS, SignalAnalyzer, softmax
from palabre.text.train import GOEMOTIONS_ONLY, SIGNAL_LABELS, Recipe, save, sentiment_of

#: Inverse regularisation of the heads' logistic regressions (vectors have unit norm).
HEAD_C = 1.0
#: The blend weights tried (0: the linear model alone, 1: the embedding head alone).
GRID = tuple(round(0.05 * i, 2) for i in range(21))
VERSION = 1


def default_cache() -> Path:
    """``.cache/embeddings`` at the repository's root (ignored by git)."""
    return Path(__file__).resolve().parents[3] / ".cache" / "embeddings"


def average_precision(scores: np.ndarray, truth: np.ndarray) -> float:
    """Average precision of ``scores`` ranking the true rows of ``truth`` first."""
    order = np.argsort(-scores, kind="mergesort")
    hits = truth[order].astype(np.float64)
    if not hits.sum():
        return 0.0
    precision = np.cumsum(hits) / np.arange(1, len(hits) + 1)
    return float((precision * hits).sum() / hits.sum())


def fit_heads(
    vectors: np.ndarray, rows: list[Example], is_go: np.ndarray, recipe: Recipe
) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Head names, weights ``(dimension, heads)`` and biases of the logistic regressions."""
    from sklearn.linear_model import LogisticRegression

    heads = [*SENTIMENT_HEADS, *SIGNAL_LABELS]
    weights = np.zeros((vectors.shape[1], len(heads)), dtype=np.float32)
    bias = np.zeros(len(heads), dtype=np.float32)
    sent = [sentiment_of(e.labels) for e in rows]
    keep = np.flatnonzero([s is not None for s in sent])
    y = np.array([SENTIMENT_HEADS.index(f"sent_{sent[i]}") for i in keep.tolist()])
    counts = np.bincount(y, minlength=3).astype(np.float64)
    balanced = len(y) / (3 * np.maximum(counts, 1.0))
    balanced[SENTIMENT_HEADS.index("sent_neutral")] *= recipe.neutral_weight
    model = LogisticRegression(
        C=HEAD_C, max_iter=3000, class_weight={k: float(balanced[k]) for k in range(3)}
    )
    model.fit(vectors[keep], y)
    weights[:, :3] = model.coef_.T
    bias[:3] = model.intercept_
    for j, (head, labels) in enumerate(SIGNAL_LABELS.items(), start=3):
        mask = is_go if head in GOEMOTIONS_ONLY else np.ones(len(rows), dtype=bool)
        target = np.array([bool(e.labels & labels) for e in rows])[mask]
        clf = LogisticRegression(C=HEAD_C, max_iter=3000)
        clf.fit(vectors[mask], target)
        weights[:, j] = clf.coef_[0]
        bias[j] = clf.intercept_[0]
    return heads, weights, bias


def _logits(vectors: np.ndarray, weights: np.ndarray, bias: np.ndarray) -> np.ndarray:
    out: np.ndarray = (vectors @ weights + bias).astype(np.float64)
    return out


def choose_sentiment_weight(
    analyzer: SignalAnalyzer,
    encode: Callable[[list[str]], np.ndarray],
    weights: np.ndarray,
    bias: np.ndarray,
) -> tuple[float, dict[str, float]]:
    """The sentiment blend weight with the best mean of TweetEval ``val`` macro recall
    and XLM-T English ``val`` macro F1; and the score of each weight tried."""
    sets = [(data.tweeteval_sentiment("val"), 0), (data.xlmt("en", "val"), 1)]
    prepared = []
    for rows, which in sets:
        texts = [r.text for r in rows]
        langs, message, _, _ = analyzer.raw_scores(texts, [r.language for r in rows])
        linear = analyzer.sentiment_logits(langs, message)
        embedded = _logits(encode(texts), weights, bias)[:, :3]
        truth = [SENTIMENT_LABELS.index(next(iter(r.labels))) for r in rows]
        prepared.append((linear, embedded, truth, which))
    tried: dict[str, float] = {}
    for w in GRID:
        values = []
        for linear, embedded, truth, which in prepared:
            pred = softmax(blend(linear, embedded, w)).argmax(axis=1).tolist()
            values.append(macro_scores(truth, pred, 3)[which])
        tried[f"{w:.2f}"] = float(np.mean(values))
    best = max(GRID, key=lambda w: (tried[f"{w:.2f}"], -w))
    return best, tried


def train_head(
    encoder_name: str,
    output: Path,
    cache: Path | None,
    log: Callable[[str], None] = print,
) -> dict[str, object]:
    """Fit, blend, calibrate and save ``encoder_name``'s head; returns its metadata."""
    started = time.perf_counter()
    encoder = load_encoder(encoder_name)
    cached = CachedEncoder(encoder, cache) if cache is not None else encoder

    def encode(texts: list[str]) -> np.ndarray:
        out = np.empty((len(texts), encoder.dimension), dtype=np.float32)
        for i in range(0, len(texts), 4000):
            out[i : i + 4000] = cached.encode(texts[i : i + 4000])
        return out

    go_train = data.goemotions("train")
    rows = go_train + data.xed("en", "train")
    log(f"embedding {len(rows)} training rows with {encoder_name} (cache: {cache})")
    vectors = encode([r.text for r in rows])
    is_go = np.arange(len(rows)) < len(go_train)
    recipe = Recipe()
    heads, weights, bias = fit_heads(vectors, rows, is_go, recipe)
    log(f"heads fitted: {', '.join(heads)}")

    analyzer = SignalAnalyzer()
    w_sent, tried = choose_sentiment_weight(analyzer, encode, weights, bias)
    log(f"sentiment blend weight {w_sent} (validation: {tried[f'{w_sent:.2f}']:.4f})")
    go_dev = data.goemotions("dev")
    calib = go_dev + data.xed("en", "calib")
    texts = [r.text for r in calib]
    _, _, rolled, _ = analyzer.raw_scores(texts, [ENCODER_LANGUAGE] * len(calib))
    embedded = _logits(encode(texts), weights, bias)
    is_go_cal = np.arange(len(calib)) < len(go_dev)
    blend_weights: dict[str, float] = {"sentiment": w_sent}
    selection: dict[str, dict[str, float]] = {"sentiment": tried}
    arrays: dict[str, np.ndarray] = {}
    for head, labels in SIGNAL_LABELS.items():
        mask = is_go_cal if head in GOEMOTIONS_ONLY else np.ones(len(calib), dtype=bool)
        truth = np.array([bool(r.labels & labels) for r in calib])[mask]
        linear = rolled[mask, analyzer.head_index[head]].astype(np.float64)
        z = embedded[mask, heads.index(head)]
        scores = {f"{w:.2f}": average_precision(blend(linear, z, w), truth) for w in GRID}
        best = max(GRID, key=lambda w: (scores[f"{w:.2f}"], -w))
        blend_weights[head], selection[head] = best, scores
        cal = IsotonicCalibrator(min_bin=40).fit(blend(linear, z, best), truth)
        arrays[f"calx_{head}"] = cal.x_.astype(np.float32)
        arrays[f"caly_{head}"] = cal.y_.astype(np.float32)
        log(f"{head}: blend weight {best} (dev average precision {scores[f'{best:.2f}']:.4f})")
    meta: dict[str, object] = {
        "version": VERSION,
        "encoder": encoder_name,
        "dimension": encoder.dimension,
        "language": ENCODER_LANGUAGE,
        "trained_on": {k: v for k, v in data.SHIPPABLE.items() if not k.startswith("lexicons")},
        "rows": {"goemotions_train": len(go_train), "xed_en_train": len(rows) - len(go_train)},
        "c": HEAD_C,
        "blend": blend_weights,
        "blend_chosen_on": {
            "sentiment": "tweeteval val + xlmt en val (mean of macro recall, macro F1)",
            "signals": "goemotions dev (+ xed en calib for discontent), average precision",
        },
        "blend_scores": selection,
        "calibrated_on": "goemotions dev + xed en calib split, blended scores",
    }
    arrays.update(
        {"heads": np.array("\n".join(heads)), "weights": weights, "bias": bias.astype(np.float32)}
    )
    save(output, arrays, meta)
    log(f"saved {output} in {time.perf_counter() - started:.0f} s")
    return meta


def main(argv: list[str] | None = None) -> int:
    """Command-line entry: train and write the head (default: the packaged file)."""
    parser = argparse.ArgumentParser(
        prog="python -m palabre.text.train_embeddings", description=__doc__
    )
    parser.add_argument("--encoder", default="minilm")
    parser.add_argument("--output", type=Path, default=None)
    parser.add_argument("--cache", type=Path, default=default_cache())
    parser.add_argument("--no-cache", action="store_true", help="embed everything again")
    args = parser.parse_args(argv)
    try:
        train_head(
            args.encoder,
            args.output or head_path(args.encoder),
            None if args.no_cache else args.cache,
        )
    except (data.DatasetMissingError, EncoderUnavailableError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
