"""A several-word phrase written as other words counts only with the search and the model behind it.

The transcripts are ones Whisper tiny.en wrote for espeak-ng's "hello iris"
(whose "h" is weak) and for near-miss sentences; the model's odds are given
here (what :mod:`.phrase_odds` measured for them), so these tests pin the
rule, and ``test_phrase_odds.py`` checks the odds against the real model.
"""

from __future__ import annotations

import pytest
from stopword_fixtures import phrases

from streamlit_rtc.audio.keywords import ConfirmRules, KeywordHit, PhraseMatcher, StopPhrase
from streamlit_rtc.audio.keywords.misheard import misheard_phrase
from streamlit_rtc.audio.keywords.phonetic import Pronouncer
from streamlit_rtc.audio.keywords.transcript_match import TranscriptMatch

HELLO_IRIS = StopPhrase("hello iris")
OK_COMPUTER = StopPhrase("ok computer", alternatives=("okay computer",))


def _misheard(text: str, phrase: StopPhrase = HELLO_IRIS) -> TranscriptMatch | None:
    matcher = PhraseMatcher([phrase])
    pron = Pronouncer(dict(phrase.pronunciations))
    family = matcher.near_miss_words(phrase.text)
    return misheard_phrase(text, phrase.text, pron, phrase.spellings, family)


@pytest.mark.parametrize(
    ("text", "span"),
    [
        ("The low my wrist.", (0, 4)),
        ("The law I receive.", (0, 4)),
        ("The low high risk, what time is it?", (0, 4)),
        ("Alowires.", (0, 1)),  # the phrase run together, in a deep voice
    ],
)
def test_other_words_that_sound_like_the_whole_phrase_are_found(
    text: str, span: tuple[int, int]
) -> None:
    match = _misheard(text)
    assert match is not None
    assert (match.kind, match.first, match.last, match.stand_ins) == (
        "misheard",
        *span,
        span[1] - span[0],
    )


@pytest.mark.parametrize(
    ("text", "phrase"),
    [
        ("Hello, Virus.", HELLO_IRIS),  # holds a phrase word: the anchored kind's business
        ("The low iris.", HELLO_IRIS),
        ("turn on the lights.", HELLO_IRIS),  # too far from the phrase to ask about
        ("How far is the moon?", HELLO_IRIS),
        ("We computed the sum.", OK_COMPUTER),  # a near-miss word of "computer": heard as such
        ("at computing course.", OK_COMPUTER),
        ("Okay, computers.", OK_COMPUTER),
    ],
)
def test_words_of_the_phrase_or_its_near_misses_are_never_a_mishearing(
    text: str, phrase: StopPhrase
) -> None:
    assert _misheard(text, phrase) is None


def test_a_one_word_phrase_is_never_misheard_as_other_words() -> None:
    """Its near-misses are single words ("computed"): Whisper heard them."""
    computer = StopPhrase("computer")
    pron = Pronouncer()
    assert misheard_phrase("Commuter.", "computer", pron, computer.spellings) is None


@pytest.fixture(scope="module")
def rules() -> ConfirmRules:
    return ConfirmRules(phrases())


WHOLE = KeywordHit("hello iris", 1.0, 1.8, score=10.0)


@pytest.mark.parametrize("last_look", [False, True])
def test_a_mishearing_counts_when_the_model_finds_the_phrase_about_as_likely(
    rules: ConfirmRules, last_look: bool
) -> None:
    asked: list[TranscriptMatch] = []

    def odds(match: TranscriptMatch) -> float:
        asked.append(match)
        return -0.8

    verdict = rules.judge([WHOLE], "The low my wrist.", last_look=last_look, phrase_odds=odds)
    assert verdict.hit == WHOLE
    assert verdict.match is not None and verdict.match.kind == "misheard"
    assert [(m.first, m.last) for m in asked] == [(0, 4)]


def test_a_mishearing_the_model_finds_unlikely_does_not_count(rules: ConfirmRules) -> None:
    """Near-miss sentences written without a phrase word scored -18 and below."""
    verdict = rules.judge(
        [WHOLE], "The low my wrist.", phrase_odds=lambda _m: rules.misheard_odds - 0.5
    )
    assert verdict.hit is None


def test_a_mishearing_needs_the_search_to_have_heard_the_whole_phrase(
    rules: ConfirmRules,
) -> None:
    """Not a lone last word, not a weak candidate, and not without the model to ask."""
    by_last_word = KeywordHit("hello iris", 1.4, 1.8, score=40.0)
    weak = KeywordHit("hello iris", 1.0, 1.8, score=rules.anchor_margin - 1.0)
    text = "The low my wrist."
    sure = {"phrase_odds": lambda _m: 0.0}
    assert rules.judge([by_last_word], text, partial=[by_last_word], **sure).hit is None
    assert rules.judge([weak], text, **sure).hit is None
    assert rules.judge([WHOLE], text).hit is None


def test_a_near_miss_heard_before_keeps_a_mishearing_out(rules: ConfirmRules) -> None:
    """An earlier look wrote a near-miss word of the phrase: only a sure exact reading counts."""
    text = "The low my wrist."
    sure = {"phrase_odds": lambda _m: 0.0}
    assert rules.judge([WHOLE], text, near_misses_before={"hello iris"}, **sure).hit is None
    assert rules.judge([WHOLE], text, near_misses_before={"computer"}, **sure).hit == WHOLE
