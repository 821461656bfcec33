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
4. isotonic calibration on GoEmotions ``dev`` and XED's ``calib`` split;
5. the per-language sentiment offsets :data:`SENTIMENT_OFFSETS` (chosen on validation
   splits by ``benchmarks/sentiment_offsets.py``) go in the file's metadata.
"""

from __future__ import annotations

import argparse
import io
import json
import re
import sys
import time
import zipfile
from collections.abc import Callable
from dataclasses import asdict, dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from palabre.text import data
from palabre.text.calibration import IsotonicCalibrator
from palabre.text.data import Example
from palabre.text.features import Batch, Featurizer
from palabre.text.language import LanguageIdentifier
from palabre.text.lexicon import SIGNALS, lexicon_dir, load_lexicon
from palabre.text.model import SENTIMENT_HEADS, SignalAnalyzer, default_model_path
from palabre.text.stopwords import FRENCH as FRENCH_STOP_WORDS
from palabre.text.table import BIAS, DENSE, NONE_ROW, FeatureSpace, TokenTable
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
MIN_DF = 3
SIGNAL_C = 0.5
HEADS = (*SENTIMENT_HEADS, *SIGNALS, *AUX_HEADS)
#: Offsets added to the sentiment logits (negative, neutral, positive) per language,
#: written in the file's metadata: where the training data (Reddit, subtitles, lexicon
#: words) puts the lines between neutral and polar and between positive and negative
#: is not where messages put them. Chosen by ``python benchmarks/sentiment_offsets.py``
#: on the *validation* splits of TweetEval and XLM-T English (English), DEFT 2017 and
#: Allociné (French), never on their test splits; nothing is fitted on their texts.
SENTIMENT_OFFSETS: dict[str, tuple[float, float, float]] = {
    "en": (0.35, 0.0, -0.1),
    "fr": (-0.2, 0.0, 0.1),
}


def sentiment_of(labels: frozenset[str]) -> str | None:
    """negative / neutral / positive from emotion labels (or a polarity label itself);
    None when mixed or ambiguous."""
    if len(labels) == 1 and next(iter(labels)) in ("negative", "positive"):
        return next(iter(labels))
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
    overrides: dict[str, dict[str, float]] = {"en": {}, "fr": {}}
    own = Path(str(resources.files("palabre.text") / "lexicons" / "valence_overrides.tsv"))
    for number, line in enumerate(own.read_text(encoding="utf-8").splitlines(), start=1):
        cells = line.split("\t")
        if line.startswith("#") or not line or cells[0] == "lang":
            continue
        if len(cells) != 3 or cells[0] not in overrides:
            raise ValueError(f"{own}: line {number}: expected language, word, valence")
        overrides[cells[0]][cells[1]] = float(cells[2])
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
        rows.update(overrides[language])
        rows = {w: v for w, v in rows.items() if v != 0.0}
        path = out_dir / f"valence_{language}.tsv"
        with path.open("w", encoding="utf-8") as fh:
            fh.write(
                f"# Opinion-word valence, {language}, derived by python -m palabre.text.train.\n"
                f"# Source: {credits[language]}; emojis from VADER's emoji descriptions;\n"
                "# project-owned overrides from valence_overrides.tsv.\n"
                "word\tvalence\n"
            )
            for word in sorted(rows):
                fh.write(f"{word}\t{rows[word]:.3f}\n")
        sizes[language] = len(rows)
    load_lexicon.cache_clear()
    return sizes


# -- features ----------------------------------------------------------------------------


def message_matrix(b: Batch, space: FeatureSpace) -> Any:
    """The messages of ``b`` as a sparse matrix over ``space``'s rows (what inference
    computes: sentence counts × contrast factor / sqrt(message length), plus bias)."""
    from scipy.sparse import coo_matrix

    n = b.size
    scale = b.sent_factor / np.sqrt(np.maximum(b.msg_len[b.sent_msg], 1))
    rows = [np.repeat(b.tok_msg, 3), np.repeat(b.sent_msg, len(DENSE)), np.arange(n)]
    cols = [
        b.rows.reshape(-1).astype(np.int64),
        np.tile(space.dense_rows, len(b.sent_msg)),
        np.full(n, space.bias_row),
    ]
    vals = [
        (b.vals * scale[b.tok_sent][:, None]).reshape(-1),
        (b.dense * scale[:, None]).reshape(-1),
        np.ones(n, dtype=np.float32),
    ]
    c = np.concatenate(cols)
    v = np.concatenate(vals).astype(np.float64)
    v[c == NONE_ROW] = 0.0
    x = coo_matrix((v, (np.concatenate(rows), c)), shape=(n, len(space.names))).tocsr()
    x.sum_duplicates()
    x.eliminate_zeros()
    return x


def featurize(featurizer: Featurizer, examples: list[Example], chunk: int = 5000) -> Any:
    """Message matrix of ``examples`` (their language given), in chunks."""
    from scipy.sparse import vstack

    parts = []
    for i in range(0, len(examples), chunk):
        part = examples[i : i + chunk]
        batch = featurizer.batch([e.text for e in part], [e.language for e in part])
        parts.append(batch)
    width = len(featurizer.table.space.names)
    return vstack([_pad(message_matrix(b, featurizer.table.space), width) for b in parts]).tocsr()


def _pad(x: Any, width: int) -> Any:
    x.resize((x.shape[0], width))
    return x


def lexicon_rows(min_abs: float = 0.3) -> list[Example]:
    """Each strong opinion word as a one-word example of its polarity: gives French
    words direct weights where labelled French text is scarce."""
    rows: list[Example] = []
    for language in ("fr", "en"):
        valence = load_lexicon(language).valence
        for word in sorted(valence):
            value = valence[word]
            if abs(value) >= min_abs and len(word) > 1:
                label = "positive" if value > 0 else "negative"
                rows.append(Example(word, language, frozenset({label})))
    return rows


@dataclass(frozen=True)
class Recipe:
    """The knobs of the sentiment head. The defaults are the shipped choice, picked
    among a dozen recipes by comparing them on the *validation* splits of TweetEval,
    XLM-T and Allociné (never their test splits; nothing is fitted on them); the
    differences between the good recipes were within noise (±0.01-0.03)."""

    c: float = 0.1
    #: Dense (lexicon, cue) columns are multiplied by this while fitting and their
    #: weights by it afterwards: a larger value penalises them less than words, so
    #: the model leans on the lexicon rules, which carry across domains and languages.
    dense_scale: float = 1.0
    #: XED's French positive / negative lines, without their function-word features.
    xed_fr: bool = True
    lexicon_weight: float = 1.0
    #: The neutral class's weight relative to "balanced" (below 1: fewer neutral calls).
    neutral_weight: float = 0.7


@dataclass
class Prepared:
    """Training data turned into matrices over the final feature columns."""

    ident: LanguageIdentifier
    names: list[str]
    go_train: list[Example]
    text_rows: list[Example]
    lex_rows: list[Example]
    x_text: Any
    x_lex: Any
    x_view: Any
    view_rows: list[Example]
    shared: np.ndarray
    stop: np.ndarray


def prepare(log: Callable[[str], None] = print) -> Prepared:
    """Lexicons, language identifier and feature matrices of the shippable data."""
    root = data.datasets_dir()
    sizes = build_valence_lexicons(root, lexicon_dir())
    log(f"valence lexicons: {sizes}")
    go_train = data.goemotions("train")
    text_rows = go_train + data.xed("en", "train") + data.xed("fr", "train")
    ident = LanguageIdentifier(min_count=2).fit(
        [tokenize(e.text) for e in text_rows], [e.language for e in text_rows]
    )
    lexicons = {lang: load_lexicon(lang) for lang in ("fr", "en")}
    open_space = FeatureSpace(None)
    featurizer = Featurizer(TokenTable(lexicons, open_space, ident.word_logodds_), ident)
    lex_rows = lexicon_rows()
    x_text = featurize(featurizer, text_rows)
    x_lex = featurize(featurizer, lex_rows)
    width = len(open_space.names)
    x_text, x_lex = _pad(x_text, width), _pad(x_lex, width)

    # Columns: features seen in at least 3 texts, every dense feature, the bias, and
    # the lexicon words; sorted by name so that the file does not depend on the order
    # rows were met.
    df = np.asarray((x_text != 0).sum(axis=0)).ravel()
    always = set(DENSE) | {BIAS}
    lex_cols = set(np.flatnonzero(np.asarray((x_lex != 0).sum(axis=0)).ravel()).tolist())
    names = sorted(
        n
        for j, n in enumerate(open_space.names)
        if j != NONE_ROW and (df[j] >= MIN_DF or n in always or j in lex_cols)
    )
    order = np.array([open_space.index[n] for n in names], dtype=np.int64)
    x_text = x_text[:, order]
    x_lex = x_lex[:, order]
    shared = np.array([n in always for n in names], dtype=bool)
    stop = np.array([n.lstrip("!") in _french_function_words() for n in names], dtype=bool)
    log(f"{len(text_rows)} training rows, {len(names)} features")
    # "Lexicon views" of the English rows: only the dense (language-independent)
    # features and the bias. They teach the heads to read those on their own, which
    # is all they have for words never seen in training, French words above all.
    is_en = np.flatnonzero([e.language == "en" for e in text_rows])
    return Prepared(
        ident=ident,
        names=names,
        go_train=go_train,
        text_rows=text_rows,
        lex_rows=lex_rows,
        x_text=x_text,
        x_lex=x_lex,
        x_view=x_text[is_en] @ _diag(shared),
        view_rows=[text_rows[i] for i in is_en.tolist()],
        shared=shared,
        stop=stop,
    )


#: the one-letter French words written with an apostrophe before a vowel (« n'a », « l'on »)
_ELIDING = frozenset("cdjlmnst")


def _french_function_words() -> frozenset[str]:
    """The French words XED's French lines must not teach (they have no neutral class).

    Every function word (the stop words of :mod:`palabre.text.stopwords` and of the
    lexicon, the negators, their elided forms ``n'``, ``m'``, ``qu'``...) except those
    with an opinion of their own in the lexicon (``bien``, ``merci``): left in, « à »,
    « en » or « n' » learned "never neutral" from those lines, and any French message
    leaned negative.
    """
    lex = load_lexicon("fr")
    words = set(FRENCH_STOP_WORDS) | set(lex.stopwords) | set(lex.negators)
    words |= {w + "'" for w in words if w in _ELIDING or (w.isalpha() and w.endswith("qu"))}
    return frozenset(w for w in words if not lex.valence.get(w))


def fit_sentiment(prep: Prepared, recipe: Recipe) -> np.ndarray:
    """Weights ``(features, 3)`` of the sentiment head (bias in the ``<bias>`` row).

    Multinomial logistic regression with balanced classes on English text, lexicon
    words (each ``recipe.lexicon_weight`` of a text) and lexicon views. XED's French
    lines have no neutral class: when used, their function-word features are removed
    so that French function words do not learn "never neutral".
    """
    from scipy.sparse import vstack
    from sklearn.linear_model import LogisticRegression

    x_text = prep.x_text
    is_fr = np.array([e.language == "fr" for e in prep.text_rows])
    if recipe.xed_fr:
        keep_cols = _diag(~prep.stop)
        fr_rows = np.flatnonzero(is_fr)
        x_fr = x_text[fr_rows] @ keep_cols
        x_text = vstack([x_text[np.flatnonzero(~is_fr)], x_fr]).tocsr()
        text_rows = [e for e, f in zip(prep.text_rows, is_fr, strict=True) if not f] + [
            prep.text_rows[i] for i in fr_rows.tolist()
        ]
    else:
        text_rows = [e for e, f in zip(prep.text_rows, is_fr, strict=True) if not f]
        x_text = x_text[np.flatnonzero(~is_fr)]
    x_all = vstack([x_text, prep.x_lex, prep.x_view]).tocsr()
    all_rows = text_rows + prep.lex_rows + prep.view_rows
    sent = [sentiment_of(e.labels) for e in all_rows]
    keep = np.flatnonzero([s is not None for s in sent])
    y = np.array([SENTIMENT_HEADS.index(f"sent_{sent[i]}") for i in keep.tolist()])
    n_text, n_lex = len(text_rows), len(prep.lex_rows)
    index = np.arange(len(all_rows))
    is_lex = (index >= n_text) & (index < n_text + n_lex)
    sample_w = np.where(is_lex, recipe.lexicon_weight, 1.0)[keep]
    scale = np.where(prep.shared, recipe.dense_scale, 1.0)
    x_fit = x_all[keep] @ _diag(scale)
    counts = np.bincount(y, minlength=3).astype(np.float64)
    balanced = len(y) / (3 * np.maximum(counts, 1.0))
    balanced[SENTIMENT_HEADS.index("sent_neutral")] *= recipe.neutral_weight
    class_weight = {k: float(balanced[k]) for k in range(3)}
    model = LogisticRegression(C=recipe.c, max_iter=3000, class_weight=class_weight)
    model.fit(x_fit, y, sample_weight=sample_w)
    weights: np.ndarray = (model.coef_.T * scale[:, None]).astype(np.float32)
    weights[prep.names.index(BIAS)] += model.intercept_
    return weights


def fit_signals(prep: Prepared, log: Callable[[str], None] = print) -> np.ndarray:
    """Weights ``(features, len(HEADS))`` of the signal and auxiliary heads (text rows
    and their lexicon views) and the rule heads; sentiment columns left at zero."""
    from scipy.sparse import vstack
    from sklearn.linear_model import LogisticRegression

    weights = np.zeros((len(prep.names), len(HEADS)), dtype=np.float32)
    bias = prep.names.index(BIAS)
    x_sig = vstack([prep.x_text, prep.x_view]).tocsr()
    sig_rows = prep.text_rows + prep.view_rows
    go_ids = {id(e) for e in prep.go_train}
    is_go = np.array([id(e) in go_ids for e in sig_rows])
    for head, labels in SIGNAL_LABELS.items():
        mask = is_go if head in GOEMOTIONS_ONLY else np.ones(len(sig_rows), dtype=bool)
        target = np.array([bool(e.labels & labels) for e in sig_rows])
        clf = LogisticRegression(C=SIGNAL_C, max_iter=3000)
        clf.fit(x_sig[np.flatnonzero(mask)], target[mask])
        j = HEADS.index(head)
        weights[:, j] = clf.coef_[0]
        weights[bias, j] += clf.intercept_[0]
        log(f"{head} head fitted ({int(target[mask].sum())} positives)")
    for head in RULE_HEADS:
        j = HEADS.index(head)
        weights[bias, j] = RULE_BIAS
        weights[prep.names.index("cue:" + head), j] = RULE_SLOPE
    return weights


def model_arrays(prep: Prepared, weights: np.ndarray) -> dict[str, np.ndarray]:
    """The arrays of a weights file (calibration added later)."""
    return {
        "features": np.array("\n".join(prep.names)),
        "weights": weights,
        "heads": np.array("\n".join(HEADS)),
        **prep.ident.to_arrays(),
    }


def calibrate(output: Path, arrays: dict[str, np.ndarray]) -> None:
    """Isotonic maps of the signal heads on held-out rows, through the same sentence
    roll-up as inference (GoEmotions dev, XED's calib split); added to ``arrays``."""
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
        if head not in GOEMOTIONS_ONLY:
            # French text scores lower on the same heads (fewer known words): its own map.
            fr = np.array([e.language == "fr" for e in calib])
            fr_target = np.array([bool(e.labels & labels) for e in calib])[fr]
            cal = IsotonicCalibrator(min_bin=40).fit(rolled[fr, HEADS.index(head)], fr_target)
            arrays[f"calx_{head}@fr"] = cal.x_.astype(np.float32)
            arrays[f"caly_{head}@fr"] = cal.y_.astype(np.float32)


def train(
    output: Path, log: Callable[[str], None] = print, recipe: Recipe | None = None
) -> dict[str, object]:
    """Train, calibrate and save the model; returns its metadata."""
    started = time.perf_counter()
    recipe = recipe or Recipe()
    prep = prepare(log)
    weights = fit_signals(prep, log)
    weights[:, :3] = fit_sentiment(prep, recipe)
    log("sentiment head fitted")
    meta: dict[str, object] = {
        "trained_on": dict(data.SHIPPABLE),
        "rows": {
            "goemotions_train": len(prep.go_train),
            "xed_train": len(prep.text_rows) - len(prep.go_train),
            "lexicon_words": len(prep.lex_rows),
        },
        "features": len(prep.names),
        "rule_heads": list(RULE_HEADS),
        "sentiment_recipe": asdict(recipe),
        "sentiment_offsets": {lang: list(v) for lang, v in SENTIMENT_OFFSETS.items()},
        "calibrated_on": "goemotions dev + xed calib split (hash of text)",
    }
    arrays = model_arrays(prep, weights)
    save(output, arrays, meta)
    calibrate(output, arrays)
    save(output, arrays, meta)
    seconds = time.perf_counter() - started
    log(f"saved {output} ({output.stat().st_size / 1e6:.1f} MB) in {seconds:.0f} s")
    return meta


def _diag(mask: np.ndarray) -> Any:
    from scipy.sparse import diags

    return diags(mask.astype(np.float64))


def save(path: Path, arrays: dict[str, np.ndarray], meta: dict[str, object]) -> None:
    """Write a weights file byte for byte reproducibly: ``np.savez`` stamps each
    member with the current time, so the zip is written here with a fixed date and
    members in name order; written beside the target, then renamed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.npz")
    payload = {**arrays, "meta": np.array(json.dumps(meta, sort_keys=True))}
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name in sorted(payload):
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            buffer = io.BytesIO()
            np.lib.format.write_array(buffer, np.asarray(payload[name]), allow_pickle=False)
            zf.writestr(info, buffer.getvalue())
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
