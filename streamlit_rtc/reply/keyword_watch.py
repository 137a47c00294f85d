"""Runs a keyword detector next to the audio path, never on it.

What the detector hears is decided by a :class:`~streamlit_rtc.audio.keywords.ListenGate`
(speech only, with a pre-roll and a hangover; a reset after each silent
gap): ``receive`` hands the watcher every sample at the detector's rate
(:meth:`KeywordWatcher.audio`) and every VAD window
(:meth:`KeywordWatcher.window`), and the gate's actions become pushes and
resets.  ``push(samples, start_s)`` takes audio at the detector's rate and
the stream time of its first sample; it only appends to
a bounded backlog (the oldest audio is dropped, and counted, if the detector
falls more than ``max_backlog_s`` behind), and a daemon thread feeds the
detector. The caller may skip audio (e.g. silence): the watcher keeps a map
from the detector's own clock (samples it was fed) to stream time, so hits
are reported in stream time. ``mark_reset`` queues a ``reset()`` of the
detector stream at the current point of the audio. ``threaded=False`` runs
the detector inline instead, for exact, repeatable results when a handler is
driven on a simulated clock.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from collections import deque
from collections.abc import Callable

import numpy as np

from ..audio.keywords.gate import Feed, GateAction, ListenGate
from ..audio.keywords.types import KeywordHit, KeywordStream

__all__ = ["KeywordWatcher"]

logger = logging.getLogger(__name__)

HitCallback = Callable[[KeywordHit], None]
ErrorCallback = Callable[[BaseException], None]
_RESET = None  # backlog marker: reset the detector stream here
_MAX_SEGMENTS = 64  # clock-map entries kept (a phrase never spans more than a few)


class KeywordWatcher:
    """Feeds one keyword stream and reports its hits in stream time.

    ``gate`` (optional) decides what the stream hears when audio comes
    through :meth:`audio` / :meth:`window`; :meth:`push` and
    :meth:`mark_reset` bypass it.
    """

    def __init__(
        self,
        stream: KeywordStream,
        rate: int,
        on_hit: HitCallback,
        on_error: ErrorCallback,
        threaded: bool = True,
        max_backlog_s: float = 2.0,
        gate: ListenGate | None = None,
    ) -> None:
        self._stream = stream
        self.gate = gate
        self._rate = rate
        self._on_hit = on_hit
        self._on_error = on_error
        self._threaded = threaded
        self._backlog: deque[tuple[float, np.ndarray] | None] = deque()
        self._backlog_len = 0
        self._max_backlog = int(max_backlog_s * rate)
        self._cond = threading.Condition()
        self._closed = False
        self._failed = False
        self._thread: threading.Thread | None = None
        self._fed = 0  # samples fed to the detector: its clock
        self._next_s: float | None = None  # stream time right after the last fed sample
        # (detector time, stream time) where each contiguous run of fed audio began
        self._segments: deque[tuple[float, float]] = deque(maxlen=_MAX_SEGMENTS)
        self.dropped_samples = 0

    def audio(self, samples: np.ndarray) -> None:
        """The stream's next samples at the detector's rate; the gate decides if it hears them."""
        if self.gate is None:
            raise RuntimeError("KeywordWatcher.audio() needs a gate; use push() without one")
        self._apply(self.gate.audio(samples))

    def window(self, probability: float, end_s: float) -> None:
        """A VAD window's speech probability (ending at stream time ``end_s``), for the gate."""
        if self.gate is None:
            raise RuntimeError("KeywordWatcher.window() needs a gate")
        self._apply(self.gate.window(probability, end_s))

    def _apply(self, actions: list[GateAction]) -> None:
        for action in actions:
            if isinstance(action, Feed):
                self.push(action.samples, action.start_s)
            else:
                self.mark_reset()

    def push(self, samples: np.ndarray, start_s: float) -> None:
        """Queue int16 mono audio whose first sample is at stream time ``start_s``."""
        if self._closed or self._failed or not samples.size:
            return
        item = (float(start_s), samples.reshape(-1))
        if not self._threaded:
            self._feed(*item)
            return
        with self._cond:
            self._backlog.append(item)
            self._backlog_len += item[1].size
            while self._backlog_len > self._max_backlog:
                dropped = self._backlog.popleft()
                if dropped is not _RESET:
                    self._backlog_len -= dropped[1].size
                    self.dropped_samples += dropped[1].size
                    if self.dropped_samples == dropped[1].size:
                        logger.warning(
                            "the keyword detector is more than %.1f s behind the audio; "
                            "dropping the oldest audio",
                            self._max_backlog / self._rate,
                        )
            self._cond.notify()
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="keyword-watch", daemon=True)
            self._thread.start()

    def mark_reset(self) -> None:
        """Reset the detector stream once all audio pushed so far has been fed."""
        if self._closed or self._failed:
            return
        if not self._threaded:
            self._reset()
            return
        with self._cond:
            if not self._backlog or self._backlog[-1] is not _RESET:
                self._backlog.append(_RESET)
                self._cond.notify()

    def _reset(self) -> None:
        try:
            self._stream.reset()
        except Exception as exc:
            self._failed = True
            self._on_error(exc)

    def _to_stream_time(self, detector_s: float) -> float:
        for det_start, stream_start in reversed(self._segments):
            if detector_s >= det_start - 1e-9:
                return stream_start + (detector_s - det_start)
        det_start, stream_start = self._segments[0]
        return stream_start + (detector_s - det_start)

    def _feed(self, start_s: float, samples: np.ndarray) -> None:
        if self._next_s is None or abs(start_s - self._next_s) > 0.5 / self._rate:
            self._segments.append((self._fed / self._rate, start_s))
        self._fed += samples.size
        self._next_s = start_s + samples.size / self._rate
        try:
            hits = self._stream.feed(samples)
        except Exception as exc:
            self._failed = True  # report once, then stop feeding a broken detector
            self._on_error(exc)
            return
        for hit in hits:
            self._on_hit(
                dataclasses.replace(
                    hit,
                    start_s=self._to_stream_time(hit.start_s),
                    end_s=self._to_stream_time(hit.end_s),
                )
            )

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._backlog and not self._closed:
                    self._cond.wait()
                if self._closed:
                    return
                items = list(self._backlog)
                self._backlog.clear()
                self._backlog_len = 0
            for item in items:
                if self._failed:
                    return
                if item is _RESET:
                    self._reset()
                else:
                    self._feed(*item)

    def close(self) -> None:
        """Stop the thread (after the chunk it is on); later pushes are ignored."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=2.0)
