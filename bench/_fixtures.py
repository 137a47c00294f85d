"""Loading the committed speech fixtures for benchmarks."""

from __future__ import annotations

import json
import wave
from pathlib import Path
from typing import Any

import numpy as np

SPEECH = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "speech"


def load(name: str) -> tuple[int, np.ndarray]:
    with wave.open(str(SPEECH / name)) as w:
        return w.getframerate(), np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16)


def manifest() -> dict[str, Any]:
    fixtures: dict[str, Any] = json.loads((SPEECH / "manifest.json").read_text())["fixtures"]
    return fixtures
