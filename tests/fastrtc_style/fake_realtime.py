"""Fake realtime-API clients with the call shapes of the OpenAI realtime and Gemini live SDKs.

No network, no threads, no tasks of their own: everything happens inside the
caller's awaits, so the fakes are deterministic for a given input and end
when the caller stops using them.

* :class:`FakeAsyncOpenAI` - ``client.beta.realtime.connect(model=...)`` is
  an async context manager yielding a connection with
  ``await conn.session.update(session={...})``,
  ``await conn.input_audio_buffer.append(audio=<base64 int16 24 kHz PCM>)``,
  ``async for event in conn`` and ``await conn.close()``.
* :class:`FakeGenAIClient` - ``client.aio.live.connect(model=..., config=...)``
  yields a session with ``await session.send(input=blob)``,
  ``await session.send_realtime_input(audio=/video=/media=blob)``,
  ``async for response in session.receive()`` (one model turn) and
  ``await session.close()``.

Both "servers" detect a spoken turn in the audio they are sent by energy
(speech, then :data:`END_OF_TURN_S` of quiet) and answer it with a tone as
several audio chunks plus a transcript. They say when new speech starts, so
barge-in code runs.
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = [
    "END_OF_TURN_S",
    "ConnectionClosed",
    "FakeAsyncOpenAI",
    "FakeGenAIClient",
    "FakeLiveSession",
    "FakeRealtimeConnection",
    "LiveResponse",
    "LiveSessionClosed",
    "RealtimeEvent",
    "TurnDetector",
    "reply_tone",
]

OPENAI_RATE = 24000
"""The OpenAI realtime API's PCM16 rate, in and out."""
GEMINI_IN_RATE = 16000
GEMINI_OUT_RATE = 24000

SPEECH_RMS = 330.0
"""int16 RMS of a 20 ms window counted as speech (about -40 dBFS)."""
SPEECH_START_WINDOWS = 2
"""Loud windows in a row that start a turn (40 ms)."""
END_OF_TURN_S = 0.4
"""Quiet after speech that ends a turn."""
CHUNK_S = 0.1
"""Length of one reply audio chunk (``response.audio.delta`` / one ``.data``)."""
MAX_UNREAD_EVENTS = 1000
"""Events the fake server keeps for a client that does not read them, at most."""


class ConnectionClosed(Exception):
    """Used after ``close()`` (the SDKs raise their websocket's ConnectionClosed)."""


class LiveSessionClosed(ConnectionClosed):
    """The Gemini-style session ended (``websockets.exceptions.ConnectionClosedOK``'s role)."""


def reply_tone(hz: float, seconds: float, rate: int, amplitude: float = 0.3) -> np.ndarray:
    """The fake model's "voice": a sine, int16 mono."""
    t = np.arange(round(seconds * rate)) / rate
    return (amplitude * 32767 * np.sin(2 * np.pi * hz * t)).astype(np.int16)


@dataclass
class Turn:
    """One spoken turn the fake server heard."""

    number: int
    speech_s: float


class TurnDetector:
    """Energy turn-taking over PCM pushed in chunks of any size, judged per 20 ms window.

    ``push`` returns what happened in the pushed audio, in order:
    ``"speech_started"`` and ``Turn`` (a turn ended after :data:`END_OF_TURN_S`
    of quiet). Keeps only the partial window between pushes.
    """

    def __init__(self, rate: int, end_of_turn_s: float = END_OF_TURN_S) -> None:
        self.rate = rate
        self.window = rate // 50
        self.quiet_windows = round(end_of_turn_s * 50)
        self._partial = np.zeros(0, dtype=np.int16)
        self._loud_run = 0
        self._quiet_run = 0
        self._speech_windows = 0
        self.in_speech = False
        self.heard_s = 0.0
        self.turns = 0

    def push(self, pcm: np.ndarray) -> list[str | Turn]:
        samples = np.concatenate([self._partial, pcm.astype(np.int16, copy=False).reshape(-1)])
        whole = samples.size - samples.size % self.window
        self._partial = samples[whole:].copy()
        happened: list[str | Turn] = []
        for window in samples[:whole].reshape(-1, self.window):
            self.heard_s += 1 / 50
            loud = float(np.sqrt(np.mean(window.astype(np.float64) ** 2))) > SPEECH_RMS
            if not self.in_speech:
                self._loud_run = self._loud_run + 1 if loud else 0
                if self._loud_run >= SPEECH_START_WINDOWS:
                    self.in_speech = True
                    self._quiet_run = 0
                    self._speech_windows = self._loud_run
                    happened.append("speech_started")
                continue
            self._speech_windows += 1
            self._quiet_run = 0 if loud else self._quiet_run + 1
            if self._quiet_run >= self.quiet_windows:
                self.in_speech = False
                self._loud_run = 0
                self.turns += 1
                spoken = (self._speech_windows - self._quiet_run) / 50
                happened.append(Turn(self.turns, spoken))
        return happened


def _chunks(audio: np.ndarray, rate: int, chunk_s: float = CHUNK_S) -> list[bytes]:
    step = round(chunk_s * rate)
    return [audio[i : i + step].astype("<i2").tobytes() for i in range(0, audio.size, step)]


class _EventQueue:
    """What a fake server sends, read by one consumer; bounded, ends at close."""

    def __init__(self) -> None:
        self._queue: asyncio.Queue[Any] = asyncio.Queue()
        self.closed = False

    def put(self, item: Any) -> None:
        if self.closed:
            return
        if self._queue.qsize() >= MAX_UNREAD_EVENTS:
            raise RuntimeError(
                f"fake server: {MAX_UNREAD_EVENTS} events unread - is anything reading them?"
            )
        self._queue.put_nowait(item)

    async def get(self) -> Any:
        """The next item; :class:`ConnectionClosed` once closed."""
        if self.closed:
            raise ConnectionClosed("the connection is closed")
        item = await self._queue.get()
        if item is _CLOSED:
            raise ConnectionClosed("the connection is closed")
        return item

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self._queue.put_nowait(_CLOSED)


_CLOSED = object()


# -- OpenAI realtime shape ---------------------------------------------------------------


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


class FakeRealtimeConnection:
    """One realtime "websocket": audio in, events out (see the module docstring)."""

    def __init__(
        self, model: str, reply_s: float, tone_hz: float, chunk_s: float = CHUNK_S
    ) -> None:
        self.model = model
        self.reply_s = reply_s
        self.tone_hz = tone_hz
        self.chunk_s = chunk_s
        self.session_config: dict[str, Any] = {}
        self.session = _SessionResource(self)
        self.input_audio_buffer = _InputAudioBuffer(self)
        self.detector = TurnDetector(OPENAI_RATE)
        self.appended_chunks = 0
        self.replies = 0
        self.speech_starts = 0
        self._events = _EventQueue()

    @property
    def closed(self) -> bool:
        return self._events.closed

    @property
    def appended_s(self) -> float:
        """Seconds of audio appended so far."""
        return self.detector.heard_s

    def _check_open(self) -> None:
        if self.closed:
            raise ConnectionClosed("the realtime connection is closed")

    def _send(self, event: RealtimeEvent) -> None:
        self._events.put(event)

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
        self._send(
            RealtimeEvent(
                "conversation.item.input_audio_transcription.completed",
                transcript=f"(user turn {turn.number}, {turn.speech_s:.1f} s)",
                item_id=item,
            )
        )
        audio = reply_tone(self.tone_hz, self.reply_s, OPENAI_RATE)
        for chunk in _chunks(audio, OPENAI_RATE, self.chunk_s):
            delta = base64.b64encode(chunk).decode("ascii")
            self._send(RealtimeEvent("response.audio.delta", delta=delta, item_id=item))
        self._send(RealtimeEvent("response.audio.done", item_id=item))
        self._send(
            RealtimeEvent(
                "response.audio_transcript.done",
                transcript=f"Reply {turn.number}: I heard {turn.speech_s:.1f} s of speech.",
                item_id=item,
            )
        )
        self._send(RealtimeEvent("response.done", item_id=item))

    def __aiter__(self) -> FakeRealtimeConnection:
        return self

    async def __anext__(self) -> RealtimeEvent:
        try:
            return await self._events.get()
        except ConnectionClosed:
            raise StopAsyncIteration from None  # the SDK ends iteration on a closed socket

    async def recv(self) -> RealtimeEvent:
        return await self._events.get()

    async def close(self) -> None:
        self._events.close()


class _ConnectionManager:
    def __init__(self, client: FakeAsyncOpenAI, model: str) -> None:
        self._client = client
        self._model = model
        self._connection: FakeRealtimeConnection | None = None

    async def __aenter__(self) -> FakeRealtimeConnection:
        if self._client.connect_delay_s:
            await asyncio.sleep(self._client.connect_delay_s)
        client = self._client
        self._connection = FakeRealtimeConnection(
            self._model, client.reply_s, client.tone_hz, client.chunk_s
        )
        self._client.connections.append(self._connection)
        return self._connection

    async def __aexit__(self, *exc_info: object) -> None:
        if self._connection is not None:
            await self._connection.close()


class _Realtime:
    def __init__(self, client: FakeAsyncOpenAI) -> None:
        self._client = client

    def connect(self, *, model: str, **_: Any) -> _ConnectionManager:
        if not model:
            raise ValueError("model is required")
        return _ConnectionManager(self._client, model)


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


# -- Gemini live shape ---------------------------------------------------------------------


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


class FakeLiveSession:
    """One Gemini-live-style session (see the module docstring)."""

    def __init__(self, model: str, config: Any, reply_s: float, tone_hz: float) -> None:
        self.model = model
        self.config = config
        self.reply_s = reply_s
        self.tone_hz = tone_hz
        self.detector = TurnDetector(GEMINI_IN_RATE)
        self.images = 0
        self.audio_chunks = 0
        self.replies = 0
        self._messages = _EventQueue()

    @property
    def closed(self) -> bool:
        return self._messages.closed

    def _check_open(self) -> None:
        if self.closed:
            raise LiveSessionClosed("the live session is closed")

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
                self._messages.put(LiveResponse(server_content=ServerContent(interrupted=True)))
            elif isinstance(happened, Turn):
                self._answer(happened)

    def _answer(self, turn: Turn) -> None:
        self.replies += 1
        audio = reply_tone(self.tone_hz, self.reply_s, GEMINI_OUT_RATE)
        for chunk in _chunks(audio, GEMINI_OUT_RATE):
            self._messages.put(LiveResponse(data=chunk))
        text = f"Reply {turn.number}: heard {turn.speech_s:.1f} s, saw {self.images} images."
        self._messages.put(LiveResponse(text=text))
        self._messages.put(LiveResponse(server_content=ServerContent(turn_complete=True)))

    async def receive(self) -> AsyncIterator[LiveResponse]:
        """The messages of one model turn; :class:`LiveSessionClosed` once the session ends."""
        while True:
            try:
                message = await self._messages.get()
            except ConnectionClosed:
                raise LiveSessionClosed("the live session is closed") from None
            yield message
            if message.server_content.turn_complete:
                return

    async def close(self) -> None:
        self._messages.close()


class _LiveConnectManager:
    def __init__(self, client: FakeGenAIClient, model: str, config: Any) -> None:
        self._client, self._model, self._config = client, model, config
        self._session: FakeLiveSession | None = None

    async def __aenter__(self) -> FakeLiveSession:
        self._session = FakeLiveSession(
            self._model, self._config, self._client.reply_s, self._client.tone_hz
        )
        self._client.sessions.append(self._session)
        return self._session

    async def __aexit__(self, *exc_info: object) -> None:
        if self._session is not None:
            await self._session.close()


class _Live:
    def __init__(self, client: FakeGenAIClient) -> None:
        self._client = client

    def connect(self, *, model: str, config: Any = None) -> _LiveConnectManager:
        return _LiveConnectManager(self._client, model, config)


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
