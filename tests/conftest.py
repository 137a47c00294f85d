"""Shared test helpers: speech fixtures and their ground truth, the speech models."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from streamlit_rtc.audio.speech import STTModel, TTSModel, get_stt_model, get_tts_model
from streamlit_rtc.testing import read_wav
from streamlit_rtc.testing.ice import restrict_ice_to_loopback

# Every WebRTC peer in the test process talks over 127.0.0.1 only.
restrict_ice_to_loopback()

FIXTURES = Path(__file__).parent / "fixtures"
SPEECH = FIXTURES / "speech"


@pytest.fixture(scope="session")
def speech_manifest() -> dict[str, Any]:
    return json.loads((SPEECH / "manifest.json").read_text())["fixtures"]


@pytest.fixture(scope="session")
def speech() -> Any:
    def get(name: str) -> tuple[int, np.ndarray]:
        """A speech fixture (mono) as ``(rate, int16 (N,))``."""
        rate, samples = read_wav(SPEECH / name)
        assert samples.shape[1] == 1, name
        return rate, samples[:, 0]

    return get


@pytest.fixture(scope="module")
def stt() -> STTModel:
    """Whisper tiny.en (the ``stt`` extra)."""
    return get_stt_model()


@pytest.fixture(scope="module")
def tts() -> TTSModel[Any]:
    """piper's voice (the ``tts`` extra)."""
    return get_tts_model()
