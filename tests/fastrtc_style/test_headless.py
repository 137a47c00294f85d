"""fastrtc's realtime-API patterns on HandlerSimulator: answers, barge-in, errors named.

The simulator runs user code through the same bridge as a live stream
(``start_up`` concurrently, async code on a private loop), on a simulated
playback clock. The realtime handler here uses a 10 ms ``emit`` wait instead
of ``wait_for_item``'s 0.1 s: the simulator calls ``emit`` once per idle
20 ms frame, and a 0.1 s real wait per frame makes a 6 s run take 30 s
without changing a single simulated timing. The live tests use the default.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from streamlit_rtc import AdditionalOutputs, AsyncStreamHandler, StreamHandler
from streamlit_rtc.simulate import STARTUP_WAIT_S
from streamlit_rtc.testing import HandlerSimulator, read_wav

from .conftest import AsyncHygiene
from .fake_gemini import FakeGenAIClient
from .fake_openai import FakeAsyncOpenAI
from .fake_realtime import END_OF_TURN_S
from .handlers import GeminiAVHandler, RealtimeHandler
from .measure import dominant_hz, loud_spans

SPEECH = Path(__file__).resolve().parents[1] / "fixtures" / "speech"
FAST_EMIT_S = 0.01
FRAME_S = 0.02


def load_speech(name: str) -> tuple[int, np.ndarray]:
    rate, samples = read_wav(SPEECH / name, mono=True)
    return rate, samples


def played_mono(sim: HandlerSimulator) -> tuple[np.ndarray, int]:
    return sim.played()[0], sim.handler.output_sample_rate


def texts(sim: HandlerSimulator) -> list[tuple[float, Any]]:
    return [(t, out.args[0]) for t, out in sim.record.outputs]


def wait_until(predicate: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError("condition not reached")
        time.sleep(0.01)


def run_until_closed(sim: HandlerSimulator, timeout: float = 5.0) -> None:
    """Feed silence at about real-time pace until the stream ends (or ``timeout``)."""
    deadline = time.monotonic() + timeout
    while not sim.closed and time.monotonic() < deadline:
        sim.run_silence(FRAME_S)
        time.sleep(FRAME_S)


# -- the OpenAI-realtime-style handler ----------------------------------------------------


def test_realtime_handler_answers_a_spoken_turn(
    speech_manifest: dict[str, Any], async_hygiene: AsyncHygiene
) -> None:
    rate, audio = load_speech("comma_pause.wav")
    speech_end = speech_manifest["comma_pause.wav"]["utterances"][0]["end_s"]
    client = FakeAsyncOpenAI()
    sim = HandlerSimulator(RealtimeHandler(lambda: client, emit_wait_s=FAST_EMIT_S))
    sim.run(audio, rate, tail_s=1.5)
    leftover = sim.close()

    played, out_rate = played_mono(sim)
    spans = loud_spans(played, out_rate)
    assert len(spans) == 1, spans  # one turn, one answer: nothing during the comma pause
    start, end = spans[0]
    turn_end = speech_end + END_OF_TURN_S
    assert turn_end - 0.05 < start < turn_end + 0.2, (start, turn_end)
    assert 0.45 < end - start < 0.6  # the whole 0.5 s reply, played once
    reply = played[round(start * out_rate) : round(end * out_rate)]
    assert abs(dominant_hz(reply, out_rate) - 660) < 10

    said = texts(sim)
    assistant = [(t, m["content"]) for t, m in said if m["role"] == "assistant"]
    assert [m for _, m in assistant] == ["Reply 1: I heard 2.7 s of speech."], said
    assert start - 0.05 <= assistant[0][0] < end + 0.2  # shown with its audio

    assert sim.record.errors == [] and not sim.closed
    assert leftover == []
    (conn,) = client.connections
    assert conn.session_config["turn_detection"] == {"type": "server_vad"}
    assert conn.closed  # shutdown() closed the connection
    assert abs(conn.appended_s - (audio.size / rate + 1.5)) < 0.1  # every frame was sent
    assert async_hygiene.leaks() == []


@pytest.mark.parametrize("barge_in", [True, False], ids=["barge-in", "no-barge-in"])
def test_new_speech_cuts_the_reply_only_when_the_handler_clears_the_queue(
    speech_manifest: dict[str, Any], barge_in: bool
) -> None:
    """barge_in.wav: the user speaks again while a 2 s reply is playing."""
    rate, audio = load_speech("barge_in.wav")
    first, second = speech_manifest["barge_in.wav"]["utterances"]
    client = FakeAsyncOpenAI(reply_s=2.0)
    # copy() makes a fresh instance per connection: the switch lives on the class
    proto = type(
        "Interruptible" if barge_in else "Deaf", (RealtimeHandler,), {"barge_in": barge_in}
    )
    sim = HandlerSimulator(proto(lambda: client, emit_wait_s=FAST_EMIT_S))
    sim.run(audio, rate, tail_s=0.5)
    assert sim.close() == []

    played, out_rate = played_mono(sim)
    spans = loud_spans(played, out_rate)
    reply_start = first["end_s"] + END_OF_TURN_S
    interrupted_at = second["start_s"]
    assert spans and abs(spans[0][0] - reply_start) < 0.2, spans
    while_talking = [s for s in spans if s[1] > interrupted_at + 0.15 and s[0] < second["end_s"]]
    if barge_in:
        assert spans[0][1] < interrupted_at + 0.15, spans  # cut within a few frames
        assert while_talking == [], spans
    else:
        assert while_talking, spans  # the reply talks over the user


# -- the Gemini-style audio-video handler, audio half -----------------------------------------


def test_gemini_handler_waits_for_its_key_then_answers(speech_manifest: dict[str, Any]) -> None:
    rate, audio = load_speech("two_utterances.wav")
    utterances = speech_manifest["two_utterances.wav"]["utterances"]
    clients: list[FakeGenAIClient] = []

    def client(**kwargs: Any) -> FakeGenAIClient:
        clients.append(FakeGenAIClient(**kwargs))
        return clients[-1]

    sim = HandlerSimulator(GeminiAVHandler(client))
    assert clients == []  # start_up is waiting for the API key input
    sim.handler.set_args(["key"])
    wait_until(lambda: sim.handler.session is not None)
    sim.run(audio, rate, tail_s=1.0)
    assert sim.close() == []

    assert [c.api_key for c in clients] == ["key"]
    played, out_rate = played_mono(sim)
    spans = loud_spans(played, out_rate)
    assert len(spans) == 2, spans
    for (start, end), utterance in zip(spans, utterances, strict=True):
        turn_end = utterance["end_s"] + END_OF_TURN_S
        assert turn_end - 0.05 < start < turn_end + 0.2, (start, turn_end)
        reply = played[round(start * out_rate) : round(end * out_rate)]
        assert abs(dominant_hz(reply, out_rate) - 520) < 10
    assert [m for _, m in texts(sim)] == [
        "Reply 1: heard 1.3 s, saw 0 images.",
        "Reply 2: heard 1.5 s, saw 0 images.",
    ]
    assert sim.record.errors == []
    assert clients[0].sessions[0].closed


def test_gemini_handler_without_a_key_ends_with_its_message() -> None:
    clients: list[Any] = []
    sim = HandlerSimulator(GeminiAVHandler(lambda **kw: clients.append(kw)))
    sim.handler.set_args([""])
    run_until_closed(sim)
    assert sim.close() == []
    assert sim.record.errors == ["Please enter your Gemini API key before starting the stream."]
    assert sim.closed and clients == []


# -- errors in user code are named ---------------------------------------------------------


class SyncQuiet(StreamHandler):
    """Listens, says nothing; ``start_up`` or ``receive`` can fail on purpose."""

    def __init__(self, start_up_fails_after: float | None = None, fail_frame: int = 0) -> None:
        super().__init__()
        self.start_up_fails_after = start_up_fails_after
        self.fail_frame = fail_frame
        self.received = 0

    def copy(self) -> SyncQuiet:
        return type(self)(self.start_up_fails_after, self.fail_frame)

    def start_up(self) -> None:
        if self.start_up_fails_after is not None:
            time.sleep(self.start_up_fails_after)
            raise RuntimeError("boom")

    def receive(self, frame: tuple[int, np.ndarray]) -> None:
        self.received += 1
        if self.received == self.fail_frame:
            raise ValueError(f"bad frame {self.received}")

    def emit(self) -> None:
        return None


class AsyncQuiet(AsyncStreamHandler):
    def __init__(self, start_up_fails_after: float | None = None, fail_frame: int = 0) -> None:
        super().__init__()
        self.start_up_fails_after = start_up_fails_after
        self.fail_frame = fail_frame
        self.received = 0

    def copy(self) -> AsyncQuiet:
        return type(self)(self.start_up_fails_after, self.fail_frame)

    async def start_up(self) -> None:
        if self.start_up_fails_after is not None:
            await asyncio.sleep(self.start_up_fails_after)
            raise RuntimeError("boom")

    async def receive(self, frame: tuple[int, np.ndarray]) -> None:
        self.received += 1
        if self.received == self.fail_frame:
            raise ValueError(f"bad frame {self.received}")

    async def emit(self) -> AdditionalOutputs | None:
        await asyncio.sleep(0)
        return None


@pytest.mark.parametrize("delay_s", [0.0, 0.3, 1.3], ids=["at-once", "after-0.3s", "after-1.3s"])
@pytest.mark.parametrize("cls", [SyncQuiet, AsyncQuiet], ids=["sync", "async"])
def test_a_failing_start_up_ends_the_run_naming_start_up(cls: type[Any], delay_s: float) -> None:
    sim = HandlerSimulator(cls(start_up_fails_after=delay_s))
    run_until_closed(sim)
    assert sim.close() == []
    assert sim.record.errors == [f"{cls.__name__}.start_up() raised RuntimeError: boom"]
    assert sim.closed
    if delay_s > STARTUP_WAIT_S:
        # start_up ran next to the stream: frames were received while it worked
        assert sim.handler.received > 5, sim.handler.received
    else:
        # the simulator gives start_up STARTUP_WAIT_S before the first frame
        assert sim.handler.received == 0


@pytest.mark.parametrize("cls", [SyncQuiet, AsyncQuiet], ids=["sync", "async"])
def test_a_failing_receive_ends_the_run_naming_receive(cls: type[Any]) -> None:
    sim = HandlerSimulator(cls(fail_frame=10))
    sim.run_silence(1.0)
    assert sim.close() == []
    assert sim.record.errors == [f"{cls.__name__}.receive() raised ValueError: bad frame 10"]
    assert sim.closed and sim.handler.received == 10  # nothing more after the error
    assert sim.time_s == pytest.approx(10 * FRAME_S)


def test_a_task_start_up_leaves_running_is_cancelled_at_the_end(
    async_hygiene: AsyncHygiene,
) -> None:
    """Realtime handlers often start a background task (a keep-alive, a reader) and forget it."""
    cleaned_up: list[bool] = []

    async def keep_alive() -> None:
        try:
            await asyncio.sleep(3600)
        finally:
            cleaned_up.append(True)

    class Stranding(AsyncQuiet):
        async def start_up(self) -> None:
            self.background = asyncio.get_running_loop().create_task(keep_alive())

    sim = HandlerSimulator(Stranding())
    sim.run_silence(0.1)
    assert sim.close() == []
    assert sim.handler.background.cancelled() and cleaned_up == [True]
    del sim
    assert async_hygiene.leaks() == []
