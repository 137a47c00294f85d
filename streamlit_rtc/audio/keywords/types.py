"""Data types and protocols shared by all keyword detectors."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np

from .normalize import normalize_phrase

Spellings = tuple[tuple[str, ...], ...]
"""Ways of writing a phrase, each a tuple of lower-case words (``StopPhrase.spellings``)."""


@dataclass(frozen=True)
class KeywordHit:
    """One detected stop phrase.

    Attributes:
        phrase: the canonical phrase as configured (``StopPhrase.text``), also
            when an alternative spelling was what matched.
        start_s: stream time (seconds since the stream's first sample) where
            the phrase started.
        end_s: stream time where the phrase ended; the utterance after the
            phrase starts here.
        score: detector-specific confidence, if any.
    """

    phrase: str
    start_s: float
    end_s: float
    score: float | None = None


@dataclass(frozen=True)
class StopPhrase:
    """A stop phrase to listen for.

    Attributes:
        text: the canonical phrase, e.g. ``"ok computer"``; reported in hits.
        alternatives: other spellings that count as the same phrase, e.g.
            ``("okay computer",)``.  For the pocketsphinx detector each
            alternative is also a pronunciation variant, so a spelling whose
            words are in its dictionary is the easiest way to add one.
        pronunciations: optional ``{word: "PHONES ..."}`` (CMU ARPAbet, e.g.
            ``{"iris": "AY R IH S"}``) for words missing from the pocketsphinx
            dictionary.  Ignored by transcription-based detectors.
        weight: pocketsphinx only -- the keyphrase threshold exponent for this
            phrase (threshold ``10 ** -weight``; higher = more recall, more
            false hits).  ``None`` uses the detector's tuned per-phone default.
    """

    text: str
    alternatives: tuple[str, ...] = ()
    pronunciations: tuple[tuple[str, str], ...] = ()
    weight: float | None = None

    def __post_init__(self) -> None:
        if not normalize_phrase(self.text):
            raise ValueError(f"stop phrase {self.text!r} has no words")
        if isinstance(self.alternatives, str):
            object.__setattr__(self, "alternatives", (self.alternatives,))
        for alt in self.alternatives:
            if not normalize_phrase(alt):
                raise ValueError(f"alternative {alt!r} of stop phrase {self.text!r} has no words")
        for text in (self.text, *self.alternatives):
            for token in text.split():
                if any(ch.isalpha() for ch in token) and not normalize_phrase(token):
                    raise ValueError(
                        f"stop phrase {self.text!r}: {token!r} has no Latin letters, and the "
                        "speech models are English; write it in Latin letters (an "
                        "alternative spelling: StopPhrase(..., alternatives=('...',)))"
                    )
        prons = self.pronunciations
        if isinstance(prons, dict):
            object.__setattr__(self, "pronunciations", tuple(prons.items()))

    @property
    def spellings(self) -> Spellings:
        """All word sequences that count as this phrase (canonical first, unique)."""
        out: list[tuple[str, ...]] = []
        for text in (self.text, *self.alternatives):
            words = normalize_phrase(text)
            if words not in out:
                out.append(words)
        return tuple(out)

    @property
    def max_words(self) -> int:
        """Words in the longest spelling ("ok computer": 2)."""
        return max(len(s) for s in self.spellings)


def as_stop_phrases(stop_words: Sequence[str | StopPhrase]) -> tuple[StopPhrase, ...]:
    """Turn the user's ``stop_words`` list into :class:`StopPhrase` objects."""
    if isinstance(stop_words, (str, StopPhrase)):
        stop_words = [stop_words]
    phrases = tuple(p if isinstance(p, StopPhrase) else StopPhrase(str(p)) for p in stop_words)
    if not phrases:
        raise ValueError("stop_words is empty: give at least one phrase, e.g. ['computer']")
    return phrases


FEED_SLICE = 320
"""Samples (20 ms at 16 kHz) a keyword stream consumes at a time, so hits are seen promptly."""


def variant_words(phrase: StopPhrase) -> frozenset[str]:
    """Words in some but not all of ``phrase``'s spellings ("ok" / "okay" of "ok computer")."""
    spellings = [set(s) for s in phrase.spellings]
    return frozenset(set.union(*spellings) - set.intersection(*spellings))


def related_phrases(phrase: StopPhrase, phrases: Sequence[StopPhrase]) -> tuple[str, ...]:
    """``phrase`` and the phrases that end with one of its spellings or that it ends with."""
    out = [phrase.text]
    for other in phrases:
        if other.text == phrase.text:
            continue
        for a in phrase.spellings:
            for b in other.spellings:
                n = min(len(a), len(b))
                if a[-n:] == b[-n:] and other.text not in out:
                    out.append(other.text)
    return tuple(out)


def feed_slices(audio: np.ndarray) -> Iterator[np.ndarray]:
    """``audio`` (int16 mono, any length or shape) in pieces of :data:`FEED_SLICE` samples."""
    chunk = np.asarray(audio).reshape(-1)
    if chunk.dtype != np.int16:
        raise TypeError(f"expected int16 mono audio, got {chunk.dtype}")
    for start in range(0, len(chunk), FEED_SLICE):
        yield chunk[start : start + FEED_SLICE]


@runtime_checkable
class KeywordStream(Protocol):
    """Per-stream detection state."""

    def feed(self, audio: np.ndarray) -> list[KeywordHit]:
        """Consume int16 mono 1-D audio at the detector's rate (any length).

        Returns the hits completed so far that were not reported before
        (each hit is reported once).
        """
        ...

    def reset(self) -> None:
        """Forget state (e.g. after a hit); stream time keeps counting."""
        ...


@runtime_checkable
class KeywordDetector(Protocol):
    """A keyword detector: shared model, one :class:`KeywordStream` per stream.

    Optional attributes that ``ReplyOnStopWords`` reports once when a stream
    starts: ``description`` (str, which detector listens; a ``log`` message
    to the page) and ``notice`` (str or None, advice such as how to get a
    more dependable detector; a ``warning`` in the page).
    """

    sample_rate: int

    def start_stream(self) -> KeywordStream:
        """Create the state for one new audio stream."""
        ...
