"""What handlers emit reaches their own session's mailbox, in order (aiortc on 127.0.0.1).

Covers the issue's delivery paths below the page: ``StreamHandler.emit`` and
``AsyncStreamHandler.emit`` returning ``AdditionalOutputs`` alone and paired
with audio, two sessions at once, and the status the script sees (the last
event, ``stopword`` included, and errors).
"""

from __future__ import annotations

import asyncio
from typing import Any

import numpy as np
import pytest

from streamlit_rtc import AdditionalOutputs, AsyncStreamHandler, StreamHandler
from streamlit_rtc.core.handler import AudioEmitType, AudioFrame
from streamlit_rtc.core.status import Status, StatusEvent
from streamlit_rtc.session.audio_session import AudioStreamSession
from streamlit_rtc.session.mailbox import StreamState

from .peers import connected

pytestmark = pytest.mark.rtc

COUNT = 30
RATE = 24000


def _item(tag: str, n: int) -> AudioEmitType:
    """Every third output is paired with 20 ms of audio, the others come alone."""
    outputs = AdditionalOutputs(tag, n)
    if n % 3 == 0:
        return ((RATE, np.zeros((1, RATE // 50), dtype=np.int16)), outputs)
    return outputs


class Counter(StreamHandler):
    """Emits ``AdditionalOutputs(tag, 0..COUNT-1)`` once frames arrive, then stays idle."""

    def __init__(self, tag: str) -> None:
        super().__init__(output_sample_rate=RATE)
        self.tag = tag
        self.sent = 0
        self.heard = False

    def receive(self, frame: AudioFrame) -> None:
        self.heard = True

    def emit(self) -> AudioEmitType:
        if not self.heard or self.sent >= COUNT:
            return None
        self.sent += 1
        return _item(self.tag, self.sent - 1)

    def copy(self) -> Counter:
        return Counter(self.tag)


class AsyncCounter(AsyncStreamHandler):
    """The async twin of :class:`Counter`; also reports a ``stopword`` status once."""

    def __init__(self, tag: str) -> None:
        super().__init__(output_sample_rate=RATE)
        self.tag = tag
        self.sent = 0
        self.heard = asyncio.Event()

    async def receive(self, frame: AudioFrame) -> None:
        self.heard.set()

    async def emit(self) -> AudioEmitType:
        if self.sent >= COUNT:
            await asyncio.sleep(0.01)
            return None
        await self.heard.wait()
        self.sent += 1
        if self.sent == COUNT:
            self.status.report(Status(StatusEvent.STOPWORD, 0.0, "computer"))
        return _item(self.tag, self.sent - 1)

    def copy(self) -> AsyncCounter:
        return AsyncCounter(self.tag)


async def _wait_for(session: AudioStreamSession, count: int) -> list[AdditionalOutputs]:
    got: list[AdditionalOutputs] = []
    for _ in range(100):  # no timing claim: a loaded machine may be slow
        got += session.mailbox.take_outputs()
        if len(got) >= count:
            break
        await asyncio.sleep(0.1)
    return got


def test_sync_and_async_handlers_deliver_to_their_own_session_in_order() -> None:
    mic = np.zeros(48000, dtype=np.int16)

    async def scenario() -> tuple[list[Any], list[Any], Any]:
        a = AudioStreamSession(Counter("sync"), name="a")
        b = AudioStreamSession(AsyncCounter("async"), name="b")
        async with connected(a, mic, True), connected(b, mic, True):
            got_a, got_b = await asyncio.gather(_wait_for(a, COUNT), _wait_for(b, COUNT))
            return [o.args for o in got_a], [o.args for o in got_b], b.mailbox.snapshot()

    got_a, got_b, snap_b = asyncio.run(scenario())
    assert got_a == [("sync", n) for n in range(COUNT)]
    assert got_b == [("async", n) for n in range(COUNT)]
    assert snap_b.last_status == Status(StatusEvent.STOPWORD, 0.0, "computer")
    assert snap_b.state is StreamState.LISTENING  # a stop word alone changes no state


def test_error_status_is_kept_for_the_page_with_its_message() -> None:
    from streamlit_rtc.session.mailbox import SessionMailbox

    box = SessionMailbox(max_errors=2)
    box.connected()
    for i in range(3):
        box.on_status(Status(StatusEvent.ERROR, float(i), f"reply failed {i}"))
    box.on_status(Status(StatusEvent.STOPWORD, 3.0, "computer"))
    snap = box.snapshot()
    assert snap.errors == ("reply failed 1", "reply failed 2")  # bounded, newest kept
    assert snap.error_count == 3
    assert snap.last_status is not None and snap.last_status.event is StatusEvent.STOPWORD
