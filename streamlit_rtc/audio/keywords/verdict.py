"""What stage 2 decides about a keyphrase candidate (:class:`.ConfirmRules` makes it)."""

from __future__ import annotations

from dataclasses import dataclass

from .transcript_match import TranscriptMatch
from .types import KeywordHit, Spellings

__all__ = ["Verdict"]


@dataclass(frozen=True)
class Verdict:
    """What a transcript says about a group of overlapping candidates.

    Attributes:
        hit: the confirmed phrase, at the search's times; None: not confirmed.
        match: how the transcript said it.
        close: not confirmed, but worth a second look with more context: the
            transcript holds a word of the phrase or a made-up word that sounds
            near one, or the candidate is a phrase of several words that the
            search scored at least ``second_look_score``, or the transcript
            says the phrase but the model wrote it unsure or as the cut-off
            end of the speech ("computer..."), or it is empty and
            the search scored the candidate at least ``second_look_score``.
        confidence: the model's confidence in the phrase's words where the
            transcript says them (``None``: not said, or no scores).
        by_last_word: the hit's times are those of the phrase's last word,
            which the search heard alone (see ``judge``'s ``partial``).
        soon: ``close`` because an early look's transcript ends on the phrase
            unsure: a few tenths of a second more audio settle it.
        rivals: near-miss readings the model preferred to the phrase here
            (see ``rival_margin``); a later look is held to them too.
        near_misses: phrases a near-miss word of which this transcript holds
            ("He computes it" for "computer"); a later look must write such
            a phrase sure to confirm it.
    """

    hit: KeywordHit | None
    match: TranscriptMatch | None = None
    close: bool = False
    confidence: float | None = None
    by_last_word: bool = False
    soon: bool = False
    rivals: Spellings = ()
    near_misses: frozenset[str] = frozenset()
