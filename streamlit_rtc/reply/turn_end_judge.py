"""Asks a turn-end analyzer about each pause of a turn, beside the input path, never on it.

``ReplyOnPause`` hands the judge every sample at the VAD's rate
(:meth:`TurnEndJudge.audio`) and, when its detector reports that a turn fell
silent, asks about it (:meth:`TurnEndJudge.ask`). A worker of the stream cuts
the turn's audio (at most ``analyzer.max_audio_s``), calls the analyzer and
hands the verdict back with the pause it was about; a newer question replaces
one still waiting, so the cost per stream is at most one call at a time. An
analyzer that raises, returns nonsense or is slower than the pause it judges
is reported once; after a failure the stream ends turns on silence alone.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import soxr

from ..core.turn import PauseOptions, TurnEvent
from ..core.turn_end import TurnEndAnalyzer
from .latest_job import LatestJobWorker
from .partials import AudioTail

__all__ = ["PauseQuestion", "TurnEndJudge", "Verdict"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PauseQuestion:
    """Is the turn that went silent after ``speech_end_s`` complete?"""

    speech_end_s: float
    audio: np.ndarray = field(compare=False)
    """int16 ``(1, N)`` at the VAD's rate: the turn up to the question."""
    asked_at: float = field(compare=False, default_factory=time.perf_counter)


@dataclass(frozen=True)
class Verdict:
    """The analyzer's answer about one pause, with what it cost."""

    speech_end_s: float
    probability: float
    cpu_s: float
    """CPU time of the call on the worker's thread."""
    latency_s: float
    """From the question to the answer (waiting included)."""


class TurnEndJudge:
    """One stream's questions to a :class:`~streamlit_rtc.core.turn_end.TurnEndAnalyzer`."""

    def __init__(
        self,
        analyzer: TurnEndAnalyzer,
        rate: int,
        options: PauseOptions,
        on_verdict: Callable[[Verdict], None],
        on_no_verdict: Callable[[float], None],
        on_problem: Callable[[str], None],
        start_thread: Callable[[Callable[[], None]], object],
        threaded: bool,
    ) -> None:
        self.analyzer = analyzer
        self.rate = rate
        self.options = options
        self._on_verdict = on_verdict
        self._on_no_verdict = on_no_verdict
        self._on_problem = on_problem
        self._slow_after_s = options.pause_s + options.verdict_wait_s
        self._tail = AudioTail(rate)
        self._cap_s = float(analyzer.max_audio_s)
        self._worker: LatestJobWorker[PauseQuestion] = LatestJobWorker(
            self._answer, lambda _question: None, start_thread, threaded
        )
        self._lock = threading.Lock()
        self.failed = False
        self._told_slow = False
        self.verdicts: list[Verdict] = []
        """The latest verdicts, newest last (at most 64): what decisions cost."""

    @property
    def threaded(self) -> bool:
        return self._worker.threaded

    @threaded.setter
    def threaded(self, value: bool) -> None:
        self._worker.threaded = value

    def audio(self, mono: np.ndarray) -> None:
        """Every input sample at the VAD's rate, int16 ``(1, N)``, in order."""
        self._tail.append(mono)
        self._tail.keep_from(0.0, self._cap_s + 1.0)

    def ask_about(self, pause: TurnEvent) -> bool:
        """Ask about a pause (``PAUSE_STARTED``): the turn from its onset, pre-roll included.

        A turn with too little speech to be answered needs no verdict, and an
        analyzer that failed is not asked again: False, nothing was asked. A
        question that fails later is reported through ``on_no_verdict``.
        """
        opts = self.options
        if self.failed or pause.speech_end_s - pause.onset_s < opts.min_turn_speech_s:
            return False
        audio = self._tail.since(pause.onset_s - opts.pre_roll_s, self._cap_s)
        self._worker.submit(PauseQuestion(pause.speech_end_s, audio))
        if not self._worker.threaded:
            self._worker.run_waiting()
        return True

    def forget(self) -> None:
        """Drop a question still waiting (the turn ended or was reset)."""
        self._worker.cancel_if(lambda _question: True)

    def close(self) -> None:
        self._worker.close()

    def _answer(self, question: PauseQuestion) -> None:
        name = type(self.analyzer).__name__
        started = time.thread_time()
        try:
            samples = question.audio.reshape(-1).astype(np.float32) / 32768.0
            if self.analyzer.sample_rate != self.rate:
                samples = soxr.resample(samples, self.rate, self.analyzer.sample_rate, "HQ")
            probability = self.analyzer.probability(samples)
            if isinstance(probability, np.generic):
                probability = probability.item()
            if (
                isinstance(probability, bool)
                or not isinstance(probability, (int, float))
                or not math.isfinite(probability)
                or not 0.0 <= probability <= 1.0
            ):
                raise ValueError(f"probability() returned {probability!r}, not a number in [0, 1]")
        except Exception as exc:
            self.failed = True
            logger.error("turn_end analyzer %s failed", name, exc_info=exc)
            self._on_problem(
                f"The turn_end analyzer {name}.probability() failed ({type(exc).__name__}: "
                f"{exc}); this stream now ends turns on silence alone (pause_s). Fix the "
                "analyzer, or leave turn_end unset."
            )
            self._on_no_verdict(question.speech_end_s)
            return
        verdict = Verdict(
            question.speech_end_s,
            float(probability),
            time.thread_time() - started,
            time.perf_counter() - question.asked_at,
        )
        with self._lock:
            self.verdicts = [*self.verdicts[-63:], verdict]
        logger.debug("turn_end: pause after %.2f s: p=%.3f", verdict.speech_end_s, probability)
        if verdict.latency_s > self._slow_after_s and not self._told_slow:
            self._told_slow = True
            self._on_problem(
                f"The turn_end analyzer {name} took {verdict.latency_s:.2f} s to judge a pause, "
                f"longer than pause_s + verdict_wait_s ({self._slow_after_s:.2f} s): its "
                "verdicts come too late and turns end on silence alone. The server's CPU is "
                "too slow or too busy for it; serve fewer streams per machine, raise "
                "PauseOptions.verdict_wait_s, or leave turn_end unset."
            )
        self._on_verdict(verdict)
