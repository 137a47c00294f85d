"""AudioStreamSession over real aiortc peer connections on 127.0.0.1 (no browser)."""

from __future__ import annotations

import asyncio
import queue
import threading
import time
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

from streamlit_rtc import CloseStream, ReplyOnPause, StreamHandler
from streamlit_rtc.core.handler import AudioEmitType, AudioFrame
from streamlit_rtc.reply.generator import GeneratorHandler
from streamlit_rtc.session.audio_session import AudioStreamSession
from streamlit_rtc.session.mailbox import StreamState
from streamlit_rtc.session.modes import Mode

from .peers import at_48k, connected

pytestmark = pytest.mark.rtc


class Echo(StreamHandler):
    def __init__(self, fail_after: int | None = None) -> None:
        super().__init__(output_sample_rate=48000)
        self.frames: queue.Queue[AudioFrame] = queue.Queue()
        self.fail_after = fail_after
        self.received = 0

    def receive(self, frame: AudioFrame) -> None:
        self.received += 1
        if self.fail_after is not None and self.received > self.fail_after:
            raise RuntimeError("model crashed")
        self.frames.put(frame)

    def emit(self) -> AudioEmitType:
        try:
            return self.frames.get_nowait()
        except queue.Empty:
            return None

    def copy(self) -> Echo:
        return Echo(self.fail_after)


def tone(hz: float, seconds: float, rate: int = 48000) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return (0.4 * 32767 * np.sin(2 * np.pi * hz * t)).astype(np.int16)


def dominant_hz(x: np.ndarray, rate: int = 48000) -> float:
    spectrum = np.abs(np.fft.rfft(x * np.hanning(x.size)))
    return float(np.argmax(spectrum) * rate / x.size)


def test_echo_returns_the_audio() -> None:
    async def scenario() -> tuple[float, float]:
        session = AudioStreamSession(Echo())
        async with connected(session, tone(440, 3.0), loop_mic=True) as conn:
            await asyncio.sleep(2.0)
            audio = conn.audio_after(conn.connected_at + 0.5)
        return dominant_hz(audio), float(np.sqrt(np.mean(audio**2)))

    hz, rms = asyncio.run(scenario())
    assert abs(hz - 440) < 10
    assert rms > 0.1


def test_reply_on_pause_replies_after_the_pause_and_not_before(
    speech: Any, speech_manifest: dict[str, Any]
) -> None:
    rate, audio = speech("comma_pause.wav")
    end = speech_manifest["comma_pause.wav"]["utterances"][0]["end_s"]
    beep = tone(880, 0.5, 24000)

    def reply(utterance: tuple[int, np.ndarray]) -> Iterator[Any]:
        yield (24000, beep)

    async def scenario() -> list[tuple[float, float]]:
        session = AudioStreamSession(ReplyOnPause(reply))
        async with connected(session, at_48k(audio, rate, tail_s=8.0)) as conn:
            await asyncio.sleep(end)
            for _ in range(80):  # wait for the reply (a loaded machine may be slow)
                if any(rms > 0.05 for _, rms in conn.energy_timeline()):
                    break
                await asyncio.sleep(0.1)
            await asyncio.sleep(0.3)
            return conn.energy_timeline()

    timeline = asyncio.run(scenario())
    loud = [t for t, rms in timeline if rms > 0.05]
    assert loud, "no reply came back"
    assert min(loud) > end + 0.2  # nothing while the user speaks or pauses at the comma


def test_receive_mode_streams_the_generator_at_real_time_pace() -> None:
    def generate(seconds: float) -> Iterator[Any]:
        chunk = tone(330, 0.25, 24000)
        for _ in range(int(seconds / 0.25)):
            yield (24000, chunk)  # produced much faster than real time

    async def scenario() -> tuple[list[tuple[float, float]], bool, str | None, float]:
        session = AudioStreamSession(GeneratorHandler(generate), mode=Mode.RECEIVE)
        session.set_inputs([2.0])
        assert session.source_track is not None
        async with connected(session) as conn:
            for _ in range(100):
                await asyncio.sleep(0.1)
                if session.stopped:
                    break
            timeline = conn.energy_timeline()
            stalls_s = session.source_track.stats.skipped_s
            return timeline, session.stopped, session.mailbox.snapshot().end_message, stalls_s

    timeline, stopped, message, stalls_s = asyncio.run(scenario())
    loud = [t for t, rms in timeline if rms > 0.05]
    assert loud
    span = max(loud) - min(loud)
    # 2 s of audio took about 2 s to arrive: paced, not burst. A starved event
    # loop (a loaded machine) delays frames; the track re-anchors instead of
    # bursting and reports how long it lost, which is all the span may exceed.
    assert 1.7 < span < 2.5 + stalls_s, f"stalls {stalls_s:.2f} s"
    assert stopped and not message  # the stream ended with the generator, no error


def test_time_limit_stops_the_stream() -> None:
    async def scenario() -> tuple[bool, str | None, float | None]:
        session = AudioStreamSession(Echo(), time_limit=1.0)
        async with connected(session, tone(440, 1.0), loop_mic=True):
            remaining = None
            await asyncio.sleep(0.3)
            remaining = session.remaining_s()
            await asyncio.sleep(1.2)
            snap = session.mailbox.snapshot()
            return session.stopped, snap.end_message, remaining

    stopped, message, remaining = asyncio.run(scenario())
    assert stopped
    assert message is not None and "Time limit" in message
    assert remaining is not None and 0.4 < remaining < 1.0


def test_close_stream_from_the_handler_ends_the_stream_with_its_message() -> None:
    def reply(utterance: tuple[int, np.ndarray]) -> Iterator[Any]:
        yield CloseStream("Goodbye!")

    class Closer(Echo):
        def emit(self) -> AudioEmitType:
            return CloseStream("Goodbye!") if self.received > 10 else None

        def copy(self) -> Closer:
            return Closer()

    async def scenario() -> tuple[bool, str | None]:
        session = AudioStreamSession(Closer())
        async with connected(session, tone(440, 1.0), loop_mic=True):
            await asyncio.sleep(1.0)
            return session.stopped, session.mailbox.snapshot().end_message

    assert asyncio.run(scenario()) == (True, "Goodbye!")


def test_concurrent_sessions_never_hear_each_other() -> None:
    async def scenario() -> tuple[float, float]:
        a, b = AudioStreamSession(Echo(), name="a"), AudioStreamSession(Echo(), name="b")
        async with (
            connected(a, tone(300, 3.0), True) as ca,
            connected(b, tone(1200, 3.0), True) as cb,
        ):
            await asyncio.sleep(2.0)
            since = max(ca.connected_at, cb.connected_at) + 0.5
            return dominant_hz(ca.audio_after(since)), dominant_hz(cb.audio_after(since))

    hz_a, hz_b = asyncio.run(scenario())
    assert abs(hz_a - 300) < 10 and abs(hz_b - 1200) < 10


def test_a_raising_handler_stops_its_session_and_the_other_keeps_working() -> None:
    async def scenario() -> tuple[Any, Any, float]:
        bad = AudioStreamSession(Echo(fail_after=20), name="bad")
        good = AudioStreamSession(Echo(), name="good")
        async with (
            connected(bad, tone(440, 1.0), True),
            connected(good, tone(660, 3.0), True) as cg,
        ):
            await asyncio.sleep(2.0)
            heard = dominant_hz(cg.audio_after(time.monotonic() - 1.0))
            return bad.mailbox.snapshot(), good.mailbox.snapshot(), heard

    bad, good, hz = asyncio.run(scenario())
    assert bad.state is StreamState.STOPPED
    assert bad.errors == ("Echo.receive() raised RuntimeError: model crashed",)
    assert bad.end_message == "Echo.receive() raised RuntimeError: model crashed"
    assert good.errors == () and abs(hz - 660) < 10


class BlockingEmit(Echo):
    """Breaks fastrtc's rule: emit() waits for input instead of returning None."""

    release = threading.Event()

    def emit(self) -> AudioEmitType:
        self.release.wait(30)
        return None

    def copy(self) -> BlockingEmit:
        return BlockingEmit()


def test_an_emit_that_blocks_is_named_in_the_page() -> None:
    async def scenario() -> Any:
        session = AudioStreamSession(BlockingEmit(), name="blocking")
        async with connected(session, tone(440, 6.0), True):
            deadline = time.monotonic() + 15
            while time.monotonic() < deadline and not session.mailbox.snapshot().errors:
                await asyncio.sleep(0.1)
            snapshot = session.mailbox.snapshot()
            BlockingEmit.release.set()
            return snapshot

    snapshot = asyncio.run(scenario())
    assert snapshot.errors, "a blocking emit() was not reported"
    assert snapshot.errors[0].startswith("BlockingEmit.emit() has not returned for")
    assert "must not block" in snapshot.errors[0]


def test_every_thread_is_stopped_at_the_end() -> None:
    before = threading.active_count()

    async def scenario() -> int:
        session = AudioStreamSession(ReplyOnPause(lambda audio: iter(())))
        async with connected(session, tone(440, 1.0), True):
            await asyncio.sleep(0.5)
            during = threading.active_count()
        return during

    during = asyncio.run(scenario())
    assert during > before
    for _ in range(50):
        if threading.active_count() <= before:
            break
        time.sleep(0.05)
    assert threading.active_count() <= before, [t.name for t in threading.enumerate()]


def test_a_refused_connection_runs_no_handler_code() -> None:
    started: list[bool] = []

    class Counting(Echo):
        def start_up(self) -> None:
            started.append(True)

        def copy(self) -> Counting:
            return Counting()

    async def scenario() -> tuple[bool, bool, str | None]:
        session = AudioStreamSession(Counting(), admit=lambda: False, busy_message="full, sorry")
        async with connected(session, tone(440, 1.0), True):
            await asyncio.sleep(0.8)
            return session.stopped, session.refused, session.mailbox.snapshot().end_message

    assert asyncio.run(scenario()) == (True, True, "full, sorry")
    assert started == []


def test_send_mode_listens_and_keeps_outputs_but_plays_nothing(
    speech: Any, speech_manifest: dict[str, Any]
) -> None:
    from streamlit_rtc import AdditionalOutputs

    rate, audio = speech("two_utterances.wav")

    def transcribe(utterance: tuple[int, np.ndarray]) -> Iterator[Any]:
        seconds = utterance[1].shape[1] / utterance[0]
        yield ((24000, tone(500, 0.5, 24000)), AdditionalOutputs(round(seconds, 1)))

    expected = len(speech_manifest["two_utterances.wav"]["utterances"])
    mic = at_48k(audio, rate, tail_s=1.0)

    async def scenario() -> tuple[list[Any], str]:
        session = AudioStreamSession(ReplyOnPause(transcribe), mode=Mode.SEND)
        assert session.source_track is None
        lengths: list[Any] = []
        async with connected(session, mic):
            # Wait for the turns, not a fixed time: a loaded machine delivers late.
            deadline = time.monotonic() + mic.size / 48000 + 10.0
            while len(lengths) < expected and time.monotonic() < deadline:
                await asyncio.sleep(0.1)
                lengths += [o.args[0] for o in session.mailbox.take_outputs()]
            snapshot = session.mailbox.snapshot()
            heard_s = session.handler.stream_time_s()
            why = (
                f"heard {heard_s:.2f} s of {mic.size / 48000:.2f} s, "
                f"dropped {session.workers.dropped_frames} frames, state {snapshot.state}, "
                f"errors {snapshot.errors}, end {snapshot.end_message!r}"
            )
            return lengths, why

    lengths, why = asyncio.run(scenario())
    assert len(lengths) == expected, why
