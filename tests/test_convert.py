"""The seed's utilities: dtype conversion, byte aggregation, queue waits."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import numpy as np
import pytest

from streamlit_rtc import (
    aggregate_bytes_to_16bit,
    async_aggregate_bytes_to_16bit,
    audio_to_float32,
    audio_to_int16,
    wait_for_item,
)


def test_float_and_int16_round_trip() -> None:
    ints = np.array([[-32768, -1, 0, 1, 32767]], dtype=np.int16)
    floats = audio_to_float32((16000, ints))
    assert floats.dtype == np.float32 and floats.shape == (1, 5)
    assert floats.min() == -1.0 and floats.max() < 1.0
    back = audio_to_int16(floats)
    assert back.dtype == np.int16
    assert np.abs(back.astype(int) - ints.astype(int)).max() <= 1


def test_int16_conversion_clips() -> None:
    assert audio_to_int16(np.array([2.0, -2.0], dtype=np.float32)).tolist() == [32767, -32767]


def test_conversions_reject_other_dtypes() -> None:
    with pytest.raises(TypeError, match="uint8"):
        audio_to_float32(np.zeros(3, dtype=np.uint8))
    with pytest.raises(TypeError, match="int32"):
        audio_to_int16(np.zeros(3, dtype=np.int32))


def test_bytes_are_aggregated_carrying_odd_bytes() -> None:
    samples = np.arange(-50, 50, dtype=np.int16)
    raw = samples.astype("<i2").tobytes()
    chunks = [raw[:3], raw[3:4], raw[4:101], raw[101:]]
    arrays = list(aggregate_bytes_to_16bit(iter(chunks)))
    assert all(a.dtype == np.int16 and a.shape[0] == 1 for a in arrays)
    np.testing.assert_array_equal(np.concatenate(arrays, axis=1)[0], samples)


def test_async_aggregation() -> None:
    samples = np.arange(10, dtype=np.int16)
    raw = samples.tobytes()

    async def source() -> AsyncIterator[bytes]:
        for i in range(0, len(raw), 3):
            yield raw[i : i + 3]

    async def collect() -> list[np.ndarray]:
        return [a async for a in async_aggregate_bytes_to_16bit(source())]

    arrays = asyncio.run(collect())
    np.testing.assert_array_equal(np.concatenate(arrays, axis=1)[0], samples)


def test_wait_for_item() -> None:
    async def scenario() -> tuple[object, object]:
        queue: asyncio.Queue[int] = asyncio.Queue()
        empty = await wait_for_item(queue, timeout=0.01)
        queue.put_nowait(7)
        return empty, await wait_for_item(queue, timeout=0.5)

    assert asyncio.run(scenario()) == (None, 7)
