"""fastrtc's realtime-API patterns in an AudioStreamSession over real aiortc peers on 127.0.0.1.

The handlers run exactly as live: ``start_up`` holds the session loop on the
connection's private event loop, ``emit`` waits with ``wait_for_item``'s
default timeout, and the client peer hears what the server plays.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import numpy as np
import pytest
from session.peers import at_48k, connected
from session.video_peers import NumberedCamera, VideoConnection

from streamlit_rtc.session.audio_session import AudioStreamSession
from streamlit_rtc.session.mailbox import StreamState
from streamlit_rtc.session.modes import Modality
from streamlit_rtc.testing import fake_microphone

from .conftest import AsyncHygiene
from .fake_gemini import FakeGenAIClient
from .fake_openai import FakeAsyncOpenAI
from .handlers import FailingStartUp, GeminiAVHandler, RealtimeHandler
from .measure import dominant_hz

pytestmark = pytest.mark.rtc

LOUD = 0.05  # RMS of a received frame that carries the reply tone (0.3 full scale)


async def wait_for(predicate: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} not reached within {timeout:g} s")
        await asyncio.sleep(0.05)


def loud_audio(frames: list[Any]) -> tuple[list[float], np.ndarray]:
    """Arrival times and first-channel samples of the received frames that are loud."""
    times, chunks = [], []
    for f in frames:
        mono = f.samples.reshape(-1, 2)[:, 0] if f.layout == "stereo" else f.samples.reshape(-1)
        if np.sqrt(np.mean((mono / 32768.0) ** 2)) > LOUD:
            times.append(f.arrival_s)
            chunks.append(mono)
    return times, np.concatenate(chunks) if chunks else np.zeros(0, np.int16)


def stream_threads(prefix: str) -> list[str]:
    return [t.name for t in threading.enumerate() if t.name.startswith(prefix)]


def assert_threads_end(prefix: str, baseline: int) -> None:
    """The session's threads are gone and the process is back to its thread count."""
    deadline = time.monotonic() + 5.0
    while time.monotonic() < deadline:
        if not stream_threads(prefix) and threading.active_count() <= baseline:
            return
        time.sleep(0.05)
    assert stream_threads(prefix) == []
    assert threading.active_count() <= baseline, [t.name for t in threading.enumerate()]


def test_realtime_handler_answers_over_webrtc_and_stops_cleanly(
    speech: Any, speech_manifest: dict[str, Any], async_hygiene: AsyncHygiene
) -> None:
    rate, audio = speech("comma_pause.wav")
    speech_end = speech_manifest["comma_pause.wav"]["utterances"][0]["end_s"]
    client = FakeAsyncOpenAI()
    baseline = threading.active_count()

    async def scenario() -> dict[str, Any]:
        session = AudioStreamSession(RealtimeHandler(lambda: client), name="rt-answer")
        said: list[dict[str, str]] = []
        async with connected(session, at_48k(audio, rate, tail_s=6.0)) as conn:

            def answered() -> bool:
                said.extend(o.args[0] for o in session.mailbox.take_outputs())
                times, _ = loud_audio(conn.received.frames)
                return bool(times) and any(m["role"] == "assistant" for m in said)

            await wait_for(answered, speech_end + 10.0, "the reply and its transcript")
            await asyncio.sleep(0.8)  # let the 0.5 s reply finish arriving
            times, reply = loud_audio(conn.received.frames)
            return {
                "threads": stream_threads("rt-answer"),
                "first": times[0] - conn.connected_at,
                "span": times[-1] - times[0],
                "hz": dominant_hz(reply, 48000),
                "said": said,
                "snapshot": session.mailbox.snapshot(),
                "session": session,
            }

    got = asyncio.run(scenario())
    assert got["threads"], "the handler ran on no thread of the session"
    assert got["first"] > speech_end + 0.2, got  # after the turn ended, not while speaking
    assert abs(got["hz"] - 660) < 15, got["hz"]
    assert 0.3 < got["span"] < 1.0, got["span"]  # one 0.5 s reply
    assert {"role": "assistant", "content": "Reply 1: I heard 2.7 s of speech."} in got["said"]
    assert got["snapshot"].errors == ()
    assert got["session"].stopped
    (conn,) = client.connections
    assert conn.closed and conn.replies == 1
    assert_threads_end("rt-answer", baseline)
    assert async_hygiene.leaks() == []


class SpeakingCamera(VideoConnection):
    """The video test client, with a microphone that plays a recording."""

    def __init__(self, session: Any, camera: NumberedCamera, mic: np.ndarray) -> None:
        super().__init__(session, camera, fps=15, audio=True)
        assert self.mic is not None
        self.mic.stop()
        self.mic = fake_microphone(mic)


@contextlib.asynccontextmanager
async def av_connected(
    session: AudioStreamSession, camera: NumberedCamera, mic: np.ndarray
) -> AsyncIterator[SpeakingCamera]:
    connection = SpeakingCamera(session, camera, mic)
    try:
        await connection.open()
        yield connection
    finally:
        await connection.close()


def test_gemini_av_handler_answers_audio_and_shows_the_webcam(
    speech: Any, speech_manifest: dict[str, Any]
) -> None:
    rate, audio = speech("comma_pause.wav")
    speech_end = speech_manifest["comma_pause.wav"]["utterances"][0]["end_s"]
    clients: list[FakeGenAIClient] = []

    def client(**kwargs: Any) -> FakeGenAIClient:
        clients.append(FakeGenAIClient(**kwargs))
        return clients[-1]

    baseline = threading.active_count()

    async def scenario() -> dict[str, Any]:
        session = AudioStreamSession(
            GeminiAVHandler(client), modality=Modality.AUDIO_VIDEO, name="gemini-av"
        )
        session.set_inputs(["key"])
        said: list[str] = []
        camera = NumberedCamera((255, 0, 0))
        async with av_connected(session, camera, at_48k(audio, rate, tail_s=6.0)) as conn:

            def answered() -> bool:
                said.extend(o.args[0] for o in session.mailbox.take_outputs())
                return bool(said) and bool(loud_audio(conn.audio.frames)[0])

            await wait_for(answered, speech_end + 10.0, "the spoken reply")
            await wait_for(lambda: len(conn.video.frames) > 15, 10.0, "video back")
            await asyncio.sleep(0.8)
            times, reply = loud_audio(conn.audio.frames)
            elapsed = time.monotonic() - conn.connected_at
            handler = session.handler
            return {
                "first": times[0] - conn.connected_at,
                "hz": dominant_hz(reply, 48000),
                "said": said,
                "shown": list(conn.video.frames),
                "elapsed": elapsed,
                "images_sent": handler.images_sent,
                "snapshot": session.mailbox.snapshot(),
            }

    got = asyncio.run(scenario())
    assert [c.api_key for c in clients] == ["key"]  # from session.set_inputs, via latest_args
    assert got["first"] > speech_end + 0.2, got["first"]
    assert abs(got["hz"] - 520) < 15, got["hz"]
    assert len(got["said"]) == 1 and got["said"][0].startswith("Reply 1: heard 2.7 s, saw "), got
    seen = int(got["said"][0].split("saw ")[1].split()[0])
    # one webcam image per second at most, and they reached the model
    assert 1 <= seen <= got["elapsed"] + 1, (seen, got["elapsed"])
    assert 1 <= got["images_sent"] <= got["elapsed"] + 1
    assert clients[0].sessions[0].images == got["images_sent"]
    # video_emit showed the webcam back: red frames, numbered as sent
    last = got["shown"][-1]
    assert np.abs(last.colour - np.array([255, 0, 0])).max() < 40, last.colour
    assert len({f.number for f in got["shown"]}) > 10
    assert got["snapshot"].errors == ()
    assert clients[0].sessions[0].closed
    assert_threads_end("gemini-av", baseline)


def test_a_start_up_that_fails_later_stops_the_session_and_names_it() -> None:
    baseline = threading.active_count()
    silence = np.zeros(48000 * 3, np.int16)

    async def scenario() -> tuple[Any, float, bool]:
        session = AudioStreamSession(FailingStartUp(delay_s=0.3), name="rt-fails")
        async with connected(session, silence, loop_mic=True) as conn:
            # the page's view of the end: the mailbox says STOPPED (session.stopped is
            # set first, when stopping begins)
            def ended() -> bool:
                return session.mailbox.snapshot().state is StreamState.STOPPED

            await wait_for(ended, 10.0, "the end of the stream")
            stopped_after = time.monotonic() - conn.connected_at
            return session.mailbox.snapshot(), stopped_after, session.stopped

    snapshot, stopped_after, stopped = asyncio.run(scenario())
    assert stopped and snapshot.state is StreamState.STOPPED
    assert snapshot.errors == (
        "FailingStartUp.start_up() raised RuntimeError: realtime service unavailable",
    )
    assert stopped_after >= 0.3  # it failed when start_up failed, not before
    assert_threads_end("rt-fails", baseline)
