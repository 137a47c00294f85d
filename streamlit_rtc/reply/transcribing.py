"""TranscribingReplyOnPause: ReplyOnPause that shows the user's words while they still speak.

``ReplyOnPause`` hands a turn over only when the user pauses, so a page shows
nothing of it until then, and the reply starts by transcribing the whole
turn (fastrtc issue #334 asked for live words, and for that work to move
out of the pause). This handler transcribes the turn *while it is spoken*,
on a background worker of the connection:

* every ``partial_every_s`` (0.7 s) of speech, the audio of the turn so far;
* and as soon as the speech stops (``speech_stop_s``, 0.1 s, of silence),
  the whole turn, while the pause is still being confirmed.

The audio is the 16 kHz mono feed the VAD already gets (Whisper's own rate),
so nothing more runs on the audio path.

**Partial transcripts are additional outputs.** Each new text is returned by
``emit()`` / ``next_output()`` as ``AdditionalOutputs(PartialTranscript(...))``,
ahead of anything else, so it travels the ordered path every output takes:
it lands in the stream's ``outputs=[...]`` keys or ``on_additional_outputs``
like the reply's own outputs, and ``HandlerSimulator`` records it with its
time. Partials of a turn always arrive before the outputs of the reply to
that turn and never after them (a transcription that finishes once the turn
has ended is not shown). A turn that ends without a reply (too short, or
speech ignored during a reply) gets a last ``PartialTranscript(withdrawn=True)``
so the page can stop showing its words. Not chosen: a status event (the
event kinds are a closed enum every layer above maps to a state) and
``send_message`` (the page shows the latest message as "Message from the
stream" and keeps only a few).

**The reply gets the transcript.** A reply function with a keyword-only
``transcript`` parameter, ``fn(audio, *inputs, transcript)``, receives the
text of the turn: the transcription made when the speech stopped, when it
covers all the speech of the turn (so no speech-to-text runs between the
pause and the reply), else one made then with the same model.

**Bounded work.** At most one transcription runs and at most one waits; a
newer request replaces the waiting one (the newest audio wins). A partial
is requested only when the VAD heard speech since the previous request, so
silence costs nothing. A failing STT model stops partial transcripts for the
connection with an ``error`` status naming it; replies go on. On a simulated
clock (``HandlerSimulator``) transcriptions run inline in ``receive``, so
results are exact and repeatable.
"""

from __future__ import annotations

import functools
import inspect
import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..audio.speech.protocols import STTModel
from ..audio.vad import VADModel
from ..core.bridge import UserCodeError
from ..core.emit import EmitParts, parse_audio_emit
from ..core.handler import AudioEmitType, AudioFrame, Layout
from ..core.messages import AdditionalOutputs
from ..core.status import Status, StatusEvent
from ..core.turn import PauseOptions
from ..core.turn_options import AlgoOptions, ModelOptions
from .reply_on_pause import ReplyFn, ReplyOnPause

__all__ = ["PartialTranscript", "TranscribingReplyOnPause"]

logger = logging.getLogger(__name__)

MAX_PARTIAL_S = 30.0
"""Longest audio one transcription covers (Whisper's window); older audio is left out."""
TRANSCRIPT_WAIT_S = 3.0
"""How long a reply waits for the transcription of its turn that is already running."""
_OUTBOX_MAX = 8


@dataclass(frozen=True)
class PartialTranscript:
    """The words of the turn being spoken, so far (the value inside ``AdditionalOutputs``)."""

    text: str
    """Transcript of the turn so far; it may still change (Whisper sees more words each time)."""
    turn: int
    """1, 2, ... per connection: partials of one turn share it."""
    audio_s: float
    """Seconds of the turn's audio that ``text`` covers."""
    stream_time_s: float
    """Stream time of the end of that audio."""
    withdrawn: bool = False
    """The turn ended without a reply: stop showing its words (``text`` is the last shown)."""


@dataclass
class _LiveTurn:
    """What the handler knows of one turn (guarded by the handler's lock)."""

    number: int
    start_s: float
    next_due_s: float
    heard_speech: bool = False
    speaking: bool = False
    speech_end_s: float = 0.0
    answered: bool = False
    live: bool = True
    shown: str = ""
    best: tuple[float, str] | None = None
    """``(audio end, text)`` of the transcription that covers the most of the turn."""
    jobs: int = 0
    """Transcriptions of this turn waiting or running."""


@dataclass(frozen=True)
class _Job:
    turn: _LiveTurn = field(compare=False)
    audio: np.ndarray = field(compare=False)
    """int16 ``(1, N)`` at the VAD's rate."""
    end_s: float


class _AudioTail:
    """Recent mono int16 audio at one rate, addressed by stream time (sample count / rate)."""

    def __init__(self, rate: int) -> None:
        self.rate = rate
        self._chunks: deque[np.ndarray] = deque()
        self._first = 0  # sample index of the first kept sample
        self._end = 0  # sample index after the last one

    def append(self, mono: np.ndarray) -> None:
        if mono.shape[-1]:
            self._chunks.append(mono.reshape(1, -1))
            self._end += mono.shape[-1]

    def keep_from(self, start_s: float, cap_s: float) -> None:
        """Drop whole chunks that end before ``start_s`` or lie more than ``cap_s`` back."""
        keep = max(round(start_s * self.rate), self._end - round(cap_s * self.rate))
        while self._chunks and self._first + self._chunks[0].shape[1] <= keep:
            self._first += self._chunks.popleft().shape[1]

    def since(self, start_s: float, cap_s: float) -> np.ndarray:
        """``(1, N)`` int16 from ``start_s`` (or ``cap_s`` before the end) to the end."""
        if not self._chunks:
            return np.zeros((1, 0), dtype=np.int16)
        audio = np.concatenate(list(self._chunks), axis=1)
        first = max(round(start_s * self.rate), self._end - round(cap_s * self.rate), self._first)
        return audio[:, first - self._first :]


class _Worker:
    """One transcription at a time, one waiting; a newer request replaces the waiting one.

    ``threaded``: a thread of the connection (started by ``start_thread`` on
    first use) runs the jobs; otherwise :meth:`run_waiting` runs them on the
    caller's thread. ``on_dropped`` hears of every job that will never run.
    """

    def __init__(
        self,
        run: Callable[[_Job], None],
        on_dropped: Callable[[_Job], None],
        start_thread: Callable[[Callable[[], None]], object],
        threaded: bool,
    ) -> None:
        self._run_job = run
        self._on_dropped = on_dropped
        self._start_thread = start_thread
        self.threaded = threaded
        self._cond = threading.Condition()
        self._waiting: _Job | None = None
        self._closed = False
        self._started = False

    def submit(self, job: _Job) -> None:
        with self._cond:
            if self._closed:
                replaced: _Job | None = job
            else:
                replaced, self._waiting = self._waiting, job
                self._cond.notify()
            start = self.threaded and not self._started and not self._closed
            self._started = self._started or start
        if replaced is not None:
            self._on_dropped(replaced)
        if start:
            self._start_thread(self._loop)

    def cancel(self, turn: _LiveTurn) -> None:
        """Forget a waiting request of ``turn`` (the turn ended without a reply)."""
        with self._cond:
            job = self._waiting
            if job is None or job.turn is not turn:
                return
            self._waiting = None
        self._on_dropped(job)

    def run_waiting(self) -> None:
        """Run the waiting request here (unthreaded mode)."""
        with self._cond:
            job, self._waiting = self._waiting, None
        if job is not None:
            self._run_job(job)

    def _loop(self) -> None:
        while True:
            with self._cond:
                while self._waiting is None and not self._closed:
                    self._cond.wait()
                if self._closed:
                    return
                job, self._waiting = self._waiting, None
            self._run_job(job)

    def close(self) -> None:
        """Stop after the job in progress (the connection's bridge joins the thread)."""
        with self._cond:
            self._closed = True
            job, self._waiting = self._waiting, None
            self._cond.notify_all()
        if job is not None:
            self._on_dropped(job)


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

    ``emit()`` / ``next_output()`` return ``AdditionalOutputs(PartialTranscript)``
    as each new text is ready, before the reply's own outputs. ``fn`` may take
    a keyword-only ``transcript``: the text of its turn.
    """

    def __init__(
        self,
        fn: ReplyFn,
        startup_fn: Callable[..., Any] | None = None,
        algo_options: AlgoOptions | None = None,
        model_options: ModelOptions = None,
        can_interrupt: bool = True,
        expected_layout: Layout = "mono",
        output_sample_rate: int = 24000,
        output_frame_size: int | None = None,
        input_sample_rate: int = 48000,
        model: VADModel | None = None,
        needs_args: bool = False,
        *,
        options: PauseOptions | None = None,
        args_timeout_s: float = 5.0,
        stt: STTModel | None = None,
        partial_every_s: float = 0.7,
        speech_stop_s: float = 0.1,
        transcribe_in_thread: bool = True,
    ) -> None:
        if not callable(fn):
            raise TypeError(f"ReplyOnPause needs a callable fn, got {type(fn).__name__}")
        self.reply_fn = fn
        """``fn`` as given (``self.fn`` passes it the transcript when it takes one)."""
        super().__init__(
            self._with_transcript(fn),
            startup_fn,
            algo_options,
            model_options,
            can_interrupt,
            expected_layout,
            output_sample_rate,
            output_frame_size,
            input_sample_rate,
            model,
            needs_args,
            options=options,
            args_timeout_s=args_timeout_s,
        )
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
        self._tail = _AudioTail(self.model.sample_rate)
        opts = self.options
        self._history_s = opts.pre_roll_s + opts.min_speech_s + 1.0
        self._turn: _LiveTurn | None = None
        self._answered: _LiveTurn | None = None
        self._turns = 0
        self._outbox: deque[PartialTranscript] = deque()
        self._failed = False
        self._jobs_done = threading.Condition(self._lock)
        self._worker = _Worker(
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
            turn = _LiveTurn(self._turns, start, next_due_s=onset + self.partial_every_s)
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
            self._worker.submit(_Job(turn, self._tail.since(turn.start_s, MAX_PARTIAL_S), end_s))
            turn.next_due_s = end_s + self.partial_every_s
            turn.heard_speech = False

    def _end_turn(self, turn: _LiveTurn) -> None:
        self._turn = None
        turn.live = False
        if turn.answered:
            return  # its transcriptions go on: the reply may use them
        self._worker.cancel(turn)
        if turn.shown:
            self._queue(PartialTranscript(turn.shown, turn.number, 0.0, self.stream_time_s(), True))

    def _on_status(self, status: Status) -> None:
        if status.event is StatusEvent.PAUSE_DETECTED:
            with self._lock:
                if self._turn is not None:
                    self._turn.answered = True
                self._answered = self._turn

    # -- the worker ---------------------------------------------------------------------
    def _transcribe(self, job: _Job) -> None:
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

    def _record(self, job: _Job, text: str) -> None:
        turn = job.turn
        with self._lock:
            if turn.best is None or job.end_s >= turn.best[0]:
                turn.best = (job.end_s, text)
            if not turn.live or not text or text == turn.shown:
                return  # the turn ended meanwhile (never shown after its reply), or nothing new
            turn.shown = text
            self._queue(
                PartialTranscript(
                    text, turn.number, job.audio.shape[1] / self._tail.rate, job.end_s
                )
            )

    def _job_finished(self, job: _Job) -> None:
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
                while not self._covers(turn) and turn.jobs > 0:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        logger.warning("the transcription of turn %d is late", turn.number)
                        break
                    self._jobs_done.wait(left)
                if self._covers(turn):
                    assert turn.best is not None
                    return turn.best[1]
        return self.stt.stt(audio).strip()

    @staticmethod
    def _covers(turn: _LiveTurn) -> bool:
        return turn.best is not None and turn.best[0] >= turn.speech_end_s

    # -- output side: partials first ------------------------------------------------------
    def _queue(self, partial: PartialTranscript) -> None:
        with self._lock:
            last = self._outbox[-1] if self._outbox else None
            if last is not None and last.turn == partial.turn and not last.withdrawn:
                self._outbox[-1] = partial  # not delivered yet: only the newest text matters
            else:
                self._outbox.append(partial)
            while len(self._outbox) > _OUTBOX_MAX:
                self._outbox.popleft()

    def _take_partial(self) -> PartialTranscript | None:
        with self._lock:
            return self._outbox.popleft() if self._outbox else None

    def emit(self) -> AudioEmitType:
        """A waiting partial transcript as ``AdditionalOutputs``, else what the reply yields."""
        partial = self._take_partial()
        if partial is not None:
            return AdditionalOutputs(partial)
        return super().emit()

    def next_output(self) -> EmitParts | None:
        """:meth:`emit`, parsed once (what the transport plays)."""
        partial = self._take_partial()
        if partial is not None:
            return parse_audio_emit(AdditionalOutputs(partial))
        return super().next_output()
