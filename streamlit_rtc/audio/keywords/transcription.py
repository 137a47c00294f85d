"""Stop-phrase detection on top of any speech-to-text callable."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

import numpy as np

from .normalize import match_phrases, normalize_phrase
from .types import KeywordHit, StopPhrase, as_stop_phrases

LOG = logging.getLogger(__name__)

Transcriber = Callable[[int, np.ndarray], str]


def _speech_span(window: np.ndarray, rate: int) -> tuple[int, int]:
    """Rough first/last speech sample of ``window`` (energy above 10 % of peak, 10 ms frames)."""
    hop = max(1, rate // 100)
    n = len(window) // hop
    if n == 0:
        return 0, len(window)
    frames = window[: n * hop].astype(np.float32).reshape(n, hop)
    energy = np.sqrt(np.mean(frames * frames, axis=1))
    loud = np.flatnonzero(energy > 0.1 * float(energy.max()) + 1e-6)
    if loud.size == 0:
        return 0, len(window)
    return int(loud[0] * hop), int(min(len(window), (loud[-1] + 1) * hop))


class TranscriptionDetector:
    """Adapter: detect stop phrases with any STT callable ``(rate, int16 array) -> str``.

    Every ``hop_s`` seconds of new audio the last ``window_s`` seconds are
    transcribed and the phrases are matched on whole words, case-, accent-
    and punctuation-insensitive (``"OK, Computer!"`` matches ``"ok computer"``,
    ``"computers"`` and ``"supercomputer"`` do not match ``"computer"``);
    alternative spellings count as the phrase.

    Times are approximate: the words are spread over the window's loud part
    in proportion to their length.  After a hit the audio up to the phrase end
    is dropped, so the same utterance is not reported twice.  The buffer is
    bounded by ``window_s``; the transcriber runs at most once per ``hop_s``
    of audio.  Exceptions raised by the transcriber propagate out of
    :meth:`_TranscriptionStream.feed` (the caller reports them).
    """

    def __init__(
        self,
        transcribe: Transcriber,
        stop_words: Sequence[str | StopPhrase],
        window_s: float = 2.0,
        hop_s: float = 0.5,
        sample_rate: int = 16000,
    ) -> None:
        if window_s <= 0 or hop_s <= 0 or hop_s > window_s:
            raise ValueError("need 0 < hop_s <= window_s")
        self.transcribe = transcribe
        self.phrases = as_stop_phrases(stop_words)
        self.window_s = float(window_s)
        self.hop_s = float(hop_s)
        self.sample_rate = int(sample_rate)

    def start_stream(self) -> _TranscriptionStream:
        """Create per-stream state."""
        return _TranscriptionStream(self)


class _TranscriptionStream:
    """Rolling-window state of one stream for :class:`TranscriptionDetector`."""

    def __init__(self, det: TranscriptionDetector) -> None:
        self._det = det
        self._window = round(det.window_s * det.sample_rate)
        self._hop = max(1, round(det.hop_s * det.sample_rate))
        self._table = [(p.text, p.spellings) for p in det.phrases]
        self._buf = np.zeros(0, dtype=np.int16)
        self._buf_start = 0  # stream sample index of self._buf[0]
        self._pos = 0  # samples fed so far
        self._since = 0  # samples since the last transcription

    def reset(self) -> None:
        """Drop buffered audio; stream time keeps counting."""
        self._buf = np.zeros(0, dtype=np.int16)
        self._buf_start = self._pos
        self._since = 0

    def feed(self, audio: np.ndarray) -> list[KeywordHit]:
        """Add audio; transcribe the window each ``hop_s``; return new hits."""
        chunk = np.asarray(audio).reshape(-1)
        if chunk.dtype != np.int16:
            raise TypeError(f"expected int16 mono audio, got {chunk.dtype}")
        hits: list[KeywordHit] = []
        rate = self._det.sample_rate
        for start in range(0, len(chunk), self._hop):
            part = chunk[start : start + self._hop]
            self._buf = np.concatenate([self._buf, part])
            self._pos += len(part)
            self._since += len(part)
            if len(self._buf) > self._window:
                cut = len(self._buf) - self._window
                self._buf = self._buf[cut:]
                self._buf_start += cut
            if self._since >= self._hop:
                self._since -= self._hop
                hits.extend(self._scan(rate))
        return hits

    def _scan(self, rate: int) -> list[KeywordHit]:
        text = self._det.transcribe(rate, self._buf.copy())  # exceptions propagate
        words = normalize_phrase(text or "")
        found = match_phrases(words, self._table)
        if not found:
            return []
        lo, hi = _speech_span(self._buf, rate)
        lengths = np.array([len(w) + 1 for w in words], dtype=np.float64)
        edges = np.concatenate([[0.0], np.cumsum(lengths)]) / lengths.sum()
        t0 = (self._buf_start + lo) / rate
        span = (hi - lo) / rate
        hits = [
            KeywordHit(phrase=p, start_s=t0 + edges[i] * span, end_s=t0 + edges[j] * span)
            for p, i, j in found
        ]
        LOG.debug("transcript %r -> %s", text, [h.phrase for h in hits])
        # Drop the audio up to the last phrase end so it is not reported again.
        end_sample = round(hits[-1].end_s * rate)
        drop = min(len(self._buf), max(0, end_sample - self._buf_start))
        self._buf = self._buf[drop:]
        self._buf_start += drop
        return hits
