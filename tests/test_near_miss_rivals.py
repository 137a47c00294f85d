"""A phrase word Whisper wrote while a near-miss word came close behind it ("computer" with
"computed") is not trusted: pure rule checks on transcripts Whisper tiny.en wrote, and kept
renditions of near-miss sentences that fired before the rule."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from stopword_fixtures import phrases

from streamlit_rtc.audio.keywords import ConfirmedDetector, ConfirmRules, KeywordHit
from streamlit_rtc.audio.keywords.match_evidence import near_miss_rival
from streamlit_rtc.audio.keywords.transcript_match import TranscriptMatch
from streamlit_rtc.audio.speech import HeardWord, ScoredTranscript
from streamlit_rtc.testing import read_wav

KEPT = Path(__file__).parent / "fixtures" / "stopwords_kept"
CANDIDATE = KeywordHit("computer", 1.0, 1.6, score=40.0)


@pytest.fixture(scope="module")
def rules() -> ConfirmRules:
    return ConfirmRules(phrases())


def said(text: str, *words: HeardWord) -> ScoredTranscript:
    return ScoredTranscript(text, words)


# "the computed value was wrong", two semitones deeper: Whisper wrote "the computer about."
COMPUTED = said(
    "the computer about.",
    HeardWord("the", 0.95),
    HeardWord("computer", 0.6, (("computed", 0.444), ("compute", 0.081))),
    HeardWord("about", 0.9),
)


def test_the_near_miss_word_close_behind_a_phrase_word_is_found(rules: ConfirmRules) -> None:
    near = rules.matcher.near_miss_words("computer")
    assert near_miss_rival(COMPUTED, match_of(rules, COMPUTED), near) == ("computed", 0.444)
    # a rival that only begins the written word may still spell it
    prefix = said("computer", HeardWord("computer", 0.9, (("compu", 0.5), ("computers", 0.03))))
    assert near_miss_rival(prefix, match_of(rules, prefix), near) == ("computers", 0.03)
    # "computers" before "set": the next word's "s" may belong to either
    glued = said(
        "Okay, computer set a timer",
        *(HeardWord(w, 0.9) for w in ("okay",)),
        HeardWord("computer", 0.9, (("computers", 0.67),)),
        *(HeardWord(w, 0.9) for w in ("set", "a", "timer")),
    )
    assert near_miss_rival(glued, match_of(rules, glued), near) is None
    # ... unless the boundary's moving counts (before the last look)
    moved = near_miss_rival(glued, match_of(rules, glued), near, boundary_moves=True)
    assert moved == ("computers", 0.67)
    # rivals that are no near-miss words, or words that do not line up with the text: none
    other = said("computer", HeardWord("computer", 0.9, (("the", 0.8),)))
    assert near_miss_rival(other, match_of(rules, other), near) is None
    assert near_miss_rival(said("computer, stop"), match_of(rules, other), near) is None


def match_of(rules: ConfirmRules, heard: ScoredTranscript) -> TranscriptMatch:
    match = rules.matcher.find(heard.text, "computer")
    assert match is not None
    return match


def test_a_phrase_word_with_a_near_miss_close_behind_is_looked_at_again_then_refused(
    rules: ConfirmRules,
) -> None:
    first = rules.judge([CANDIDATE], COMPUTED, last_look=False)
    assert first.hit is None and first.close  # another look may read it plainly
    assert rules.judge([CANDIDATE], COMPUTED, last_look=True).hit is None
    # true phrases: near-miss rivals measured at most 0.04 behind
    true = said(
        "Computer, stop the music.",
        HeardWord("computer", 0.9, (("computers", 0.037),)),
        HeardWord("stop", 0.9),
        HeardWord("the", 0.9),
        HeardWord("music", 0.9),
    )
    assert rules.judge([CANDIDATE], true, last_look=False).hit == CANDIDATE
    off = ConfirmRules(phrases(), near_miss_rival=None)
    assert off.judge([CANDIDATE], COMPUTED, last_look=True).hit == CANDIDATE


def test_a_phrase_word_that_may_only_be_glued_to_the_next_word_waits_for_the_last_look(
    rules: ConfirmRules,
) -> None:
    """ "computers are everywhere now" read "Computer search." ("computers" close behind, the
    "s" of "search" being the one it would take) fired three times in seeds 31-48; a deep
    "ok computer, set a timer" reads "computer set" with "computers" close behind too. A
    later look reads more of what follows and decides; on the last look the rival that only
    moves the boundary does not count."""
    search = said(
        "Computer search.",
        HeardWord("computer", 0.9, (("computers", 0.4),)),
        HeardWord("search", 0.9),
    )
    first = rules.judge([CANDIDATE], search, last_look=False)
    assert first.hit is None and first.close
    assert rules.judge([CANDIDATE], search, last_look=True).hit == CANDIDATE


@pytest.fixture(scope="module")
def detector() -> ConfirmedDetector:
    return ConfirmedDetector(phrases())


def kept_near_misses() -> list[dict[str, str]]:
    manifest = json.loads((KEPT / "manifest.json").read_text())
    return [entry for entry in manifest if entry["kind"] == "negative"]


@pytest.mark.parametrize("entry", kept_near_misses(), ids=lambda e: e["file"])
def test_kept_near_miss_sentences_read_as_the_phrase_do_not_fire(
    detector: ConfirmedDetector, entry: dict[str, str]
) -> None:
    """Renditions that fired "computer" before the rule (``make_kept.py`` says which); without
    the rule they still would."""
    rate, clip = read_wav(KEPT / entry["file"], mono=True)
    audio = np.concatenate([clip, np.zeros(round(1.5 * rate), np.int16)])
    for det, expected in ((detector, []), (without_rule(detector), ["computer"])):
        stream = det.start_stream()
        hits = [h for k in range(0, audio.size, 320) for h in stream.feed(audio[k : k + 320])]
        assert [h.phrase for h in hits] == expected, (entry["spoken"], hits)


def without_rule(detector: ConfirmedDetector) -> ConfirmedDetector:
    """The same detector (the same loaded models) with the near-miss rival rule off."""
    return ConfirmedDetector(
        detector.phrases,
        stt=detector.stt,
        rules=ConfirmRules(detector.phrases, near_miss_rival=None),
    )
