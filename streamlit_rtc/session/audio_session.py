"""One audio (or audio-video) connection: handler copy, workers, sinks and output tracks.

Created by the Streamlit adapter per START (or per headless connection in
tests). Media callbacks arrive on the server's event loop and only touch
bounded, non-blocking structures; the handler runs on :class:`HandlerWorkers`.
With ``modality="audio-video"`` the same handler instance also gets the
webcam (``video_receive``) and feeds an output video track (``video_emit``
at its ``fps``) through a :class:`HandlerLane` on the same workers.
Start, time limit and the one idempotent stop come from :class:`SessionLifecycle`;
:meth:`~SessionLifecycle.release` then drops the handler copy, workers, output
buffer and tracks (media callbacks that still arrive find them gone and do nothing).

A browser that sends its microphone sends 50 frames a second for as long as
it is there (muted too: a disabled track sends silence). When they stop for
``inbound_timeout_s`` the browser is gone without a goodbye (asleep, network
down) and the session ends, long before ICE consent would expire (~30 s),
so a reply being generated for nobody is closed and its slot freed.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

import numpy as np

from ..audio.output import AudioOutput
from ..core.handler import (
    AsyncAudioVideoStreamHandler,
    AudioVideoStreamHandler,
    StreamHandlerBase,
)
from ..core.messages import AdditionalOutputs, CloseStream
from ..core.status import Status, StatusEvent
from ..rtc.audio_sink import MicrophoneSink
from ..rtc.audio_source import PacedAudioSourceTrack
from ..rtc.video_push import PushedVideoTrack
from ..rtc.video_sink import RawVideoSink
from .lifecycle import SessionLifecycle
from .mailbox import SessionMailbox
from .modes import Modality, Mode
from .video_lane import HandlerLane, LaneCallbacks
from .workers import HandlerWorkers

__all__ = ["AudioStreamSession"]

logger = logging.getLogger(__name__)

OUTPUT_CHANNELS = 2
OUTPUT_BUFFER_S = 2.0
EMIT_CHECK_EVERY = 50
"""Output pulls (20 ms each) between two checks for a blocking emit()."""
INBOUND_TIMEOUT_S = 5.0
"""No microphone frame for this long ends a sending session: the browser is gone.

Longer than a network hiccup (a few seconds of lost packets must not end a
conversation), far shorter than ICE consent expiry (~30 s in aioice)."""


class AudioStreamSession(SessionLifecycle):
    """Runs one private handler instance for one connection."""

    def __init__(
        self,
        prototype: StreamHandlerBase,
        mode: Mode = Mode.SEND_RECEIVE,
        time_limit: float | None = None,
        mailbox: SessionMailbox | None = None,
        name: str = "stream",
        on_stopped: Callable[[Any], None] | None = None,
        admit: Callable[[], bool] | None = None,
        busy_message: str = "This stream is busy; please try again later.",
        modality: Modality = Modality.AUDIO,
        inbound_timeout_s: float | None = INBOUND_TIMEOUT_S,
    ) -> None:
        super().__init__(mode, time_limit, mailbox, name, on_stopped, admit, busy_message)
        if modality is Modality.VIDEO:
            raise ValueError("video-only streams run in a VideoStreamSession")
        self.handler = prototype.copy()
        h = self.handler
        output = AudioOutput(
            h.output_sample_rate,
            OUTPUT_CHANNELS,
            h.output_frame_size,
            capacity_s=OUTPUT_BUFFER_S,
            on_outputs=self._on_outputs,
            on_close=self._on_close,
            discard_audio=not mode.receives,
        )
        self.output: AudioOutput | None = output
        h.attach_playback(output if mode.receives else None)
        self._held_done: Status | None = None
        self._held_lock = threading.Lock()
        h.status.add_listener(self._on_status)
        self._pulls = 0
        self.video_sink: RawVideoSink | None = None
        self.video_track: PushedVideoTrack | None = None
        self.video_lane: HandlerLane | None = None
        if modality is Modality.AUDIO_VIDEO:
            self._setup_video(h)
        lanes = [self.video_lane] if self.video_lane is not None else []
        self.workers: HandlerWorkers | None = HandlerWorkers(
            h,
            output,
            on_fatal=self._on_fatal,
            name=name,
            lanes=lanes,
            connection=self.connection,
            on_notice=self.mailbox.error,
        )
        self.sink: MicrophoneSink | None = (
            MicrophoneSink(self._on_mic_frame, on_ended=self._on_mic_ended) if mode.sends else None
        )
        if self.sink is not None and inbound_timeout_s is not None:
            self.sink.watch_stall(inbound_timeout_s, self._on_mic_stalled)
        self.source_track: PacedAudioSourceTrack | None = (
            PacedAudioSourceTrack(
                self._next_frame,
                sample_rate=h.output_sample_rate,
                channels=OUTPUT_CHANNELS,
                frame_size=h.output_frame_size,
            )
            if mode.receives
            else None
        )

    def _setup_video(self, handler: StreamHandlerBase) -> None:
        """The video half of an audio-video handler: webcam sink, lane, output track."""
        if not isinstance(handler, (AudioVideoStreamHandler, AsyncAudioVideoStreamHandler)):
            raise TypeError(
                f"modality='audio-video' needs an AudioVideoStreamHandler or "
                f"AsyncAudioVideoStreamHandler, got {type(handler).__name__}"
            )
        self.video_track = PushedVideoTrack() if self.mode.receives else None
        callbacks = LaneCallbacks(self._on_outputs, self._on_close, self._on_fatal)
        push = self.video_track.push_rgb if self.video_track is not None else None
        self.video_lane = HandlerLane(handler, callbacks, push, name=self.name)
        if self.mode.sends:
            self.video_sink = RawVideoSink(self._on_camera_frame)

    # -- media callbacks (event loop) ------------------------------------------------
    # (Each reads ``workers``/``output`` once: release() may drop them meanwhile.)
    def _on_mic_frame(self, samples: np.ndarray, rate: int, layout: str, pts_s: float) -> None:
        self.ensure_started()
        workers = self.workers
        if workers is None:
            return  # released: the stream has ended
        channels = 2 if layout == "stereo" else 1
        workers.push_frame(samples, rate, channels)
        if not self.mode.receives:  # no output pulls to check from (send mode)
            self._pulls += 1
            if self._pulls % EMIT_CHECK_EVERY == 0:
                workers.check_emit()

    def _next_frame(self) -> np.ndarray | None:
        self.ensure_started()
        workers, output = self.workers, self.output
        if workers is None or output is None:
            return None  # released: the stream has ended
        self._pulls += 1
        if self._pulls % EMIT_CHECK_EVERY == 0:
            workers.check_emit()
        frame = output.read_frame()
        if self._held_done is not None and output.pending_s() == 0:
            self._on_status(None)  # the reply has been heard to its end
        return frame

    def _on_status(self, status: Status | None) -> None:
        """Pass statuses to the mailbox; ``response_done`` waits until the reply has played.

        A reply generator finishes as soon as its audio is queued, while the
        browser still hears it for seconds: the page says "responding" for as
        long as the bot speaks. Any later status (a barge-in) releases it first.
        """
        with self._held_lock:
            held, self._held_done = self._held_done, None
            if held is not None:
                self.mailbox.on_status(held)
            if status is None:
                return
            output = self.output
            if (
                status.event is StatusEvent.RESPONSE_DONE
                and self.mode.receives
                and output is not None
                and output.pending_s() > 0
            ):
                self._held_done = status
                return
            self.mailbox.on_status(status)

    def _on_camera_frame(self, frame: Any) -> None:
        self.ensure_started()
        lane = self.video_lane
        if lane is not None:
            lane.on_frame(frame)

    # -- ends ----------------------------------------------------------------------
    def _on_mic_ended(self) -> None:
        # On the media loop: stopping joins worker threads, never block the loop with it.
        self.stop_soon(None)

    def _on_mic_stalled(self, silent_s: float) -> None:
        """No microphone audio for ``silent_s`` (media loop): the browser is gone."""
        if self.stopping:
            return
        logger.warning("%s: no microphone audio for %.1f s; ending it", self.name, silent_s)
        self.stop_soon(
            f"No audio from the browser for {silent_s:.0f} s: the connection was lost. "
            "Check the network and press START to connect again."
        )

    def _on_close(self, close: CloseStream) -> None:
        self.stop_soon(close.msg or None)

    def _on_outputs(self, outputs: AdditionalOutputs) -> None:
        self.mailbox.put_outputs(outputs)

    # -- lifecycle hooks ---------------------------------------------------------------
    def _start_work(self) -> None:
        if self.workers is not None:
            self.workers.start()

    def _stop_work(self) -> None:
        if self.workers is not None:
            self._report_leftovers(self.workers.stop())
        self._stop_tracks()

    def _release_work(self) -> None:
        self.handler = None  # type: ignore[assignment]  # released (see SessionLifecycle.release)
        self.workers = None
        self.output = None
        self.video_lane = None
        self.video_track = None
        self.video_sink = None
        self.sink = None
        self.source_track = None
        with self._held_lock:
            self._held_done = None

    def _stop_tracks(self) -> None:
        """Both stops are thread-safe: they hop to the media loop themselves."""
        if self.source_track is not None:
            self.source_track.stop()
        if self.sink is not None:
            self.sink.stop()
        if self.video_track is not None:
            self.video_track.stop()
        if self.video_sink is not None:
            self.video_sink.stop()
