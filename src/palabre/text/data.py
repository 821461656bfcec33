"""Readers of the labelled public datasets in ``../shared/datasets``.

Only training and evaluation read them; nothing of them is shipped. Which may train
shipped weights is decided by :data:`SHIPPABLE` (licences in each ``SOURCE.md``).
Datasets without an official split are split deterministically by a hash of the
text, so that a row is in the same split on every machine and every run.
"""

from __future__ import annotations

import csv
import os
import zlib
from dataclasses import dataclass
from pathlib import Path

#: Datasets whose licence allows training the weights palabre ships.
SHIPPABLE = {
    "goemotions-en": "Apache-2.0",
    "xed-emotion-fr-en": "CC BY 4.0",
    "banking77-en": "CC BY 4.0",
    "lexicons/vader-en": "MIT",
    "lexicons/vader-fr": "MIT",
    "lexicons/textblob-fr": "MIT",
    "lexicons/afinn": "ODbL 1.0 (attribution)",
}

SENTIMENTS = ("negative", "neutral", "positive")


class DatasetMissingError(FileNotFoundError):
    """A dataset file is not where it should be."""


def datasets_dir() -> Path:
    """``PALABRE_DATASETS_DIR``, else ``../shared/datasets`` beside the repository."""
    env = os.environ.get("PALABRE_DATASETS_DIR")
    if env:
        return Path(env)
    repo = Path(__file__).resolve().parents[3]
    return repo.parent / "shared" / "datasets"


def _path(*parts: str) -> Path:
    path = datasets_dir().joinpath(*parts)
    if not path.exists():
        raise DatasetMissingError(
            f"dataset file not found: {path} (set PALABRE_DATASETS_DIR to the datasets folder)"
        )
    return path


def hash_split(text: str) -> str:
    """``train`` (80 %), ``calib`` (10 %) or ``test`` (10 %), fixed by the text itself."""
    bucket = zlib.crc32(text.encode("utf-8")) % 10
    if bucket == 0:
        return "test"
    if bucket == 1:
        return "calib"
    return "train"


@dataclass(frozen=True)
class Example:
    """One labelled text: its language and its label names (emotions, polarity...)."""

    text: str
    language: str
    labels: frozenset[str]


def goemotions(split: str) -> list[Example]:
    """GoEmotions ``train`` / ``dev`` / ``test``: labels are emotion names."""
    names = _path("goemotions-en", "labels.txt").read_text(encoding="utf-8").split()
    rows: list[Example] = []
    with _path("goemotions-en", f"{split}.tsv").open(encoding="utf-8") as fh:
        for line in fh:
            text, ids, _ = line.rstrip("\n").split("\t")
            rows.append(Example(text, "en", frozenset(names[int(i)] for i in ids.split(","))))
    return rows


_XED = {
    "1": "anger",
    "2": "anticipation",
    "3": "disgust",
    "4": "fear",
    "5": "joy",
    "6": "sadness",
    "7": "surprise",
    "8": "trust",
}


def xed(language: str, split: str) -> list[Example]:
    """XED subtitles (``en`` human-annotated with its neutral lines, ``fr`` projected)."""
    name = "en-annotated.tsv" if language == "en" else "fr-projections.tsv"
    rows: list[Example] = []
    with _path("xed-emotion-fr-en", name).open(encoding="utf-8") as fh:
        for line in fh:
            # Stray tabs and line breaks exist: the label is the last field, digits and commas.
            text, _, labels = line.rstrip("\n").rpartition("\t")
            codes = [c.strip() for c in labels.split(",")]
            if not text or not all(c in _XED for c in codes):
                continue
            if hash_split(text) == split:
                rows.append(Example(text, language, frozenset(_XED[c] for c in codes)))
    if language == "en":
        with _path("xed-emotion-fr-en", "neu_en.txt").open(encoding="utf-8") as fh:
            for line in fh:
                text = line.rstrip("\n").partition("\t")[2] or line.strip()
                if text and hash_split(text) == split:
                    rows.append(Example(text, "en", frozenset({"neutral"})))
    return rows


def banking77(split: str) -> list[Example]:
    """BANKING77 customer queries (``train`` / ``test``): the label is the intent."""
    with _path("banking77-en", f"{split}.csv").open(encoding="utf-8", newline="") as fh:
        return [
            Example(row["text"], "en", frozenset({row["category"]})) for row in csv.DictReader(fh)
        ]


def _lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


def tweet_sentiment(folder: tuple[str, ...], split: str, language: str) -> list[Example]:
    """TweetEval-style sentiment files: ``*_text.txt`` + ``*_labels.txt`` (0/1/2)."""
    texts = _lines(_path(*folder, f"{split}_text.txt"))
    labels = _lines(_path(*folder, f"{split}_labels.txt"))
    if len(texts) != len(labels):
        raise ValueError(f"{'/'.join(folder)}/{split}: texts and labels differ in length")
    return [
        Example(t, language, frozenset({SENTIMENTS[int(y)]}))
        for t, y in zip(texts, labels, strict=True)
    ]


def tweeteval_sentiment(split: str) -> list[Example]:
    """TweetEval sentiment (English tweets, SemEval-2017): ``val`` or ``test``. Evaluation only."""
    return tweet_sentiment(("tweeteval", "sentiment"), split, "en")


def xlmt(language: str, split: str) -> list[Example]:
    """XLM-T tweets (``french`` = DEFT 2017, ``english``): ``train``/``val``/``test``.
    Evaluation only."""
    folder = "french" if language == "fr" else "english"
    return tweet_sentiment(("xlmt-sentiment-fr-en", folder), split, language)


def allocine(split: str) -> list[Example]:
    """Allociné TV-series reviews (French, positive / negative). Evaluation only."""
    rows: list[Example] = []
    for line in _lines(_path("allocine-tvseries-fr", f"{split}.tsv")):
        label, _, text = line.partition("\t")
        if label in ("0", "1") and text:
            rows.append(
                Example(text, "fr", frozenset({"positive" if label == "1" else "negative"}))
            )
    return rows
