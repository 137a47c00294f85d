"""Stop phrases an app picks that Whisper tiny.en spells its own way: "hey siri", "llama".

The seed guide's own examples. Whisper writes a weak "hey" as "A" ("A. Siri.") and "llama"
at the start of a window as a made-up word ("Wama", "Whama"). Pure rules first, then piper
renditions kept from ``bench/stopwords_new_phrases.py`` through the real detector.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from streamlit_rtc.audio.keywords import (
    ConfirmedDetector,
    ConfirmRules,
    KeywordHit,
    PhraseMatcher,
    StopPhrase,
)
from streamlit_rtc.audio.keywords.letters_to_sounds import guess_pronunciation
from streamlit_rtc.audio.words import normalize_phrase, words_before_a_break
from streamlit_rtc.testing import read_wav

KEPT = Path(__file__).parent / "fixtures" / "stopwords_kept"
RATE = 16000


@pytest.mark.parametrize(
    ("text", "breaks"),
    [
        ("A. Siri, what time is it?", {0, 1, 5}),
        ("A robot, please help me.", {1, 4}),
        ('"Hi," buddy', {0}),
        ("Wait -- no", {0}),
        ("O.K. computer", {0}),  # an abbreviation's last dot reads as a break too
        ("", set()),
    ],
)
def test_the_words_written_before_a_break(text: str, breaks: set[int]) -> None:
    assert words_before_a_break(text) == breaks
    assert all(i < len(normalize_phrase(text)) for i in breaks)


def test_a_final_a_is_guessed_as_a_schwa() -> None:
    """ "Wama" is "llama" with one consonant and one vowel of its class changed, not three."""
    assert guess_pronunciation("wama") == ("W", "AE", "M", "AH")
    assert guess_pronunciation("nova") == ("N", "AA", "V", "AH")
    assert guess_pronunciation("a") == ("AE",)  # a lone letter is no final "a"


@pytest.mark.parametrize(
    ("text", "phrase"),
    [
        ("A. Siri.", "hey siri"),
        ("A, Siri, what time is it?", "hey siri"),
        ("My, buddy.", "hi buddy"),
    ],
)
def test_a_near_miss_of_a_short_phrase_word_written_apart_stands_in_when_the_model_is_asked(
    text: str, phrase: str
) -> None:
    """ "a" is one phone from "hey", so it is a near-miss word, and near-misses never stand in
    for a phrase word -- but a short word's near-misses are everyday words Whisper writes for
    it. Written apart from the rest of the phrase (an interjection, as "hey" is), with the model
    asked, such a match is marked and held to the surer odds floor."""
    matcher = PhraseMatcher([StopPhrase(phrase)])
    assert matcher.find(text, phrase, anchored=True) is None
    found = matcher.find(text, phrase, anchored=True, pairs_checked=True)
    assert found is not None and (found.kind, found.stand_ins, found.near_miss) == (
        "anchored",
        1,
        True,
    )


@pytest.mark.parametrize(
    ("text", "phrase"),
    [
        ("A robot, please help me.", "hey robot"),  # an article and its noun
        ("A Jarvis figure.", "hey jarvis"),
        ("A Siri shortcut.", "hey siri"),
        ("My buddy is here.", "hi buddy"),
        ("Siri, a.", "siri hey"),  # only a word that opens the phrase
    ],
)
def test_a_near_miss_written_into_the_next_word_never_stands_in(text: str, phrase: str) -> None:
    """Piper's "a robot, please help me" read "A robot, please help me." fired "hey robot"
    on all three renditions while such near-misses could stand in unpunctuated; the model's
    odds do not tell it from a weak "hey"."""
    matcher = PhraseMatcher([StopPhrase(phrase)])
    assert matcher.find(text, phrase, anchored=True, pairs_checked=True) is None


def test_a_long_phrase_words_near_misses_still_never_stand_in() -> None:
    matcher = PhraseMatcher([StopPhrase("ok computer"), StopPhrase("hello iris")])
    for text, phrase in (
        ("Okay, computing is fun.", "ok computer"),
        ("Yellow iris.", "hello iris"),
    ):
        assert matcher.find(text, phrase, anchored=True, pairs_checked=True) is None, text


def test_a_near_miss_stand_in_needs_the_surer_odds_on_every_look() -> None:
    rules = ConfirmRules([StopPhrase("hey siri")])
    cand = KeywordHit("hey siri", 1.0, 1.8, score=150.0)
    between = (rules.min_phrase_odds + rules.sure_phrase_odds) / 2
    asked_rivals: list[object] = []

    def rivals(match, said):  # type: ignore[no-untyped-def]
        asked_rivals.append(said)
        return 0.0  # "A" is what was written: as a rival it always wins

    for odds, confirmed in ((rules.sure_phrase_odds + 0.5, True), (between, False)):
        for last_look in (False, True):
            verdict = rules.judge(
                [cand],
                "A. Siri.",
                last_look=last_look,
                phrase_odds=lambda _m, o=odds: o,
                rival_odds=rivals,
            )
            assert (verdict.hit == cand) is confirmed, (odds, last_look)
    assert not asked_rivals  # the written near-miss word is the rival; the floor decides
    assert rules.judge([cand], "A. Siri.").hit is None  # without the model: never


def _heard(phrase: str, files: list[str]) -> list[list[str]]:
    """The phrases heard in each kept rendition, played in turn into one stream (reset between),
    as ``bench/stopwords_new_phrases.py`` plays them."""
    stream = ConfirmedDetector([StopPhrase(phrase)]).start_stream()
    heard = []
    for file in files:
        rate, clip = read_wav(KEPT / file, mono=True)
        assert rate == RATE
        heard.append(
            [h.phrase for k in range(0, clip.size, 320) for h in stream.feed(clip[k : k + 320])]
        )
        stream.reset()
    return heard


def test_a_weak_hey_written_as_a_is_heard() -> None:
    """The second rendition reads "A. Siri." on both looks; lost before
    (``tests/fixtures/stopwords_kept/make_kept.py``)."""
    files = [f"request-hey-siri-what-time-is-it_{i}.wav" for i in (0, 1)]
    assert _heard("hey siri", files) == [["hey siri"], ["hey siri"]]


def test_a_name_whisper_writes_as_a_made_up_word_is_heard() -> None:
    """ "Wama", then "Wama, stop the music.": the made-up word stands in for "llama"."""
    assert _heard("llama", ["request-llama-stop-the-music_0.wav"]) == [["llama"]]
