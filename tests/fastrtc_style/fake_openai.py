"""A fake ``openai.AsyncOpenAI`` with the call shape of the OpenAI realtime SDK.

``client.beta.realtime.connect(model=...)`` is an async context manager
yielding a connection with ``await conn.session.update(session={...})``,
``await conn.input_audio_buffer.append(audio=<base64 int16 24 kHz PCM>)``,
``async for event in conn`` and ``await conn.close()``. Turns and replies come
from the fake server in ``fake_realtime``.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

import numpy as np

from .fake_realtime import (
    CHUNK_S,
    Connect,
    ConnectionClosed,
    FakeSession,
    Turn,
    reply_chunks,
    reply_tone,
)

__all__ = ["FakeAsyncOpenAI", "FakeRealtimeConnection", "RealtimeEvent"]

OPENAI_RATE = 24000
"""The OpenAI realtime API's PCM16 rate, in and out."""


@dataclass(frozen=True)
class RealtimeEvent:
    """A server event: ``.type`` plus the fields the demos read."""

    type: str
    delta: str | None = None
    transcript: str | None = None
    item_id: str | None = None


class _SessionResource:
    def __init__(self, connection: FakeRealtimeConnection) -> None:
        self._connection = connection

    async def update(self, *, session: dict[str, Any]) -> None:
        self._connection._check_open()
        if not isinstance(session, dict):
            raise TypeError(f"session must be a dict, got {type(session).__name__}")
        self._connection.session_config.update(session)
        self._connection._send(RealtimeEvent("session.updated"))


class _InputAudioBuffer:
    def __init__(self, connection: FakeRealtimeConnection) -> None:
        self._connection = connection

    async def append(self, *, audio: str) -> None:
        """``audio``: base64 of little-endian int16 mono PCM at 24 kHz."""
        self._connection._check_open()
        if not isinstance(audio, str):
            raise TypeError(f"audio must be a base64 str, got {type(audio).__name__}")
        raw = base64.b64decode(audio, validate=True)
        if len(raw) % 2:
            raise ValueError("audio is not 16-bit PCM (odd number of bytes)")
        self._connection._hear(np.frombuffer(raw, dtype="<i2"))


class FakeRealtimeConnection(FakeSession):
    """One realtime "websocket": audio in, events out (see the module docstring)."""

    closed_message = "the realtime connection is closed"

    def __init__(
        self, model: str, reply_s: float, tone_hz: float, chunk_s: float = CHUNK_S
    ) -> None:
        super().__init__(model, reply_s, tone_hz, OPENAI_RATE)
        self.chunk_s = chunk_s
        self.session_config: dict[str, Any] = {}
        self.session = _SessionResource(self)
        self.input_audio_buffer = _InputAudioBuffer(self)
        self.appended_chunks = 0
        self.speech_starts = 0

    @property
    def appended_s(self) -> float:
        """Seconds of audio appended so far."""
        return self.detector.heard_s

    def _send(self, event: RealtimeEvent) -> None:
        self._outbox.put(event)

    def _hear(self, pcm: np.ndarray) -> None:
        self.appended_chunks += 1
        for happened in self.detector.push(pcm):
            if happened == "speech_started":
                self.speech_starts += 1
                self._send(RealtimeEvent("input_audio_buffer.speech_started"))
            elif isinstance(happened, Turn):
                self._answer(happened)

    def _answer(self, turn: Turn) -> None:
        self.replies += 1
        item = f"item_{turn.number}"
        self._send(RealtimeEvent("input_audio_buffer.speech_stopped", item_id=item))
        transcribed = "conversation.item.input_audio_transcription.completed"
        heard = f"(user turn {turn.number}, {turn.speech_s:.1f} s)"
        self._send(RealtimeEvent(transcribed, transcript=heard, item_id=item))
        audio = reply_tone(self.tone_hz, self.reply_s, OPENAI_RATE)
        for chunk in reply_chunks(audio, OPENAI_RATE, self.chunk_s):
            delta = base64.b64encode(chunk).decode("ascii")
            self._send(RealtimeEvent("response.audio.delta", delta=delta, item_id=item))
        self._send(RealtimeEvent("response.audio.done", item_id=item))
        said = f"Reply {turn.number}: I heard {turn.speech_s:.1f} s of speech."
        self._send(RealtimeEvent("response.audio_transcript.done", transcript=said, item_id=item))
        self._send(RealtimeEvent("response.done", item_id=item))

    def __aiter__(self) -> FakeRealtimeConnection:
        return self

    async def __anext__(self) -> RealtimeEvent:
        try:
            return await self._outbox.get()
        except ConnectionClosed:
            raise StopAsyncIteration from None  # the SDK ends iteration on a closed socket

    async def recv(self) -> RealtimeEvent:
        return await self._outbox.get()


class _Realtime:
    def __init__(self, client: FakeAsyncOpenAI) -> None:
        self._client = client

    def connect(self, *, model: str, **_: Any) -> Connect[FakeRealtimeConnection]:
        if not model:
            raise ValueError("model is required")
        client = self._client
        return Connect(
            lambda: FakeRealtimeConnection(model, client.reply_s, client.tone_hz, client.chunk_s),
            client.connections,
            client.connect_delay_s,
        )


@dataclass
class _Beta:
    realtime: _Realtime


class FakeAsyncOpenAI:
    """``openai.AsyncOpenAI()`` for the realtime API only; answers every turn with a tone."""

    def __init__(
        self,
        *,
        api_key: str | None = "fake",
        reply_s: float = 0.5,
        tone_hz: float = 660.0,
        connect_delay_s: float = 0.0,
        chunk_s: float = CHUNK_S,
    ) -> None:
        self.api_key = api_key
        self.reply_s = reply_s
        self.tone_hz = tone_hz
        self.chunk_s = chunk_s
        self.connect_delay_s = connect_delay_s
        self.connections: list[FakeRealtimeConnection] = []
        self.beta = _Beta(_Realtime(self))
