"""MicrophoneSink over a real loopback: ending, stopping, failing callbacks."""

from __future__ import annotations

import asyncio
import logging
import threading
from typing import Any

import numpy as np
import pytest
from rtc_helpers import measure_on_time, wait_until

from streamlit_rtc.rtc import END_STOPPED, END_TRACK_ENDED
from streamlit_rtc.testing import AudioLoopback, sine

pytestmark = pytest.mark.rtc


class Ended:
    """Counts on_ended calls and the thread they ran on."""

    def __init__(self) -> None:
        self.calls = 0
        self.threads: list[int] = []

    def __call__(self) -> None:
        self.calls += 1
        self.threads.append(threading.get_ident())


def test_stopping_the_remote_track_ends_the_sink(arun) -> None:
    ended = Ended()
    received: list[np.ndarray] = []

    async def scenario() -> None:
        async with AudioLoopback(
            on_frame=lambda s, *_: received.append(s),
            next_frame=lambda: None,
            on_mic_ended=ended,
        ) as lb:
            await wait_until(lambda: len(received) >= 5)
            remote = lb.sink.track
            assert remote is not None
            remote.stop()
            await lb.sink.wait_ended(timeout=2.0)
            assert lb.sink.end_reason == END_TRACK_ENDED
            assert ended.calls == 1
            assert ended.threads == [threading.get_ident()]  # on the loop thread
        assert ended.calls == 1  # closing does not report it twice

    arun(scenario)


def test_peer_closing_ends_the_sink(arun) -> None:
    ended = Ended()

    async def scenario() -> None:
        async with AudioLoopback(
            on_frame=lambda *_: None, next_frame=lambda: None, on_mic_ended=ended
        ) as lb:
            await wait_until(lambda: lb.sink.stats.frames >= 5)
            await lb.peers.client.close()
            await lb.sink.wait_ended(timeout=3.0)
            assert lb.sink.end_reason == END_TRACK_ENDED
            assert ended.calls == 1

    arun(scenario)


def test_failing_on_frame_does_not_stop_consumption(arun, caplog) -> None:
    def on_frame(samples: np.ndarray, rate: int, layout: str, pts_s: float) -> None:
        raise ValueError("consumer bug")

    async def scenario() -> None:
        async with AudioLoopback(
            on_frame=on_frame, next_frame=lambda: None, mic_samples=sine(300, 1)
        ) as lb:
            await wait_until(lambda: lb.sink.stats.frames >= 5)

            async def frames_in_one_second() -> int:
                before = lb.sink.stats.frames
                await asyncio.sleep(1.0)
                return lb.sink.stats.frames - before

            drained = await measure_on_time(frames_in_one_second, paced=[lb.mic])
            assert 45 <= drained <= 55, drained  # still draining at the microphone's pace
            assert lb.sink.stats.callback_errors == lb.sink.stats.frames
            assert lb.sink.running

    with caplog.at_level(logging.ERROR, logger="streamlit_rtc.rtc"):
        arun(scenario)
    errors = [r for r in caplog.records if r.name == "streamlit_rtc.rtc.consumer"]
    assert len(errors) == 1  # rate-limited, with the traceback of the first
    assert errors[0].exc_info is not None


def test_stop_from_another_thread(arun) -> None:
    ended = Ended()

    async def scenario() -> None:
        async with AudioLoopback(
            on_frame=lambda *_: None, next_frame=lambda: None, on_mic_ended=ended
        ) as lb:
            await wait_until(lambda: lb.sink.stats.frames >= 3)
            loop_thread = threading.get_ident()
            stopper = threading.Thread(target=lb.sink.stop)
            stopper.start()
            stopper.join()
            await lb.sink.wait_ended(timeout=2.0)
            assert lb.sink.end_reason == END_STOPPED
            assert ended.threads == [loop_thread]
            # The remote track is not stopped by the sink; it belongs to the peer.
            assert lb.sink.track is not None and lb.sink.track.readyState == "live"

    arun(scenario)


def test_pts_and_format_passed_through(arun) -> None:
    seen: list[tuple[Any, ...]] = []

    def on_frame(samples: np.ndarray, rate: int, layout: str, pts_s: float) -> None:
        seen.append((samples.shape, str(samples.dtype), rate, layout, pts_s))

    async def scenario() -> None:
        async with AudioLoopback(on_frame=on_frame, next_frame=lambda: None) as lb:
            await wait_until(lambda: len(seen) >= 20)
            assert lb.sink.running

    arun(scenario)
    assert {s[:4] for s in seen} == {((1, 1920), "int16", 48000, "stereo")}
    steps = np.diff([s[4] for s in seen[:20]])
    assert np.allclose(steps, 0.02, atol=1e-6)
