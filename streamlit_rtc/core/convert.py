"""The seed's small audio helpers: dtype conversion, byte-stream aggregation, queue waits."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterable, Iterable, Iterator
from typing import Any, TypeVar

import numpy as np

__all__ = [
    "aggregate_bytes_to_16bit",
    "async_aggregate_bytes_to_16bit",
    "audio_to_float32",
    "audio_to_int16",
    "wait_for_item",
]

T = TypeVar("T")


def _array_of(audio: np.ndarray | tuple[int, np.ndarray]) -> np.ndarray:
    array = audio[1] if isinstance(audio, tuple) else audio
    if not isinstance(array, np.ndarray):
        raise TypeError(f"expected a numpy array or (rate, array), got {type(array).__name__}")
    return array


def audio_to_float32(audio: np.ndarray | tuple[int, np.ndarray]) -> np.ndarray:
    """int16 (or float) audio, or ``(rate, array)``, as float32 in [-1, 1]; shape kept."""
    array = _array_of(audio)
    if array.dtype == np.int16:
        return array.astype(np.float32) / 32768.0
    if array.dtype.kind == "f":
        return array.astype(np.float32)
    raise TypeError(f"audio_to_float32 needs int16 or float audio, got {array.dtype}")


def audio_to_int16(audio: np.ndarray | tuple[int, np.ndarray]) -> np.ndarray:
    """float audio in [-1, 1] (clipped), or ``(rate, array)``, as int16; shape kept."""
    array = _array_of(audio)
    if array.dtype == np.int16:
        return array
    if array.dtype.kind == "f":
        return (np.clip(array, -1.0, 1.0) * 32767.0).round().astype(np.int16)
    raise TypeError(f"audio_to_int16 needs float or int16 audio, got {array.dtype}")


class _ByteJoiner:
    """Joins a byte stream into int16 samples, carrying an odd trailing byte over."""

    def __init__(self) -> None:
        self._leftover = b""

    def push(self, chunk: bytes) -> np.ndarray | None:
        data = self._leftover + bytes(chunk)
        usable = len(data) - len(data) % 2
        self._leftover = data[usable:]
        if not usable:
            return None
        return np.frombuffer(data[:usable], dtype="<i2").astype(np.int16).reshape(1, -1)


def aggregate_bytes_to_16bit(chunks: Iterable[bytes]) -> Iterator[np.ndarray]:
    """Turn a stream of raw little-endian PCM bytes into int16 ``(1, N)`` arrays."""
    joiner = _ByteJoiner()
    for chunk in chunks:
        array = joiner.push(chunk)
        if array is not None:
            yield array


async def async_aggregate_bytes_to_16bit(chunks: AsyncIterable[bytes]) -> Any:
    """Async form of :func:`aggregate_bytes_to_16bit`."""
    joiner = _ByteJoiner()
    async for chunk in chunks:
        array = joiner.push(chunk)
        if array is not None:
            yield array


async def wait_for_item(queue: asyncio.Queue[T], timeout: float = 0.1) -> T | None:
    """The next item of ``queue``, or None if none arrives within ``timeout`` seconds."""
    try:
        return await asyncio.wait_for(queue.get(), timeout=timeout)
    except asyncio.TimeoutError:
        return None
