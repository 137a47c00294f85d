"""Turn the tokens Whisper generates for a short window into text, dropping its echoes.

Whisper was trained on 30 s inputs.  Fed a 2 s window without the 30 s of
padding, it transcribes the speech correctly and then often starts over,
repeating the utterance ("Computer, what time is it? Computer, what time")
or looping on one word ("yes yes yes yes").  Decoding *with* timestamps
makes this visible: the echo comes as a new segment that starts at or after
the end of the audio — or, when Whisper emits no timestamp before it, as a
new sentence that starts over with the utterance's first words.  These pure
functions keep the segments that start inside the audio, drop such
restarts and collapse a text that is one phrase repeated.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

__all__ = [
    "Segment",
    "collapse_repeats",
    "drop_restart",
    "is_blank",
    "keep_segments",
    "split_segments",
]

TIME_PRECISION = 0.02  # seconds per Whisper timestamp token

_WORD = re.compile(r"[^\w']+")
_SENTENCE_END = (".", "?", "!")


@dataclass
class Segment:
    """Text tokens between two timestamp tokens; ``end`` is None when generation stopped.

    ``steps`` holds each token's index among the generated ids.
    """

    start: float
    end: float | None
    tokens: list[int] = field(default_factory=list)
    steps: list[int] = field(default_factory=list)


def split_segments(ids: Sequence[int], timestamp_begin: int, eot: int) -> list[Segment]:
    """Split generated ids (no prompt) into segments at Whisper's timestamp tokens.

    Handles both ``<|a|> text <|b|><|b|> text`` (a closing and an opening
    timestamp) and ``<|a|> text <|b|> text`` (one shared timestamp).
    """
    segments: list[Segment] = []
    start: float | None = None
    last_end = 0.0
    tokens: list[int] = []
    steps: list[int] = []
    for index, token in enumerate(ids):
        if token >= timestamp_begin:
            time = (token - timestamp_begin) * TIME_PRECISION
            if tokens:
                segments.append(Segment(last_end if start is None else start, time, tokens, steps))
                tokens, steps, start, last_end = [], [], None, time
            else:
                start = time
        elif token < eot:
            tokens.append(token)
            steps.append(index)
    if tokens:
        segments.append(Segment(last_end if start is None else start, None, tokens, steps))
    return segments


def keep_segments(segments: list[Segment], duration: float, echo_margin: float) -> list[Segment]:
    """The first segment, then those that start before ``duration - echo_margin`` seconds.

    A segment starting at the end of the audio (or in the padding after it)
    is Whisper repeating itself, not speech.
    """
    limit = duration - echo_margin
    return [seg for i, seg in enumerate(segments) if i == 0 or seg.start < limit]


def is_blank(text: str) -> bool:
    """True when ``text`` holds no word character (only spaces and punctuation)."""
    return _WORD.sub("", text) == ""


def collapse_repeats(text: str, min_repeats: int = 3) -> str:
    """``text`` cut to its first period if it is one phrase said ``min_repeats``+ times.

    Words are compared case- and punctuation-insensitively, so
    ``"yes yes Yes yes"`` becomes ``"yes"``; a trailing partial repetition
    counts (``"go on, go on, go on, go"`` becomes ``"go on"``).  ``"bye bye"``
    stays as it is with the default ``min_repeats=3``.
    """
    words = text.split()
    norm = _norm(words)
    n = len(norm)
    for period in range(1, n // min_repeats + 1):
        if all(norm[i] == norm[i - period] for i in range(period, n)):
            return " ".join(words[:period]).rstrip(",;:-")
    return text


def _norm(words: list[str]) -> list[str]:
    return [_WORD.sub("", w).lower() for w in words]


def drop_restart(text: str, min_match: int = 3) -> str:
    """``text`` cut before the first sentence that starts over with the text's first words.

    ``"Please turn off the lights. Please turn"`` becomes ``"Please turn off
    the lights."``: after a sentence end (``.``, ``?``, ``!``), a tail whose
    first ``min_match`` words (or all of it, if shorter) equal the first
    words of the text is Whisper starting over, not speech.  Comparison is
    case- and punctuation-insensitive; ``"Stop. Stop the music"`` is kept
    (``"stop the"`` is not ``"stop stop"``).
    """
    words = text.split()
    norm = _norm(words)
    for k in range(1, len(words)):
        if not words[k - 1].endswith(_SENTENCE_END):
            continue
        n = min(min_match, len(words) - k)
        if norm[k : k + n] == norm[:n]:
            return " ".join(words[:k])
    return text
