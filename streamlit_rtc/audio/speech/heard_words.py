"""How sure a speech-to-text model was of each word it wrote, from its decoding steps.

Whisper writes the likeliest token at each step; the runner-up tokens say
how close another *word* came.  For "computed" said slowly, Whisper tiny.en
may write " computer" with p=0.13 while " computed" (0.09) and " competed"
(0.08) are just behind: the text says "computer", the decoder was not sure.
A word's confidence here is, at each of its steps, the probability of tokens
that still spell it over that of tokens spelling another word (shorter
alternatives that could go either way, " Comp" for " computer", are left
out), times the probability that the next step does not glue more letters
on ("computer" + "s").  A word's rivals are the other words the decoder
nearly started in its place ("at" behind "it" in "Let's meet it."), which
says what else the audio may have said; its followers are the words it
nearly wrote right after it instead of what came next ("a" behind the "."
of "I'd like to order."), which says whether the speaker seemed to go on.
Pure functions on plain data, no model needed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from ..words import JOINERS, fold, normalize_phrase

__all__ = [
    "RIVALS_KEPT",
    "RIVAL_FLOOR",
    "DecodingStep",
    "HeardWord",
    "ScoredTranscript",
    "heard_words",
    "words_of",
]

RIVALS_KEPT = 5
"""The most rivals kept per word."""
RIVAL_FLOOR = 0.01
"""Words less than this likely, relative to the written one, are not rivals."""

_SEPARATOR = re.compile(r"[^0-9a-z'\u2019.]")  # what splits words (joiners do not)
_LETTER = re.compile(r"[0-9a-z]")  # a word has one at least ("..." is none)


@dataclass(frozen=True)
class DecodingStep:
    """One step of decoding: the token written and the likeliest text tokens at that step.

    Attributes:
        text: the written token's text; ``None`` for a special token (a
            timestamp, the end of the text).
        options: the likeliest text tokens ``(text, probability)``, the
            written one among them if it is text; probabilities over the whole
            vocabulary.
        probability: the written token's probability, special tokens too;
            ``None``: look it up in ``options``.
    """

    text: str | None
    options: tuple[tuple[str, float], ...]
    probability: float | None = None


@dataclass(frozen=True)
class HeardWord:
    """A word of a transcript (lower case, no punctuation) and how sure the model was of it.

    ``rivals``: the other words the model could have started in its place,
    ``(word, probability relative to the written token)``, likeliest first
    (at most :data:`RIVALS_KEPT`, none under :data:`RIVAL_FLOOR`). A rival is
    one token, so a short one may also be how a longer word begins.
    ``followers``: the same for the words it could have written right after
    this one, relative to what it wrote there (the next word, punctuation, or
    the end of the text).
    """

    text: str
    confidence: float
    rivals: tuple[tuple[str, float], ...] = ()
    followers: tuple[tuple[str, float], ...] = ()


@dataclass(frozen=True)
class ScoredTranscript:
    """A transcript with, when the model can tell, each word's confidence.

    ``words`` is ``None`` for a model that gives text only.
    """

    text: str
    words: tuple[HeardWord, ...] | None = None

    def confidence_of(self, spelling: Sequence[str]) -> float | None:
        """The least confidence among the words of ``spelling`` where the transcript says it.

        ``spelling`` is lower-case words without punctuation.  Where it is said
        more than once, the surest place counts; ``None`` when the transcript
        has no scores or does not say it as whole words.
        """
        if self.words is None or not spelling:
            return None
        texts = [w.text for w in self.words]
        n = len(spelling)
        best: float | None = None
        for i in range(len(texts) - n + 1):
            if texts[i : i + n] == list(spelling):
                least = min(w.confidence for w in self.words[i : i + n])
                best = least if best is None else max(best, least)
        return best


def _pieces(token: str) -> tuple[bool, list[str]]:
    """Whether ``token`` starts a new word, and its letters split where it separates words."""
    folded = fold(token)
    starts = not folded or bool(_SEPARATOR.match(folded))
    pieces = [JOINERS.sub("", p) for p in _SEPARATOR.split(folded)]
    return starts, pieces


@dataclass
class _Word:
    letters: str
    steps: list[tuple[int, str, str]]  # (step index, letters before it, letters it wrote)
    last_step: int


def _split_words(steps: Sequence[DecodingStep]) -> list[_Word]:
    words: list[_Word] = []
    current: _Word | None = None
    for index, step in enumerate(steps):
        if step.text is None:
            current = None
            continue
        starts, pieces = _pieces(step.text)
        for k, piece in enumerate(pieces):
            if k > 0 or starts:
                current = None
            if not piece:
                continue
            if current is None:
                current = _Word("", [], index)
                words.append(current)
            current.steps.append((index, current.letters, piece))
            current.letters += piece
            current.last_step = index
    return words


def _step_confidence(step: DecodingStep, before: str, chosen: str, word: str) -> float:
    """Tokens still spelling ``word`` over those spelling another word, at one step.

    ``before`` is what earlier steps wrote of the word, ``chosen`` what this
    step wrote.  Where the word goes on, a token that starts a new word
    spells another one.
    """
    same = other = 0.0
    for text, prob in step.options:
        starts, pieces = _pieces(text)
        if starts and before:
            other += prob
            continue
        letters = next((p for p in pieces if p), "")
        if not letters:
            continue  # punctuation alone: neither
        if len(letters) < len(chosen) and chosen.startswith(letters):
            continue  # a shorter token that could still go either way
        if word.startswith(before + letters):
            same += prob
        else:
            other += prob
    total = same + other
    return 1.0 if total <= 0 else same / total


def _glue_probability(step: DecodingStep) -> float:
    """Probability that this step adds letters to the word before it."""
    glued = 0.0
    for text, prob in step.options:
        starts, pieces = _pieces(text)
        if not starts and pieces[0]:
            glued += prob
    return min(1.0, glued)


def _written_probability(step: DecodingStep) -> float:
    """The probability of the token ``step`` wrote (looked up in its options if not given)."""
    if step.probability is not None:
        return step.probability
    return next((prob for text, prob in step.options if text == step.text), 0.0)


def _word_started(token: str | None) -> str:
    """The letters of the word ``token`` starts; ``""`` if it starts none (a glued piece,
    punctuation, a special token)."""
    if token is None:
        return ""
    starts, pieces = _pieces(token)
    letters = next((p for p in pieces if p), "")
    return letters if starts and _LETTER.search(letters) else ""


def _other_words(step: DecodingStep, written: str) -> tuple[tuple[str, float], ...]:
    """The words other than ``written`` that ``step`` could have started, relative to the
    token it wrote (``written`` is ``""`` where it wrote no word)."""
    chosen = _written_probability(step)
    if chosen <= 0.0:
        return ()
    best: dict[str, float] = {}
    for text, prob in step.options:
        letters = _word_started(text)
        ratio = prob / chosen
        if not letters or letters == written or ratio < RIVAL_FLOOR:
            continue
        best[letters] = max(best.get(letters, 0.0), ratio)  # " The" and " the" are one word
    ranked = sorted(best.items(), key=lambda item: -item[1])
    return tuple(ranked[:RIVALS_KEPT])


def heard_words(steps: Sequence[DecodingStep]) -> tuple[HeardWord, ...]:
    """The words the steps wrote, each with its confidence and rivals (see the module docstring)."""
    out: list[HeardWord] = []
    for word in _split_words(steps):
        confidence = 1.0
        for index, before, chosen in word.steps:
            confidence *= _step_confidence(steps[index], before, chosen, word.letters)
        following = word.last_step + 1
        followers: tuple[tuple[str, float], ...] = ()
        if following < len(steps):
            after = steps[following]
            confidence *= 1.0 - _glue_probability(after)
            followers = _other_words(after, _word_started(after.text))
        rivals = _other_words(steps[word.steps[0][0]], word.letters)
        out.append(HeardWord(word.letters, confidence, rivals, followers))
    return tuple(out)


def words_of(text: str, heard: Sequence[HeardWord]) -> tuple[HeardWord, ...]:
    """``heard`` cut to the words of ``text`` when the text is its start.

    A transcript's text may be shorter than what was decoded (an echo or a
    repetition dropped); the words then describe the text, not the echo.
    """
    said = list(normalize_phrase(text))
    if [w.text for w in heard[: len(said)]] == said:
        return tuple(heard[: len(said)])
    return tuple(heard)
