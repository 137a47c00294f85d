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
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from typing import Literal

from ..words import trails_off

__all__ = ["UNFINISHED_LAST_WORDS", "WordsVerdict", "judge_last_words"]

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

Reason = Literal["no words", "trails off", "unfinished last word", "finished last word"]


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
