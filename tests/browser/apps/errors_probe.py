"""Handlers whose user code fails (or talks to the page), chosen by query parameter ``handler``.

* ``sync_start_up``: ``start_up`` raises at once.
* ``sync_start_up_late``: ``start_up`` raises after 0.5 s.
* ``async_start_up``: ``async def start_up`` raises after 0.5 s.
* ``receive``: ``receive`` raises on the first microphone frame.
* ``async_emit``: ``async def emit`` raises about 1 s after the connection.
* ``reply``: a ``ReplyOnPause`` whose reply raises on its first turn and
  answers the later ones (``AdditionalOutputs`` shown in a live view).
* ``messages``: ``start_up`` calls ``send_message_sync`` and ``Warning``.
* ``async_messages``: an async handler does the same on its first frame.

The failing ones raise with messages the tests look for. The live views print
``LIVE_STATE`` and ``LIVE_MESSAGES`` (``LiveStatus.state`` / ``.messages``).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import streamlit as st

from streamlit_rtc import (
    AdditionalOutputs,
    AsyncStreamHandler,
    LiveStatus,
    ReplyOnPause,
    StreamHandler,
    Warning,
    webrtc,
)


class SyncStartUpFails(StreamHandler):
    def start_up(self) -> None:
        raise RuntimeError("no model loaded")

    def receive(self, frame: tuple[int, np.ndarray]) -> None:
        pass

    def emit(self) -> None:
        return None

    def copy(self) -> SyncStartUpFails:
        return SyncStartUpFails()


class SyncStartUpFailsLate(SyncStartUpFails):
    def start_up(self) -> None:
        time.sleep(0.5)
        raise RuntimeError("no model loaded after 0.5 s")

    def copy(self) -> SyncStartUpFailsLate:
        return SyncStartUpFailsLate()


class AsyncStartUpFails(AsyncStreamHandler):
    async def start_up(self) -> None:
        await asyncio.sleep(0.5)
        raise ConnectionError("api unreachable after 0.5 s")

    async def receive(self, frame: tuple[int, np.ndarray]) -> None:
        pass

    async def emit(self) -> None:
        await asyncio.sleep(0.02)
        return None

    def copy(self) -> AsyncStartUpFails:
        return AsyncStartUpFails()


class ReceiveFails(StreamHandler):
    def receive(self, frame: tuple[int, np.ndarray]) -> None:
        raise ValueError("cannot decode this frame")

    def emit(self) -> None:
        return None

    def copy(self) -> ReceiveFails:
        return ReceiveFails()


class AsyncEmitFails(AsyncStreamHandler):
    def __init__(self) -> None:
        super().__init__()
        self.first_emit: float | None = None

    async def receive(self, frame: tuple[int, np.ndarray]) -> None:
        pass

    async def emit(self) -> None:
        now = time.monotonic()
        if self.first_emit is None:
            self.first_emit = now
        if now - self.first_emit > 1.0:
            raise KeyError("emit ran out of audio")
        await asyncio.sleep(0.02)
        return None

    def copy(self) -> AsyncEmitFails:
        return AsyncEmitFails()


class Greeter(StreamHandler):
    def start_up(self) -> None:
        self.send_message_sync("hello from handler")
        Warning("careful")

    def receive(self, frame: tuple[int, np.ndarray]) -> None:
        pass

    def emit(self) -> None:
        return None

    def copy(self) -> Greeter:
        return Greeter()


class AsyncGreeter(AsyncStreamHandler):
    def __init__(self) -> None:
        super().__init__()
        self.greeted = False

    async def receive(self, frame: tuple[int, np.ndarray]) -> None:
        if not self.greeted:
            self.greeted = True
            await self.send_message("hello from async handler")
            Warning("careful, async")

    async def emit(self) -> None:
        await asyncio.sleep(0.02)
        return None

    def copy(self) -> AsyncGreeter:
        return AsyncGreeter()


def make_reply() -> Callable[[tuple[int, np.ndarray]], Iterator[Any]]:
    """A reply that fails on its first turn and answers the later ones."""
    turns = 0

    def reply(audio: tuple[int, np.ndarray]) -> Iterator[Any]:
        nonlocal turns
        turns += 1
        if turns == 1:
            raise RuntimeError("first turn failed")
        yield AdditionalOutputs(f"answered turn {turns}")
        rate = 24000
        t = np.arange(rate // 4) / rate
        yield (rate, (0.3 * 32767 * np.sin(2 * np.pi * 440 * t)).astype(np.int16))

    return reply


HANDLERS: dict[str, Callable[[], Any]] = {
    "sync_start_up": SyncStartUpFails,
    "sync_start_up_late": SyncStartUpFailsLate,
    "async_start_up": AsyncStartUpFails,
    "receive": ReceiveFails,
    "async_emit": AsyncEmitFails,
    "reply": lambda: ReplyOnPause(make_reply()),
    "messages": Greeter,
    "async_messages": AsyncGreeter,
}

choice = st.query_params.get("handler", "sync_start_up")
st.text(f"HANDLER {choice}")
st.session_state.setdefault("answers", [])
stream = webrtc(
    f"probe_{choice}",
    HANDLERS[choice](),
    mode="send-receive",
    modality="audio",
    outputs=["answers"],
    on_additional_outputs=lambda answers, new: [*answers, new],
    rtc_configuration={"iceServers": []},
)

if choice in ("reply", "messages", "async_messages"):

    @stream.live
    def show(status: LiveStatus) -> None:
        st.text(f"LIVE_STATE {status.state.value}")
        st.text(f"LIVE_MESSAGES {list(status.messages)!r}")
        for answer in st.session_state["answers"]:
            st.text(f"ANSWER {answer}")
