"""Ties ReplyOnPause's turn detector to a turn-end judge: ask at each pause, feed answers back.

The detector reports that a turn fell silent; the judge (:class:`.TurnEndJudge`)
asks the analyzer on a worker of the stream; its answer -- or word that no
answer will come -- goes back to the detector under the handler's lock, and
the turn events that yields go to the handler as the VAD's own events do.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import numpy as np

from ..core.turn import PauseOptions, TurnDetector, TurnEvent
from ..core.turn_end import TurnEndAnalyzer
from .turn_end_judge import TurnEndJudge, Verdict

__all__ = ["JudgedPauses", "pause_detail"]


class JudgedPauses:
    """One stream's pauses judged by a turn-end analyzer (``ReplyOnPause(turn_end=...)``).

    Args:
        analyzer: the turn-end analyzer.
        rate: the VAD's sample rate (what :meth:`audio` gets).
        options: the handler's pause options.
        lock: the handler's lock, held while the detector hears a verdict.
        detector: the handler's turn detector.
        on_event: the handler's turn-event handling (called under ``lock``).
        on_problem: where a failing or slow analyzer is reported.
        start_thread: starts the judge's worker (the stream's bridge).
        threaded: False on a simulated clock: judged inline.
    """

    def __init__(
        self,
        analyzer: TurnEndAnalyzer,
        rate: int,
        options: PauseOptions,
        *,
        lock: threading.RLock,
        detector: TurnDetector,
        on_event: Callable[[TurnEvent], None],
        on_problem: Callable[[str], None],
        start_thread: Callable[[Callable[[], None]], object],
        threaded: bool,
    ) -> None:
        self._lock = lock
        self._detector = detector
        self._on_event = on_event
        self.judge = TurnEndJudge(
            analyzer,
            rate,
            options,
            on_verdict=self._on_verdict,
            on_no_verdict=self._on_no_verdict,
            on_problem=on_problem,
            start_thread=start_thread,
            threaded=threaded,
        )

    def audio(self, mono: np.ndarray) -> None:
        """Every input sample at the VAD's rate, mono int16 ``(1, N)``, in order."""
        self.judge.audio(mono)

    def ask_about(self, pause: TurnEvent) -> None:
        """A turn fell silent: ask the analyzer (or tell the detector no answer will come)."""
        if not self.judge.ask_about(pause):
            self._on_no_verdict(pause.speech_end_s)

    def forget(self) -> None:
        """The turn ended or went on: a question still waiting no longer matters."""
        self.judge.forget()

    def close(self) -> None:
        self.judge.close()

    @property
    def verdicts(self) -> list[Verdict]:
        return list(self.judge.verdicts)

    def _on_verdict(self, verdict: Verdict) -> None:
        with self._lock:
            for event in self._detector.judge(verdict.speech_end_s, verdict.probability):
                self._on_event(event)

    def _on_no_verdict(self, speech_end_s: float) -> None:
        with self._lock:
            for event in self._detector.no_verdict(speech_end_s):
                self._on_event(event)


def pause_detail(event: TurnEvent, options: PauseOptions) -> str | None:
    """``pause_detected``'s detail: a forced cut, or how the analyzer judged the pause."""
    if event.forced:
        return "forced"
    if event.judged is None:
        return None  # silence alone (no analyzer, or its verdict came too late)
    heard = "complete" if event.judged >= options.complete_threshold else "unfinished"
    return f"sounded {heard} ({event.judged:.2f})"
