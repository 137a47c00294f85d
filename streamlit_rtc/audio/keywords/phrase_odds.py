"""How much less likely the transcriber finds the phrase than what it wrote.

An ``anchored`` match lets rough words stand in for a phrase word: "Hello,
I urge" says "hello iris" because Whisper tiny.en garbles the name.  Text
alone cannot tell that from "Hello, I rest now", which Whisper wrote because
it heard it.  The model itself can: asked how likely it would have written
the transcript with the phrase in place of the matched words, it finds
"Hello, Iris." about as likely as its garble, and a clearly heard "I rest"
far likelier than "Iris".  Measured on first looks (``docs/stop-phrase-research.md``):
two words standing in for a name in true phrases -4.4 to +1.1 nats, the
false "I rest" -7.9 to -13.4.  One-word garbles ("wires") of deeper voices
reach -9.7, so :class:`.ConfirmRules` holds a lone word to a lower floor;
a word heard as such sits far below it ("Okay, keep it." for "okay kira"
-17).
"""

from __future__ import annotations

import logging
import re

from ..speech.protocols import AudioArray, ReadingScorer
from ..words import normalize_phrase
from .transcript_match import TranscriptMatch
from .types import Spellings

__all__ = ["phrase_odds", "readings_with_phrase"]

LOG = logging.getLogger(__name__)

_TRAILING_MARKS = re.compile(r"[^\w]*$")
_SENTENCE_END = (".", "?", "!")


def readings_with_phrase(text: str, match: TranscriptMatch, spellings: Spellings) -> list[str]:
    """``text`` with the matched words replaced by the phrase, as the model might write it.

    Each spelling of the phrase, with and without a comma after its first
    word, its later words capitalised as Whisper writes a name ("Hello,
    Iris", "Okay, Computer" scores like "okay, computer"); capitalised where
    a sentence starts; the punctuation after the replaced words kept.
    """
    tokens = text.split()
    owner: list[int] = []  # normalised word -> the whitespace token it comes from
    for index, token in enumerate(tokens):
        owner.extend([index] * len(normalize_phrase(token)))
    if not 0 <= match.first < match.last <= len(owner):
        raise ValueError(f"{match} does not fit {text!r}")
    first, last = owner[match.first], owner[match.last - 1]
    before, after = tokens[:first], tokens[last + 1 :]
    trail = _TRAILING_MARKS.search(tokens[last])
    marks = trail.group(0) if trail else ""
    starts_sentence = not before or before[-1].endswith(_SENTENCE_END)
    out: list[str] = []
    for words in spellings:
        for form in _forms(words):
            said = form[0].upper() + form[1:] if starts_sentence else form
            reading = " ".join([*before, said + marks, *after])
            if reading not in out:
                out.append(reading)
    return out


def _forms(words: tuple[str, ...]) -> list[str]:
    """A spelling as written: its later words as names, with or without a comma after the first."""
    if len(words) == 1:
        return [words[0]]
    names = " ".join(w.capitalize() for w in words[1:])
    return [f"{words[0]} {names}", f"{words[0]}, {names}"]


def phrase_odds(
    scorer: ReadingScorer,
    audio: tuple[int, AudioArray],
    text: str,
    match: TranscriptMatch,
    spellings: Spellings,
) -> float:
    """Log-probability of the likeliest reading with the phrase minus that of ``text``.

    Near 0 or above: the model finds the phrase about as likely as what it
    wrote.  Far below 0: it heard other words there.
    """
    readings = readings_with_phrase(text, match, spellings)
    scores = scorer.reading_logprobs(audio, [text, *readings])
    best = max(range(len(readings)), key=lambda i: scores[i + 1])
    odds = scores[best + 1] - scores[0]
    LOG.debug("phrase odds %.2f: %r against %r", odds, readings[best], text)
    return odds
