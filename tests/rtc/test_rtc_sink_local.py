"""MicrophoneSink on local tracks (no network): formats, start/stop edge cases."""

from __future__ import annotations

import asyncio
import fractions

import av
import numpy as np
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

from streamlit_rtc.rtc import END_STOPPED, END_TRACK_ENDED, MicrophoneSink, PacedAudioSourceTrack


class FramesTrack(MediaStreamTrack):
    """Plays a fixed list of frames, then ends (like a remote track that hangs up)."""

    kind = "audio"

    def __init__(self, frames: list[av.AudioFrame]) -> None:
        super().__init__()
        self._frames = list(frames)

    async def recv(self) -> av.AudioFrame:
        await asyncio.sleep(0)
        if not self._frames:
            self.stop()
            raise MediaStreamError
        return self._frames.pop(0)


def _fltp_stereo(n: int, pts: int) -> av.AudioFrame:
    planar = np.stack([np.full(n, 0.5, np.float32), np.full(n, -0.25, np.float32)])
    frame = av.AudioFrame.from_ndarray(planar, format="fltp", layout="stereo")
    frame.sample_rate = 16000
    frame.pts = pts
    frame.time_base = fractions.Fraction(1, 16000)
    return frame


def test_planar_float_input_is_delivered_as_int16_interleaved(arun) -> None:
    got: list[tuple[np.ndarray, int, str, float]] = []
    ended: list[str | None] = []

    async def scenario() -> None:
        track = FramesTrack([_fltp_stereo(320, 0), _fltp_stereo(320, 320)])
        sink = MicrophoneSink(
            lambda *args: got.append(args), on_ended=lambda: ended.append(sink.end_reason)
        )
        sink.addTrack(track)
        sink.start()
        await sink.wait_ended(timeout=2)

    arun(scenario)
    assert len(got) == 2 and ended == [END_TRACK_ENDED]
    samples, rate, layout, pts_s = got[1]
    assert (samples.dtype, samples.shape, rate, layout, pts_s) == (
        np.int16,
        (1, 640),
        16000,
        "stereo",
        0.02,
    )
    np.testing.assert_allclose(samples[0, :4], [16384, -8192, 16384, -8192], atol=1)


def test_stop_right_after_start_still_reports_ended(arun) -> None:
    ended: list[str | None] = []

    async def scenario() -> None:
        source = PacedAudioSourceTrack(lambda: None)
        sink = MicrophoneSink(
            lambda *_: None, track=source, on_ended=lambda: ended.append(sink.end_reason)
        )
        sink.start()
        sink.stop()  # before the task ever ran
        await sink.aclose()
        assert not sink.running
        source.stop()

    arun(scenario)
    assert ended == [END_STOPPED]


def test_sink_can_be_reused_for_a_new_track(arun) -> None:
    frames: list[float] = []

    async def scenario() -> None:
        sink = MicrophoneSink(lambda s, r, lay, pts: frames.append(pts))
        for _ in range(2):
            sink.addTrack(FramesTrack([_fltp_stereo(160, 0)]))
            sink.start()
            await sink.wait_ended(timeout=2)
            assert sink.end_reason == END_TRACK_ENDED

    arun(scenario)
    assert frames == [0.0, 0.0]
