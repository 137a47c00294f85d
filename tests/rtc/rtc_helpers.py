"""Producers/consumers used by the RTC tests (plain, non-blocking, like the core's)."""

from __future__ import annotations

import asyncio
import collections
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

import numpy as np
import pytest

from streamlit_rtc.rtc.paced_pull import PacedPullTrack
from streamlit_rtc.testing import LoopLag

T = TypeVar("T")


class EchoBuffer:
    """``on_frame`` stores microphone frames; ``next_frame`` returns them planar."""

    def __init__(self, maxlen: int = 50) -> None:
        self.frames: collections.deque[np.ndarray] = collections.deque(maxlen=maxlen)

    def on_frame(self, samples: np.ndarray, rate: int, layout: str, pts_s: float) -> None:
        channels = 1 if layout == "mono" else 2
        self.frames.append(np.ascontiguousarray(samples.reshape(-1, channels).T))

    def next_frame(self) -> np.ndarray | None:
        return self.frames.popleft() if self.frames else None


class ToneFrames:
    """``next_frame`` that always has data: a continuous sine, planar int16."""

    def __init__(
        self,
        freq_hz: float = 440.0,
        *,
        sample_rate: int = 48000,
        channels: int = 2,
        frame_size: int = 960,
        amplitude: float = 0.3,
    ) -> None:
        self.freq_hz = freq_hz
        self.sample_rate = sample_rate
        self.channels = channels
        self.frame_size = frame_size
        self.amplitude = amplitude
        self.pulled = 0
        self._n = 0

    def next_frame(self) -> np.ndarray:
        t = (self._n + np.arange(self.frame_size)) / self.sample_rate
        self._n += self.frame_size
        self.pulled += 1
        mono = np.rint(self.amplitude * 32767 * np.sin(2 * np.pi * self.freq_hz * t))
        return np.repeat(mono.astype(np.int16)[None, :], self.channels, axis=0)


def discard(samples: np.ndarray, rate: int, layout: str, pts_s: float) -> None:
    """An ``on_frame`` that drops everything."""


async def wait_until(predicate: Callable[[], bool], timeout: float = 10.0) -> None:
    """Poll ``predicate`` every 10 ms; raise TimeoutError after ``timeout``."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError("condition not reached")
        await asyncio.sleep(0.01)


def rms(pcm: np.ndarray) -> float:
    return float(np.sqrt(np.mean(pcm.astype(np.float64) ** 2))) if pcm.size else 0.0


async def measure_on_time(
    measure: Callable[[], Awaitable[T]],
    *,
    paced: Sequence[PacedPullTrack[Any]] = (),
    attempts: int = 5,
    max_lag_s: float = 0.1,
) -> T:
    """Run ``measure`` until one run was on time; return its result.

    A run is on time when the event loop woke up within ``max_lag_s`` and
    every track in ``paced`` kept its clock: no resync during the run and
    less than ``max_lag_s`` behind at its end. (A track can fall behind
    while the loop still wakes up on time: encoding and sending could not
    keep pace, e.g. another process took the CPU.) A late run is measured
    again; if every attempt was late the test fails with what was seen --
    it never passes unmeasured.
    """
    seen: list[str] = []
    for _ in range(attempts):
        resyncs_before = [track.stats.resyncs for track in paced]
        async with LoopLag() as lag:
            result = await measure()
        resyncs = sum(
            track.stats.resyncs - before
            for track, before in zip(paced, resyncs_before, strict=True)
        )
        behind_s = max((track.stats.behind_s for track in paced), default=0.0)
        if lag.max_s <= max_lag_s and resyncs == 0 and behind_s <= max_lag_s:
            return result
        seen.append(
            f"loop lag {lag.max_s * 1000:.0f} ms, {resyncs} resyncs, "
            f"{behind_s * 1000:.0f} ms behind"
        )
    pytest.fail(
        f"too loaded to measure timing in all {attempts} attempts (allowed "
        f"{max_lag_s * 1000:.0f} ms): " + "; ".join(seen)
    )
