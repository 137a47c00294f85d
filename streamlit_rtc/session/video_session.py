"""One video connection (``modality="video"``): function or generator, sink and output track.

* ``send-receive``: webcam frames -> :class:`RawVideoSink` (event loop, no
  pixel work) -> newest-frame slot -> worker thread: RGB, ``fn``, checks ->
  :class:`PushedVideoTrack`, which sends each result as soon as it exists.
* ``send``: the same without an output track (analysis, AdditionalOutputs).
* ``receive``: a generator in a worker thread -> bounded queue ->
  :class:`PacedVideoSourceTrack` at the handler's fps; the stream closes
  after the last frame.

Lifecycle (admission, time limit, the one idempotent stop, the release of
the handler copy, lane and tracks once stopped) comes from
:class:`SessionLifecycle`, exactly as for audio sessions.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from functools import partial
from typing import Any

from ..core.bridge import CodeBridge
from ..core.messages import AdditionalOutputs, CloseStream
from ..core.video_handlers import VideoFunctionHandler, VideoGeneratorHandler
from ..rtc.video_push import PushedVideoTrack
from ..rtc.video_sink import RawVideoSink
from ..rtc.video_source import PacedVideoSourceTrack
from .lifecycle import SessionLifecycle
from .mailbox import SessionMailbox
from .modes import Mode
from .video_lane import FunctionLane, GeneratorLane, LaneCallbacks, SyncTarget

__all__ = ["LaneThreads", "VideoStreamSession"]

logger = logging.getLogger(__name__)


class LaneThreads:
    """Starts a lane's worker threads on the connection's bridge and stops them."""

    def __init__(self, targets: list[tuple[str, SyncTarget]], bridge: CodeBridge) -> None:
        self._targets = targets
        self.bridge = bridge
        self.stop_event = threading.Event()

    def start(self) -> None:
        for role, target in self._targets:
            self.bridge.thread(role, partial(target, self.stop_event))

    def stop(self) -> list[str]:
        """Signal, join, close the bridge; names of user code still running."""
        self.stop_event.set()
        return self.bridge.close()


class VideoStreamSession(SessionLifecycle):
    """Runs one private copy of a video function or generator for one connection."""

    handler: VideoFunctionHandler | VideoGeneratorHandler

    def __init__(
        self,
        prototype: VideoFunctionHandler | VideoGeneratorHandler,
        mode: Mode = Mode.SEND_RECEIVE,
        time_limit: float | None = None,
        mailbox: SessionMailbox | None = None,
        name: str = "video",
        on_stopped: Callable[[Any], None] | None = None,
        admit: Callable[[], bool] | None = None,
        busy_message: str = "This stream is busy; please try again later.",
        width: int = 640,
        height: int = 480,
    ) -> None:
        super().__init__(mode, time_limit, mailbox, name, on_stopped, admit, busy_message)
        callbacks = LaneCallbacks(self._on_outputs, self._on_close, self._on_fatal)
        self.sink = None
        self.source_track = None
        self.video_sink: RawVideoSink | None = None
        self.video_track: PushedVideoTrack | PacedVideoSourceTrack | None = None
        self.lane: FunctionLane | GeneratorLane | None
        if isinstance(prototype, VideoGeneratorHandler):
            if mode is not Mode.RECEIVE:
                raise ValueError("a video generator streams to the browser: use mode='receive'")
            self.handler = prototype.copy()
            self.lane = GeneratorLane(self.handler, callbacks, name=name)
            self.video_track = PacedVideoSourceTrack(
                self._next_frame, fps=self.handler.fps, width=width, height=height
            )
        elif isinstance(prototype, VideoFunctionHandler):
            if mode is Mode.RECEIVE:
                raise ValueError(
                    "mode='receive' streams a generator: pass a generator function that "
                    "yields frames, e.g. webrtc(key, generate, mode='receive', modality='video')"
                )
            self.handler = prototype.copy()
            pushed = PushedVideoTrack(width=width, height=height) if mode.receives else None
            self.video_track = pushed
            self.lane = FunctionLane(
                self.handler, callbacks, pushed.push_rgb if pushed is not None else None, name
            )
            self.video_sink = RawVideoSink(self._on_camera_frame, on_ended=self._on_camera_ended)
        else:
            raise TypeError(
                f"a video session needs a video function or generator, got "
                f"{type(prototype).__name__}"
            )
        bridge = CodeBridge(name, self.connection)
        self.handler.attach_bridge(bridge)
        self.workers: LaneThreads | None = LaneThreads(self.lane.sync_targets(), bridge)

    # -- media callbacks (event loop; release() may drop the lane meanwhile) -----------
    def _on_camera_frame(self, frame: Any) -> None:
        self.ensure_started()
        lane = self.lane
        if lane is not None:
            lane.on_frame(frame)

    def _next_frame(self) -> Any:
        self.ensure_started()
        lane = self.lane
        if lane is None:
            return None  # released: the stream has ended
        assert isinstance(lane, GeneratorLane)
        return lane.next_frame()

    def _on_camera_ended(self) -> None:
        # On the media loop: stopping joins worker threads, never block the loop with it.
        self.stop_soon(None)

    # -- lane callbacks (worker threads) ---------------------------------------------
    def _on_outputs(self, outputs: AdditionalOutputs) -> None:
        self.mailbox.put_outputs(outputs)

    def _on_close(self, close: CloseStream) -> None:
        self.stop_soon(close.msg or None)

    # -- lifecycle hooks ---------------------------------------------------------------
    def _start_work(self) -> None:
        if self.workers is not None:
            self.workers.start()

    def _stop_work(self) -> None:
        if self.workers is not None:
            self._report_leftovers(self.workers.stop())
        if self.video_track is not None:
            self.video_track.stop()
        if self.video_sink is not None:
            self.video_sink.stop()

    def _release_work(self) -> None:
        self.handler = None  # type: ignore[assignment]  # released (see SessionLifecycle.release)
        self.workers = None
        self.lane = None
        self.video_track = None
        self.video_sink = None
