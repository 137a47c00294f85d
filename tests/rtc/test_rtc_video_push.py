"""PushedVideoTrack: frames pushed from threads leave at once, newest wins, repeats when idle."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

import av
import numpy as np
import pytest

from streamlit_rtc.rtc.video_push import PushedVideoTrack

pytestmark = pytest.mark.rtc


def _solid(value: int) -> np.ndarray:
    return np.full((48, 64, 3), value, np.uint8)


def _value(frame: av.VideoFrame) -> float:
    return float(frame.to_ndarray(format="rgb24").mean())


def test_push_from_a_thread_is_sent_at_once_and_newest_wins(arun) -> None:
    async def scenario() -> None:
        track = PushedVideoTrack(width=64, height=48, repeat_after_s=1.0, max_fps=200)
        first = await track.recv()  # black, at once, anchors the clock
        assert _value(first) < 2

        timer = threading.Timer(0.1, track.push_rgb, args=(_solid(100),))
        started = time.monotonic()
        timer.start()
        frame = await track.recv()
        waited = time.monotonic() - started
        timer.join()
        assert abs(_value(frame) - 100) < 2 and 0.08 < waited < 0.3, waited

        track.push_rgb(_solid(150))
        track.push_rgb(_solid(200))  # replaces 150 before it was sent
        frame = await track.recv()
        frame_pts = frame.pts
        assert abs(_value(frame) - 200) < 2
        assert track.stats.replaced == 1

        started = time.monotonic()
        repeat = await track.recv()  # nothing new: the last frame again after 1 s
        assert abs(_value(repeat) - 200) < 2 and time.monotonic() - started >= 0.9
        assert track.stats.repeats == 2  # the first black frame and this one
        assert first.pts < frame_pts < repeat.pts  # a repeat is the same frame, later pts
        track.stop()

    arun(scenario)


def test_max_fps_spaces_frames(arun) -> None:
    async def scenario() -> list[float]:
        track = PushedVideoTrack(width=64, height=48, max_fps=20)
        sent: list[float] = []
        for i in range(6):
            track.push_rgb(_solid(10 * i))
            await track.recv()
            sent.append(time.monotonic())
        track.stop()
        return sent

    sent = arun(scenario)
    gaps = np.diff(sent)
    assert gaps.min() >= 0.045, gaps


def test_stop_from_another_thread_ends_recv(arun) -> None:
    from aiortc.mediastreams import MediaStreamError

    async def scenario() -> None:
        track = PushedVideoTrack(width=64, height=48, repeat_after_s=0.2)
        await track.recv()
        threading.Timer(0.05, track.stop).start()
        await asyncio.sleep(0.1)
        with pytest.raises(MediaStreamError):
            await track.recv()

    arun(scenario)


@pytest.mark.parametrize("kwargs", [{"repeat_after_s": 0}, {"max_fps": 0}, {"width": 0}])
def test_constructor_validates(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        PushedVideoTrack(**kwargs)
