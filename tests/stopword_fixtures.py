"""The espeak-ng stop-phrase fixtures (``tests/fixtures/stopwords``) for the tests that use them."""

from __future__ import annotations

import json
import wave
from pathlib import Path
from typing import Any

import numpy as np

from streamlit_rtc import StopPhrase

FIXTURES = Path(__file__).parent / "fixtures" / "stopwords"
MANIFEST: list[dict[str, Any]] = json.loads((FIXTURES / "manifest.json").read_text())
RATE = 16000
NOISE_FLOOR = 16  # int16 RMS (~ -66 dBFS), as in make_stopword_fixtures.py


def load(name: str) -> np.ndarray:
    """A fixture's samples: 16 kHz mono int16."""
    with wave.open(str(FIXTURES / name), "rb") as w:
        assert w.getframerate() == RATE and w.getnchannels() == 1, name
        return np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16)


def phrases() -> list[StopPhrase]:
    """The three phrases the fixtures say."""
    return [
        StopPhrase("computer"),
        StopPhrase("ok computer", alternatives=("okay computer",)),
        StopPhrase("hello iris"),
    ]


def floor(seconds: float, seed: int = 0) -> np.ndarray:
    """The fixtures' faint noise floor (no microphone delivers digital silence)."""
    rng = np.random.default_rng(seed)
    return (rng.standard_normal(int(seconds * RATE)) * NOISE_FLOOR).astype(np.int16)
