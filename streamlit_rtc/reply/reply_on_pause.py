"""ReplyOnPause: answer when the user pauses, stop talking the moment they speak again.

Input is scored by a streaming VAD every 32 ms window (not per 0.6 s chunk
as in the reference), so a turn ends ``pause_s`` after speech does, the
audio handed to ``fn`` starts ``pre_roll_s`` before the detected onset (the
first syllable is never lost), and a barge-in drops queued output within one
window plus the VAD's onset lag.

Threads: ``receive`` runs on the input side, ``emit`` (and so ``fn``) on the
output side; they share state under one lock that is never held while user
code runs. Driven by hand (``receive`` per 20 ms frame, ``emit`` until None)
it needs no event loop, WebRTC or Streamlit.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

import numpy as np

from ..audio.vad import SileroVAD, VADModel
from ..core.bridge import Steps, UserCodeError, user_message
from ..core.emit import EmitParts
from ..core.handler import AudioEmitType, AudioFrame, Layout, StreamHandler
from ..core.status import StatusEvent
from ..core.turn import PauseOptions, TurnDetector, TurnEvent, TurnEventKind
from ..core.turn_end import TurnEndAnalyzer, check_turn_end_analyzer
from ..core.turn_options import AlgoOptions, ModelOptions, pause_options_from
from .judged_pauses import JudgedPauses, pause_detail
from .listening import Listening, parse_frame
from .replies import Replies, Turn
from .reply_args import InputsNeed
from .turn_end_judge import Verdict
from .utterance import UtteranceRecorder

__all__ = ["ReplyFn", "ReplyOnPause", "user_message"]

logger = logging.getLogger(__name__)

ReplyFn = Callable[..., Any]
"""``fn((rate, int16 (1, N)), *extra_inputs)``: a generator (sync or async) of emit values."""


class ReplyOnPause(StreamHandler):
    """Calls ``fn`` with the user's utterance each time they pause, and plays what it yields.

    ``fn(audio, *inputs)`` gets ``(input_sample_rate, int16 (1, N))`` and the
    stream's extra inputs, and yields what any handler may emit. With
    ``can_interrupt=True`` speech during a reply closes the generator and
    drops queued audio at once; with False the handler does not listen until
    the reply has played. ``startup_fn(*inputs)`` replies once at connection
    start. Status events: ``started_talking``, ``pause_detected``,
    ``response_starting``, ``response_done``, ``interrupted``, ``error``.

    ``turn_end`` (a :class:`~streamlit_rtc.core.turn_end.TurnEndAnalyzer`,
    e.g. ``SmartTurn()``) is asked, whenever the user falls silent, whether
    the turn sounds complete: if so ``options.complete_pause_s`` of silence
    ends it, if not the wait stretches to ``options.incomplete_pause_s``.
    Without it (the default) ``options.pause_s`` ends every turn. The
    ``pause_detected`` status says how a pause was judged: ``"sounded
    complete (0.97)"`` or ``"sounded unfinished (0.12)"``; no detail when
    silence alone ended it.
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
        turn_end: TurnEndAnalyzer | None = None,
    ) -> None:
        super().__init__(
            expected_layout=expected_layout,
            output_sample_rate=output_sample_rate,
            output_frame_size=output_frame_size,
            input_sample_rate=input_sample_rate,
        )
        if not callable(fn):
            raise TypeError(f"ReplyOnPause needs a callable fn, got {type(fn).__name__}")
        if startup_fn is not None and not callable(startup_fn):
            raise TypeError(f"startup_fn must be callable, got {type(startup_fn).__name__}")
        self.fn = fn
        self.startup_fn = startup_fn
        self.algo_options = algo_options
        self.model_options = model_options
        self.needs_args = bool(needs_args)
        self.options = pause_options_from(options or PauseOptions(), algo_options, model_options)
        # Load the model now (once per process), never on a live stream's first frame.
        self.model: VADModel = model if model is not None else SileroVAD.shared()
        self.can_interrupt = can_interrupt
        self.args_timeout_s = args_timeout_s
        self.turn_end = check_turn_end_analyzer(turn_end) if turn_end is not None else None
        self.judge_in_thread = True
        self._judged: JudgedPauses | None = None
        self._inputs_need: dict[bool, InputsNeed] = {}
        self._lock = threading.RLock()
        self._listening: Listening | None = None
        self._detector: TurnDetector | None = None
        channels = 2 if expected_layout == "stereo" else 1
        opts = self.options
        self._recorder = UtteranceRecorder(
            self.input_sample_rate,
            channels,
            history_s=opts.pre_roll_s + opts.min_speech_s + 0.5,
            max_s=opts.max_continuous_speech_s + opts.pre_roll_s + opts.pause_s + 1.0,
        )
        self._replies = Replies(
            self._lock,
            start=self._start_reply,
            on_started=lambda: self.report_status(StatusEvent.RESPONSE_STARTING),
            on_done=self._reply_done,
            on_error=self._report_error,
        )

    # -- prototype and lifecycle --------------------------------------------------
    def copy(self) -> ReplyOnPause:
        clone = type(self)(**self._copy_kwargs())
        clone.algo_options, clone.model_options = self.algo_options, self.model_options
        return clone

    def _copy_kwargs(self) -> dict[str, Any]:
        return {
            "fn": self.fn,
            "startup_fn": self.startup_fn,
            "needs_args": self.needs_args,
            "options": self.options,  # algo_options / model_options already applied
            "model": self.model,
            "can_interrupt": self.can_interrupt,
            "expected_layout": self.expected_layout,
            "output_sample_rate": self.output_sample_rate,
            "output_frame_size": self.output_frame_size,
            "input_sample_rate": self.input_sample_rate,
            "args_timeout_s": self.args_timeout_s,
            "turn_end": self.turn_end,
        }

    def start_up(self) -> None:
        if self.startup_fn is not None:
            self._replies.queue(Turn(None, startup=True))

    def shutdown(self) -> None:
        self._replies.close()
        if self._judged is not None:
            self._judged.close()
        self._close_own_bridge()

    def stream_time_s(self) -> float:
        return self._recorder.now_s

    def utterance_start_s(self) -> float | None:
        """Stream time where the turn being recorded starts (pre-roll included); None between turns.

        Read-only: lets a handler look at a turn while it is still spoken
        (``TranscribingReplyOnPause`` transcribes it for partial transcripts).
        """
        with self._lock:
            return self._recorder.start_s() if self._recorder.recording else None

    # -- input side --------------------------------------------------------------
    def _ensure_input_path(self) -> None:
        if self._listening is not None:
            return
        model = self.model
        self._listening = Listening(self.input_sample_rate, self.expected_layout, model)
        judged = self.turn_end is not None
        self._detector = TurnDetector(
            self.options, model.window_size / model.sample_rate, judged=judged
        )
        if self.turn_end is not None:
            self._judged = JudgedPauses(
                self.turn_end,
                model.sample_rate,
                self.options,
                lock=self._lock,
                detector=self._detector,
                on_event=self._on_turn_event,
                on_problem=self._on_turn_end_problem,
                start_thread=lambda target: self.bridge.thread("turn-end", target),
                threaded=self.judge_in_thread,
            )

    def receive(self, frame: AudioFrame) -> None:
        rate, samples = parse_frame(frame)
        with self._lock:
            self._ensure_input_path()
            assert self._listening is not None
            samples, mono = self._listening.take(rate, samples)
            self._recorder.append(samples)
            if self._judged is not None:
                self._judged.audio(mono)
            self._on_vad_audio(mono)
            for probability, end_s in self._listening.windows(mono):
                self._on_window(probability, end_s)

    def _reply_busy(self) -> bool:
        return self._replies.busy or self._pending_output_s() > 0.0

    def _on_window(self, probability: float, end_s: float) -> None:
        assert self._detector is not None
        if not self.can_interrupt and self._reply_busy():
            self._detector.reset()
            if self._recorder.recording:
                self._recorder.stop()
            return
        for event in self._detector.update(probability, end_s):
            self._on_turn_event(event)

    def _on_turn_event(self, event: TurnEvent) -> None:
        if event.kind is TurnEventKind.SPEECH_STARTED and event.forced:
            self._recorder.start(event.onset_s)  # speech goes on after a forced cut
        elif event.kind is TurnEventKind.SPEECH_STARTED:
            self._recorder.start(event.onset_s - self.options.pre_roll_s)
            busy = self._reply_busy() and self._speech_interrupts()
            if busy:
                self._interrupt()
            self.report_status(StatusEvent.STARTED_TALKING)
            if busy:
                self.report_status(StatusEvent.INTERRUPTED)
        elif event.kind is TurnEventKind.PAUSE_STARTED:
            if self._judged is not None:
                self._judged.ask_about(event)
        elif event.kind is TurnEventKind.TURN_ENDED:
            self._forget_turn_end()
            until = event.time_s if event.forced else event.speech_end_s + self.options.end_pad_s
            audio = self._accept_turn(self._recorder.start_s(), self._recorder.stop(until))
            if audio is None:
                return
            self._replies.queue(Turn(audio))
            self.report_status(StatusEvent.PAUSE_DETECTED, pause_detail(event, self.options))
        else:
            self._forget_turn_end()
            self._recorder.stop()

    # -- the turn-end analyzer (turn_end=...) -----------------------------------------
    def _forget_turn_end(self) -> None:
        if self._judged is not None:
            self._judged.forget()

    def _on_turn_end_problem(self, message: str) -> None:
        if not self._post("warning", message):
            logger.warning("%s", message)

    @property
    def turn_end_verdicts(self) -> list[Verdict]:
        """The latest verdicts of ``turn_end`` on this stream (what each decision cost)."""
        return self._judged.verdicts if self._judged is not None else []

    # -- hooks for turn-taking variants (ReplyOnStopWords) ---------------------------
    def _on_vad_audio(self, mono: np.ndarray) -> None:
        """Every input sample at the VAD's rate, mono int16 ``(1, N)``, in order."""

    def _speech_interrupts(self) -> bool:
        """Whether any speech during a reply interrupts it."""
        return True

    def _accept_turn(self, start_s: float, audio: np.ndarray) -> np.ndarray | None:
        """The audio to answer for a finished turn starting at ``start_s``; None: no reply."""
        return audio

    def _interrupt(self) -> None:
        self._replies.interrupt()
        self.clear_output()

    def trigger_response(self) -> None:
        """Reply now to what was heard so far (ends a turn in progress, or replies to silence)."""
        with self._lock:
            now = self._recorder.now_s
            if self._detector is not None and self._detector.end_turn_now(now) is not None:
                audio = self._recorder.stop(now)
            else:
                audio = np.zeros((self._recorder.channels, 0), dtype=np.int16)
            self._replies.queue(Turn(audio))
        self.report_status(StatusEvent.PAUSE_DETECTED, "triggered")

    # -- output side -------------------------------------------------------------
    def emit(self) -> AudioEmitType:
        """The next value the reply yields (as yielded), or None; see :meth:`next_output`."""
        item, _ = self._next_item()
        result: AudioEmitType = item
        return result

    def next_output(self) -> EmitParts | None:
        """The next value the reply yields, parsed once (what the transport plays)."""
        return self._next_item()[1]

    def _next_item(self) -> tuple[Any, EmitParts | None]:
        return self._replies.next_item()

    def _reply_name(self, startup: bool) -> str:
        fn = self.startup_fn if startup else self.fn
        what = "startup_fn" if startup else "reply function"
        return f"{type(self).__name__} {what} {getattr(fn, '__name__', type(fn).__name__)}()"

    def _start_reply(self, turn: Turn) -> Steps | None:
        """The user's reply to ``turn`` as steps (their function called through the bridge)."""
        name = self._reply_name(turn.startup)
        try:
            args = self._reply_args(turn.startup)
            if turn.startup:
                assert self.startup_fn is not None
                produced = self.bridge.call(name, self.startup_fn, *args)
            else:
                assert turn.audio is not None
                with self.bridge.running(name):  # tracked: a fn that hangs here is named
                    produced = self.fn((self.input_sample_rate, turn.audio), *args)
            return self.bridge.steps(name, produced)
        except Exception as exc:
            self._report_error(exc if isinstance(exc, UserCodeError) else UserCodeError(name, exc))
            return None

    def _reply_done(self) -> None:
        self._flush_output()
        self.report_status(StatusEvent.RESPONSE_DONE)

    def _report_error(self, exc: BaseException) -> None:
        message = user_message(exc)
        cause = exc.cause if isinstance(exc, UserCodeError) else exc
        logger.error("%s", message, exc_info=cause)
        self.report_status(StatusEvent.ERROR, message)

    def _reply_args(self, startup: bool) -> list[Any]:
        """The extra inputs for a reply, fresh (fastrtc asks the page at every turn).

        As in fastrtc, a function that takes only the audio (``startup_fn``:
        nothing) gets no inputs; one that takes more, or ``needs_args=True``,
        gets ``latest_args[1:]``.
        """
        fn = self.startup_fn if startup else self.fn
        need = self._inputs_need.get(startup)
        if need is None or need.fn is not fn:
            need = self._inputs_need[startup] = InputsNeed.of(fn, 0 if startup else 1)
        if not (self.needs_args or need.wants_inputs):
            return []
        self.wait_for_args_sync(self.args_timeout_s)
        return need.take(self.latest_args[1:])

    def use_simulated_clock(self) -> None:
        """Driven on a simulated clock (``HandlerSimulator``): no background threads."""
        self.judge_in_thread = False
        if self._judged is not None:
            self._judged.judge.threaded = False
