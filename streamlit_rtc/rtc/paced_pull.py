"""The base of our output tracks: at each due tick, pull a ready frame; never wait for data.

The track runs on the server's single event loop, so it never waits for a
producer: at each tick of its :class:`~.pacing.Pacer` it calls the
non-blocking ``next_frame()`` and sends what it returns, or a fallback
(silence, the previous picture) when nothing is ready or the result is
wrong. The RTP stream therefore keeps its pace and format whatever the
producer does, and nothing the producer returns can raise inside aiortc's
encoder (an encoder exception would end the RTP sender for good).
"""

from __future__ import annotations

import logging
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import av
from aiortc.mediastreams import MediaStreamError

from ._ratelimit import RateLimitedLog
from .pacing import Pacer
from .threadsafe import ThreadSafeStopTrack

#: A ``next_frame`` call slower than this is logged (it stalls every session).
SLOW_PULL_S = 0.005

T = TypeVar("T")


@dataclass
class SourceStats:
    """Counters of an output track, for tests and benchmarks."""

    frames: int = 0
    """Frames returned to the sender."""
    underruns: int = 0
    """Frames for which the producer had nothing (silence or repeat sent)."""
    invalid: int = 0
    """Frames the producer got wrong (bad shape/dtype, or it raised)."""
    slow_pulls: int = 0
    """``next_frame`` calls slower than ``SLOW_PULL_S``."""
    resyncs: int = 0
    """Times the pacer re-anchored after falling far behind."""
    skipped_s: float = 0.0
    """Seconds of lag the re-anchoring gave up (the frames went out that much later)."""
    behind_s: float = 0.0
    """How far past its due time the latest frame was asked for (caught up by sending at once)."""


class PacedPullTrack(ThreadSafeStopTrack, ABC, Generic[T]):
    """An output track that pulls one ready frame per tick; subclasses say what a frame is.

    Subclasses implement :meth:`_problem` (why a pulled value is unusable,
    or None), :meth:`_fallback` (what to send instead) and :meth:`_to_frame`
    (the av frame for tick ``index``). ``stop()`` may be called from any
    thread; the track also ends when its RTP sender stops.
    """

    #: Said after "next_frame raised; " when the fallback is sent instead.
    fallback_text = "sending a fallback"

    def __init__(
        self,
        next_frame: Callable[[], T | None],
        period_s: float,
        max_lag_s: float,
        grid: bool = False,
    ) -> None:
        if not callable(next_frame):
            raise TypeError("next_frame must be callable")
        super().__init__()
        self._next_frame = next_frame
        self._pacer = Pacer(period_s, max_lag_s=max_lag_s, grid=grid)
        own_logger = logging.getLogger(type(self).__module__)  # e.g. ...rtc.audio_source
        self._invalid_log = RateLimitedLog(own_logger)
        self._slow_log = RateLimitedLog(own_logger)
        self._stats = SourceStats()

    @property
    def stats(self) -> SourceStats:
        self._stats.resyncs = self._pacer.resyncs
        self._stats.skipped_s = self._pacer.skipped_s
        self._stats.behind_s = self._pacer.behind_s
        return self._stats

    async def recv(self) -> av.AudioFrame | av.VideoFrame:
        """Return the next frame at its due time (aiortc sender API)."""
        if not self._live:
            raise MediaStreamError
        self._bind_loop()
        index = await self._pacer.wait_next()
        if not self._live:
            raise MediaStreamError
        data = self._pull()
        self._stats.frames += 1
        return self._to_frame(data, index)

    def _pull(self) -> T:
        """Call ``next_frame`` and return a usable frame, or the fallback."""
        started = time.perf_counter()
        try:
            data = self._next_frame()
        except Exception:
            self._stats.invalid += 1
            self._invalid_log.log(
                logging.ERROR,
                "%s next_frame raised; %s",
                self.kind,
                self.fallback_text,
                exc_info=True,
            )
            return self._fallback()
        finally:
            elapsed = time.perf_counter() - started
            if elapsed > SLOW_PULL_S:
                self._stats.slow_pulls += 1
                self._slow_log.log(
                    logging.WARNING,
                    "%s next_frame took %.1f ms; it runs on the shared event loop and must "
                    "not block",
                    self.kind,
                    elapsed * 1000,
                )
        if data is None:
            self._stats.underruns += 1
            return self._fallback()
        problem = self._problem(data)
        if problem is not None:
            self._stats.invalid += 1
            self._invalid_log.log(
                logging.ERROR,
                "%s next_frame returned %s; %s",
                self.kind,
                problem,
                self.fallback_text,
            )
            return self._fallback()
        self._accepted(data)
        return data

    @abstractmethod
    def _problem(self, data: Any) -> str | None:
        """What is wrong with a pulled value (said in the log), or None if it is usable."""

    @abstractmethod
    def _fallback(self) -> T:
        """What to send when nothing usable was pulled."""

    @abstractmethod
    def _to_frame(self, data: T, index: int) -> av.AudioFrame | av.VideoFrame:
        """The av frame to send for tick ``index``."""

    def _accepted(self, data: T) -> None:
        """Called with every usable pulled frame (e.g. to repeat it later)."""
