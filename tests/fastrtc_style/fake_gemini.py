"""A fake ``genai.Client`` with the call shape of the Gemini live SDK.

``client.aio.live.connect(model=..., config=...)`` yields a session with
``await session.send(input=blob)``,
``await session.send_realtime_input(audio=/video=/media=blob)``,
``async for response in session.receive()`` (one model turn) and
``await session.close()``. Turns and replies come from the fake server in
``fake_realtime``.
"""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .fake_realtime import Connect, ConnectionClosed, FakeSession, Turn, reply_chunks, reply_tone

__all__ = ["FakeGenAIClient", "FakeLiveSession", "LiveResponse", "LiveSessionClosed"]

GEMINI_IN_RATE = 16000
GEMINI_OUT_RATE = 24000


class LiveSessionClosed(ConnectionClosed):
    """The Gemini-style session ended (``websockets.exceptions.ConnectionClosedOK``'s role)."""


@dataclass(frozen=True)
class ServerContent:
    turn_complete: bool = False
    interrupted: bool = False


@dataclass(frozen=True)
class LiveResponse:
    """One server message: ``.data`` (int16 24 kHz PCM bytes), ``.text``, ``.server_content``."""

    data: bytes | None = None
    text: str | None = None
    server_content: ServerContent = field(default_factory=ServerContent)


_JPEG, _PNG = b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n"


def _blob_parts(blob: Any) -> tuple[str, bytes]:
    """``(mime_type, raw bytes)`` of a dict or object blob; base64 text is decoded."""
    if isinstance(blob, dict):
        mime, data = blob.get("mime_type"), blob.get("data")
    else:
        mime, data = getattr(blob, "mime_type", None), getattr(blob, "data", None)
    if not isinstance(mime, str) or data is None:
        raise TypeError(f"expected a blob with mime_type and data, got {blob!r:.80}")
    if isinstance(data, str):
        data = base64.b64decode(data, validate=True)
    if not isinstance(data, (bytes, bytearray)):
        raise TypeError(f"blob data must be bytes or base64 str, got {type(data).__name__}")
    return mime, bytes(data)


class FakeLiveSession(FakeSession):
    """One Gemini-live-style session (see the module docstring)."""

    closed_error = LiveSessionClosed
    closed_message = "the live session is closed"

    def __init__(self, model: str, config: Any, reply_s: float, tone_hz: float) -> None:
        super().__init__(model, reply_s, tone_hz, GEMINI_IN_RATE)
        self.config = config
        self.images = 0
        self.audio_chunks = 0

    async def send(self, *, input: Any = None, end_of_turn: bool = False) -> None:
        """The older SDK call: ``input`` is a blob dict ``{"mime_type", "data"}``."""
        self._check_open()
        if input is not None:
            self._take(input)

    async def send_realtime_input(
        self, *, audio: Any = None, video: Any = None, media: Any = None
    ) -> None:
        self._check_open()
        for blob in (audio, video, media):
            if blob is not None:
                self._take(blob)

    def _take(self, blob: Any) -> None:
        mime, data = _blob_parts(blob)
        if mime.startswith("audio/pcm"):
            rate = int(mime.split("rate=", 1)[1]) if "rate=" in mime else GEMINI_IN_RATE
            if rate != GEMINI_IN_RATE:
                raise ValueError(f"the fake live session takes 16 kHz PCM, got {mime}")
            if len(data) % 2:
                raise ValueError("audio is not 16-bit PCM (odd number of bytes)")
            self.audio_chunks += 1
            self._hear(np.frombuffer(data, dtype="<i2"))
        elif (mime == "image/jpeg" and data.startswith(_JPEG)) or (
            mime == "image/png" and data.startswith(_PNG)
        ):
            self.images += 1
        else:
            raise ValueError(f"unsupported or malformed blob: {mime}, {len(data)} bytes")

    def _hear(self, pcm: np.ndarray) -> None:
        for happened in self.detector.push(pcm):
            if happened == "speech_started" and self.replies:
                self._outbox.put(LiveResponse(server_content=ServerContent(interrupted=True)))
            elif isinstance(happened, Turn):
                self._answer(happened)

    def _answer(self, turn: Turn) -> None:
        self.replies += 1
        audio = reply_tone(self.tone_hz, self.reply_s, GEMINI_OUT_RATE)
        for chunk in reply_chunks(audio, GEMINI_OUT_RATE):
            self._outbox.put(LiveResponse(data=chunk))
        text = f"Reply {turn.number}: heard {turn.speech_s:.1f} s, saw {self.images} images."
        self._outbox.put(LiveResponse(text=text))
        self._outbox.put(LiveResponse(server_content=ServerContent(turn_complete=True)))

    async def receive(self) -> AsyncIterator[LiveResponse]:
        """The messages of one model turn; :class:`LiveSessionClosed` once the session ends."""
        while True:
            try:
                message = await self._outbox.get()
            except ConnectionClosed:
                raise LiveSessionClosed(self.closed_message) from None
            yield message
            if message.server_content.turn_complete:
                return


class _Live:
    def __init__(self, client: FakeGenAIClient) -> None:
        self._client = client

    def connect(self, *, model: str, config: Any = None) -> Connect[FakeLiveSession]:
        client = self._client
        return Connect(
            lambda: FakeLiveSession(model, config, client.reply_s, client.tone_hz),
            client.sessions,
        )


@dataclass
class _Aio:
    live: _Live


class FakeGenAIClient:
    """``genai.Client(api_key=...)`` for the live API only; answers every turn with a tone."""

    def __init__(
        self,
        *,
        api_key: str | None = None,
        http_options: Any = None,
        reply_s: float = 0.5,
        tone_hz: float = 520.0,
    ) -> None:
        if not api_key:
            raise ValueError(
                "Missing key inputs argument! To use the Google AI API, provide api_key"
            )
        self.api_key = api_key
        self.http_options = http_options
        self.reply_s = reply_s
        self.tone_hz = tone_hz
        self.sessions: list[FakeLiveSession] = []
        self.aio = _Aio(_Live(self))
