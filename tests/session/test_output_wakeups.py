"""A library handler's (ReplyOnPause's) workers wake less often than a user handler's.

Each wake-up of a thread costs CPU (~0.3 ms on a virtual machine), so per live
session (bench/capacity.py): the output thread wakes on status events, not per
input frame, and polls every 100 ms instead of 10 (a reply still starts at
once: the status event that announces it wakes the output thread), and the
input thread is woken for every 2nd microphone frame. A user handler's
``receive()`` gets every frame at once and its ``emit()`` keeps being polled,
as in fastrtc.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import numpy as np

from streamlit_rtc import StreamHandler
from streamlit_rtc.audio.output import AudioOutput
from streamlit_rtc.core.emit import EmitParts
from streamlit_rtc.core.handler import AudioEmitType, AudioFrame
from streamlit_rtc.core.status import StatusEvent
from streamlit_rtc.session.workers import HandlerWorkers

FRAMES = 50  # one second of 20 ms microphone frames
REPLY_AT = 25


class _Counting(StreamHandler):
    def __init__(self) -> None:
        super().__init__(output_sample_rate=48000)
        self.polls = 0
        self.received = 0
        self.received_at: list[float] = []
        self.announced_at: float | None = None
        self.started_at: float | None = None

    def receive(self, frame: AudioFrame) -> None:
        self.received += 1
        self.received_at.append(time.monotonic())
        if self.received == REPLY_AT:
            self.announced_at = time.monotonic()
            self.report_status(StatusEvent.PAUSE_DETECTED)

    def emit(self) -> AudioEmitType:
        self.polls += 1
        return None

    def copy(self) -> _Counting:
        return type(self)()


class _Library(_Counting):
    """Hands over parsed outputs, as ReplyOnPause does: its replies follow a status event."""

    def next_output(self) -> EmitParts | None:
        self.polls += 1
        if self.announced_at is not None and self.started_at is None:
            self.started_at = time.monotonic()
        return None


def _run(handler: _Counting) -> None:
    output = AudioOutput(48000, 2, 960)
    errors: list[Any] = []
    workers = HandlerWorkers(handler, output, on_fatal=errors.append, name="wakeups")
    workers.start()
    try:
        frame = np.zeros((1, 1920), np.int16)
        for _ in range(FRAMES):
            workers.push_frame(frame, 48000, 2)
            time.sleep(0.02)
        deadline = time.monotonic() + 2
        while handler.received < FRAMES and time.monotonic() < deadline:
            time.sleep(0.01)
    finally:
        workers.stop()
    assert not errors


def test_a_library_handler_is_not_polled_per_frame_but_replies_at_once() -> None:
    handler = _Library()
    _run(handler)
    assert handler.received == FRAMES
    # ~1 s of 50 ms polls plus the status wake-ups, far below 50 frames + 100 polls.
    assert handler.polls < 30, handler.polls
    assert handler.announced_at is not None and handler.started_at is not None
    assert handler.started_at - handler.announced_at < 0.03  # woken by the status event
    # Frames come two by two: about FRAMES / 2 wake-ups of the input thread.
    gaps = np.diff(np.array(handler.received_at))
    assert np.count_nonzero(gaps > 0.01) <= 0.6 * FRAMES, gaps


def test_a_user_emit_is_still_polled_after_every_frame() -> None:
    handler = _Counting()
    _run(handler)
    assert handler.polls >= FRAMES


def test_the_status_wakeup_is_per_session() -> None:
    """Each session's workers listen to their own handler copy only."""
    first, second = _Library(), _Library()
    threads = [threading.Thread(target=_run, args=(h,)) for h in (first, second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert first.started_at is not None and second.started_at is not None
