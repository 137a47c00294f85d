"""The espeak-ng stop-phrase fixtures (``tests/fixtures/stopwords``) for the tests that use them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from streamlit_rtc import StopPhrase
from streamlit_rtc.testing import read_wav

FIXTURES = Path(__file__).parent / "fixtures" / "stopwords"
MANIFEST: list[dict[str, Any]] = json.loads((FIXTURES / "manifest.json").read_text())
RATE = 16000
NOISE_FLOOR = 16  # int16 RMS (~ -66 dBFS), as in make_stopword_fixtures.py


def load(name: str) -> np.ndarray:
    """A fixture's samples: 16 kHz mono int16."""
    rate, samples = read_wav(FIXTURES / name)
    assert rate == RATE and samples.shape[1] == 1, name
    return samples[:, 0]


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
