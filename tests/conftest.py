"""Shared test helpers: speech fixtures and their ground truth."""

from __future__ import annotations

import json
import wave
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from streamlit_rtc.rtc.ice import restrict_ice_to_loopback

# Every WebRTC peer in the test process talks over 127.0.0.1 only.
restrict_ice_to_loopback()

FIXTURES = Path(__file__).parent / "fixtures"
SPEECH = FIXTURES / "speech"


def load_wav(path: Path) -> tuple[int, np.ndarray]:
    """A mono int16 WAV as ``(rate, int16 (N,))``."""
    with wave.open(str(path)) as w:
        assert w.getsampwidth() == 2 and w.getnchannels() == 1
        return w.getframerate(), np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16)


@pytest.fixture(scope="session")
def speech_manifest() -> dict[str, Any]:
    return json.loads((SPEECH / "manifest.json").read_text())["fixtures"]


@pytest.fixture(scope="session")
def speech() -> Any:
    def get(name: str) -> tuple[int, np.ndarray]:
        return load_wav(SPEECH / name)

    return get
