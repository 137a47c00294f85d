"""Where a fastrtc-style async handler once found the library and the simulator disagreeing.

1. Audio an async handler queues right after its own ``clear_queue()`` plays,
   live as in the simulator (the output epoch is read after ``emit()``
   returns, not before it was awaited).
2. ``HandlerSimulator`` names an async ``emit()`` that blocks, as a live
   stream does, instead of waiting forever.
"""

from __future__ import annotations

import asyncio
import base64
import threading
import time
from typing import Any

import numpy as np
import pytest
from session.peers import at_48k, connected

from streamlit_rtc import AsyncStreamHandler
from streamlit_rtc.session.audio_session import AudioStreamSession
from streamlit_rtc.testing import HandlerSimulator

from .fake_openai import FakeAsyncOpenAI
from .fake_realtime import reply_tone
from .handlers import RealtimeHandler
from .measure import dominant_hz, loud_spans

EARCON_HZ = 880.0
EARCON = reply_tone(EARCON_HZ, 0.3, 24000).reshape(1, -1)


class Acknowledging(RealtimeHandler):
    """On new speech: stop the reply being played and play a short "I'm listening" earcon.

    The earcon is queued when ``emit`` is waiting on the empty queue (where an
    idle async handler's ``emit`` spends its time), so the scenario is the
    same on every run.
    """

    def __init__(self, client: Any = FakeAsyncOpenAI, emit_wait_s: float = 0.5) -> None:
        super().__init__(client, emit_wait_s)
        self.emit_waiting = False
        self.earcons = 0

    async def start_up(self) -> None:
        async with self.client_factory().beta.realtime.connect(model="fake") as conn:
            self.connection = conn
            async for event in conn:
                if event.type == "input_audio_buffer.speech_started":
                    while not self.emit_waiting:
                        await asyncio.sleep(0.002)
                    self.clear_queue()
                    await self.output_queue.put((24000, EARCON))
                    self.earcons += 1
                elif event.type == "response.audio.delta":
                    pcm = np.frombuffer(base64.b64decode(event.delta), dtype=np.int16)
                    await self.output_queue.put((24000, pcm.reshape(1, -1)))

    async def emit(self) -> Any:
        self.emit_waiting = True
        try:
            return await super().emit()
        finally:
            self.emit_waiting = False


def test_the_simulator_plays_audio_queued_right_after_clear_queue(speech: Any) -> None:
    rate, audio = speech("comma_pause.wav")
    sim = HandlerSimulator(Acknowledging(emit_wait_s=0.01))
    sim.run(audio, rate, tail_s=1.2)
    assert sim.close() == []
    played, out_rate = sim.played()[0], sim.handler.output_sample_rate
    spans = loud_spans(played, out_rate)
    assert sim.handler.earcons == 1 and len(spans) == 2, spans  # earcon, then the reply
    start, end = spans[0]
    assert start < 1.0  # as the user starts speaking (0.5 s)
    earcon = played[round(start * out_rate) : round(end * out_rate)]
    assert abs(dominant_hz(earcon, out_rate) - EARCON_HZ) < 10


@pytest.mark.rtc
def test_audio_queued_right_after_clear_queue_is_played_live(speech: Any) -> None:
    rate, audio = speech("comma_pause.wav")

    async def scenario() -> tuple[list[float], int]:
        session = AudioStreamSession(Acknowledging(), name="ack")
        async with connected(session, at_48k(audio, rate, tail_s=3.0)) as conn:
            deadline = time.monotonic() + audio.size / rate + 8.0
            heard: list[float] = []
            while time.monotonic() < deadline:
                heard = []
                for frame in conn.received.frames:
                    mono = frame.samples.reshape(-1, 2)[:, 0]
                    if np.sqrt(np.mean((mono / 32768.0) ** 2)) > 0.05:
                        heard.append(dominant_hz(mono, 48000))
                if any(abs(hz - 660) < 60 for hz in heard):  # the reply came: all is in
                    break
                await asyncio.sleep(0.1)
            return heard, session.handler.earcons

    heard, earcons = asyncio.run(scenario())
    assert earcons == 1
    assert any(abs(hz - 660) < 60 for hz in heard), heard  # the reply itself plays
    assert any(abs(hz - EARCON_HZ) < 60 for hz in heard), "the earcon was never heard"


class BlockingEmit(AsyncStreamHandler):
    """``emit`` awaits the next item with no timeout (the queue stays empty)."""

    def __init__(self) -> None:
        super().__init__()
        self.queue: asyncio.Queue[Any] = asyncio.Queue()

    def copy(self) -> BlockingEmit:
        return BlockingEmit()

    async def receive(self, frame: tuple[int, np.ndarray]) -> None:
        pass

    async def emit(self) -> Any:
        return await self.queue.get()


def test_the_simulator_names_a_blocking_emit_instead_of_hanging() -> None:
    sim = HandlerSimulator(BlockingEmit())
    finished = threading.Event()

    def run() -> None:
        try:
            sim.run_silence(0.2)
        except BaseException:  # cancelled by close() below when it hung
            pass
        finally:
            finished.set()

    threading.Thread(target=run, daemon=True).start()
    returned = finished.wait(4.0)
    sim.close()  # cancels the stuck emit if it hung
    assert finished.wait(5.0), "the simulator thread is still stuck after close()"
    assert returned, "HandlerSimulator.run_silence(0.2) did not return within 4 s"
    assert any("BlockingEmit.emit()" in e for e in sim.record.errors), sim.record.errors
