"""One audio connection: handler copy, worker threads, microphone sink and output track.

Created by the Streamlit adapter per START (or per headless connection in
tests). Media callbacks arrive on the server's event loop and only touch
bounded, non-blocking structures; the handler runs on :class:`HandlerWorkers`.
Everything is stopped exactly once by :meth:`AudioStreamSession.stop`,
whoever notices the end first (STOP, browser gone, time limit, CloseStream,
a fatal handler error, the Streamlit session ending).
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable

import numpy as np

from ..audio.output import AudioOutput
from ..core.handler import StreamHandlerBase
from ..core.messages import AdditionalOutputs, CloseStream
from ..rtc.audio_sink import MicrophoneSink
from ..rtc.audio_source import PacedAudioSourceTrack
from .mailbox import SessionMailbox
from .modes import Mode
from .workers import HandlerWorkers

__all__ = ["AudioStreamSession"]

logger = logging.getLogger(__name__)

OUTPUT_CHANNELS = 2
OUTPUT_BUFFER_S = 2.0


class AudioStreamSession:
    """Runs one private handler instance for one connection."""

    def __init__(
        self,
        prototype: StreamHandlerBase,
        mode: Mode = Mode.SEND_RECEIVE,
        time_limit: float | None = None,
        mailbox: SessionMailbox | None = None,
        name: str = "stream",
        on_stopped: Callable[[AudioStreamSession], None] | None = None,
        admit: Callable[[], bool] | None = None,
        busy_message: str = "This stream is busy; please try again later.",
    ) -> None:
        if time_limit is not None and time_limit <= 0:
            raise ValueError(f"time_limit must be positive seconds, got {time_limit!r}")
        self.mode = mode
        self.time_limit = time_limit
        self.name = name
        self.mailbox = mailbox or SessionMailbox()
        self.handler = prototype.copy()
        h = self.handler
        self.output = AudioOutput(
            h.output_sample_rate,
            OUTPUT_CHANNELS,
            h.output_frame_size,
            capacity_s=OUTPUT_BUFFER_S,
            on_outputs=self._on_outputs,
            on_close=self._on_close,
            discard_audio=not mode.receives,
        )
        h.attach_playback(self.output if mode.receives else None)
        h.status.add_listener(self.mailbox.on_status)
        self.workers = HandlerWorkers(h, self.output, on_fatal=self._on_fatal, name=name)
        self.sink = (
            MicrophoneSink(self._on_mic_frame, on_ended=self._on_mic_ended)
            if mode.sends
            else None
        )
        self.source_track = (
            PacedAudioSourceTrack(
                self._next_frame,
                sample_rate=h.output_sample_rate,
                channels=OUTPUT_CHANNELS,
                frame_size=h.output_frame_size,
            )
            if mode.receives
            else None
        )
        self._on_stopped = on_stopped
        self._admit = admit
        self._busy_message = busy_message
        self.refused = False
        self._lock = threading.RLock()
        self._started_at: float | None = None
        self._stopped = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._timer: threading.Timer | None = None

    # -- state ---------------------------------------------------------------------
    @property
    def started(self) -> bool:
        return self._started_at is not None

    @property
    def stopped(self) -> bool:
        return self._stopped.is_set()

    def remaining_s(self) -> float | None:
        """Seconds left before ``time_limit`` ends the stream (None without a limit)."""
        if self.time_limit is None:
            return None
        if self._started_at is None:
            return self.time_limit
        return max(0.0, self.time_limit - (time.monotonic() - self._started_at))

    def set_inputs(self, inputs: list[object]) -> None:
        self.handler.set_args(inputs)

    # -- start: on the first media callback (the connection is up) ---------------------
    def ensure_started(self) -> None:
        if self._started_at is not None or self._stopped.is_set():
            return
        with self._lock:
            if self._started_at is not None:
                return
            self._started_at = time.monotonic()
            try:
                self._loop = asyncio.get_running_loop()
            except RuntimeError:
                self._loop = None
        if self._loop is not None:
            # Starting threads waits for them to be scheduled: never on the media loop.
            self._loop.run_in_executor(None, self._start)
        else:
            self._start()

    def _start(self) -> None:
        if self._admit is not None and not self._admit():
            self.refused = True
            self.stop(self._busy_message)
            return
        with self._lock:
            if self._stopped.is_set():
                return
            self.mailbox.connected()
            self.workers.start()
            if self.time_limit is not None:
                self._timer = threading.Timer(self.time_limit, self._on_time_limit)
                self._timer.daemon = True
                self._timer.start()
        logger.info("%s: started (%s)", self.name, self.mode.value)

    def _on_mic_frame(self, samples: np.ndarray, rate: int, layout: str, pts_s: float) -> None:
        self.ensure_started()
        channels = 2 if layout == "stereo" else 1
        self.workers.push_frame(samples, rate, channels)

    def _next_frame(self) -> np.ndarray | None:
        self.ensure_started()
        return self.output.read_frame()

    # -- ends ----------------------------------------------------------------------
    def _on_mic_ended(self) -> None:
        self.stop(None)

    def _on_time_limit(self) -> None:
        self.stop(f"Time limit of {self.time_limit:g} s reached")

    def _on_close(self, close: CloseStream) -> None:
        threading.Thread(target=self.stop, args=(close.msg or None,), daemon=True).start()

    def _on_fatal(self, message: str) -> None:
        self.mailbox.error(message)
        threading.Thread(target=self.stop, args=(message,), daemon=True).start()

    def _on_outputs(self, outputs: AdditionalOutputs) -> None:
        self.mailbox.put_outputs(outputs)

    def stop(self, message: str | None = None) -> None:
        """End the connection's work (idempotent, any thread)."""
        with self._lock:
            if self._stopped.is_set():
                return
            self._stopped.set()
        if self._timer is not None:
            self._timer.cancel()
        self.workers.stop()
        self._stop_tracks()
        self.mailbox.stopped(message)
        logger.info("%s: stopped%s", self.name, f" ({message})" if message else "")
        if self._on_stopped is not None:
            self._on_stopped(self)

    def _stop_tracks(self) -> None:
        """Both stops are thread-safe: they hop to the media loop themselves."""
        if self.source_track is not None:
            self.source_track.stop()
        if self.sink is not None:
            self.sink.stop()
