"""TranscribingReplyOnPause: ReplyOnPause that shows the user's words while they still speak.

``ReplyOnPause`` shows nothing of a turn until the user pauses, then starts the
reply by transcribing it all (fastrtc issue #334 asked for live words, and for
that work to leave the pause). This handler transcribes the turn *while it is
spoken*, from the 16 kHz mono feed the VAD already gets (Whisper's rate), on a
bounded background worker of the connection (:mod:`.partials`):

* every ``partial_every_s`` (0.7 s) of speech, the turn so far (only if the
  VAD heard speech since the last request: silence costs nothing);
* once speech stops (``speech_stop_s``, 0.1 s, of silence), the whole turn,
  while the pause is still being confirmed.

**Partials are additional outputs:** ``emit()`` / ``next_output()`` return each
new text as ``AdditionalOutputs(PartialTranscript(...))`` before anything else,
so it takes the ordered path of every output (``outputs=[...]`` keys,
``on_additional_outputs``, ``HandlerSimulator``'s record). A turn's partials
come before its reply's outputs, never after; a turn that ends without a reply
(too short, or speech ignored during a reply) gets a last
``PartialTranscript(withdrawn=True)`` so the page stops showing its words. Not
chosen: a status event (a closed enum every layer above maps to a state) and
``send_message`` (the page keeps only the latest few, as "Message from the stream").

**The reply gets the transcript:** ``fn(audio, *inputs, transcript)`` with a
keyword-only ``transcript`` receives the turn's text: the transcription made
when speech stopped if it covers all the turn's speech (no speech-to-text
between pause and reply), else one made then with the same model.

A failing STT model stops partials for the connection with an ``error`` status
naming it; replies go on. On a simulated clock transcriptions run inline in
``receive``, so results are exact and repeatable.
"""

from __future__ import annotations

import functools
import inspect
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from ..audio.speech.protocols import STTModel
from ..core.bridge import UserCodeError
from ..core.emit import EmitParts, parse_audio_emit
from ..core.handler import AudioEmitType, AudioFrame
from ..core.messages import AdditionalOutputs
from ..core.status import Status, StatusEvent
from .inherited_parameters import inherit_parameters
from .partials import (
    MAX_PARTIAL_S,
    AudioTail,
    LiveTurn,
    PartialOutbox,
    PartialTranscript,
    TranscriptionWorker,
    TranscriptJob,
)
from .reply_on_pause import ReplyFn, ReplyOnPause

__all__ = ["PartialTranscript", "TranscribingReplyOnPause"]

logger = logging.getLogger(__name__)

TRANSCRIPT_WAIT_S = 3.0
"""How long a reply waits for the transcription of its turn that is already running."""


def _takes_transcript(fn: Callable[..., Any]) -> inspect.Signature | None:
    """``fn``'s signature without its keyword-only ``transcript`` parameter; None if it has none."""
    try:
        signature = inspect.signature(fn)
    except (TypeError, ValueError):
        return None
    param = signature.parameters.get("transcript")
    if param is None or param.kind is not inspect.Parameter.KEYWORD_ONLY:
        return None
    return signature.replace(
        parameters=[p for p in signature.parameters.values() if p.name != "transcript"]
    )


@inherit_parameters(after="fn")
class TranscribingReplyOnPause(ReplyOnPause):
    """``ReplyOnPause`` that reports the user's words while a turn is spoken (see the module).

    Everything of :class:`ReplyOnPause` applies. Added:

    Args:
        stt: the model (``.stt((rate, samples)) -> str``); default
            ``get_stt_model()`` (Whisper tiny.en, the ``stt`` extra). Shared
            by every connection of the prototype.
        partial_every_s: how much speech triggers the next partial transcript
            (the first comes this long after speech starts).
        speech_stop_s: silence after which the whole turn is transcribed,
            before the pause is confirmed (keep it below ``pause_s``).
        transcribe_in_thread: transcribe on a background thread of the
            connection (False: inline in ``receive``, as on a simulated clock).

    ``fn`` may take a keyword-only ``transcript``: the text of its turn.
    """

    def __init__(
        self,
        fn: ReplyFn,
        *args: Any,
        stt: STTModel | None = None,
        partial_every_s: float = 0.7,
        speech_stop_s: float = 0.1,
        transcribe_in_thread: bool = True,
        **kwargs: Any,
    ) -> None:
        if not callable(fn):
            raise TypeError(f"ReplyOnPause needs a callable fn, got {type(fn).__name__}")
        self.reply_fn = fn
        """``fn`` as given (``self.fn`` passes it the transcript when it takes one)."""
        super().__init__(self._with_transcript(fn), *args, **kwargs)
        if not 0.1 <= partial_every_s <= 30.0:
            raise ValueError(f"partial_every_s must be in [0.1, 30] s, got {partial_every_s}")
        if not 0.0 < speech_stop_s < self.options.pause_s:
            raise ValueError(
                f"speech_stop_s must be above 0 and below pause_s ({self.options.pause_s} s), "
                f"got {speech_stop_s}"
            )
        if stt is None:
            from ..audio.speech import get_stt_model

            stt = get_stt_model()
        if not callable(getattr(stt, "stt", None)):
            raise TypeError(f"stt must have .stt((rate, samples)) -> str, got {type(stt).__name__}")
        self.stt: STTModel = stt
        self.partial_every_s = float(partial_every_s)
        self.speech_stop_s = float(speech_stop_s)
        self.transcribe_in_thread = transcribe_in_thread
        self._tail = AudioTail(self.model.sample_rate)
        opts = self.options
        self._history_s = opts.pre_roll_s + opts.min_speech_s + 1.0
        self._turn: LiveTurn | None = None
        self._answered: LiveTurn | None = None
        self._turns = 0
        self._outbox = PartialOutbox()
        self._failed = False
        self._jobs_done = threading.Condition(self._lock)
        self._worker = TranscriptionWorker(
            self._transcribe,
            self._job_finished,
            lambda target: self.bridge.thread("partial-stt", target),
            threaded=transcribe_in_thread,
        )
        self.status.add_listener(self._on_status)

    def _copy_kwargs(self) -> dict[str, Any]:
        return {
            **super()._copy_kwargs(),
            "fn": self.reply_fn,
            "stt": self.stt,
            "partial_every_s": self.partial_every_s,
            "speech_stop_s": self.speech_stop_s,
            "transcribe_in_thread": self.transcribe_in_thread,
        }

    def use_simulated_clock(self) -> None:
        """On a simulated clock transcriptions run inline: a thread would fall behind the clock."""
        self.transcribe_in_thread = False
        self._worker.threaded = False
        super().use_simulated_clock()

    def shutdown(self) -> None:
        self._worker.close()
        super().shutdown()

    # -- input side: follow the turn, request transcriptions ---------------------------
    def receive(self, frame: AudioFrame) -> None:
        super().receive(frame)
        if not self._worker.threaded:
            self._worker.run_waiting()

    def _on_vad_audio(self, mono: np.ndarray) -> None:
        self._tail.append(mono)

    def _on_window(self, probability: float, end_s: float) -> None:
        super()._on_window(probability, end_s)
        self._follow_turn(probability >= self.options.silence_threshold, end_s)

    def _follow_turn(self, speech: bool, end_s: float) -> None:
        """After each VAD window (under the handler lock): start/end turns, request transcripts."""
        start = self.utterance_start_s()
        turn = self._turn
        if turn is not None and (start is None or abs(start - turn.start_s) > 1e-9):
            self._end_turn(turn)
            turn = None
        if start is None:
            self._tail.keep_from(end_s - self._history_s, self._history_s)
            return
        if turn is None:
            self._turns += 1
            onset = min(start + self.options.pre_roll_s, end_s)
            turn = LiveTurn(self._turns, start, next_due_s=onset + self.partial_every_s)
            self._turn = turn
        self._tail.keep_from(turn.start_s, MAX_PARTIAL_S)
        stopped = False
        if speech:
            turn.heard_speech = turn.speaking = True
            turn.speech_end_s = end_s
        elif turn.speaking and end_s - turn.speech_end_s + 1e-9 >= self.speech_stop_s:
            turn.speaking, stopped = False, True  # transcribe it all while the pause is confirmed
        due = end_s + 1e-9 >= turn.next_due_s and turn.heard_speech
        if (stopped or due) and not self._failed:
            turn.jobs += 1
            audio = self._tail.since(turn.start_s, MAX_PARTIAL_S)
            self._worker.submit(TranscriptJob(turn, audio, end_s))
            turn.next_due_s = end_s + self.partial_every_s
            turn.heard_speech = False

    def _end_turn(self, turn: LiveTurn) -> None:
        self._turn = None
        turn.live = False
        if turn.answered:
            return  # its transcriptions go on: the reply may use them
        self._worker.cancel(turn)
        if turn.shown:
            self._outbox.put(
                PartialTranscript(turn.shown, turn.number, 0.0, self.stream_time_s(), True)
            )

    def _on_status(self, status: Status) -> None:
        if status.event is StatusEvent.PAUSE_DETECTED:
            with self._lock:
                if self._turn is not None:
                    self._turn.answered = True
                self._answered = self._turn

    # -- the worker ---------------------------------------------------------------------
    def _transcribe(self, job: TranscriptJob) -> None:
        method = f"{type(self.stt).__name__}.stt() (partial transcript)"
        rate = self._tail.rate
        started = time.perf_counter()
        text = ""
        try:
            with self.bridge.running(method):
                text = self.stt.stt((rate, job.audio))
                if not isinstance(text, str):
                    raise TypeError(f"stt() returned {type(text).__name__}, expected str")
        except UserCodeError as exc:
            self._stop_partials(exc)
        except Exception:  # a bug of ours must not end partials silently: log it, go on
            logger.exception("partial transcription failed unexpectedly")
        else:
            logger.debug(
                "transcript of turn %d (%.2f s of audio) in %.3f s: %r",
                job.turn.number,
                job.audio.shape[1] / rate,
                time.perf_counter() - started,
                text,
            )
            self._record(job, text.strip())
        finally:
            self._job_finished(job)

    def _record(self, job: TranscriptJob, text: str) -> None:
        with self._lock:
            if job.turn.record(job.end_s, text):
                audio_s = job.audio.shape[1] / self._tail.rate
                self._outbox.put(PartialTranscript(text, job.turn.number, audio_s, job.end_s))

    def _job_finished(self, job: TranscriptJob) -> None:
        with self._jobs_done:
            job.turn.jobs -= 1
            self._jobs_done.notify_all()

    def _stop_partials(self, exc: UserCodeError) -> None:
        self._failed = True
        message = f"partial transcripts stopped: {exc.user_message}"
        logger.error("%s", message, exc_info=exc.cause)
        self.report_status(StatusEvent.ERROR, message)

    # -- the reply: its transcript ----------------------------------------------------------
    def _with_transcript(self, fn: ReplyFn) -> ReplyFn:
        """``fn`` itself, or a wrapper passing ``transcript=`` if ``fn`` takes it."""
        signature = _takes_transcript(fn)
        if signature is None:
            return fn

        @functools.wraps(fn)
        def reply(audio: tuple[int, np.ndarray], *inputs: Any) -> Any:
            return fn(audio, *inputs, transcript=self.turn_transcript(audio))

        reply.__signature__ = signature  # type: ignore[attr-defined]  # inputs as fn takes them
        return reply

    def turn_transcript(self, audio: tuple[int, np.ndarray]) -> str:
        """The text of the turn just answered, whose audio is ``audio``.

        The transcription made when its speech stopped, if it covers all of
        the turn's speech (waiting up to ``TRANSCRIPT_WAIT_S`` for one that
        is running); else ``audio`` transcribed now.
        """
        with self._jobs_done:
            turn, self._answered = self._answered, None
            if turn is not None:
                deadline = time.monotonic() + TRANSCRIPT_WAIT_S
                while not turn.covered and turn.jobs > 0:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        logger.warning("the transcription of turn %d is late", turn.number)
                        break
                    self._jobs_done.wait(left)
                if turn.covered:
                    assert turn.best is not None
                    return turn.best[1]
        return self.stt.stt(audio).strip()

    # -- output side: partials first ------------------------------------------------------
    def emit(self) -> AudioEmitType:
        """A waiting partial transcript as ``AdditionalOutputs``, else what the reply yields."""
        partial = self._outbox.take()
        if partial is not None:
            return AdditionalOutputs(partial)
        return super().emit()

    def next_output(self) -> EmitParts | None:
        """:meth:`emit`, parsed once (what the transport plays)."""
        partial = self._outbox.take()
        if partial is not None:
            return parse_audio_emit(AdditionalOutputs(partial))
        return super().next_output()
