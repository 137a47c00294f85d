"""Keeps recent input audio and cuts utterances out of it by stream time."""

from __future__ import annotations

from collections import deque

import numpy as np

__all__ = ["UtteranceRecorder"]


class UtteranceRecorder:
    """A rolling history of the input plus the utterance being recorded, both bounded.

    Times are seconds of this stream (samples appended / rate). The history
    lets an utterance start *before* the moment speech was detected (pre-roll);
    the utterance itself is capped at ``max_s``.
    """

    def __init__(self, rate: int, channels: int, history_s: float, max_s: float) -> None:
        self.rate, self.channels = rate, channels
        self._history: deque[np.ndarray] = deque()
        self._history_len = 0
        self._history_cap = int(history_s * rate)
        self._max = int(max_s * rate)
        self._total = 0
        self._utterance: list[np.ndarray] | None = None
        self._utterance_start = 0
        self._utterance_len = 0

    @property
    def now_s(self) -> float:
        return self._total / self.rate

    @property
    def recording(self) -> bool:
        return self._utterance is not None

    def append(self, samples: np.ndarray) -> None:
        """Add ``(channels, N)`` int16 samples to the history (and the utterance, if any)."""
        if not samples.shape[1]:
            return
        self._history.append(samples)
        self._history_len += samples.shape[1]
        while self._history and self._history_len - self._history[0].shape[1] >= self._history_cap:
            self._history_len -= self._history.popleft().shape[1]
        self._total += samples.shape[1]
        if self._utterance is not None and self._utterance_len < self._max:
            piece = samples[:, : self._max - self._utterance_len]
            self._utterance.append(piece)
            self._utterance_len += piece.shape[1]

    def start(self, from_s: float) -> None:
        """Begin an utterance at ``from_s`` (clamped to the history kept)."""
        history = (
            np.concatenate(list(self._history), axis=1)
            if self._history
            else np.zeros((self.channels, 0), dtype=np.int16)
        )
        history_start = self._total - history.shape[1]
        first = min(max(round(from_s * self.rate), history_start), self._total)
        piece = history[:, first - history_start :][:, : self._max]
        self._utterance = [piece]
        self._utterance_start = first
        self._utterance_len = piece.shape[1]

    def stop(self, until_s: float | None = None) -> np.ndarray:
        """End the utterance, trimmed to end at ``until_s``; ``(channels, N)`` int16."""
        parts = self._utterance or []
        self._utterance = None
        audio = (
            np.concatenate(parts, axis=1) if parts else np.zeros((self.channels, 0), dtype=np.int16)
        )
        if until_s is not None:
            keep = max(0, round(until_s * self.rate) - self._utterance_start)
            audio = audio[:, :keep]
        return audio

    def start_s(self) -> float:
        return self._utterance_start / self.rate
