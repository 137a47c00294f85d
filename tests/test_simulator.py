"""HandlerSimulator drives every handler kind with default arguments, as a live stream would."""

from __future__ import annotations

import asyncio
import queue

import numpy as np
import pytest
from stopword_fixtures import MANIFEST, RATE, floor, load, phrases

from streamlit_rtc import (
    AsyncStreamHandler,
    CloseStream,
    ReplyOnStopWords,
    StatusEvent,
    StreamHandler,
    get_current_context,
    wait_for_item,
)
from streamlit_rtc.core.handler import AudioEmitType, AudioFrame
from streamlit_rtc.testing import HandlerSimulator


def test_a_generator_function_streams_directly_and_ends_with_it() -> None:
    def notes(count: int = 3):  # type: ignore[no-untyped-def]
        for _ in range(count):
            yield (24000, np.full((1, 4800), 8000, dtype=np.int16))

    with HandlerSimulator(notes) as sim:
        sim.run_silence(2.0)
    assert sim.record.errors == []
    assert sim.record.closed is not None  # the stream ended with its generator
    assert sum(end - start for start, end in sim.audible_spans()) == pytest.approx(0.6, abs=0.05)


class Echo(StreamHandler):
    def __init__(self, fail_on_emit: bool = False) -> None:
        super().__init__()
        self.frames: queue.Queue[AudioFrame] = queue.Queue()
        self.fail_on_emit = fail_on_emit
        self.webrtc_ids: set[str] = set()

    def copy(self) -> Echo:
        return Echo(self.fail_on_emit)

    def receive(self, frame: AudioFrame) -> None:
        self.webrtc_ids.add(get_current_context().webrtc_id)
        self.frames.put(frame)

    def emit(self) -> AudioEmitType:
        try:
            frame = self.frames.get_nowait()
        except queue.Empty:
            return None
        if self.fail_on_emit:
            raise ConnectionError("TTS service unreachable")
        return frame


def test_an_emit_error_is_recorded_as_live_and_ends_the_run() -> None:
    sim = HandlerSimulator(Echo(fail_on_emit=True))
    sim.run(np.zeros(48000, dtype=np.int16), 48000)
    assert sim.close() == []
    assert sim.record.errors == ["Echo.emit() raised ConnectionError: TTS service unreachable"]
    assert sim.closed
    assert len(sim.record.frames) < 5  # it stopped at the error, not after the whole input


def test_user_code_sees_its_connection() -> None:
    sim = HandlerSimulator(Echo())
    sim.run(np.zeros(4800, dtype=np.int16), 48000)
    assert sim.close() == []
    assert sim.handler.webrtc_ids == {"simulator"}  # type: ignore[attr-defined]


class QueueHandler(AsyncStreamHandler):
    """An async handler whose start_up never returns (a realtime session loop)."""

    def __init__(self) -> None:
        super().__init__()
        self.output: asyncio.Queue[AudioEmitType] = asyncio.Queue()
        self.heard = 0

    def copy(self) -> QueueHandler:
        return QueueHandler()

    async def start_up(self) -> None:
        while True:
            await asyncio.sleep(0.01)
            if self.heard >= 25:
                self.heard = -(10**9)
                await self.output.put(CloseStream("done"))

    async def receive(self, frame: AudioFrame) -> None:
        self.heard += 1

    async def emit(self) -> AudioEmitType:
        return await wait_for_item(self.output, 0.01)


def test_an_async_start_up_that_never_returns_runs_beside_receive_and_emit(
    caplog: pytest.LogCaptureFixture,
) -> None:
    sim = HandlerSimulator(QueueHandler())
    sim.run(np.zeros(48000 * 5, dtype=np.int16), 48000)
    assert sim.record.closed is not None and sim.record.closed.msg == "done"
    assert sim.time_s < 4.0  # the start_up loop answered while the audio flowed
    assert sim.close() == []
    assert "Task was destroyed" not in caplog.text


def _stop_phrase_audio() -> np.ndarray:
    """A few positive stop-phrase fixtures in a row, with the fixtures' noise floor between."""
    items = [m for m in MANIFEST if m["kind"] == "positive" and m["join"] == "pause"][:6]
    parts: list[np.ndarray] = []
    for i, item in enumerate(items):
        parts += [load(item["file"]), floor(1.5, seed=i)]
    return np.concatenate(parts)


def test_stop_words_are_detected_with_default_arguments() -> None:
    """Without detect_in_thread=False the simulator still hears every phrase it would inline."""
    audio = _stop_phrase_audio()

    def reply(audio_in):  # type: ignore[no-untyped-def]
        yield (16000, np.zeros((1, 1600), dtype=np.int16))

    default = ReplyOnStopWords(reply, phrases())
    with HandlerSimulator(default) as sim_default:
        sim_default.run(audio, RATE, tail_s=1.0)
    inline = ReplyOnStopWords(reply, phrases(), detector=default.detector, detect_in_thread=False)
    with HandlerSimulator(inline) as sim_inline:
        sim_inline.run(audio, RATE, tail_s=1.0)

    heard_default = [s.status.detail for s in sim_default.events(StatusEvent.STOPWORD)]
    heard_inline = [s.status.detail for s in sim_inline.events(StatusEvent.STOPWORD)]
    assert heard_inline, "the fixtures' phrases were not heard at all"
    assert heard_default == heard_inline
