"""The turn-end fixtures and how ReplyOnPause ends turns on them.

Complete sentences and the same sentences cut where people hesitate, in the
piper voice and espeak-ng voices (``tests/fixtures/turn_end``, made by its
``make_turn_end_fixtures.py``). Shared by the Smart Turn and words-check tests.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from streamlit_rtc import HandlerSimulator, ReplyOnPause, StatusEvent
from streamlit_rtc.testing import read_wav

FIXTURES = Path(__file__).parent / "fixtures" / "turn_end"
ENTRIES: list[dict[str, Any]] = json.loads((FIXTURES / "manifest.json").read_text())
PIPER = [e for e in ENTRIES if e["engine"] == "piper" and e.get("cut") != "separate"]
"""The neural voice's clips, without those whose first half was synthesized as a sentence."""


def audio(entry: dict[str, Any]) -> np.ndarray:
    """A fixture's samples, float32 in [-1, 1] at 16 kHz."""
    return read_wav(FIXTURES / entry["file"], mono=True)[1].astype(np.float32) / 32768


def pause_delays(entry: dict[str, Any], **handler_args: Any) -> list[float]:
    """Seconds from the end of speech to each ``pause_detected`` (negative: mid-sentence)."""
    rate, samples = read_wav(FIXTURES / entry["file"], mono=True)
    with HandlerSimulator(ReplyOnPause(lambda audio: iter(()), **handler_args)) as sim:
        sim.run(samples, rate)
    end = entry["speech_end_s"]
    return [s.status.stream_time_s - end for s in sim.events(StatusEvent.PAUSE_DETECTED)]


def cuts(entries: list[dict[str, Any]], **handler_args: Any) -> list[str]:
    """The clips whose speaker ReplyOnPause cut off before the sentence was finished."""
    return [e["file"] for e in entries if min(pause_delays(e, **handler_args)) < 0]
