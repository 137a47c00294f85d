"""Does a transcript stop where English sentences do not? ("I need a table for…")

People who pause mid-thought mostly pause after a word that needs another:
an article ("a", "the"), a possessive ("my"), a conjunction ("and",
"because"), a preposition or "to" ("a flight to…"), or a filler ("um").
Whisper also marks a trailing-off voice itself ("Could you remind me to...").
An audio-only model such as Smart Turn hears neither, so a transcript's last
word catches cuts it is confidently wrong about (``bench/turn_end.py``).

The built-in lists are English (pass your own for another language) and
deliberately short: words that can end a finished
sentence as a particle ("turn it on", "log in", "back up") are left out, so
a finished command is not made to wait. A question that strands a
preposition ("What is this for?") does wait: being answered a second later
is better than being cut off.

Whisper also says which words it nearly wrote: an unfinished word close
behind the last one, or right after it in place of the full stop, holds the
turn (:func:`unfinished_rival`).

A deep or quick voice's short last word is sometimes written as a word that
ends a sentence ("How long does it take you?" for "... take to", "Can you
tell me that?" for "... the"). :func:`unfinished_readings` gives the
transcript with its last word swapped for the unfinished words that sound
like it, for a model to say whether it heard one of those
(:class:`.WordAwareTurnEnd`).
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from typing import Literal

from ..keywords.phonetic import Pronouncer
from ..speech.heard_words import ScoredTranscript
from ..words import normalize_phrase, trails_off

__all__ = [
    "UNFINISHED_LAST_WORDS",
    "WordsVerdict",
    "judge_last_words",
    "unfinished_readings",
    "unfinished_rival",
]

ARTICLES_AND_POSSESSIVES = frozenset({"a", "an", "the", "my", "your", "our", "their", "its"})
CONJUNCTIONS = frozenset(
    {"and", "or", "but", "nor", "because", "cause", "if", "than", "unless", "whether", "although"}
)
PREPOSITIONS = frozenset(
    {
        "to",
        "for",
        "of",
        "with",
        "from",
        "about",
        "at",
        "by",
        "into",
        "onto",
        "near",
        "toward",
        "towards",
    }
)
FILLERS = frozenset({"um", "uh", "uhm", "umm", "uhh", "er", "erm"})

UNFINISHED_LAST_WORDS: frozenset[str] = (
    ARTICLES_AND_POSSESSIVES | CONJUNCTIONS | PREPOSITIONS | FILLERS
)
"""Last words after which an English sentence goes on (lower case)."""

# Words of letters (any script, with apostrophes) or digits: Whisper writes numbers as digits,
# and "Set an alarm for 7.30." ends on a number, not on "for".
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")

Reason = Literal[
    "no words", "trails off", "unfinished last word", "sounds unfinished", "finished last word"
]

SOUNDS_LIKE_PHONES = 1.5
"""How near (weighted phone distance) a last word must sound to an unfinished word to be
asked about: "you" / "to", "that" / "the" and "at", "in" / "and"."""


@dataclass(frozen=True)
class WordsVerdict:
    """What the last words say: ``unfinished`` is True, False, or None (no words heard)."""

    unfinished: bool | None
    reason: Reason
    last_word: str = ""


def judge_last_words(
    transcript: str, unfinished_words: Collection[str] = UNFINISHED_LAST_WORDS
) -> WordsVerdict:
    """Whether ``transcript`` (a speaker's words so far) stops mid-sentence.

    ``unfinished_words``: lower-case words after which a sentence goes on.
    """
    text = transcript.strip()
    words = _WORD.findall(text.casefold())
    if not words:
        return WordsVerdict(None, "no words")
    last = words[-1]
    if trails_off(text) or text.endswith(","):
        return WordsVerdict(True, "trails off", last)
    if last in unfinished_words:
        return WordsVerdict(True, "unfinished last word", last)
    return WordsVerdict(False, "finished last word", last)


def unfinished_rival(
    heard: ScoredTranscript,
    verdict: WordsVerdict,
    unfinished_words: Collection[str] = UNFINISHED_LAST_WORDS,
    at_least: float = 0.1,
) -> str | None:
    """The unfinished word the model nearly wrote instead of the last one ("at" behind
    "it" in "Let's meet it.") or right after it ("a" behind the "." of "I'd like to
    order."), if one was at least ``at_least`` as likely as what it wrote there.

    ``None`` as well when the transcript carries no rivals (a plain STT model) or
    its last scored word is not the word ``verdict`` judged.
    """
    if not heard.words or verdict.last_word == "":
        return None
    last = heard.words[-1]
    if normalize_phrase(verdict.last_word) != (last.text,):
        return None
    for word, ratio in (*last.rivals, *last.followers):
        if ratio >= at_least and word in unfinished_words:
            return word
    return None


def unfinished_readings(
    transcript: str,
    unfinished_words: Collection[str] = UNFINISHED_LAST_WORDS,
    pron: Pronouncer | None = None,
    max_distance: float = SOUNDS_LIKE_PHONES,
    most: int = 6,
) -> list[str]:
    """``transcript`` with its last word replaced by the (at most ``most``) unfinished words
    that sound nearest it; never by a filler ("um"), which Whisper rarely writes and
    which any short trailing sound resembles, nor by a homophone of it.

    Empty when the last word is itself unfinished, unknown in sound, or near none.
    """
    found = list(_WORD.finditer(transcript))
    if not found:
        return []
    last = found[-1]
    word = last.group(0).casefold()
    if word in unfinished_words:
        return []
    pron = pron or Pronouncer()
    near = []
    for candidate in set(unfinished_words) - FILLERS:
        distance = pron.distance((word,), pron.words((candidate,)))
        # a homophone ("buy" / "by", "two" / "to") is a spelling the model chose from
        # context, not a sound it may have misheard: never asked about
        if distance is not None and 0.0 < distance <= max_distance:
            near.append((distance, candidate))
    return [
        transcript[: last.start()] + candidate + transcript[last.end() :]
        for _, candidate in sorted(near)[:most]
    ]
