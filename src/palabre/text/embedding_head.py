"""The embedding head: signals read from sentence embeddings, blended with the linear model.

When a sentence encoder is switched on (``PALABRE_SIGNALS_ENCODER``, ``--encoder``),
each English message is also embedded; per head (the three sentiment classes, the
calibrated signals and the GoEmotions classes the evaluation reports), a logistic
regression over the embedding gives a logit, and the message's score becomes

    z = (1 - w) * z_linear + w * z_embedding

with a weight ``w`` per head chosen on validation splits by
``python -m palabre.text.train_embeddings``. Signal scores then go through isotonic
maps refitted on the blended scores. The encoder is English only: messages in French
or another language keep the linear model's figures exactly. ``drifting_away`` and
``suggestion`` (cue rules) are never blended.
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from palabre.text.embeddings import SentenceEncoder, load_encoder
from palabre.text.features import Batch
from palabre.text.lexicon import SIGNALS, lexicon_dir
from palabre.text.model import (
    SENTIMENT_HEADS,
    ModelFileError,
    SignalAnalyzer,
    SignalBatch,
    default_analyzer,
    default_model_path,
    load_arrays,
)
from palabre.text.residual import Inputs, Residual, message_features

#: The language the shipped encoders read.
ENCODER_LANGUAGE = "en"


def head_path(encoder: str) -> Path:
    """The shipped embedding head of ``encoder`` (beside ``signals.npz``)."""
    return Path(str(resources.files("palabre.text") / "weights" / f"signals_{encoder}.npz"))


class EmbeddingHead:
    """Weights, blend weights and calibration maps of one encoder's head file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        arrays = load_arrays(path)
        try:
            self.heads: list[str] = str(arrays["heads"]).split("\n")
            self.weights = arrays["weights"].astype(np.float32)
            self.bias = arrays["bias"].astype(np.float32)
            self.meta: dict[str, Any] = json.loads(str(arrays["meta"]))
            self.blend: dict[str, float] = {k: float(v) for k, v in self.meta["blend"].items()}
        except KeyError as exc:
            raise ModelFileError(f"{path}: not a palabre embedding head ({exc})") from None
        self.calibration = {
            k[5:]: (arrays[k], arrays["caly_" + k[5:]]) for k in arrays if k.startswith("calx_")
        }
        self.index = {h: i for i, h in enumerate(self.heads)}
        if self.weights.shape != (int(self.meta["dimension"]), len(self.heads)):
            raise ModelFileError(f"{path}: weights do not match its heads and dimension")

    @property
    def encoder(self) -> str:
        """The name of the encoder whose vectors this head reads."""
        return str(self.meta["encoder"])

    def logits(self, vectors: np.ndarray) -> np.ndarray:
        """``(n, heads)`` logits of embedded texts."""
        out: np.ndarray = (vectors @ self.weights + self.bias).astype(np.float64)
        return out

    def calibrate(self, head: str, raw: np.ndarray) -> np.ndarray:
        """The blended score of a binary head as a calibrated probability."""
        knots = self.calibration.get(head)
        out: np.ndarray = (
            1.0 / (1.0 + np.exp(-raw)) if knots is None else np.interp(raw, knots[0], knots[1])
        )
        return out


def blend(linear: np.ndarray, embedded: np.ndarray, weight: float) -> np.ndarray:
    """The blended score ``(1 - weight) * linear + weight * embedded``."""
    return (1.0 - weight) * linear + weight * embedded


class BlendedAnalyzer:
    """A :class:`SignalAnalyzer` whose English messages are also read by an encoder and
    its embedding head (same inputs and outputs as the analyzer)."""

    def __init__(self, base: SignalAnalyzer, head: EmbeddingHead, encoder: SentenceEncoder) -> None:
        if head.encoder != encoder.name:
            raise ModelFileError(
                f"{head.path}: a head for encoder {head.encoder!r}, not {encoder.name!r}"
            )
        self.base = base
        self.head = head
        self.encoder = encoder
        self.name = encoder.name

    def _english(self, texts: list[str], languages: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """Indices of the English messages and their head logits."""
        rows = np.flatnonzero([lang == ENCODER_LANGUAGE for lang in languages])
        if not len(rows):
            return rows, np.zeros((0, len(self.head.heads)))
        vectors = self.encoder.encode([texts[i] for i in rows.tolist()])
        return rows, self.head.logits(vectors)

    def blended_raw(
        self, texts: list[str], languages: list[str | None] | None = None
    ) -> tuple[list[str], np.ndarray, np.ndarray, Batch, np.ndarray]:
        """The linear model's raw scores with the English rows' blended in: languages,
        sentiment logits ``(n, 3)``, rolled-up head scores (all heads), the batch, and
        a mask of the blended rows."""
        langs, message, rolled, batch = self.base.raw_scores(texts, languages)
        logits = self.base.sentiment_logits(langs, message)
        rolled = rolled.astype(np.float64)
        rows, z = self._english(texts, langs)
        blended = np.zeros(len(texts), dtype=bool)
        blended[rows] = True
        if len(rows):
            sentiment = [self.head.index[h] for h in SENTIMENT_HEADS]
            logits[rows] = blend(logits[rows], z[:, sentiment], self.head.blend["sentiment"])
            for name, j in self.head.index.items():
                if name in self.base.head_index and name not in SENTIMENT_HEADS:
                    col = self.base.head_index[name]
                    rolled[rows, col] = blend(rolled[rows, col], z[:, j], self.head.blend[name])
        return langs, logits, rolled, batch, blended

    def head_probabilities(
        self, texts: list[str], languages: list[str | None] | None, head: str
    ) -> np.ndarray:
        """Calibrated probability of one binary head (see :class:`SignalAnalyzer`)."""
        _, _, rolled, _, blended = self.blended_raw(texts, languages)
        raw = rolled[:, self.base.head_index[head]]
        out = self.base.calibrate(head, raw)
        if head in self.head.index:
            out[blended] = self.head.calibrate(head, raw[blended])
        return out

    def _probabilities(
        self, langs: list[str], rolled: np.ndarray, blended: np.ndarray
    ) -> np.ndarray:
        probs = self.base.signal_probabilities(langs, rolled)
        for k, signal in enumerate(SIGNALS):
            if signal in self.head.index and blended.any():
                raw = rolled[blended, self.base.signal_cols[k]]
                probs[blended, k] = self.head.calibrate(signal, raw)
        return probs

    def analyze(
        self,
        texts: list[str],
        languages: list[str | None] | None = None,
        residual: Residual | None = None,
    ) -> SignalBatch:
        """Analyse a batch of messages; English ones with the blend (and a workspace
        ``residual`` on top, as :meth:`SignalAnalyzer.analyze`)."""
        langs, logits, rolled, batch, blended = self.blended_raw(texts, languages)
        probs = self._probabilities(langs, rolled, blended)
        return self.base.with_residual(langs, logits, probs, batch, residual)

    def adaptation_inputs(
        self, texts: list[str], languages: list[str | None] | None = None
    ) -> Inputs:
        """What a workspace residual is fitted on: the blended logits and probabilities,
        the linear model's features."""
        langs, logits, rolled, batch, blended = self.blended_raw(texts, languages)
        return Inputs(
            languages=langs,
            probs=self._probabilities(langs, rolled, blended).astype(np.float64),
            sentiment_logits=logits,
            features=message_features(batch, self.base.space),
            names=self.base.space.names,
        )


@cache
def blended_analyzer(encoder: str) -> BlendedAnalyzer:
    """The shipped model blended with ``encoder``'s shipped head, loaded once per process
    (the encoder itself loads on the first English message)."""
    enc = load_encoder(encoder)
    enc.check()
    return BlendedAnalyzer(default_analyzer(), EmbeddingHead(head_path(encoder)), enc)


def model_version(encoder: str | None) -> str:
    """The identity of the weights in use: ``signals-<digest>`` for the linear model, and
    ``signals-<digest of both files>+<encoder>`` with an encoder (kept short: the stored
    version also carries the stage and the adaptation's digest in 64 characters).

    The lexicon files count as weights: a new opinion word or idiom changes scores as
    surely as new weights do, so stored signals are computed again."""
    h = hashlib.sha256(default_model_path().read_bytes())
    for path in sorted(lexicon_dir().glob("*.tsv")):
        h.update(path.name.encode())
        h.update(path.read_bytes())
    if not encoder:
        return f"signals-{h.hexdigest()[:16]}"
    load_encoder(encoder)  # an unknown name fails here, before anything is scored
    h.update(head_path(encoder).read_bytes())
    return f"signals-{h.hexdigest()[:10]}+{encoder}"
