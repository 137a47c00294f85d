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

    With a turn-end analyzer (``ReplyOnPause(turn_end=SmartTurn())``), the
    first silent window of each pause asks it whether the turn sounds
    complete: at ``complete_threshold`` or above ``complete_pause_s`` ends the
    turn, below it the wait stretches to ``incomplete_pause_s``; until the
    verdict arrives (~0.07 s; ~0.13-0.4 s on a CPU without int8 dot-product
    instructions) ``pause_s`` holds, stretched by up to ``verdict_wait_s`` while
    a verdict is still coming. The trade-off, measured by
    ``bench/turn_end.py``: complete sentences are answered ~0.19 s sooner
    (median 0.18 s after speech instead of 0.37 s), a turn the model wrongly
    hears as unfinished waits ``incomplete_pause_s`` (1.2 s), and fewer
    hesitating speakers are cut (the README has the figures). Without an
    analyzer these four fields do nothing.
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
    complete_pause_s: float = 0.15
    """With a turn-end analyzer: the silence that ends a turn it judged complete."""
    incomplete_pause_s: float = 1.2
    """With a turn-end analyzer: the silence waited for when it judged the turn unfinished."""
    complete_threshold: float = 0.9
    """With a turn-end analyzer: a turn this likely complete (or more) is answered sooner."""
    verdict_wait_s: float = 0.25
    """With a turn-end analyzer: how much longer than ``pause_s`` a pause waits for a verdict
    still being worked out (a CPU slower than the one measured), so the verdict still counts;
    0: silence alone ends the turn at ``pause_s`` whenever the verdict is late."""

    def __post_init__(self) -> None:
        def check(name: str, low: float, high: float = math.inf) -> None:
            value = getattr(self, name)
            if not isinstance(value, (int, float)) or not low <= value <= high:
                raise ValueError(f"PauseOptions.{name} must be in [{low}, {high}], got {value!r}")

        check("pause_s", 0.05, 10.0)
        check("verdict_wait_s", 0.0, 5.0)
        check("speech_threshold", 0.0, 1.0)
        check("silence_threshold", 0.0, 1.0)
        check("min_speech_s", 0.0, 5.0)
        check("min_turn_speech_s", 0.0, 30.0)
        check("pre_roll_s", 0.0, 5.0)
        check("end_pad_s", 0.0, 5.0)
        check("vad_end_lag_s", 0.0, 1.0)
        check("max_continuous_speech_s", 1.0, 3600.0)
        check("complete_pause_s", 0.05, 10.0)
        check("incomplete_pause_s", 0.05, 30.0)
        check("complete_threshold", 0.0, 1.0)
        if self.silence_threshold > self.speech_threshold:
            raise ValueError("PauseOptions.silence_threshold must not exceed speech_threshold")
        for name in ("pause_s", "complete_pause_s"):
            if self.vad_end_lag_s >= getattr(self, name):
                raise ValueError(f"PauseOptions.vad_end_lag_s must be smaller than {name}")

    @property
    def judged_pause_s(self) -> tuple[float, float]:
        """(complete, incomplete) pauses, bounded by ``pause_s`` so a verdict never inverts them."""
        return min(self.complete_pause_s, self.pause_s), max(self.incomplete_pause_s, self.pause_s)


class TurnEventKind(enum.Enum):
    SPEECH_STARTED = "speech_started"
    TURN_ENDED = "turn_ended"
    TURN_DISCARDED = "turn_discarded"
    PAUSE_STARTED = "pause_started"
    """Only with ``judged=True``: a turn fell silent; answer with :meth:`TurnDetector.judge`."""


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
    judged: float | None = None
    """For an end set by a verdict (``judge``): the probability that the turn was complete."""


class TurnDetector:
    """Feeds on one speech probability per VAD window; reports starts and ends of turns.

    With ``judged=True`` it also reports each pause in a turn (``PAUSE_STARTED``,
    at its first silent window) and takes a verdict on it: :meth:`judge` sets how
    much silence ends that pause (``complete_pause_s`` or ``incomplete_pause_s``);
    until a verdict comes, ``pause_s`` plus ``verdict_wait_s`` does -- ``pause_s``
    alone once :meth:`no_verdict` says none is coming. A pause lasts
    until speech resumes for ``min_speech_s``: a shorter blip restarts the
    silence count but keeps the verdict.
    """

    def __init__(self, options: PauseOptions, window_s: float, judged: bool = False) -> None:
        if window_s <= 0:
            raise ValueError("window_s must be positive")
        self.options = options
        self.window_s = window_s
        self.judged = judged
        self._last_end_s = 0.0
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
        self._pause_needed = self.options.pause_s
        self._speech_run = 0.0
        self._judged_pause: float | None = None  # speech end of the pause asked about
        self._verdict: float | None = None  # the analyzer's answer about that pause
        self._awaiting = False  # a verdict on that pause is on its way

    @property
    def in_turn(self) -> bool:
        return self._in_turn

    def update(self, probability: float, end_s: float) -> list[TurnEvent]:
        """Consume the probability of the window ending at ``end_s``; return decisions."""
        start_s = end_s - self.window_s
        self._last_end_s = end_s
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
        events: list[TurnEvent] = []
        if probability >= opts.silence_threshold:
            self._turn_speech += self.window_s
            self._last_speech_end = end_s
            self._silence = 0.0
            self._speech_run += self.window_s
            if self._speech_run + 1e-9 >= opts.min_speech_s:  # speaking again, not a blip
                self._pause_needed = opts.pause_s
                self._judged_pause = self._verdict = None
                self._awaiting = False
        else:
            self._speech_run = 0.0
            if self._silence == 0.0 and self.judged and self._judged_pause is None:
                self._judged_pause = self._last_speech_end
                self._awaiting = True
                pause = TurnEventKind.PAUSE_STARTED
                events.append(TurnEvent(pause, end_s, self._onset, self._last_speech_end))
            self._silence += self.window_s
        if self._pause_over():
            return [*events, self._end_turn(end_s)]
        if end_s - self._onset + 1e-9 >= opts.max_continuous_speech_s:
            cut = TurnEvent(TurnEventKind.TURN_ENDED, end_s, self._onset, end_s, forced=True)
            self._onset = end_s
            self._turn_speech = 0.0
            restart = TurnEvent(TurnEventKind.SPEECH_STARTED, end_s, end_s, end_s, forced=True)
            return [cut, restart]
        return events

    def judge(self, speech_end_s: float, probability: float) -> list[TurnEvent]:
        """Set the silence that ends the pause after ``speech_end_s`` from a verdict on it.

        ``probability`` that the turn is complete: at ``complete_threshold`` or
        above ``complete_pause_s`` ends it; below, ``incomplete_pause_s`` does
        (an unsure analyzer waits rather than cut the speaker off).

        A verdict on a pause that is over (speech resumed, the turn ended or
        was reset) is ignored; a blip shorter than ``min_speech_s`` inside the
        pause does not end it (nor ask again). If the pause is already as
        long as the verdict allows, the turn ends now (at the last window's end).
        """
        if not (self._in_turn and speech_end_s == self._judged_pause):
            return []
        opts = self.options
        complete_s, incomplete_s = opts.judged_pause_s
        self._pause_needed = complete_s if probability >= opts.complete_threshold else incomplete_s
        self._verdict = probability
        self._awaiting = False
        return [self._end_turn(self._last_end_s)] if self._pause_over() else []

    def no_verdict(self, speech_end_s: float) -> list[TurnEvent]:
        """No verdict will come on the pause after ``speech_end_s`` (not asked, or it failed).

        ``pause_s`` alone ends that pause; if it is already that long, the turn ends now.
        """
        if not (self._in_turn and speech_end_s == self._judged_pause and self._awaiting):
            return []
        self._awaiting = False
        return [self._end_turn(self._last_end_s)] if self._pause_over() else []

    def _pause_over(self) -> bool:
        needed = self._pause_needed
        if self._awaiting:
            needed += self.options.verdict_wait_s
        return self._silence + self.options.vad_end_lag_s + 1e-9 >= needed

    def _end_turn(self, end_s: float) -> TurnEvent:
        kind = (
            TurnEventKind.TURN_ENDED
            if self._turn_speech + 1e-9 >= self.options.min_turn_speech_s
            else TurnEventKind.TURN_DISCARDED
        )
        event = TurnEvent(kind, end_s, self._onset, self._last_speech_end, judged=self._verdict)
        self.reset()
        return event
