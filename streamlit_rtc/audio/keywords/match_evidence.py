"""What a scored transcript says about a phrase found in it (a :class:`.TranscriptMatch`).

Stage 2's rules (:mod:`.confirm_rules`) ask these before a match counts: how
sure the model was of the phrase's words, whether it nearly wrote a near-miss
word in their place, and whether the phrase ends a transcript that may have
been cut off. Pure functions on plain data, no model needed.
"""

from __future__ import annotations

from collections.abc import Collection

from ..speech.heard_words import ScoredTranscript
from ..words import trails_off
from .normalize import normalize_phrase
from .transcript_match import TranscriptMatch

__all__ = ["cut_short", "ends_transcript", "match_confidence", "near_miss_rival"]


def match_confidence(
    heard: ScoredTranscript,
    match: TranscriptMatch,
    variants: frozenset[str] = frozenset(),
    *,
    last_word_only: bool = False,
) -> float | None:
    """How sure the model was of ``match``'s words in ``heard`` (the least of them).

    Words the phrase itself spells several ways (``variants``: "ok" and
    "okay") are left out while another word remains: the model splitting
    its odds between two spellings of the phrase is no doubt about it.
    """
    scored = heard.words
    if scored is None:
        return None
    said = normalize_phrase(heard.text)
    if last_word_only:
        places = [match.last - 1]
    else:
        span = range(match.first, match.last)
        places = [i for i in span if said[i] not in variants] or list(span)
    if tuple(w.text for w in scored) == said:
        return min(scored[i].confidence for i in places)
    # The scores describe other words than the text (rare): find the words.
    if len(places) == match.last - match.first:
        return heard.confidence_of(said[match.first : match.last])
    found = [heard.confidence_of((said[i],)) for i in places]
    return None if None in found else min(c for c in found if c is not None)


def near_miss_rival(
    heard: ScoredTranscript,
    match: TranscriptMatch,
    near_words: Collection[str],
    *,
    boundary_moves: bool = False,
) -> tuple[str, float] | None:
    """The likeliest near-miss word the model nearly wrote in place of one of ``match``'s
    words, with its probability relative to the written word ("computed" at 0.44 behind
    "computer" in "the computer about." for "the computed value was wrong").

    A rival that only begins the written word ("compu" for "computer") may still
    spell it, and one that is the written word with the next word's first letters
    ("computers" before "set") only places the boundary elsewhere: neither counts,
    but the second does with ``boundary_moves`` ("computer search." for "computers
    are everywhere": before the last look, which reads more words, it is a doubt).
    ``None`` when the words carry no rivals or do not line up with the text.
    """
    scored = heard.words
    if scored is None or tuple(w.text for w in scored) != normalize_phrase(heard.text):
        return None
    best: tuple[str, float] | None = None
    for i in range(match.first, match.last):
        word = scored[i].text
        following = scored[i + 1].text if i + 1 < len(scored) else ""
        for rival, ratio in scored[i].rivals:
            glued = rival.startswith(word) and following.startswith(rival[len(word) :])
            counts = rival in near_words and not word.startswith(rival)
            counts = counts and (boundary_moves or not glued)
            if counts and (best is None or ratio > best[1]):
                best = (rival, ratio)
    return best


def ends_transcript(text: str, match: TranscriptMatch) -> bool:
    """The phrase's last word is the transcript's last word."""
    return match.last == len(normalize_phrase(text))


def cut_short(text: str, match: TranscriptMatch) -> bool:
    """The phrase's last word ends a transcript that trails off: it may be another word cut.

    Whisper writes "computer..." for "compute this" cut at the window's edge.
    """
    return ends_transcript(text, match) and trails_off(text)


LOOP_REPEATS = 3
"""A word written this many times in a row is the model looping, not reading."""


def in_a_loop(text: str, match: TranscriptMatch) -> bool:
    """A word of the match is one of :data:`LOOP_REPEATS` or more copies of a word in a row.

    Whisper tiny.en loops on a high voice's "computed" ("computer computer
    computer computer computers"): the copies after the first are no reading
    of the sounds, and the first may not be either.
    """
    words = normalize_phrase(text)
    for i in range(match.first, match.last):
        lo = hi = i
        while lo > 0 and words[lo - 1] == words[i]:
            lo -= 1
        while hi + 1 < len(words) and words[hi + 1] == words[i]:
            hi += 1
        if hi - lo + 1 >= LOOP_REPEATS:
            return True
    return False
