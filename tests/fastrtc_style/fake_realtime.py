"""The fake realtime "server" behind the fake SDK clients (``fake_openai``, ``fake_gemini``).

No network, no threads, no tasks of its own: everything happens inside the
caller's awaits, so the fakes are deterministic for a given input and end
when the caller stops using them.

Both fake servers detect a spoken turn in the audio they are sent by energy
(speech, then :data:`END_OF_TURN_S` of quiet, see :class:`TurnDetector`) and
answer it with :func:`reply_tone` as several audio chunks plus a transcript,
sent through an :class:`EventQueue`. They say when new speech starts, so
barge-in code runs.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

import numpy as np

__all__ = [
    "CHUNK_S",
    "END_OF_TURN_S",
    "Connect",
    "ConnectionClosed",
    "EventQueue",
    "FakeSession",
    "Turn",
    "TurnDetector",
    "reply_chunks",
    "reply_tone",
]

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


def reply_chunks(audio: np.ndarray, rate: int, chunk_s: float = CHUNK_S) -> list[bytes]:
    """``audio`` as little-endian int16 bytes, ``chunk_s`` seconds a chunk."""
    step = round(chunk_s * rate)
    return [audio[i : i + step].astype("<i2").tobytes() for i in range(0, audio.size, step)]


class EventQueue:
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


class FakeSession:
    """One connection to a fake server: it hears PCM at ``rate`` and queues what it sends.

    The SDK shapes (``fake_openai``, ``fake_gemini``) answer the turns their
    :class:`TurnDetector` finds and read ``_outbox`` their own way.
    """

    closed_error: type[ConnectionClosed] = ConnectionClosed
    closed_message = "the connection is closed"
    """What using the connection after ``close()`` raises."""

    def __init__(self, model: str, reply_s: float, tone_hz: float, rate: int) -> None:
        self.model = model
        self.reply_s = reply_s
        self.tone_hz = tone_hz
        self.detector = TurnDetector(rate)
        self.replies = 0
        self._outbox = EventQueue()

    @property
    def closed(self) -> bool:
        return self._outbox.closed

    def _check_open(self) -> None:
        if self.closed:
            raise self.closed_error(self.closed_message)

    async def close(self) -> None:
        self._outbox.close()


class _Closable(Protocol):
    async def close(self) -> None: ...


C = TypeVar("C", bound=_Closable)


class Connect(Generic[C]):
    """What the SDKs' ``connect(...)`` returns: ``async with`` opens a connection, closed at exit.

    ``make()`` makes the connection, after ``delay_s`` (a slow handshake);
    each one is appended to ``opened`` (the fake client's record).
    """

    def __init__(self, make: Callable[[], C], opened: list[C], delay_s: float = 0.0) -> None:
        self._make = make
        self._opened = opened
        self._delay_s = delay_s
        self._connection: C | None = None

    async def __aenter__(self) -> C:
        if self._delay_s:
            await asyncio.sleep(self._delay_s)
        self._connection = self._make()
        self._opened.append(self._connection)
        return self._connection

    async def __aexit__(self, *exc_info: object) -> None:
        if self._connection is not None:
            await self._connection.close()
