"""Conversions between PyAV frames and the numpy arrays the core exchanges.

Kept free of asyncio so they can be unit-tested and benchmarked alone. The
audio contract with the core is int16, and for input *interleaved*
``(1, samples * channels)`` (what browsers deliver, passed through without a
copy of the layout), for output *planar* ``(channels, samples)``.
"""

from __future__ import annotations

import fractions

import av
import numpy as np

#: Names of the channel layouts an output track can use (opus accepts both).
LAYOUT_BY_CHANNELS: dict[int, str] = {1: "mono", 2: "stereo"}

_INT16_MAX = 32767.0


def audio_frame_to_int16_interleaved(frame: av.AudioFrame) -> np.ndarray:
    """Return the frame's samples as int16, interleaved, shape ``(1, n * ch)``.

    s16 packed (the browser format) is returned as ``to_ndarray()`` gives it.
    Planar formats are interleaved; float, s32, s64 and u8 are scaled to
    int16 (float is clipped to [-1, 1] first).
    """
    fmt = frame.format
    channels = frame.layout.nb_channels  # (len(layout.channels) is ~30x slower)
    if fmt.name == "s16":  # the browser's format: one plane, read without to_ndarray's vstack
        count = frame.samples * channels
        return np.frombuffer(frame.planes[0], np.int16, count).reshape(1, count).copy()
    data = frame.to_ndarray()
    if fmt.is_planar and channels > 1:
        # (channels, n) -> (n, channels) -> (1, n * channels)
        data = np.ascontiguousarray(data.T)
    data = data.reshape(1, -1)
    if data.dtype == np.int16:
        return data
    if data.dtype.kind == "f":
        scaled = np.clip(data, -1.0, 1.0) * _INT16_MAX
        return np.rint(scaled).astype(np.int16)
    if data.dtype == np.int32:
        return (data >> 16).astype(np.int16)
    if data.dtype == np.int64:
        return (data >> 48).astype(np.int16)
    if data.dtype == np.uint8:
        return ((data.astype(np.int16) - 128) << 8).astype(np.int16)
    raise ValueError(f"unsupported audio sample format {fmt.name!r}")


def planar_int16_to_audio_frame(
    planar: np.ndarray,
    *,
    sample_rate: int,
    pts: int,
    time_base: fractions.Fraction | None = None,
) -> av.AudioFrame:
    """Build an s16 packed frame from int16 ``(channels, samples)`` planar data.

    ``sample_rate``, ``pts`` and ``time_base`` are set explicitly: av 18's
    ``from_ndarray`` leaves ``sample_rate`` at 0 and aiortc's encoder then
    raises, which kills the RTP sender for good. ``time_base`` defaults to
    ``1 / sample_rate``; pass it to avoid building a Fraction per frame.
    """
    channels = planar.shape[0]
    layout = LAYOUT_BY_CHANNELS[channels]
    # s16 packed is (1, n * channels) interleaved; mono needs no transpose.
    packed = planar if channels == 1 else np.ascontiguousarray(planar.T).reshape(1, -1)
    frame = av.AudioFrame.from_ndarray(packed, format="s16", layout=layout)
    frame.sample_rate = sample_rate
    frame.pts = pts
    frame.time_base = time_base or fractions.Fraction(1, sample_rate)
    return frame


def rgb_to_video_frame(
    rgb: np.ndarray, *, pts: int, time_base: fractions.Fraction
) -> av.VideoFrame:
    """Build an rgb24 video frame from a ``(H, W, 3)`` uint8 array.

    Copies straight into the frame's plane: av 18's
    ``VideoFrame.from_ndarray`` takes ~18 ms for 1280x720 rgb24 (~0.7 ms
    this way), which would stall the shared event loop at every frame.
    """
    height, width = rgb.shape[:2]
    frame = av.VideoFrame(width, height, "rgb24")
    plane = frame.planes[0]
    if plane.line_size == width * 3:
        plane.update(np.ascontiguousarray(rgb))
    else:  # rows are padded to the plane's alignment
        rows = np.frombuffer(plane, np.uint8).reshape(height, plane.line_size)
        rows[:, : width * 3] = rgb.reshape(height, width * 3)
    frame.pts = pts
    frame.time_base = time_base
    return frame


def video_frame_to_rgb(frame: av.VideoFrame) -> np.ndarray:
    """Return the frame as a ``(H, W, 3)`` uint8 RGB array."""
    return frame.to_ndarray(format="rgb24")
