"""The handler model: copy per connection, extra inputs with timeouts, sync and async echo."""

from __future__ import annotations

import asyncio
import queue
import threading
import time

import numpy as np
import pytest

from streamlit_rtc import (
    WEBRTC_VALUE,
    AsyncStreamHandler,
    HandlerSimulator,
    StreamHandler,
)
from streamlit_rtc.core.handler import AudioEmitType, AudioFrame


class EchoHandler(StreamHandler):
    """The seed guide's echo handler, ported as-is (except emit not blocking)."""

    def __init__(self) -> None:
        super().__init__()
        self.queue: queue.Queue[AudioFrame] = queue.Queue()

    def receive(self, frame: AudioFrame) -> None:
        self.queue.put(frame)

    def emit(self) -> AudioEmitType:
        try:
            return self.queue.get_nowait()
        except queue.Empty:
            return None

    def copy(self) -> EchoHandler:
        return EchoHandler()


class AsyncEcho(AsyncStreamHandler):
    def __init__(self) -> None:
        super().__init__(input_sample_rate=16000, output_sample_rate=16000)
        self.queue: asyncio.Queue[AudioFrame] = asyncio.Queue()
        self.started = False

    async def start_up(self) -> None:
        self.started = True

    async def receive(self, frame: AudioFrame) -> None:
        self.queue.put_nowait(frame)

    async def emit(self) -> AudioEmitType:
        try:
            return self.queue.get_nowait()
        except asyncio.QueueEmpty:
            return None

    def copy(self) -> AsyncEcho:
        return AsyncEcho()


def tone(seconds: float, hz: float = 440.0, rate: int = 16000) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return (0.4 * 32767 * np.sin(2 * np.pi * hz * t)).astype(np.int16)


def dominant_hz(samples: np.ndarray, rate: int) -> float:
    spectrum = np.abs(np.fft.rfft(samples.astype(np.float64)))
    return float(np.argmax(spectrum) * rate / samples.size)


@pytest.mark.parametrize("handler", [EchoHandler(), AsyncEcho()], ids=["sync", "async"])
def test_echo_handlers_return_the_audio(handler: StreamHandler | AsyncStreamHandler) -> None:
    sim = HandlerSimulator(handler).run(tone(1.0), 16000, tail_s=0.3)
    played = sim.played()
    rate = sim.handler.output_sample_rate
    assert played.shape[1] >= rate  # all of it came back
    assert abs(dominant_hz(played[0], rate) - 440) < 5
    spans = sim.audible_spans()
    assert spans and spans[0][0] < 0.15  # echo starts within a few frames
    sim.close()


def test_async_start_up_runs() -> None:
    sim = HandlerSimulator(AsyncEcho())
    assert isinstance(sim.handler, AsyncEcho) and sim.handler.started
    sim.close()


def test_copy_gives_each_connection_its_own_instance() -> None:
    proto = EchoHandler()
    a, b = HandlerSimulator(proto), HandlerSimulator(proto)
    assert a.handler is not b.handler and a.handler is not proto
    a.run(tone(0.5, 300), 16000)
    b.run(tone(0.5, 900), 16000)
    assert abs(dominant_hz(a.played()[0], 24000) - 300) < 5
    assert abs(dominant_hz(b.played()[0], 24000) - 900) < 5


def test_latest_args_start_with_the_stream_placeholder() -> None:
    h = EchoHandler()
    assert h.latest_args == [WEBRTC_VALUE]
    assert not h.args_set.is_set()
    h.set_args(["key", 3])
    assert h.latest_args == [WEBRTC_VALUE, "key", 3]
    assert h.args_set.is_set()


def test_wait_for_args_sync_times_out_instead_of_hanging() -> None:
    h = EchoHandler()
    h.set_args(["old"])
    h.reset()  # fastrtc: the values were used; the next wait is for fresh ones
    start = time.monotonic()
    assert h.wait_for_args_sync(timeout=0.1) is False
    assert time.monotonic() - start < 1.0
    assert h.latest_args == [WEBRTC_VALUE, "old"]


def test_wait_for_args_returns_at_once_when_values_are_set() -> None:
    h = EchoHandler()
    h.set_args(["now"])
    start = time.monotonic()
    assert h.wait_for_args_sync(timeout=5) is True
    assert time.monotonic() - start < 0.5


def test_wait_for_args_sync_returns_when_values_arrive() -> None:
    h = EchoHandler()
    threading.Timer(0.05, lambda: h.set_args(["fresh"])).start()
    assert h.wait_for_args_sync(timeout=5)
    assert h.latest_args[1] == "fresh"


def test_a_page_that_keeps_inputs_current_answers_a_wait_at_once_even_after_reset() -> None:
    h = EchoHandler()
    h.stream_args.kept_current = True  # what the Streamlit adapter sets: it pushes every change
    h.set_args(["from page"])
    h.reset()
    assert h.wait_for_args_sync(timeout=5)
    assert h.latest_args == [WEBRTC_VALUE, "from page"]


def test_args_set_is_awaitable_in_async_code_and_waitable_in_sync_code() -> None:
    h = EchoHandler()
    threading.Timer(0.05, lambda: h.set_args(["late"])).start()
    assert h.args_set.wait(5) is True  # sync: blocks

    h.reset()

    async def waiter() -> list[object]:
        threading.Timer(0.05, lambda: h.set_args(["later"])).start()
        await h.args_set.wait()  # fastrtc's `await self.args_set.wait()`
        return h.latest_args

    assert asyncio.run(waiter()) == [WEBRTC_VALUE, "later"]


def test_async_wait_for_args() -> None:
    h = AsyncEcho()

    async def scenario() -> tuple[bool, bool]:
        timed_out = await h.wait_for_args(timeout=0.05)
        asyncio.get_running_loop().call_later(0.02, h.set_args, ["x"])
        return timed_out, await h.wait_for_args(timeout=5)

    assert asyncio.run(scenario()) == (False, True)
    assert h.latest_args[1] == "x"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"expected_layout": "5.1"}, "expected_layout"),
        ({"output_sample_rate": 0}, "output_sample_rate"),
        ({"input_sample_rate": 44100.5}, "input_sample_rate"),
        ({"output_frame_size": -1}, "output_frame_size"),
        ({"fps": 0}, "fps"),
    ],
)
def test_bad_constructor_arguments_are_named(kwargs: dict, message: str) -> None:
    class Bad(EchoHandler):
        def __init__(self) -> None:
            StreamHandler.__init__(self, **kwargs)

    with pytest.raises(ValueError, match=message):
        Bad()


def test_default_output_frame_is_20_ms() -> None:
    assert EchoHandler().output_frame_size == 480
