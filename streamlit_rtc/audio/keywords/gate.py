"""When a keyword detector hears the stream: a small state machine driven by the VAD.

Listening for a stop phrase costs CPU for every second the detector is fed,
so it is fed speech only.  :class:`ListenGate` gets every sample the VAD
gets (:meth:`~ListenGate.audio`, in order) and every VAD window's speech
probability (:meth:`~ListenGate.window`), and answers with what the
detector should do: :class:`Feed` it a piece of audio (with the stream time
of its first sample) or :class:`Reset` it.

States:

* ``idle`` -- the detector hears nothing; the last ``pre_roll_s`` of audio
  is held, because the VAD notices speech a little after it starts.
* ``listening`` -- a window scored at least ``threshold`` (speech): the
  held pre-roll is fed, then all audio as it comes.  ``hangover_s`` after
  the last speech window the gate goes back to ``idle`` (a detector decides
  a little after the phrase ends and must hear that long).

Independently of the state, once ``reset_after_s`` of silence follows
speech (longer than the gaps inside a phrase, shorter than a turn's pause)
the detector is told to :class:`Reset`, once per silent gap: each stretch of
speech is searched from a fresh state (a long-running search drifts, and a
wake phrase usually follows a pause).  No threads, no clocks: the same
inputs always give the same actions.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np

__all__ = ["Feed", "GateAction", "ListenGate", "Reset"]

PRE_ROLL_S = 0.5
"""Audio before the VAD's speech onset that the detector still gets (the onset lags)."""
HANGOVER_S = 1.0
"""How long the detector keeps listening after speech."""
RESET_AFTER_S = 0.25
"""Silence after which the detector starts afresh."""


@dataclass(frozen=True)
class Feed:
    """Give the detector ``samples`` (int16 mono) whose first sample is at ``start_s``."""

    samples: np.ndarray
    start_s: float


@dataclass(frozen=True)
class Reset:
    """Reset the detector's search once everything fed before has been consumed."""


GateAction = Feed | Reset


class ListenGate:
    """Decides when a keyword detector hears audio and when it resets (module docstring).

    Args:
        rate: sample rate of the audio (the VAD's and the detector's).
        window_s: length of one VAD window (silence is counted from the
            first quiet window's start).
        threshold: speech probability at or above which a window is speech.
        pre_roll_s, hangover_s, reset_after_s: see the module docstring.
    """

    def __init__(
        self,
        rate: int,
        window_s: float,
        threshold: float,
        *,
        pre_roll_s: float = PRE_ROLL_S,
        hangover_s: float = HANGOVER_S,
        reset_after_s: float = RESET_AFTER_S,
    ) -> None:
        if rate <= 0 or window_s <= 0 or min(pre_roll_s, hangover_s, reset_after_s) < 0:
            raise ValueError("need rate > 0, window_s > 0 and non-negative durations")
        self.rate = rate
        self.window_s = window_s
        self.threshold = threshold
        self.pre_roll_s = pre_roll_s
        self.hangover_s = hangover_s
        self.reset_after_s = reset_after_s
        self._pos = 0  # samples seen
        self._held: deque[Feed] = deque()
        self._held_len = 0
        self._listening = False
        self._last_voice_s = float("-inf")
        self._gap_reset = False  # reset already sent in the current silent gap

    @property
    def listening(self) -> bool:
        """Whether the detector hears the audio now (``listening``) or not (``idle``)."""
        return self._listening

    def audio(self, samples: np.ndarray) -> list[GateAction]:
        """Account for the next samples of the stream (mono int16, any shape with N samples)."""
        flat = samples.reshape(-1)
        piece = Feed(flat, self._pos / self.rate)
        self._pos += flat.size
        if not flat.size:
            return []
        if self._listening:
            return [piece]
        self._held.append(piece)
        self._held_len += flat.size
        limit = self.pre_roll_s * self.rate
        while self._held and self._held_len - self._held[0].samples.size >= limit:
            self._held_len -= self._held.popleft().samples.size
        return []

    def window(self, probability: float, end_s: float) -> list[GateAction]:
        """A VAD window ending at stream time ``end_s`` scored ``probability``."""
        actions: list[GateAction] = []
        if probability >= self.threshold:
            self._gap_reset = False
            self._last_voice_s = end_s
            if not self._listening:
                self._listening = True
                actions.extend(self._held)
                self._held.clear()
                self._held_len = 0
        elif not self._gap_reset and end_s - self._last_voice_s >= self.reset_after_s + (
            self.window_s
        ):
            self._gap_reset = True
            actions.append(Reset())
        if self._listening and end_s - self._last_voice_s >= self.hangover_s:
            self._listening = False
        return actions
