"""Build the shipped signal model: ``python -m palabre.text.train [--output PATH]``.

Reproducible from ``../shared/datasets`` (``PALABRE_DATASETS_DIR`` overrides) with the
``train`` extra installed (scikit-learn). Only data whose licence allows shipping
weights is read (:data:`palabre.text.data.SHIPPABLE`):

1. ``valence_fr.tsv`` / ``valence_en.tsv`` are derived from VADER (MIT), VADER-fr
   (MIT), textblob-fr (MIT) and AFINN (ODbL): :func:`build_valence_lexicons`;
2. the French / English identifier is fitted on XED (CC BY 4.0) and GoEmotions
   (Apache-2.0) text;
3. logistic regressions are fitted on GoEmotions ``train`` and XED's ``train`` split
   (sentiment, discontent, disappointment, misunderstanding, praise, and the
   GoEmotions classes anger / annoyance / disapproval); ``drifting_away`` and
   ``suggestion`` have no open labelled data and are cue rules with fixed weights;
4. isotonic calibration on GoEmotions ``dev`` and XED's ``calib`` split.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import numpy as np

from palabre.text import data
from palabre.text.calibration import IsotonicCalibrator
from palabre.text.data import Example
from palabre.text.language import LanguageIdentifier
from palabre.text.lexicon import SIGNALS, lexicon_dir, load_lexicon
from palabre.text.model import SENTIMENT_HEADS, SignalAnalyzer, default_model_path
from palabre.text.tokenize import tokenize

NEGATIVE_EMOTIONS = frozenset(
    "anger annoyance disappointment disapproval disgust embarrassment fear grief "
    "nervousness remorse sadness".split()
)
POSITIVE_EMOTIONS = frozenset(
    "admiration amusement approval caring desire excitement gratitude joy love optimism "
    "pride relief trust".split()
)
#: Signal -> the emotion labels that mean it (GoEmotions names; XED's anger/disgust too).
SIGNAL_LABELS: dict[str, frozenset[str]] = {
    "discontent": frozenset({"anger", "annoyance", "disapproval", "disgust"}),
    "disappointment": frozenset({"disappointment"}),
    "misunderstanding": frozenset({"confusion"}),
    "praise": frozenset({"admiration", "gratitude", "approval"}),
    "anger": frozenset({"anger"}),
    "annoyance": frozenset({"annoyance"}),
    "disapproval": frozenset({"disapproval"}),
}
#: Heads learned from GoEmotions only (XED's labels do not say them).
GOEMOTIONS_ONLY = frozenset(
    {"disappointment", "misunderstanding", "praise", "anger", "annoyance", "disapproval"}
)
RULE_HEADS = ("drifting_away", "suggestion")
#: Rule heads: logit = RULE_BIAS + RULE_SLOPE * log1p(sum of cue weights).
RULE_BIAS = -3.0
RULE_SLOPE = 3.8
AUX_HEADS = ("anger", "annoyance", "disapproval")
HEADS = (*SENTIMENT_HEADS, *SIGNALS, *AUX_HEADS)


def sentiment_of(labels: frozenset[str]) -> str | None:
    """negative / neutral / positive from emotion labels; None when mixed or ambiguous."""
    neg = bool(labels & NEGATIVE_EMOTIONS)
    pos = bool(labels & POSITIVE_EMOTIONS)
    if neg and not pos:
        return "negative"
    if pos and not neg:
        return "positive"
    if labels == {"neutral"}:
        return "neutral"
    return None


# -- lexicons ----------------------------------------------------------------------------

_WORD = re.compile(r"^[^\W\d_][^\W\d_'\-]*(?:['\-][^\W\d_]+)*$")


def build_valence_lexicons(root: Path, out_dir: Path) -> dict[str, int]:
    """Write ``valence_en.tsv`` and ``valence_fr.tsv`` (valence in [-1, 1]) from the
    licence-compatible lexicons under ``root/lexicons``; returns entries per language."""
    lex = root / "lexicons"
    en: dict[str, list[float]] = {}
    for line in (lex / "vader-en" / "vader_lexicon.txt").read_text(encoding="utf-8").splitlines():
        cells = line.split("\t")
        if len(cells) >= 2:
            en.setdefault(cells[0].lower(), []).append(float(cells[1]) / 4.0)
    for line in (lex / "afinn" / "AFINN-en-165.txt").read_text(encoding="utf-8").splitlines():
        word, _, value = line.rpartition("\t")
        if word:
            en.setdefault(word.lower(), []).append(float(value) / 5.0)
    fr: dict[str, list[float]] = {}
    for line in (lex / "vader-fr" / "fr_lexicon.txt").read_text(encoding="utf-8").splitlines():
        word, sep, value = line.rpartition("->")
        if sep:
            fr.setdefault(word.lower(), []).append(float(value) / 4.0)
    xml = (lex / "textblob-fr" / "fr-sentiment.xml").read_text(encoding="utf-8")
    for word, polarity in re.findall(r'form="([^"]+)"[^>]*polarity="([-0-9.]+)"', xml):
        if float(polarity) != 0.0:
            fr.setdefault(word.lower(), []).append(float(polarity))
    # Emojis: VADER's English descriptions scored with the English word valences.
    emoji_valence: dict[str, float] = {}
    emoji_file = lex / "vader-en" / "emoji_utf8_lexicon.txt"
    for line in emoji_file.read_text(encoding="utf-8").splitlines():
        emoji, _, description = line.partition("\t")
        values = [float(np.mean(en[w])) for w in description.lower().split() if w in en]
        if len(emoji) == 1 and values and abs(float(np.mean(values))) >= 0.1:
            emoji_valence[emoji] = float(np.mean(values))
    sizes: dict[str, int] = {}
    credits = {
        "en": "VADER 3.3.2 (C.J. Hutto, MIT; values / 4) and AFINN-165 (F. Nielsen, ODbL 1.0;"
        " values / 5), averaged",
        "fr": "vaderSentiment-fr 1.3.4 (MIT; values / 4) and textblob-fr 0.2.0 / Pattern"
        " (T. De Smedt, MIT), averaged",
    }
    for language, table in (("en", en), ("fr", fr)):
        rows = {
            w: float(np.clip(np.mean(v), -1.0, 1.0))
            for w, v in table.items()
            if _WORD.match(w) and abs(float(np.mean(v))) >= 0.05
        }
        rows.update(emoji_valence)
        path = out_dir / f"valence_{language}.tsv"
        with path.open("w", encoding="utf-8") as fh:
            fh.write(
                f"# Opinion-word valence, {language}, derived by python -m palabre.text.train.\n"
                f"# Source: {credits[language]}; emojis from VADER's emoji descriptions.\n"
                "word\tvalence\n"
            )
            for word in sorted(rows):
                fh.write(f"{word}\t{rows[word]:.3f}\n")
        sizes[language] = len(rows)
    load_lexicon.cache_clear()
    return sizes


# -- features ----------------------------------------------------------------------------


def _featurize_all(
    featurize: Callable[[str, str | None], dict[str, float]], examples: list[Example]
) -> list[dict[str, float]]:
    return [featurize(ex.text, ex.language) for ex in examples]


def _matrix(rows: list[dict[str, float]], vocab: dict[str, int]) -> object:
    from scipy.sparse import csr_matrix

    indptr = [0]
    indices: list[int] = []
    values: list[float] = []
    for row in rows:
        for name, value in row.items():
            j = vocab.get(name)
            if j is not None:
                indices.append(j)
                values.append(value)
        indptr.append(len(indices))
    return csr_matrix(
        (np.asarray(values, dtype=np.float64), indices, indptr), shape=(len(rows), len(vocab))
    )


class _Bootstrap(SignalAnalyzer):
    """Featurizes without a weights file (the identifier is only needed for unknown
    languages, and training rows all have one)."""

    def __init__(self, identifier: LanguageIdentifier) -> None:
        self.identifier = identifier
        self._lex = {lang: load_lexicon(lang) for lang in ("fr", "en")}


def lexicon_rows(min_abs: float = 0.3) -> list[Example]:
    """Each strong opinion word as a one-word example of its polarity: gives French
    words direct weights where labelled French text is scarce."""
    rows: list[Example] = []
    for language in ("fr", "en"):
        for word, value in load_lexicon(language).valence.items():
            if abs(value) >= min_abs and len(word) > 1:
                label = "positive" if value > 0 else "negative"
                rows.append(Example(word, language, frozenset({label})))
    return rows


def train(output: Path, log: Callable[[str], None] = print) -> dict[str, object]:
    """Train, calibrate and save the model; returns its metadata."""
    from sklearn.linear_model import LogisticRegression

    started = time.perf_counter()
    root = data.datasets_dir()
    sizes = build_valence_lexicons(root, lexicon_dir())
    log(f"valence lexicons: {sizes}")
    go_train = data.goemotions("train")
    xed_train = data.xed("en", "train") + data.xed("fr", "train")
    ident = LanguageIdentifier(min_count=2).fit(
        [tokenize(e.text) for e in go_train + xed_train],
        [e.language for e in go_train + xed_train],
    )
    boot = _Bootstrap(ident)
    lex_rows = lexicon_rows()
    train_rows = go_train + xed_train
    feats = _featurize_all(boot.featurize, train_rows)
    lex_feats = _featurize_all(boot.featurize, lex_rows)
    df = Counter[str]()
    for row in feats:
        df.update(row.keys())
    names = sorted(n for n, c in df.items() if c >= 3 or n.startswith(("lex:", "cue:", "<")))
    # Every cue feature exists, even one no training row fired (rule heads read them).
    names += sorted({"cue:" + s for s in SIGNALS} - set(names))
    names += sorted({n for row in lex_feats for n in row} - set(names))
    vocab = {n: i for i, n in enumerate(names)}
    log(f"{len(train_rows)} training rows, {len(vocab)} features")
    # "Lexicon view" copies of the English rows: only lexicon, cue and bias features.
    # They teach the sentiment head to read the shared (language-independent) lexicon
    # features on their own, which is all it has for words it never saw in training,
    # French words above all.
    view_rows = [e for e in train_rows if e.language == "en"]
    view_feats = [
        {k: v for k, v in row.items() if k.startswith(("lex:", "cue:", "<"))}
        for row, e in zip(feats, train_rows, strict=True)
        if e.language == "en"
    ]
    x_all = _matrix(feats + lex_feats + view_feats, vocab)
    weights = np.zeros((len(vocab), len(HEADS)), dtype=np.float32)
    n_text = len(feats)

    # Sentiment: multinomial, balanced classes; lexicon words count a third of a text.
    # XED's French lines are left out here: they have no neutral class, so French
    # function words would learn "never neutral"; French sentiment comes from the
    # shared lexicon features and the French opinion words of the lexicon rows.
    all_rows = train_rows + lex_rows + view_rows
    sent = [
        None if (i < n_text and e.language == "fr") else sentiment_of(e.labels)
        for i, e in enumerate(all_rows)
    ]
    keep = np.array([s is not None for s in sent])
    y = np.array([SENTIMENT_HEADS.index("sent_" + s) for s in sent if s is not None])
    index = np.arange(len(all_rows))
    lexicon_word = (index >= n_text) & (index < n_text + len(lex_rows))
    sample_w = np.where(lexicon_word, 0.33, 1.0)[keep]
    model = LogisticRegression(C=0.5, max_iter=2000, class_weight="balanced")
    model.fit(x_all[keep], y, sample_weight=sample_w)  # type: ignore[index]
    for k in range(3):
        weights[:, k] = model.coef_[k]
        weights[vocab["<bias>"], k] += model.intercept_[k]
    log("sentiment head fitted")

    # Signal heads: the text rows plus their lexicon views (how French cues get weight).
    n_lex = len(lex_rows)
    view_index = np.arange(n_text + n_lex, n_text + n_lex + len(view_rows))
    x_text = x_all[np.concatenate([np.arange(n_text), view_index])]  # type: ignore[index]
    signal_rows = train_rows + view_rows
    is_go_row = {id(e) for e in go_train}
    is_go = np.array([id(e) in is_go_row for e in signal_rows])
    for head, labels in SIGNAL_LABELS.items():
        rows_mask = is_go if head in GOEMOTIONS_ONLY else np.ones(len(signal_rows), dtype=bool)
        target = np.array([bool(e.labels & labels) for e in signal_rows])
        clf = LogisticRegression(C=0.5, max_iter=2000)
        clf.fit(x_text[rows_mask], target[rows_mask])
        col = HEADS.index(head)
        weights[:, col] = clf.coef_[0]
        weights[vocab["<bias>"], col] += clf.intercept_[0]
        log(f"{head} head fitted ({int(target[rows_mask].sum())} positives)")
    for head in RULE_HEADS:
        col = HEADS.index(head)
        weights[vocab["<bias>"], col] = RULE_BIAS
        weights[vocab["cue:" + head], col] = RULE_SLOPE

    meta: dict[str, object] = {
        "trained_on": dict(data.SHIPPABLE),
        "rows": {"goemotions_train": len(go_train), "xed_train": len(xed_train)},
        "features": len(vocab),
        "rule_heads": list(RULE_HEADS),
    }
    arrays: dict[str, np.ndarray] = {
        "vocab": np.array("\n".join(names)),
        "weights": weights,
        "heads": np.array("\n".join(HEADS)),
        **ident.to_arrays(),
    }
    _save(output, arrays, meta)

    # Calibration on held-out rows, through the same sentence roll-up as inference.
    go_dev = data.goemotions("dev")
    calib = go_dev + data.xed("en", "calib") + data.xed("fr", "calib")
    analyzer = SignalAnalyzer(output)
    _, _, rolled, _ = analyzer.raw_scores([e.text for e in calib], [e.language for e in calib])
    is_go_cal = np.arange(len(calib)) < len(go_dev)
    for head, labels in SIGNAL_LABELS.items():
        mask = is_go_cal if head in GOEMOTIONS_ONLY else np.ones(len(calib), dtype=bool)
        target = np.array([bool(e.labels & labels) for e in calib])[mask]
        cal = IsotonicCalibrator(min_bin=40).fit(rolled[mask, HEADS.index(head)], target)
        arrays[f"calx_{head}"] = cal.x_.astype(np.float32)
        arrays[f"caly_{head}"] = cal.y_.astype(np.float32)
    meta["calibrated_on"] = "goemotions dev + xed calib split (hash of text)"
    meta["seconds"] = round(time.perf_counter() - started, 1)
    _save(output, arrays, meta)
    log(f"saved {output} ({output.stat().st_size / 1e6:.1f} MB) in {meta['seconds']} s")
    return meta


def _save(path: Path, arrays: dict[str, np.ndarray], meta: dict[str, object]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.npz")
    payload = {**arrays, "meta": np.array(json.dumps(meta, sort_keys=True))}
    np.savez_compressed(tmp, **payload)  # type: ignore[arg-type]
    tmp.replace(path)


def main(argv: list[str] | None = None) -> int:
    """Command-line entry: train and write the weights (default: the shipped file)."""
    parser = argparse.ArgumentParser(prog="python -m palabre.text.train", description=__doc__)
    parser.add_argument("--output", type=Path, default=default_model_path())
    args = parser.parse_args(argv)
    try:
        train(args.output)
    except data.DatasetMissingError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
