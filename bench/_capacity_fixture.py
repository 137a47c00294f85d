"""The microphone of ``bench/capacity.py``: ``three_turns.wav`` looped, and its utterances.

Every client session plays the fixture in a loop from its own offset;
:class:`LoopedMic` records when each 20 ms frame was sent, so the measuring side
can tell when any sample of any loop pass left the client.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from bench._audio_levels import FRAME, LOUD_RMS, RATE, loud_onset

FIXTURE = (
    Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "browser" / "three_turns.wav"
)
FRAME_S = FRAME / RATE


def load_fixture() -> tuple[np.ndarray, list[tuple[int, int, int]]]:
    """The looped microphone signal (48 kHz mono int16) and its utterances.

    Utterances are ``(start, onset, end)`` sample indexes: first and last
    sample of 10 ms blocks above -40 dBFS (joined across gaps < 0.3 s), and
    the first 20 ms frame (from ``start``) louder than ``ONSET_RMS``.
    """
    from streamlit_rtc.testing import read_wav

    _, samples = read_wav(FIXTURE, sample_rate=RATE, mono=True)
    samples = np.asarray(samples, np.int16).reshape(-1)
    block = RATE // 100
    n = samples.size // block
    x = samples[: n * block].astype(np.float64).reshape(n, block) / 32768.0
    loud = np.flatnonzero(np.sqrt(np.mean(x * x, axis=1)) > LOUD_RMS)
    spans: list[list[int]] = []
    for b in loud:
        if spans and b - spans[-1][1] <= 30:
            spans[-1][1] = int(b)
        else:
            spans.append([int(b), int(b)])
    utterances = []
    for first, last in spans:
        start, end = first * block, (last + 1) * block - 1
        utterances.append((start, loud_onset(samples, start, end), end))
    return samples, utterances


class LoopedMic:
    """``next_frame`` over the looped fixture (stereo), recording when each frame was pulled."""

    def __init__(self, samples: np.ndarray, offset: int) -> None:
        stereo = np.repeat(samples[None, :], 2, axis=0)
        self.planar = np.concatenate([stereo, stereo[:, :FRAME]], axis=1)  # wrap-around slack
        self.size = samples.size
        self.offset = offset
        self.times: list[float] = []

    def next_frame(self) -> np.ndarray:
        k = len(self.times)
        self.times.append(time.monotonic())
        pos = (self.offset + k * FRAME) % self.size
        if pos + FRAME <= self.size:
            return self.planar[:, pos : pos + FRAME]
        head = self.planar[:, pos : self.size]
        return np.concatenate([head, self.planar[:, : FRAME - head.shape[1]]], axis=1)

    def send_time(self, loop_index: int, sample: int) -> float | None:
        """Wall time the mic captured ``sample`` of loop pass ``loop_index``; None: not yet."""
        g = loop_index * self.size + sample - self.offset  # index in the stream sent
        if g < 0:
            return None
        k = g // FRAME
        if k >= len(self.times):
            return None
        return self.times[k] + (g - (k + 1) * FRAME) / RATE

    @classmethod
    def replay(cls, size: int, offset: int, times: list[float]) -> LoopedMic:
        """The mic of a client's report (its pull ``times``), for :meth:`send_time` only."""
        mic = cls.__new__(cls)
        mic.size, mic.offset, mic.times = size, offset, times
        return mic
