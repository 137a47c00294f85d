"""Handler output to constant-format frames: validate, remix, resample, buffer, clear on barge-in.

Everything a handler may emit passes through :class:`AudioOutput`: audio
becomes int16 ``(channels, frame_size)`` frames at one rate in a bounded
:class:`OutputBuffer`; additional outputs and close requests go to callbacks.
The transport reads one frame per tick; a barge-in clears the buffer at once.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable

import numpy as np

from ..core.convert import audio_to_int16
from ..core.emit import AudioChunk, EmitParts, parse_audio_emit
from ..core.messages import AdditionalOutputs, CloseStream
from .input import remix
from .resample import StreamResampler

__all__ = ["AudioOutput", "OutputBuffer", "OutputConverter"]

logger = logging.getLogger(__name__)


class OutputConverter:
    """Validated audio chunks of any rate/layout → int16 ``(channels, M)`` at one rate.

    int16 audio already at the output rate passes through bit-exact; anything
    else is resampled by a stateful soxr stream per source rate, so a reply
    yielded in small pieces plays without clicks.
    """

    def __init__(self, rate: int, channels: int) -> None:
        if channels not in (1, 2):
            raise ValueError(f"output channels must be 1 or 2, got {channels}")
        self.rate, self.channels = rate, channels
        self._resampler: StreamResampler | None = None

    def convert(self, chunk: AudioChunk) -> np.ndarray:
        samples = remix(chunk.samples, "stereo" if self.channels == 2 else "mono")
        out: list[np.ndarray] = []
        if self._resampler is not None and self._resampler.in_rate != chunk.rate:
            out.append(self.flush())
        if chunk.rate == self.rate and samples.dtype == np.int16 and self._resampler is None:
            out.append(samples)
        else:
            if self._resampler is None:
                self._resampler = StreamResampler(
                    chunk.rate, self.rate, self.channels, np.float32, quality="HQ"
                )
            floats = samples if samples.dtype == np.float32 else samples / np.float32(32768.0)
            out.append(audio_to_int16(self._resampler.process(floats.astype(np.float32))))
        return out[0] if len(out) == 1 else np.concatenate(out, axis=1)

    def flush(self) -> np.ndarray:
        """Samples still held by the resampler (end of a reply)."""
        if self._resampler is None:
            return np.zeros((self.channels, 0), dtype=np.int16)
        tail = audio_to_int16(self._resampler.flush())
        self._resampler = None
        return tail

    def reset(self) -> None:
        self._resampler = None


class OutputBuffer:
    """A bounded, thread-safe FIFO of output samples, read one fixed-size frame at a time.

    Writers block while it is full (back-pressure on a fast generator);
    :meth:`clear` empties it at once and bumps :attr:`epoch`, so a writer that
    produced audio before a barge-in cannot slip it in afterwards.
    """

    def __init__(self, rate: int, channels: int, frame_size: int, capacity_s: float = 2.0) -> None:
        self.rate, self.channels, self.frame_size = rate, channels, frame_size
        self.capacity = max(int(capacity_s * rate), 2 * frame_size)
        self._chunks: deque[np.ndarray] = deque()
        self._size = 0
        self._held_reads = 0
        self._cond = threading.Condition()
        self.epoch = 0
        self._closed = False

    def pending_s(self) -> float:
        return self._size / self.rate

    def space(self) -> int:
        return self.capacity - self._size

    def write(self, samples: np.ndarray, epoch: int, timeout: float | None = None) -> bool:
        """Append ``(channels, N)`` int16 samples, waiting for room; False if cleared or closed."""
        deadline = None if timeout is None else time.monotonic() + timeout
        pos, total = 0, samples.shape[1]
        with self._cond:
            while pos < total:
                if self._closed or self.epoch != epoch:
                    return False
                room = self.capacity - self._size
                if room <= 0:
                    remaining = None if deadline is None else deadline - time.monotonic()
                    if remaining is not None and remaining <= 0:
                        return False
                    self._cond.wait(remaining)
                    continue
                piece = samples[:, pos : pos + room]
                self._chunks.append(piece)
                self._size += piece.shape[1]
                pos += piece.shape[1]
        return True

    def pad_to_frame(self, epoch: int) -> None:
        """Complete a trailing partial frame with silence (a reply ended)."""
        with self._cond:
            partial = self._size % self.frame_size
            if partial and self.epoch == epoch and not self._closed:
                pad = self.frame_size - partial
                self._chunks.append(np.zeros((self.channels, pad), dtype=np.int16))
                self._size += pad

    def read_frame(self) -> np.ndarray | None:
        """The next ``(channels, frame_size)`` frame, or None (play silence).

        A partial frame is held back for up to two reads, so audio that arrives
        in odd-sized pieces stays continuous, then released padded with silence.
        """
        with self._cond:
            if self._size == 0:
                return None
            if self._size < self.frame_size:
                self._held_reads += 1
                if self._held_reads < 3:
                    return None
                pad = self.frame_size - self._size
                self._chunks.append(np.zeros((self.channels, pad), dtype=np.int16))
                self._size += pad
            self._held_reads = 0
            frame = self._take(self.frame_size)
            self._cond.notify_all()
            return frame

    def _take(self, count: int) -> np.ndarray:
        parts: list[np.ndarray] = []
        need = count
        while need:
            head = self._chunks[0]
            if head.shape[1] <= need:
                parts.append(self._chunks.popleft())
                need -= head.shape[1]
            else:
                parts.append(head[:, :need])
                self._chunks[0] = head[:, need:]
                need = 0
        self._size -= count
        return parts[0] if len(parts) == 1 else np.concatenate(parts, axis=1)

    def clear(self) -> None:
        with self._cond:
            self._chunks.clear()
            self._size = 0
            self._held_reads = 0
            self.epoch += 1
            self._cond.notify_all()

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._chunks.clear()
            self._size = 0
            self._cond.notify_all()


OutputsCallback = Callable[[AdditionalOutputs], None]
CloseCallback = Callable[[CloseStream], None]


class AudioOutput:
    """Routes everything a handler emits and implements its :class:`PlaybackControl`.

    ``handle`` runs on the one thread that calls ``emit`` (never on the
    transport's event loop); ``read_frame`` and ``clear`` may be called from
    any thread. With ``discard_audio`` (mode "send") audio is validated and
    dropped, while outputs and close requests still flow.
    """

    def __init__(
        self,
        rate: int,
        channels: int,
        frame_size: int,
        capacity_s: float = 2.0,
        on_outputs: OutputsCallback | None = None,
        on_close: CloseCallback | None = None,
        discard_audio: bool = False,
    ) -> None:
        self.buffer = OutputBuffer(rate, channels, frame_size, capacity_s)
        self.discard_audio = discard_audio
        self.converter = OutputConverter(rate, channels)
        self._converter_epoch = self.buffer.epoch
        self._on_outputs = on_outputs
        self._on_close = on_close

    @property
    def epoch(self) -> int:
        return self.buffer.epoch

    def handle(self, item: object, epoch: int | None = None, timeout: float | None = None) -> bool:
        """Parse and route one emitted value (see :meth:`route`).

        Raises :class:`InvalidEmitError` for a value that is not a valid emit.
        """
        return self.route(parse_audio_emit(item), epoch, timeout)

    def would_block(self, chunk: AudioChunk) -> bool:
        """Whether writing ``chunk`` now would wait for room in the buffer."""
        needed = chunk.samples.shape[1] * self.buffer.rate / chunk.rate
        return needed > self.buffer.space()

    def route(
        self, parts: EmitParts, epoch: int | None = None, timeout: float | None = None
    ) -> bool:
        """Route one parsed output; False if its audio was dropped by a clear in the meantime."""
        written = True
        if parts.audio is not None and not self.discard_audio:
            target = self.epoch if epoch is None else epoch
            written = self._write_audio(parts.audio, target, timeout)
        if parts.outputs is not None and self._on_outputs is not None:
            self._on_outputs(parts.outputs)
        if parts.close is not None and self._on_close is not None:
            self._on_close(parts.close)
        return written

    def _write_audio(self, chunk: AudioChunk, epoch: int, timeout: float | None) -> bool:
        if self._converter_epoch != self.buffer.epoch:
            self.converter.reset()
            self._converter_epoch = self.buffer.epoch
        if epoch != self.buffer.epoch:
            return False
        return self.buffer.write(self.converter.convert(chunk), epoch, timeout)

    def read_frame(self) -> np.ndarray | None:
        return self.buffer.read_frame()

    # PlaybackControl
    def clear(self) -> None:
        self.buffer.clear()

    def flush(self) -> None:
        epoch = self.buffer.epoch
        if self._converter_epoch == epoch:
            tail = self.converter.flush()
            if tail.shape[1]:
                self.buffer.write(tail, epoch, timeout=1.0)
        self.buffer.pad_to_frame(epoch)

    def pending_s(self) -> float:
        return self.buffer.pending_s()

    def close(self) -> None:
        self.buffer.close()
