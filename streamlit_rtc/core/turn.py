"""Streaming turn detection: decides after every VAD window whether a turn started or ended.

Pure logic over speech probabilities (no audio, no model), so it is exact and
testable alone. :class:`PauseOptions` holds the knobs; the defaults were
chosen by measurement on the speech fixtures (see ``bench/turn_detection.py``).
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass

__all__ = ["PauseOptions", "TurnDetector", "TurnEvent", "TurnEventKind"]


@dataclass(frozen=True)
class PauseOptions:
    """How ReplyOnPause decides that the user started and stopped talking.

    Defaults, measured on the espeak fixtures with Silero VAD (32 ms windows):
    the first window Silero scores as silence starts 10-140 ms (median 77 ms)
    after speech really ended, so ``vad_end_lag_s`` credits 80 ms of silence
    up front and a turn ends about ``pause_s`` after the real end of speech.
    ``pause_s=0.35`` still keeps a spoken comma (about 0.15-0.25 s of
    silence) inside one turn, and replies
    well before the reference's 0.6 s chunking can. ``min_speech_s=0.064``
    (two windows) starts a turn, and a barge-in, within ~100 ms of speech
    onset; a turn with less than ``min_turn_speech_s`` of speech (a click, a
    cough) is dropped instead of answered.
    """

    pause_s: float = 0.35
    """Silence after speech that ends a turn."""
    speech_threshold: float = 0.5
    """VAD probability at or above which a window is speech."""
    silence_threshold: float = 0.35
    """Once speaking, a window is silence only below this (hysteresis)."""
    min_speech_s: float = 0.064
    """Consecutive speech needed to start a turn (and to interrupt a reply)."""
    min_turn_speech_s: float = 0.25
    """Total speech a turn needs to be answered; shorter turns are dropped."""
    pre_roll_s: float = 0.3
    """Audio kept from before the detected onset, so the first syllable is never lost."""
    end_pad_s: float = 0.15
    """Audio kept after the last speech window."""
    vad_end_lag_s: float = 0.08
    """How late the VAD reports the end of speech; counted as silence already heard."""
    max_continuous_speech_s: float = 30.0
    """A turn longer than this is cut and answered; also caps the utterance buffer."""

    def __post_init__(self) -> None:
        def check(name: str, low: float, high: float = math.inf) -> None:
            value = getattr(self, name)
            if not isinstance(value, (int, float)) or not low <= value <= high:
                raise ValueError(f"PauseOptions.{name} must be in [{low}, {high}], got {value!r}")

        check("pause_s", 0.05, 10.0)
        check("speech_threshold", 0.0, 1.0)
        check("silence_threshold", 0.0, 1.0)
        check("min_speech_s", 0.0, 5.0)
        check("min_turn_speech_s", 0.0, 30.0)
        check("pre_roll_s", 0.0, 5.0)
        check("end_pad_s", 0.0, 5.0)
        check("vad_end_lag_s", 0.0, 1.0)
        check("max_continuous_speech_s", 1.0, 3600.0)
        if self.silence_threshold > self.speech_threshold:
            raise ValueError("PauseOptions.silence_threshold must not exceed speech_threshold")
        if self.vad_end_lag_s >= self.pause_s:
            raise ValueError("PauseOptions.vad_end_lag_s must be smaller than pause_s")


class TurnEventKind(enum.Enum):
    SPEECH_STARTED = "speech_started"
    TURN_ENDED = "turn_ended"
    TURN_DISCARDED = "turn_discarded"


@dataclass(frozen=True)
class TurnEvent:
    """A decision of the detector, with stream times in seconds."""

    kind: TurnEventKind
    time_s: float
    """When the decision was made (end of the deciding window)."""
    onset_s: float
    """Start of the first speech window of the turn."""
    speech_end_s: float
    """End of the last speech window of the turn (for ends and discards)."""
    forced: bool = False
    """True for a cut by ``max_continuous_speech_s`` (and the turn that continues it)."""


class TurnDetector:
    """Feeds on one speech probability per VAD window; reports starts and ends of turns."""

    def __init__(self, options: PauseOptions, window_s: float) -> None:
        if window_s <= 0:
            raise ValueError("window_s must be positive")
        self.options = options
        self.window_s = window_s
        self.reset()

    def reset(self) -> None:
        """Forget any partial speech or turn (e.g. while a reply may not be interrupted)."""
        self._run_start: float | None = None
        self._run_speech = 0.0
        self._in_turn = False
        self._onset = 0.0
        self._turn_speech = 0.0
        self._last_speech_end = 0.0
        self._silence = 0.0

    @property
    def in_turn(self) -> bool:
        return self._in_turn

    def update(self, probability: float, end_s: float) -> list[TurnEvent]:
        """Consume the probability of the window ending at ``end_s``; return decisions."""
        start_s = end_s - self.window_s
        if not self._in_turn:
            return self._update_idle(probability, start_s, end_s)
        return self._update_turn(probability, end_s)

    def end_turn_now(self, now_s: float) -> TurnEvent | None:
        """End the current turn immediately (``trigger_response``); None if not in a turn."""
        if not self._in_turn:
            return None
        event = TurnEvent(TurnEventKind.TURN_ENDED, now_s, self._onset, now_s, forced=True)
        self.reset()
        return event

    def _update_idle(self, probability: float, start_s: float, end_s: float) -> list[TurnEvent]:
        opts = self.options
        if probability < opts.speech_threshold:
            self._run_start, self._run_speech = None, 0.0
            return []
        if self._run_start is None:
            self._run_start = start_s
        self._run_speech += self.window_s
        if self._run_speech + 1e-9 < opts.min_speech_s:
            return []
        self._in_turn = True
        self._onset = self._run_start
        self._turn_speech = self._run_speech
        self._last_speech_end = end_s
        self._silence = 0.0
        self._run_start, self._run_speech = None, 0.0
        return [TurnEvent(TurnEventKind.SPEECH_STARTED, end_s, self._onset, end_s)]

    def _update_turn(self, probability: float, end_s: float) -> list[TurnEvent]:
        opts = self.options
        if probability >= opts.silence_threshold:
            self._turn_speech += self.window_s
            self._last_speech_end = end_s
            self._silence = 0.0
        else:
            self._silence += self.window_s
        if self._silence + opts.vad_end_lag_s + 1e-9 >= opts.pause_s:
            kind = (
                TurnEventKind.TURN_ENDED
                if self._turn_speech + 1e-9 >= opts.min_turn_speech_s
                else TurnEventKind.TURN_DISCARDED
            )
            event = TurnEvent(kind, end_s, self._onset, self._last_speech_end)
            self.reset()
            return [event]
        if end_s - self._onset + 1e-9 >= opts.max_continuous_speech_s:
            cut = TurnEvent(TurnEventKind.TURN_ENDED, end_s, self._onset, end_s, forced=True)
            self._onset = end_s
            self._turn_speech = 0.0
            restart = TurnEvent(TurnEventKind.SPEECH_STARTED, end_s, end_s, end_s, forced=True)
            return [cut, restart]
        return []
