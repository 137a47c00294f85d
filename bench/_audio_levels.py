"""The browser-like audio frame and the loudness marks the aiortc benchmarks agree on.

``bench/e2e_latency.py`` (through ``_rtc_bench``) and ``bench/capacity.py`` judge
"reply audio heard" and "speech onset" by these same numbers.
"""

from __future__ import annotations

import numpy as np

RATE = 48000
FRAME = 960  # 20 ms browser frames
#: A received frame louder than this (RMS of [-1, 1] samples, -40 dBFS) is audio.
#: The reply track sends digital silence when idle, so this only has to beat opus noise.
LOUD_RMS = 0.01
#: Speech onsets are matched across the network above -26 dBFS (above the
#: -36.5 dBFS pink noise of ``noisy_speech.wav``).
ONSET_RMS = 0.05


def loud_onset(samples: np.ndarray, start: int, end: int) -> int:
    """First frame-aligned (from ``start``) 20 ms block in [start, end) louder than ONSET_RMS."""
    for i in range(start, end, FRAME):
        block = samples[i : i + FRAME].astype(np.float64) / 32768.0
        if np.sqrt(np.mean(block**2)) > ONSET_RMS:
            return i
    return start
