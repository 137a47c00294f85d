"""Video over a real loopback: PacedVideoSourceTrack -> VP8 -> VideoSink."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import numpy as np
import pytest
from rtc_helpers import measure_on_time, wait_until

from streamlit_rtc.rtc import PacedVideoSourceTrack, VideoSink
from streamlit_rtc.testing import LoopbackPeers

pytestmark = pytest.mark.rtc

W, H, FPS = 320, 240, 15


def _solid(rgb: tuple[int, int, int]) -> np.ndarray:
    frame = np.empty((H, W, 3), np.uint8)
    frame[:] = rgb
    return frame


def test_video_both_ways(arun) -> None:
    red = _solid((220, 30, 30))
    blue = _solid((30, 30, 220))
    pulls = {"client": 0}
    at_server: list[tuple[float, np.ndarray]] = []
    at_client: list[tuple[float, np.ndarray]] = []

    def client_next() -> np.ndarray | None:
        pulls["client"] += 1
        return red if pulls["client"] % 3 else None  # every third frame: repeat

    async def scenario() -> None:
        camera = PacedVideoSourceTrack(client_next, fps=FPS, width=W, height=H)
        output = PacedVideoSourceTrack(lambda: blue, fps=FPS, width=W, height=H)
        server_sink = VideoSink(lambda rgb, pts: at_server.append((time.monotonic(), rgb)))
        client_sink = VideoSink(lambda rgb, pts: at_client.append((time.monotonic(), rgb)))

        def attach(sink: VideoSink) -> Any:
            def on_track(track: Any) -> None:
                if track.kind == "video":
                    sink.addTrack(track)
                    sink.start()

            return on_track

        peers = LoopbackPeers()
        try:
            await peers.connect(
                client_tracks=[camera],
                server_tracks=[output],
                on_server_track=attach(server_sink),
                on_client_track=attach(client_sink),
            )
            await wait_until(lambda: len(at_server) >= 5 and len(at_client) >= 5)
            for frames, colour in ((at_server, red), (at_client, blue)):
                last = frames[-1][1]
                assert last.shape == (H, W, 3) and last.dtype == np.uint8
                mean = last.reshape(-1, 3).mean(axis=0)
                assert np.abs(mean - colour[0, 0]).max() < 25, mean

            async def received_in_one_second() -> tuple[int, int]:
                start = time.monotonic()
                await asyncio.sleep(1.2)
                counts = [
                    sum(start + 0.1 <= t < start + 1.1 for t, _ in f)
                    for f in (at_server, at_client)
                ]
                return counts[0], counts[1]

            for count in await measure_on_time(received_in_one_second, paced=[camera, output]):
                assert 0.75 * FPS <= count <= 1.25 * FPS, count
            assert camera.stats.underruns > 0 and camera.stats.invalid == 0
        finally:
            camera.stop()
            output.stop()
            await peers.close()
            await server_sink.aclose()
            await client_sink.aclose()

    arun(scenario)


def test_black_before_first_frame_and_bad_frames_repeat_last(arun) -> None:
    frames: list[Any] = [None, None, np.zeros((5, 5), np.uint8), _solid((0, 200, 0))]

    def next_frame() -> Any:
        return frames.pop(0) if frames else np.zeros((H, W), np.float32)

    async def scenario() -> None:
        track = PacedVideoSourceTrack(next_frame, fps=50, width=W, height=H)
        got = [await track.recv() for _ in range(6)]
        track.stop()
        means = [f.to_ndarray(format="rgb24").reshape(-1, 3).mean(axis=0) for f in got]
        assert np.allclose(means[0], 0, atol=2) and np.allclose(means[2], 0, atol=2)
        assert np.allclose(means[3], (0, 200, 0), atol=3)
        assert np.allclose(means[5], (0, 200, 0), atol=3)  # invalid -> repeat last
        assert [f.pts for f in got] == [round(i * 90000 / 50) for i in range(6)]
        assert track.stats.underruns == 2 and track.stats.invalid == 3

    arun(scenario)


@pytest.mark.parametrize("kwargs", [{"fps": 0}, {"fps": 1000}, {"width": 0}, {"height": -1}])
def test_video_constructor_validates(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        PacedVideoSourceTrack(lambda: None, **kwargs)
