"""Faults of the network and of the server's loop, over real WebRTC behind a real ServerPeer.

The client is an aiortc peer on its own loop (``fault_peers``) that behaves
like our component, then misbehaves:

* it vanishes mid-reply without a goodbye: the session notices the missing
  microphone audio, ends, and the reply generator is closed;
* the server's media loop is blocked for 1.5 s: audio flows again both ways
  afterwards and the session lives on;
* it loses every packet it sends for 3 s while the user speaks: audio
  continues afterwards and the gap does not end the turn.

The no-audio watchdog is also tested on its own: once per stall, armed by
the first frame, and a blocked loop is not taken for a stall.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest
from aiortc.mediastreams import MediaStreamTrack
from fault_peers import served, wait_until

from streamlit_rtc import ReplyOnPause
from streamlit_rtc.rtc.audio_sink import MicrophoneSink
from streamlit_rtc.rtc.consumer import STALL_CHECKS
from streamlit_rtc.session.audio_session import INBOUND_TIMEOUT_S, AudioStreamSession
from streamlit_rtc.session.modes import Mode
from streamlit_rtc.testing import read_wav

pytestmark = pytest.mark.rtc

LOGGER = logging.getLogger(__name__)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
SPEECH_PAUSE = FIXTURES / "browser" / "speech_pause.wav"
LONG_SPEECH = FIXTURES / "speech" / "long_speech.wav"
SLACK_S = 1.5
"""Added to the issue's bounds: the machine runs other jobs (2 cores)."""


def mic(path: Path, tail_s: float = 0.0) -> np.ndarray:
    _, samples = read_wav(path, sample_rate=48000)
    return np.concatenate([samples[:, 0], np.zeros(int(tail_s * 48000), np.int16)])


def tone(seconds: float, rate: int = 24000) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return (0.3 * 32767 * np.sin(2 * np.pi * 440 * t)).astype(np.int16)[None, :]


class LongReply:
    """A reply that yields a minute of audio in 0.1 s chunks; records when it is closed."""

    def __init__(self) -> None:
        self.started = threading.Event()
        self.closed = threading.Event()
        self.closed_at = 0.0
        self.calls = 0

    def __call__(self, audio: tuple[int, np.ndarray]) -> Iterator[tuple[int, np.ndarray]]:
        self.calls += 1
        self.started.set()
        chunk = tone(0.1)
        try:
            for _ in range(600):
                yield (24000, chunk)
        finally:
            self.closed_at = time.monotonic()
            self.closed.set()


class NoticingSession(AudioStreamSession):
    """Records when the session noticed that the microphone audio stopped."""

    noticed_at: float | None = None

    def _on_mic_stalled(self, silent_s: float) -> None:
        self.noticed_at = time.monotonic()
        super()._on_mic_stalled(silent_s)


def threads_of(name: str) -> list[str]:
    return [t.name for t in threading.enumerate() if t.name.startswith(f"{name}-")]


def test_a_browser_that_vanishes_mid_reply_ends_the_session_and_closes_the_reply() -> None:
    reply = LongReply()
    session = NoticingSession(ReplyOnPause(reply), Mode.SEND_RECEIVE, name="vanish")
    with served(session, mic(SPEECH_PAUSE, tail_s=60)) as (_, client, _peer):
        wait_until(reply.started.is_set, 30, "the reply started")
        wait_until(lambda: client.frames_received() > 25, 10, "the reply is heard")
        vanished = time.monotonic()
        client.loop.freeze()  # asleep: nothing in, nothing out, no goodbye
        wait_until(reply.closed.is_set, INBOUND_TIMEOUT_S + 10, "the reply generator closed")
        assert session.noticed_at is not None, "closed before the server noticed the loss?"
        LOGGER.info(
            "vanished: noticed after %.2f s, reply closed %.2f s after that",
            session.noticed_at - vanished,
            reply.closed_at - session.noticed_at,
        )
        # The server notices within the timeout (+ one check interval) ...
        check_interval = INBOUND_TIMEOUT_S / STALL_CHECKS
        assert session.noticed_at - vanished <= INBOUND_TIMEOUT_S + check_interval + SLACK_S
        # ... and closes the reply within 2 s of noticing (the bound).
        assert reply.closed_at - session.noticed_at <= 2.0 + SLACK_S
        # The end message is posted once the stop has finished (threads joined).
        wait_until(lambda: session.mailbox.snapshot().end_message, 10, "the session stopped")
        end = session.mailbox.snapshot().end_message
        assert end is not None and end.startswith("No audio from the browser for"), end
        assert "press START" in end
        wait_until(lambda: not threads_of("vanish"), 5, "the session's threads ended")
        assert reply.calls == 1


def test_a_starved_media_loop_recovers_and_no_session_dies() -> None:
    session = AudioStreamSession(ReplyOnPause(LongReply()), Mode.SEND_RECEIVE, name="starved")
    with served(session, mic(SPEECH_PAUSE, tail_s=60)) as (server, client, _peer):
        wait_until(lambda: client.frames_received() > 25, 30, "the reply is heard")
        heard_mic = session.handler.stream_time_s()
        returned = server.block(1.5)  # a blocking call on the media loop every session shares
        assert returned.wait(10)
        frames = client.frames_received()
        # Both directions flow again: the reply reaches the client, the microphone the handler.
        wait_until(lambda: client.frames_received() > frames + 50, 10, "reply audio again")
        wait_until(
            lambda: session.handler.stream_time_s() > heard_mic + 3.0, 10, "microphone audio again"
        )
        assert not session.stopped, session.mailbox.snapshot().end_message
        assert session.mailbox.snapshot().errors == ()


class Transcript:
    """A reply that records the length of each turn it answers and says nothing."""

    def __init__(self) -> None:
        self.turns: list[float] = []

    def __call__(self, audio: tuple[int, np.ndarray]) -> Iterator[Any]:
        self.turns.append(audio[1].shape[1] / audio[0])
        yield from ()


def test_lost_packets_while_the_user_speaks_do_not_end_the_turn_and_audio_resumes() -> None:
    reply = Transcript()
    session = AudioStreamSession(ReplyOnPause(reply), Mode.SEND_RECEIVE, name="lossy")
    # 0.5 s of silence, 4.9 s of continuous speech, then silence.
    with served(session, mic(LONG_SPEECH, tail_s=30)) as (_, client, _peer):
        wait_until(lambda: "started_talking" in client.events(), 20, "speech heard")
        wait_until(lambda: session.handler.stream_time_s() > 1.2, 10, "0.7 s into the speech")
        heard_before = session.handler.stream_time_s()
        sent = client.mic.stats.frames
        client.dropping = True  # every packet the browser sends is lost ...
        wait_until(lambda: client.mic.stats.frames >= sent + 150, 10, "3 s of speech sent")
        client.dropping = False  # ... for 3 s of its microphone
        # Nothing arrived meanwhile, so nothing was judged: no pause in the gap.
        assert session.handler.stream_time_s() - heard_before < 0.5
        assert "pause_detected" not in client.events()
        # Audio continues afterwards: the rest of the speech, then the pause ends the turn.
        wait_until(
            lambda: session.handler.stream_time_s() > heard_before + 2.0, 10, "audio resumed"
        )
        wait_until(lambda: reply.turns != [], 15, "the turn was answered")
        assert client.events().count("pause_detected") == 1
        assert client.events().count("started_talking") == 1
        # One turn of the speech that arrived: about 4.9 s spoken, 3 s of it lost.
        assert 1.0 < reply.turns[0] < 4.9, reply.turns
        assert not session.stopped


# -- the watchdog itself, on a track the test feeds by hand ----------------------------


class FedTrack(MediaStreamTrack):
    """An audio track that delivers what the test puts into it, when it does."""

    kind = "audio"

    def __init__(self) -> None:
        super().__init__()
        self.queue: asyncio.Queue[av.AudioFrame] = asyncio.Queue()

    async def recv(self) -> av.AudioFrame:
        return await self.queue.get()

    def feed(self) -> None:
        silence = np.zeros((1, 1920), np.int16)
        frame = av.AudioFrame.from_ndarray(silence, format="s16", layout="stereo")
        frame.sample_rate = 48000
        self.queue.put_nowait(frame)


def test_the_watchdog_fires_once_per_stall_and_not_before_the_first_frame(arun) -> None:
    async def scenario() -> list[float]:
        stalls: list[float] = []
        track = FedTrack()
        sink = MicrophoneSink(lambda *args: None, track=track)
        sink.watch_stall(0.4, stalls.append)
        sink.start()
        await asyncio.sleep(0.8)
        assert stalls == []  # armed by the first frame only
        for _ in range(10):  # frames flow: no stall
            track.feed()
            await asyncio.sleep(0.05)
        assert stalls == []
        await wait_for(lambda: len(stalls) == 1, 5)
        await asyncio.sleep(0.8)
        assert len(stalls) == 1  # once per stall, not every check
        track.feed()  # frames again: re-armed
        await wait_for(lambda: len(stalls) == 2, 5)
        await sink.aclose()
        return stalls

    stalls = arun(scenario)
    assert all(s >= 0.4 for s in stalls)


def test_a_blocked_loop_is_not_taken_for_a_stall(arun) -> None:
    async def scenario() -> list[float]:
        stalls: list[float] = []
        track = FedTrack()
        sink = MicrophoneSink(lambda *args: None, track=track)
        sink.watch_stall(0.4, stalls.append)
        sink.start()
        track.feed()
        await asyncio.sleep(0.05)
        time.sleep(1.0)  # the fault: a blocking call on the loop, longer than the timeout
        for _ in range(10):  # the frames that waited behind it, then more
            track.feed()
            await asyncio.sleep(0.03)
        await sink.aclose()
        return stalls

    assert arun(scenario) == []


async def wait_for(condition: Any, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)
