"""The output track paces itself: ~50 frames/s whatever the producer does.

Rates are measured only over windows in which the event loop itself woke
up on time (see ``measure_on_time``); content checks wait for enough audio.
"""

from __future__ import annotations

import asyncio
import time

import numpy as np
import pytest
from rtc_helpers import ToneFrames, discard, measure_on_time, rms, wait_until

from streamlit_rtc.testing import AudioLoopback, dominant_frequency

pytestmark = pytest.mark.rtc

WINDOW_S = 2.0


async def _received_rate(lb: AudioLoopback, tone: ToneFrames | None = None) -> tuple[int, int]:
    """Frames received by the client, and pulled by the track, in WINDOW_S."""
    start = time.monotonic()
    pulled0 = tone.pulled if tone else 0
    await asyncio.sleep(WINDOW_S)
    pulled = (tone.pulled if tone else 0) - pulled0
    await asyncio.sleep(0.15)  # let frames in flight (jitter buffer) arrive
    return lb.received.count_between(start + 0.15, start + 0.15 + WINDOW_S), pulled


def test_always_ready_producer_is_paced_not_burst(arun) -> None:
    tone = ToneFrames()

    async def scenario() -> None:
        async with AudioLoopback(on_frame=discard, next_frame=tone.next_frame) as lb:
            await wait_until(lambda: len(lb.received.frames) >= 5)
            received, pulled = await measure_on_time(
                lambda: _received_rate(lb, tone), paced=[lb.output]
            )
            assert 85 <= received <= 115, received  # 50 frames/s over 2 s, +-15%
            assert 85 <= pulled <= 115, pulled
            assert lb.output.stats.underruns == 0

    arun(scenario)


def test_underrun_sends_silence_at_pace(arun) -> None:
    async def scenario() -> None:
        async with AudioLoopback(on_frame=discard, next_frame=lambda: None) as lb:
            await wait_until(lambda: len(lb.received.frames) >= 5)
            received, _ = await measure_on_time(lambda: _received_rate(lb), paced=[lb.output])
            assert 85 <= received <= 115, received  # 50 frames/s over 2 s, +-15%
            assert np.abs(lb.received.pcm()).max() < 50
            assert lb.output.stats.underruns == lb.output.stats.frames

    arun(scenario)


def test_audio_resumes_after_underrun(arun) -> None:
    tone = ToneFrames(880)
    ready = False

    def next_frame() -> np.ndarray | None:
        return tone.next_frame() if ready else None

    async def scenario() -> None:
        nonlocal ready
        async with AudioLoopback(on_frame=discard, next_frame=next_frame) as lb:
            await asyncio.sleep(0.5)
            ready = True
            resumed = time.monotonic()
            await wait_until(lambda: len(lb.received.pcm(since_s=resumed + 0.3)) >= 48000)
            pcm = lb.received.pcm(since_s=resumed + 0.3)
            assert rms(pcm) > 3000
            assert abs(dominant_frequency(pcm[:, 0], 48000) - 880) < 5

    arun(scenario)


def test_event_loop_stall_resyncs_instead_of_bursting(arun) -> None:
    tone = ToneFrames()

    async def scenario() -> None:
        async with AudioLoopback(on_frame=discard, next_frame=tone.next_frame) as lb:
            await wait_until(lambda: len(lb.received.frames) >= 5)
            pulled_before = tone.pulled
            time.sleep(0.5)  # deliberately block the loop, like a bad callback would
            await asyncio.sleep(0.2)
            # Catching up would pull 35 frames in these 0.7 s; after a resync it is
            # about 10 plus at most max_lag_s (0.2 s = 10 frames) of catch-up.
            assert tone.pulled - pulled_before <= 24, tone.pulled - pulled_before
            assert lb.output.stats.resyncs >= 1
            received, pulled = await measure_on_time(
                lambda: _received_rate(lb, tone), paced=[lb.output]
            )
            assert 85 <= received <= 115 and 85 <= pulled <= 115, (received, pulled)

    arun(scenario)
