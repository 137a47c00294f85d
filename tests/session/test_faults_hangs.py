"""Handler code that never returns, over real aiortc connections (no browser).

A ``receive``, ``emit``, ``start_up`` or ``shutdown`` that hangs, or a reply
that never yields: the page is told which method (while the stream runs,
where the stream cannot work without it, and when the stream ends, where it
keeps a thread), the stream ends when asked, and the thread it cannot stop
is counted process-wide. Past :data:`MAX_STUCK_THREADS` new streams are
refused with a message naming the code that hangs.
"""

from __future__ import annotations

import asyncio
import queue
import threading
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import numpy as np
import pytest

from streamlit_rtc import ReplyOnPause, StreamHandler
from streamlit_rtc.core.handler import AudioEmitType, AudioFrame
from streamlit_rtc.core.stuck import MAX_PER_CONNECTION, STUCK_THREADS
from streamlit_rtc.session import workers
from streamlit_rtc.session.audio_session import AudioStreamSession
from streamlit_rtc.session.mailbox import Snapshot

from .peers import at_48k, connected

pytestmark = pytest.mark.rtc

HANG_S = 60.0
"""How long hung code waits for the test to release it (never reached)."""
STOP_BOUND_S = 8.0
"""Stopping waits 2 s for the loops, 2 s for shutdown, 2 s for the bridge; plus slack."""


def tone(seconds: float, rate: int = 48000) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return (0.4 * 32767 * np.sin(2 * np.pi * 440 * t)).astype(np.int16)


@pytest.fixture
def release() -> Iterator[threading.Event]:
    """Set at the end of a test: hung code returns, its threads end (none leaks into the next)."""
    before = set(threading.enumerate())
    event = threading.Event()
    yield event
    event.set()

    def left() -> list[str]:
        return [t.name for t in threading.enumerate() if t not in before and t.is_alive()]

    deadline = time.monotonic() + 10
    while (STUCK_THREADS.alive() or left()) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert STUCK_THREADS.alive() == [] and left() == []


class Hangs(StreamHandler):
    """An echo whose methods in ``where`` never return (until ``release``)."""

    def __init__(self, where: frozenset[str], release: threading.Event) -> None:
        super().__init__(output_sample_rate=48000)
        self.where, self.release = where, release
        self.frames: queue.Queue[AudioFrame] = queue.Queue()
        self.emitted = 0

    def _hang(self, method: str) -> None:
        if method in self.where:
            self.release.wait(HANG_S)

    def start_up(self) -> None:
        self._hang("start_up")

    def receive(self, frame: AudioFrame) -> None:
        self._hang("receive")
        self.frames.put(frame)

    def emit(self) -> AudioEmitType:
        self._hang("emit")
        try:
            frame = self.frames.get_nowait()
        except queue.Empty:
            return None
        self.emitted += 1
        return frame

    def shutdown(self) -> None:
        self._hang("shutdown")

    def copy(self) -> Hangs:
        return Hangs(self.where, self.release)


async def run_until(
    session: AudioStreamSession, mic: np.ndarray, done: Any, timeout: float
) -> tuple[Snapshot, Snapshot, float]:
    """Connect, wait for ``done(session)``, stop; (snapshot while live, at the end, stop s)."""
    async with connected(session, mic, loop_mic=True):
        deadline = time.monotonic() + timeout
        while not done(session) and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        live = session.mailbox.snapshot()
        began = time.monotonic()
        await asyncio.get_running_loop().run_in_executor(None, session.stop)
        took = time.monotonic() - began
    return live, session.mailbox.snapshot(), took


def stuck_methods(stream: str) -> list[str]:
    return sorted(s.method for s in STUCK_THREADS.alive() if s.stream == stream)


@pytest.mark.parametrize(
    ("where", "while_live"),
    [
        # The stream is deaf: named as soon as input audio piles up.
        ("receive", "Hangs.receive() has not returned for"),
        # Every output waits: named after 2 s (fastrtc's rule: emit returns None).
        ("emit", "Hangs.emit() has not returned for"),
        # start_up runs next to the stream (a realtime API's loop lives there): not an error.
        ("start_up", None),
        # shutdown only runs at the end.
        ("shutdown", None),
    ],
)
def test_a_hanging_method_is_named_and_its_thread_counted(
    release: threading.Event, where: str, while_live: str | None
) -> None:
    handler = Hangs(frozenset({where}), release)
    session = AudioStreamSession(handler, name=f"hang-{where}")

    def done(s: AudioStreamSession) -> bool:
        if while_live is None:
            return s.handler.emitted > 50  # the stream works meanwhile: the echo plays
        return any(e.startswith(while_live) for e in s.mailbox.snapshot().errors)

    live, end, took = asyncio.run(run_until(session, tone(1.0), done, 15))
    assert done(session), live.errors
    assert live.end_message is None  # it kept running, where that is right
    method = f"Hangs.{where}()"
    assert took < STOP_BOUND_S
    leftover = [e for e in end.errors if e.startswith(method + " did not return")]
    assert leftover, end.errors
    assert "keeps a thread busy" in leftover[0] and "timeout" in leftover[0]
    assert stuck_methods(session.name) == [method]


def test_everything_hanging_at_once_holds_a_bounded_number_of_threads(
    release: threading.Event,
) -> None:
    everywhere = frozenset({"receive", "emit", "start_up", "shutdown"})
    session = AudioStreamSession(Hangs(everywhere, release), name="hang-all")

    def done(s: AudioStreamSession) -> bool:
        return len(s.workers.bridge.in_flight()) >= 3  # start_up, receive, emit

    _, end, took = asyncio.run(run_until(session, tone(1.0), done, 15))
    assert took < STOP_BOUND_S
    methods = stuck_methods(session.name)
    assert methods == ["Hangs.emit()", "Hangs.receive()", "Hangs.shutdown()", "Hangs.start_up()"]
    assert len(methods) <= MAX_PER_CONNECTION
    leftover = [e for e in end.errors if "did not return when the stream ended" in e]
    assert len(leftover) == 1 and all(m in leftover[0] for m in methods), end.errors


def reply_that_never_yields(release: threading.Event) -> Any:
    closed = threading.Event()

    def reply(audio: tuple[int, np.ndarray]) -> Iterator[Any]:
        try:
            release.wait(HANG_S)  # e.g. a network call without a timeout
            yield (48000, tone(0.1))
        finally:
            closed.set()

    return reply, closed


def test_a_reply_that_never_yields_is_named_and_the_stream_keeps_listening(
    release: threading.Event,
    monkeypatch: pytest.MonkeyPatch,
    speech: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setattr(workers, "REPLY_STUCK_AFTER_S", 1.0)  # 20 s in production
    reply, closed = reply_that_never_yields(release)
    session = AudioStreamSession(ReplyOnPause(reply), name="hang-reply")
    rate, audio = speech("two_utterances.wav")
    named = "ReplyOnPause reply function reply() has not returned for"

    def done(s: AudioStreamSession) -> bool:
        return any(e.startswith(named) for e in s.mailbox.snapshot().errors)

    live, end, took = asyncio.run(run_until(session, at_48k(audio, rate, 1.0), done, 20))
    assert done(session), live.errors
    assert "cannot answer until it returns" in live.errors[0]
    assert live.end_message is None  # still listening: the user may STOP, or it may return
    assert took < STOP_BOUND_S
    assert any(
        e.startswith("ReplyOnPause reply function reply() did not return") for e in end.errors
    )
    assert stuck_methods(session.name) == ["ReplyOnPause reply function reply()"]
    release.set()
    # The close asked for at the end happens as soon as the step returns.
    assert closed.wait(5), "the reply generator was not closed when its step returned"
    assert not [r for r in caplog.records if "closing" in r.getMessage()]  # no "already executing"


def test_an_async_reply_that_never_yields_is_cancelled_at_the_end(
    release: threading.Event, speech: Any
) -> None:
    closed = threading.Event()

    async def reply(audio: tuple[int, np.ndarray]) -> AsyncIterator[Any]:
        try:
            await asyncio.Event().wait()  # awaits forever, but cancellably
            yield (48000, tone(0.1))
        finally:
            closed.set()

    session = AudioStreamSession(ReplyOnPause(reply), name="hang-async-reply")
    rate, audio = speech("two_utterances.wav")

    def done(s: AudioStreamSession) -> bool:
        return any(
            m.startswith("ReplyOnPause reply function") for m, _ in s.workers.bridge.in_flight()
        )

    _, end, took = asyncio.run(run_until(session, at_48k(audio, rate, 1.0), done, 20))
    assert done(session) or closed.is_set()
    assert closed.is_set(), "the async reply was not cancelled when the stream ended"
    assert took < STOP_BOUND_S
    assert end.errors == () and stuck_methods(session.name) == []


def test_new_streams_are_refused_while_too_many_threads_are_stuck(
    release: threading.Event, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(STUCK_THREADS, "limit", 2)

    def stuck_receive(s: AudioStreamSession) -> bool:
        return s.workers.bridge.stuck("Hangs.receive()", 0.2) is not None

    for n in range(2):  # two connections, each leaves one thread in receive()
        session = AudioStreamSession(Hangs(frozenset({"receive"}), release), name=f"pile-{n}")
        asyncio.run(run_until(session, tone(1.0), stuck_receive, 15))
    assert len(STUCK_THREADS.alive()) == 2

    refused = AudioStreamSession(Hangs(frozenset(), release), name="refused")

    def ended(s: AudioStreamSession) -> bool:
        return s.mailbox.snapshot().end_message is not None

    _, end, _ = asyncio.run(run_until(refused, tone(1.0), ended, 15))
    assert refused.refused and refused.handler.emitted == 0
    assert end.end_message is not None
    assert end.end_message.startswith("2 threads of ended streams are still stuck")
    assert "Hangs.receive() (2x)" in end.end_message and "timeout" in end.end_message
    assert end.errors == (end.end_message,)

    release.set()  # the hung calls return: the threads end, streams are welcome again
    deadline = time.monotonic() + 10
    while STUCK_THREADS.alive() and time.monotonic() < deadline:
        time.sleep(0.05)
    welcome = AudioStreamSession(Hangs(frozenset(), release), name="welcome")
    live, _, _ = asyncio.run(run_until(welcome, tone(1.0), lambda s: s.handler.emitted > 10, 15))
    assert not welcome.refused and welcome.handler.emitted > 10, live


def test_a_browser_hanging_up_never_stops_the_session_on_the_media_loop(
    release: threading.Event,
) -> None:
    """Stopping joins threads (seconds, when code hangs): never on the loop every session shares."""
    stopped_on: list[threading.Thread] = []

    class Recording(AudioStreamSession):
        def _stop_work(self) -> None:
            stopped_on.append(threading.current_thread())
            super()._stop_work()

    session = Recording(Hangs(frozenset({"shutdown"}), release), name="hang-up")

    async def scenario() -> None:
        async with connected(session, tone(1.0), loop_mic=True) as connection:
            while session.handler.emitted < 10:
                await asyncio.sleep(0.05)
            await connection.client.close()  # the browser hangs up: the microphone track ends
            deadline = time.monotonic() + 15
            while not stopped_on and time.monotonic() < deadline:
                await asyncio.sleep(0.05)

    asyncio.run(scenario())  # the media loop runs on this thread
    assert stopped_on and stopped_on[0] is not threading.current_thread()
    deadline = time.monotonic() + STOP_BOUND_S
    while not stuck_methods(session.name) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert stuck_methods(session.name) == ["Hangs.shutdown()"]  # and the stop went on
