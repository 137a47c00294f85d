"""Partial transcripts of a turn still being spoken: the value, the audio, the bounded worker.

The parts :class:`~.transcribing.TranscribingReplyOnPause` builds on, free of
any handler:

* :class:`PartialTranscript`, the value a page receives (in ``AdditionalOutputs``);
* :class:`LiveTurn` and :class:`TranscriptJob`, what is known of a turn and
  one request to transcribe it;
* :class:`AudioTail`, the recent VAD-rate audio the requests are cut from;
* :class:`TranscriptionWorker`, which bounds the work: at most one
  transcription runs and at most one waits, a newer request replacing the
  waiting one (the newest audio wins), so a slow model never builds a backlog;
* :class:`PartialOutbox`, the partials not yet delivered, likewise bounded.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass, field

import numpy as np

from .latest_job import LatestJobWorker

__all__ = [
    "MAX_PARTIAL_S",
    "AudioTail",
    "LiveTurn",
    "PartialOutbox",
    "PartialTranscript",
    "TranscriptJob",
    "TranscriptionWorker",
]

MAX_PARTIAL_S = 30.0
"""Longest audio one transcription covers (Whisper's window); older audio is left out."""


@dataclass(frozen=True)
class PartialTranscript:
    """The words of the turn being spoken, so far (the value inside ``AdditionalOutputs``)."""

    text: str
    """Transcript of the turn so far; it may still change (Whisper sees more words each time)."""
    turn: int
    """1, 2, ... per connection: partials of one turn share it."""
    audio_s: float
    """Seconds of the turn's audio that ``text`` covers."""
    stream_time_s: float
    """Stream time of the end of that audio."""
    withdrawn: bool = False
    """The turn ended without a reply: stop showing its words (``text`` is the last shown)."""


@dataclass
class LiveTurn:
    """What the handler knows of one turn (guarded by the handler's lock)."""

    number: int
    start_s: float
    next_due_s: float
    heard_speech: bool = False
    speaking: bool = False
    speech_end_s: float = 0.0
    answered: bool = False
    live: bool = True
    shown: str = ""
    best: tuple[float, str] | None = None
    """``(audio end, text)`` of the transcription that covers the most of the turn."""
    jobs: int = 0
    """Transcriptions of this turn waiting or running."""

    @property
    def covered(self) -> bool:
        """A transcription covers all the speech of the turn so far."""
        return self.best is not None and self.best[0] >= self.speech_end_s

    def record(self, end_s: float, text: str) -> bool:
        """Note a transcription of the audio up to ``end_s``; True if ``text`` is new to show.

        Nothing is shown once the turn has ended, so never after its reply.
        """
        if self.best is None or end_s >= self.best[0]:
            self.best = (end_s, text)
        if not self.live or not text or text == self.shown:
            return False
        self.shown = text
        return True


@dataclass(frozen=True)
class TranscriptJob:
    """One request: transcribe ``audio`` of ``turn``, which ends at stream time ``end_s``."""

    turn: LiveTurn = field(compare=False)
    audio: np.ndarray = field(compare=False)
    """int16 ``(1, N)`` at the VAD's rate."""
    end_s: float


class AudioTail:
    """Recent mono int16 audio at one rate, addressed by stream time (sample count / rate)."""

    def __init__(self, rate: int) -> None:
        self.rate = rate
        self._chunks: deque[np.ndarray] = deque()
        self._first = 0  # sample index of the first kept sample
        self._end = 0  # sample index after the last one

    def append(self, mono: np.ndarray) -> None:
        if mono.shape[-1]:
            self._chunks.append(mono.reshape(1, -1))
            self._end += mono.shape[-1]

    def keep_from(self, start_s: float, cap_s: float) -> None:
        """Drop whole chunks that end before ``start_s`` or lie more than ``cap_s`` back."""
        keep = max(round(start_s * self.rate), self._end - round(cap_s * self.rate))
        while self._chunks and self._first + self._chunks[0].shape[1] <= keep:
            self._first += self._chunks.popleft().shape[1]

    def since(self, start_s: float, cap_s: float) -> np.ndarray:
        """``(1, N)`` int16 from ``start_s`` (or ``cap_s`` before the end) to the end."""
        if not self._chunks:
            return np.zeros((1, 0), dtype=np.int16)
        audio = np.concatenate(list(self._chunks), axis=1)
        first = max(round(start_s * self.rate), self._end - round(cap_s * self.rate), self._first)
        return audio[:, first - self._first :]


class TranscriptionWorker(LatestJobWorker[TranscriptJob]):
    """One transcription at a time, one waiting; a newer request replaces the waiting one."""

    def cancel(self, turn: LiveTurn) -> None:
        """Forget a waiting request of ``turn`` (the turn ended without a reply)."""
        self.cancel_if(lambda job: job.turn is turn)


class PartialOutbox:
    """Partials not yet delivered, oldest first (thread-safe).

    Of a turn's texts only the newest waits (a newer one replaces it, unless
    it withdraws the turn), and at most ``limit`` wait: if the output side
    falls behind, the oldest are dropped.
    """

    def __init__(self, limit: int = 8) -> None:
        self._lock = threading.Lock()
        self._items: deque[PartialTranscript] = deque(maxlen=limit)

    def put(self, partial: PartialTranscript) -> None:
        with self._lock:
            last = self._items[-1] if self._items else None
            if last is not None and last.turn == partial.turn and not last.withdrawn:
                self._items[-1] = partial  # not delivered yet: only the newest text matters
            else:
                self._items.append(partial)

    def take(self) -> PartialTranscript | None:
        with self._lock:
            return self._items.popleft() if self._items else None
