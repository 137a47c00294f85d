"""Everything a loopback session starts is gone after it closes."""

from __future__ import annotations

import asyncio
import threading

import numpy as np
import pytest
from aiortc.contrib.media import MediaRelay
from rtc_helpers import EchoBuffer, wait_until

from streamlit_rtc.rtc import PacedAudioSourceTrack
from streamlit_rtc.testing import AudioLoopback, sine

pytestmark = pytest.mark.rtc


def test_close_leaves_no_tasks_threads_or_live_tracks(arun) -> None:
    threads_before = threading.active_count()
    echo = EchoBuffer()

    async def scenario() -> AudioLoopback:
        baseline_tasks = asyncio.all_tasks()
        lb = AudioLoopback(
            on_frame=echo.on_frame, next_frame=echo.next_frame, mic_samples=sine(440, 1)
        )
        async with lb:
            await wait_until(lambda: len(lb.received.frames) >= 10)
            assert threading.active_count() > threads_before  # decoder threads etc.
        await asyncio.sleep(0)
        leftover = [t for t in asyncio.all_tasks() - baseline_tasks if not t.done()]
        assert not leftover, leftover
        assert lb.mic.readyState == "ended"
        assert lb.output.readyState == "ended"
        assert not lb.sink.running and not lb.received.sink.running
        assert lb.peers.client.connectionState == "closed"
        assert lb.peers.server.connectionState == "closed"
        return lb

    arun(scenario)  # the fixture also checks tasks and the thread count
    assert threading.active_count() == threads_before


def test_repeated_sessions_do_not_accumulate(arun) -> None:
    threads_before = threading.active_count()

    async def scenario() -> None:
        for _ in range(3):
            async with AudioLoopback(on_frame=lambda *_: None, next_frame=lambda: None) as lb:
                await wait_until(lambda lb=lb: len(lb.received.frames) >= 3)

    arun(scenario)
    assert threading.active_count() == threads_before


def test_echo_through_media_relay_like_streamlit_webrtc(arun) -> None:
    echo = EchoBuffer()

    async def scenario() -> None:
        lb = AudioLoopback(
            on_frame=echo.on_frame,
            next_frame=echo.next_frame,
            mic_samples=sine(440, 3),
            via_relay=True,
        )
        async with lb:
            await wait_until(lambda: len(lb.received.pcm(since_s=lb.connected_at or 0)) >= 24000)
            assert np.abs(lb.received.pcm()).max() > 5000

    arun(scenario)  # the relay's reader task must be gone too


def test_media_relay_keeps_pulling_until_the_source_track_stops(arun) -> None:
    """Why whoever creates an output track must stop it (streamlit-webrtc won't)."""
    pulls = [0]

    def next_frame() -> None:
        pulls[0] += 1

    async def scenario() -> None:
        relay = MediaRelay()
        track = PacedAudioSourceTrack(next_frame)
        proxy = relay.subscribe(track)
        await proxy.recv()
        proxy.stop()  # what closing the peer connection does to the proxy
        before = pulls[0]
        await asyncio.sleep(0.2)
        assert pulls[0] - before >= 5  # still pulled: next_frame data goes nowhere
        track.stop()
        await asyncio.sleep(0.05)
        settled = pulls[0]
        await asyncio.sleep(0.1)
        assert pulls[0] == settled

    arun(scenario)


def test_output_track_stop_from_another_thread_ends_the_sender(arun) -> None:
    ended: list[bool] = []

    async def scenario() -> None:
        async with AudioLoopback(on_frame=lambda *_: None, next_frame=lambda: None) as lb:
            lb.output.on("ended", lambda: ended.append(True))
            await wait_until(lambda: len(lb.received.frames) >= 3)
            stopper = threading.Thread(target=lb.output.stop)
            stopper.start()
            stopper.join()
            await wait_until(lambda: lb.output.readyState == "ended")
            assert ended == [True]
            count = len(lb.received.frames)
            await asyncio.sleep(0.3)
            assert len(lb.received.frames) <= count + 3  # the sender stopped pulling

    arun(scenario)
