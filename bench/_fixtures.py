"""Loading the committed speech fixtures for benchmarks."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from streamlit_rtc.testing import read_wav

SPEECH = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "speech"


def load(name: str) -> tuple[int, np.ndarray]:
    """A speech fixture as ``(rate, int16 (N,))``."""
    return read_wav(SPEECH / name, mono=True)


def manifest() -> dict[str, Any]:
    fixtures: dict[str, Any] = json.loads((SPEECH / "manifest.json").read_text())["fixtures"]
    return fixtures
