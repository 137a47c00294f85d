"""ReplyOnStopWords: wait for a wake phrase, then answer what follows it like ReplyOnPause.

The VAD and turn logic of :class:`ReplyOnPause` run all the time; a keyword
detector listens next to them (off the audio path). When a stop phrase is
heard the handler is *armed*: the next turn is answered with the audio that
came **after** the phrase (``"computer what is the weather"`` works without
a pause, and ``"computer" … "what is the weather"`` works with one). After
the reply is taken, the handler waits for the phrase again. Plain speech
during a reply does not interrupt it; the stop phrase does.

What the detector hears and when it resets is the business of
:class:`~streamlit_rtc.audio.keywords.ListenGate` (inside the
:class:`KeywordWatcher`); this module only arms on hits and cuts the phrase
off the request.

The constructor takes ReplyOnPause's parameters as they are
(:mod:`.inherited_parameters`), with ``stop_words`` second as in fastrtc.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..audio.keywords.default import default_detector
from ..audio.keywords.gate import ListenGate
from ..audio.keywords.types import KeywordDetector, KeywordHit, StopPhrase, as_stop_phrases
from ..core.bridge import user_message
from ..core.status import StatusEvent
from .inherited_parameters import inherit_parameters
from .keyword_watch import KeywordWatcher
from .replies import Turn
from .reply_on_pause import ReplyFn, ReplyOnPause

__all__ = ["ReplyOnStopWords"]

logger = logging.getLogger(__name__)


@inherit_parameters(after="fn")
class ReplyOnStopWords(ReplyOnPause):
    """Answers only what is said after one of ``stop_words`` (words or phrases).

    ``stop_words`` items are strings or ``StopPhrase`` objects (with
    alternative spellings). ``detector`` is any keyword detector
    (``sample_rate``, ``start_stream()`` → ``feed(int16) -> hits``); the
    default (:func:`~streamlit_rtc.audio.keywords.default_detector`) is the
    offline ``ConfirmedDetector`` (keyphrase candidates confirmed by Whisper)
    when the ``stt`` extra is installed, else ``PocketSphinxDetector``. A
    detector's ``description`` (and ``notice``, e.g. how to get the
    dependable one) is sent to the page once when a stream starts, as a
    ``log`` message (the notice as a ``warning``). Once armed, the handler
    waits ``armed_timeout_s`` for the request before it stops listening.
    Status events add ``stopword`` (detail: the phrase) to ReplyOnPause's.
    """

    def __init__(
        self,
        fn: ReplyFn,
        stop_words: Sequence[str | StopPhrase] | str,
        *args: Any,
        detector: KeywordDetector | None = None,
        detect_in_thread: bool = True,
        armed_timeout_s: float = 10.0,
        **kwargs: Any,
    ) -> None:
        super().__init__(fn, *args, **kwargs)
        self.stop_words: list[StopPhrase] = list(as_stop_phrases(stop_words))
        if detector is None:
            detector = default_detector(self.stop_words)
        if detector.sample_rate != self.model.sample_rate:
            raise ValueError(
                f"the keyword detector needs {detector.sample_rate} Hz audio but the VAD runs at "
                f"{self.model.sample_rate} Hz; use a detector for {self.model.sample_rate} Hz"
            )
        self.detector = detector
        self.detect_in_thread = detect_in_thread
        self.armed_timeout_s = armed_timeout_s
        self._watcher: KeywordWatcher | None = None
        self._phrase_end: float | None = None
        self._last_hit_end = float("-inf")
        self._recent: tuple[float, np.ndarray] | None = None

    def _copy_kwargs(self) -> dict[str, Any]:
        return {
            **super()._copy_kwargs(),
            "stop_words": self.stop_words,
            "detector": self.detector,
            "detect_in_thread": self.detect_in_thread,
            "armed_timeout_s": self.armed_timeout_s,
        }

    def use_simulated_clock(self) -> None:
        """On a simulated clock the detector runs inline: a thread would fall behind the clock."""
        self.detect_in_thread = False
        super().use_simulated_clock()

    @property
    def armed(self) -> bool:
        """A stop phrase was heard and the request after it has not been taken yet."""
        phrase_end = self._phrase_end
        return phrase_end is not None and self.stream_time_s() <= phrase_end + self.armed_timeout_s

    def start_up(self) -> None:
        """Tell the page once which detector listens (and how to get a better one, if any)."""
        super().start_up()
        description = getattr(self.detector, "description", None)
        notice = getattr(self.detector, "notice", None)
        for kind, text in (("log", description), ("warning", notice)):
            if text and not self._post(kind, str(text)):
                logger.info("no page to tell (not running as a stream): %s", text)

    # -- hooks ---------------------------------------------------------------------
    def _on_vad_audio(self, mono: np.ndarray) -> None:
        if self._watcher is None:
            model = self.model
            gate = ListenGate(
                self.detector.sample_rate,
                model.window_size / model.sample_rate,
                self.options.silence_threshold,
            )
            self._watcher = KeywordWatcher(
                self.detector.start_stream(),
                self.detector.sample_rate,
                on_hit=self._on_hit,
                on_error=self._on_detector_error,
                threaded=self.detect_in_thread,
                gate=gate,
            )
        self._watcher.audio(mono)

    def _on_window(self, probability: float, end_s: float) -> None:
        if self._watcher is not None:
            self._watcher.window(probability, end_s)
        super()._on_window(probability, end_s)

    def _speech_interrupts(self) -> bool:
        return False

    def _accept_turn(self, start_s: float, audio: np.ndarray) -> np.ndarray | None:
        if not self.armed:
            self._recent = (start_s, audio)  # the phrase may still be detected in it
            return None
        assert self._phrase_end is not None
        rest = self._after_phrase(start_s, audio, self._phrase_end)
        if rest is None:
            return None  # only the phrase: stay armed for the request
        self._phrase_end = None
        self._recent = None
        return rest

    def _after_phrase(
        self, start_s: float, audio: np.ndarray, phrase_end_s: float
    ) -> np.ndarray | None:
        rate = self.input_sample_rate
        cut = max(0, round((phrase_end_s - start_s) * rate))
        rest = audio[:, cut:]
        enough = self.options.min_turn_speech_s + self.options.end_pad_s
        return rest if rest.shape[1] >= enough * rate else None

    # -- detector callbacks (watcher thread, or inline under the handler lock) --------
    def _on_hit(self, hit: KeywordHit) -> None:
        with self._lock:
            if hit.start_s < self._last_hit_end:
                return  # the same phrase again ("computer" inside "ok computer", a re-fire)
            self._last_hit_end = float(hit.end_s)
            self._phrase_end = float(hit.end_s)
            busy = self._reply_busy() and self.can_interrupt
            if busy:
                self._interrupt()
            self.report_status(StatusEvent.STOPWORD, str(hit.phrase))
            if busy:
                self.report_status(StatusEvent.INTERRUPTED)
            recent, self._recent = self._recent, None
            if recent is None or self._recorder.recording:
                return
            start_s, audio = recent
            end_s = start_s + audio.shape[1] / self.input_sample_rate
            if not start_s <= hit.end_s <= end_s + 0.1:
                return
            rest = self._after_phrase(start_s, audio, hit.end_s)
            if rest is not None:  # the phrase and the request were one turn, already over
                self._phrase_end = None
                self._replies.queue(Turn(rest))
                self.report_status(StatusEvent.PAUSE_DETECTED)

    def _on_detector_error(self, exc: BaseException) -> None:
        logger.error("keyword detector failed", exc_info=exc)
        self.report_status(StatusEvent.ERROR, f"keyword detector failed: {user_message(exc)}")

    def shutdown(self) -> None:
        if self._watcher is not None:
            self._watcher.close()
            self._watcher = None
        super().shutdown()
