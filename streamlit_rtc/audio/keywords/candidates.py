"""Stage 1 of the two-stage stop-phrase detector: what the keyphrase search listens for.

It listens for every phrase, and -- for a phrase of several words -- for its
last word alone.  pocketsphinx's keyphrase search spots "hello iris" poorly
in voices deeper than the fixtures' (10 of 15 a semitone down, none two
semitones down) while it still spots "iris", and Whisper reads the whole
phrase in the window either way; so a lone last word is a candidate for
its phrase, which the transcript must still say in full.  The last word
fires only where it beats the search's phone loop by ``margin`` (any hit
restarts the whole search, so a weak one would cost a phrase in progress),
and it may fire mid-word, so :class:`.ConfirmedStream` re-measures where a
phrase confirmed that way ends (:class:`.PhraseAligner`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .pocketsphinx_detector import PocketSphinxDetector
from .pocketsphinx_stream import PocketSphinxStream
from .pronunciation import speakable
from .types import KeywordHit, StopPhrase

__all__ = [
    "LAST_WORD_MARGIN",
    "STAGE1_CONFIG",
    "STAGE1_THRESHOLD_PER_PHONE",
    "WORD_BEFORE_S",
    "CandidateStreams",
    "LastWords",
    "candidate_detector",
    "warped",
]

STAGE1_THRESHOLD_PER_PHONE = 2.0
STAGE1_CONFIG: dict[str, float] = {"ds": 2}
"""Stage 1's settings: fewer candidates than the pocketsphinx-only default and about half its
CPU (senone scores computed every other frame); recall stays ~1.0 on neural voices
(``docs/stop-phrase-research.md``)."""
LAST_WORD_MARGIN = 10.0
"""How far (natural log) a lone last word must beat the phone loop to be a candidate."""
WORD_BEFORE_S = 0.5
"""Time allowed for each word before the last when a phrase is heard by its last word alone:
the candidate starts that much earlier, so the windows read hold the whole phrase."""


@dataclass(frozen=True)
class LastWords:
    """The last words of multi-word phrases that stage 1 also listens for alone.

    Attributes:
        owners: ``word -> texts of the phrases it ends``.
        keyphrases: one :class:`StopPhrase` per word, weighted to fire only
            ``margin`` above the phone loop.
        margin: that margin (natural log).
        words: ``phrase text -> its most words`` (how far back its candidates start).
    """

    owners: Mapping[str, tuple[str, ...]]
    keyphrases: tuple[StopPhrase, ...]
    margin: float
    words: Mapping[str, int]

    @classmethod
    def of(cls, phrases: Sequence[StopPhrase], margin: float = LAST_WORD_MARGIN) -> LastWords:
        """The last words of ``phrases`` that no phrase is made of alone and that can be said."""
        alone = {s[0] for p in phrases for s in p.spellings if len(s) == 1}
        owners: dict[str, tuple[str, ...]] = {}
        keyphrases: dict[str, StopPhrase] = {}
        for phrase in phrases:
            prons = dict(phrase.pronunciations)
            for spelling in phrase.spellings:
                word = spelling[-1]
                extra = {word: prons[word]} if word in prons else {}
                if len(spelling) < 2 or word in alone or not speakable((word,), extra):
                    continue
                if phrase.text not in owners.get(word, ()):
                    owners[word] = (*owners.get(word, ()), phrase.text)
                keyphrases.setdefault(
                    word,
                    StopPhrase(word, pronunciations=extra, weight=-margin / math.log(10)),
                )
        words = {p.text: p.max_words for p in phrases}
        return cls(owners, tuple(keyphrases.values()), float(margin), words)

    def as_phrases(self, hit: KeywordHit) -> list[KeywordHit]:
        """A stage-1 hit of a lone last word as candidates for the phrases it ends.

        Each starts :data:`WORD_BEFORE_S` per word before the last one earlier
        than the word; none if ``hit`` is no last word or scored under ``margin``.
        """
        owners = self.owners.get(hit.phrase, ())
        if not owners or (hit.score is not None and hit.score < self.margin):
            return []
        return [
            KeywordHit(
                owner,
                max(hit.start_s - WORD_BEFORE_S * (self.words[owner] - 1), 0.0),
                hit.end_s,
                hit.score,
            )
            for owner in owners
        ]


def candidate_detector(
    phrases: Sequence[StopPhrase],
    last_words: LastWords | None = None,
    **overrides: Any,
) -> PocketSphinxDetector:
    """Stage 1's keyphrase search for ``phrases`` (and ``last_words``, if given).

    ``overrides``: :class:`PocketSphinxDetector` arguments replacing stage 1's
    (``threshold_per_phone``, ``config``...); it never verifies its own hits.
    """
    kwargs: dict[str, Any] = {
        "threshold_per_phone": STAGE1_THRESHOLD_PER_PHONE,
        "config": dict(STAGE1_CONFIG),
    }
    kwargs.update(overrides)
    kwargs["verify"] = False
    extra = last_words.keyphrases if last_words is not None else ()
    return PocketSphinxDetector((*phrases, *extra), **kwargs)


def warped(config: Mapping[str, Any], warp: float) -> dict[str, Any]:
    """``config`` with pocketsphinx's filterbank warped by ``warp`` (vocal tract length).

    ``inverse_linear`` warping at ``warp`` < 1 suits voices deeper than the
    acoustic model's; 1 is no warp.
    """
    return {**config, "warp_type": "inverse_linear", "warp_params": str(float(warp))}


class CandidateStreams:
    """Several stage-1 searches over the same audio, fed and reset as one stream.

    Each search raises its own candidates; :class:`.ConfirmedStream` groups the
    ones that overlap, so a phrase two searches heard is looked at once.  The
    first search is the plain one: its cepstral mean is the one reported.
    It does not measure the voice, so it never reports a high one or a formant.
    """

    high_voice = False
    f3_hz: float | None = None

    def __init__(self, streams: Sequence[PocketSphinxStream]) -> None:
        if not streams:
            raise ValueError("CandidateStreams needs at least one stream")
        self.streams = tuple(streams)

    @property
    def cmn(self) -> str:
        return self.streams[0].cmn

    def reset(self) -> None:
        for stream in self.streams:
            stream.reset()

    def feed(self, audio: np.ndarray) -> list[KeywordHit]:
        found: list[KeywordHit] = []
        for stream in self.streams:
            found.extend(stream.feed(audio))
        return found
