"""Frame conversions and the pacer, without a network."""

from __future__ import annotations

import asyncio
import fractions

import av
import numpy as np
import pytest

from streamlit_rtc.rtc.convert import (
    audio_frame_to_int16_interleaved,
    planar_int16_to_audio_frame,
    rgb_to_video_frame,
    video_frame_to_rgb,
)
from streamlit_rtc.rtc.pacing import Pacer

LEFT = np.array([0, 1000, -1000, 32767], dtype=np.int16)
RIGHT = np.array([5, -5, 20000, -32768], dtype=np.int16)
INTERLEAVED = np.stack([LEFT, RIGHT], axis=1).reshape(1, -1)


def _frame(data: np.ndarray, fmt: str, layout: str) -> av.AudioFrame:
    frame = av.AudioFrame.from_ndarray(data, format=fmt, layout=layout)
    frame.sample_rate = 48000
    return frame


def test_s16_packed_passes_through() -> None:
    out = audio_frame_to_int16_interleaved(_frame(INTERLEAVED, "s16", "stereo"))
    assert out.dtype == np.int16 and out.shape == (1, 8)
    np.testing.assert_array_equal(out, INTERLEAVED)


def test_s16_planar_is_interleaved() -> None:
    out = audio_frame_to_int16_interleaved(_frame(np.stack([LEFT, RIGHT]), "s16p", "stereo"))
    np.testing.assert_array_equal(out, INTERLEAVED)


def test_float_planar_is_scaled_and_clipped() -> None:
    planar = np.array([[0.0, 0.5, -0.5, 2.0], [1.0, -1.0, 0.25, -3.0]], dtype=np.float32)
    out = audio_frame_to_int16_interleaved(_frame(planar, "fltp", "stereo"))
    expected = np.array([[0, 32767, 16384, -32767, -16384, 8192, 32767, -32767]], np.int16)
    np.testing.assert_allclose(out, expected, atol=1)


def test_mono_float_and_s32() -> None:
    out = audio_frame_to_int16_interleaved(
        _frame(np.array([[0.5, -0.5]], np.float32), "flt", "mono")
    )
    np.testing.assert_allclose(out, [[16384, -16384]], atol=1)
    out = audio_frame_to_int16_interleaved(
        _frame(np.array([[1 << 30, -(1 << 30)]], np.int32), "s32", "mono")
    )
    np.testing.assert_array_equal(out, [[16384, -16384]])


@pytest.mark.parametrize("channels", [1, 2])
def test_planar_to_frame_roundtrip(channels: int) -> None:
    planar = np.stack([LEFT, RIGHT])[:channels]
    frame = planar_int16_to_audio_frame(planar, sample_rate=24000, pts=480)
    assert frame.format.name == "s16" and not frame.format.is_planar
    assert frame.layout.name == ("mono" if channels == 1 else "stereo")
    assert (frame.sample_rate, frame.pts, frame.time_base) == (
        24000,
        480,
        fractions.Fraction(1, 24000),
    )
    assert frame.samples == 4
    back = audio_frame_to_int16_interleaved(frame)
    np.testing.assert_array_equal(back.reshape(-1, channels).T, planar)


def test_rgb_roundtrip() -> None:
    rgb = np.zeros((4, 6, 3), np.uint8)
    rgb[..., 0] = 200
    frame = rgb_to_video_frame(rgb, pts=3000, time_base=fractions.Fraction(1, 90000))
    assert (frame.width, frame.height, frame.pts) == (6, 4, 3000)
    np.testing.assert_array_equal(video_frame_to_rgb(frame), rgb)


def test_pacer_waits_then_resyncs_after_a_jump() -> None:
    now = [100.0]
    pacer = Pacer(0.02, max_lag_s=0.1, clock=lambda: now[0])

    async def scenario() -> list[int]:
        indexes = [await pacer.wait_next()]  # anchors at t=100.0
        assert pacer.behind_s == 0.0
        now[0] = 100.05  # frames 1 and 2 are late by < max_lag: no wait, no resync
        indexes += [await pacer.wait_next(), await pacer.wait_next()]
        assert pacer.resyncs == 0
        assert pacer.behind_s == pytest.approx(0.01)  # frame 2 was due at 100.04
        now[0] = 101.0  # frame 3 is ~0.94 s late: re-anchor so it is due now
        indexes.append(await pacer.wait_next())
        assert pacer.resyncs == 1
        assert pacer.behind_s == 0.0  # on time again after the re-anchoring
        assert pacer.skipped_s == pytest.approx(0.94)  # how long the stall was
        assert pacer.due_time(4) == pytest.approx(101.02)
        return indexes

    assert asyncio.run(scenario()) == [0, 1, 2, 3]


def test_pacers_on_the_grid_share_due_times() -> None:
    """Output tracks started at different times send in the same loop iteration."""
    now = [100.013]
    first = Pacer(0.02, clock=lambda: now[0], grid=True)
    second = Pacer(0.02, clock=lambda: now[0], grid=True)
    plain = Pacer(0.02, clock=lambda: now[0])

    async def scenario() -> None:
        assert await first.wait_next() == 0  # the first frame goes at once
        assert await plain.wait_next() == 0
        now[0] = 100.0371
        assert await second.wait_next() == 0
        assert first.due_time(1) == pytest.approx(100.02)
        assert second.due_time(1) == pytest.approx(100.04)
        assert first.due_time(2) == pytest.approx(second.due_time(1))
        assert plain.due_time(1) == pytest.approx(100.033)  # anchored at its first frame
        now[0] = 101.005  # a stall: re-anchored on the grid
        assert await first.wait_next() == 1
        assert first.resyncs == 1
        assert first.due_time(2) == pytest.approx(101.02)

    asyncio.run(scenario())


def test_pacer_validates() -> None:
    with pytest.raises(ValueError):
        Pacer(0)
    with pytest.raises(ValueError):
        Pacer(0.02, max_lag_s=-1)


@pytest.mark.parametrize(("height", "width"), [(480, 640), (720, 1280), (3, 5), (241, 321)])
def test_rgb_to_video_frame_any_size(height: int, width: int) -> None:
    rgb = np.random.default_rng(width).integers(0, 256, (height, width, 3), dtype=np.uint8)
    frame = rgb_to_video_frame(rgb[:, ::-1], pts=0, time_base=fractions.Fraction(1, 90000))
    np.testing.assert_array_equal(video_frame_to_rgb(frame), rgb[:, ::-1])
