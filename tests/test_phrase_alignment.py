"""Stage 1's helpers for phrases heard by their last word: which words, and where phrases end.

Real pocketsphinx on the piper fixtures; no speech-to-text needed.
"""

from __future__ import annotations

import numpy as np
import pytest
from stopword_fixtures import NEURAL, RATE, floor, phrases

from streamlit_rtc.audio.keywords import KeywordHit, PocketSphinxDetector, StopPhrase
from streamlit_rtc.audio.keywords.alignment import ALIGN_AFTER_S, LOOP_PHONES
from streamlit_rtc.audio.keywords.candidates import WORD_BEFORE_S, LastWords
from streamlit_rtc.audio.keywords.phonetic import PHONES, phone_class

# measured on these clips: every end within 0.05 s of the true one, for both windows
ALIGN_TOLERANCE_S = 0.08


@pytest.fixture(scope="module")
def detector() -> PocketSphinxDetector:
    return PocketSphinxDetector(phrases(), verify=False)


def test_last_words_are_those_no_phrase_is_made_of_alone() -> None:
    words = LastWords.of(
        [
            StopPhrase("computer"),
            StopPhrase("ok computer", alternatives=("okay computer",)),
            StopPhrase("hello iris"),
            StopPhrase("hey iris"),
            StopPhrase("hey zorblax"),  # not in the dictionary, no pronunciation given
            StopPhrase("hi quixel", pronunciations={"quixel": "K W IH K S AH L"}),
        ]
    )
    assert dict(words.owners) == {"iris": ("hello iris", "hey iris"), "quixel": ("hi quixel",)}
    assert {p.text for p in words.keyphrases} == {"iris", "quixel"}
    assert all(p.weight is not None and p.weight < 0 for p in words.keyphrases)  # above the loop


def test_a_last_word_stands_for_its_phrases_from_the_margin_up() -> None:
    words = LastWords.of([StopPhrase("hello iris"), StopPhrase("hey iris")], margin=10.0)
    hit = KeywordHit("iris", 2.0, 2.4, 12.0)
    assert [(h.phrase, h.start_s, h.end_s) for h in words.as_phrases(hit)] == [
        ("hello iris", 2.0 - WORD_BEFORE_S, 2.4),
        ("hey iris", 2.0 - WORD_BEFORE_S, 2.4),
    ]
    assert words.as_phrases(KeywordHit("iris", 2.0, 2.4, 9.0)) == []
    assert words.as_phrases(KeywordHit("hello iris", 2.0, 2.4, 50.0)) == []


@pytest.mark.parametrize("after_s", [ALIGN_AFTER_S, 0.6])
def test_the_phrase_end_is_found_with_speech_right_after_it(
    detector: PocketSphinxDetector, after_s: float
) -> None:
    """The request follows at once ("hello iris turn on the lights"): the end must not drift
    into it with the window's edge, as it does when the phrase must explain all the audio."""
    aligner = detector.aligner()
    errors = {}
    for i, item in enumerate(NEURAL.items("positive")):
        if item["join"] != "nopause" or " " not in item["phrase"]:
            continue
        audio = np.concatenate([floor(0.3, i), NEURAL.load(item["file"]), floor(1.0, i + 1)])
        start_s = item["phrase_start_s"]  # 0.3 s before the phrase: the floor pads 0.3 s
        end_s = item["phrase_end_s"] + 0.3
        window = audio[int(start_s * RATE) : int((end_s + after_s) * RATE)]
        found = aligner.end_s(item["phrase"], window)
        assert found is not None, item["file"]
        errors[item["file"]] = round(start_s + found - end_s, 3)
    assert len(errors) >= 6
    assert all(abs(e) <= ALIGN_TOLERANCE_S for e in errors.values()), errors


def test_the_free_loop_offers_a_phone_of_every_class() -> None:
    """Fewer phones than the model has (for speed), but every kind of sound can follow."""
    assert set(LOOP_PHONES) <= set(PHONES)
    classes = {phone_class(p) for p in LOOP_PHONES}
    assert classes == {phone_class(p) for p in PHONES} - {"affricate"}


def test_a_window_is_judged_the_same_whatever_the_shared_decoders_heard_before() -> None:
    """The verifier and the aligner are shared by all streams: what another stream's window
    held (here louder, noisier speech) must not change how the next window is heard."""
    detector = PocketSphinxDetector(phrases())
    verifier, aligner = detector.verifier(), detector.aligner()
    items = [i for i in NEURAL.items("positive") if " " in i["phrase"]][:3]
    clips = [
        np.concatenate([floor(0.3, n), NEURAL.load(i["file"]), floor(0.4, n)])
        for n, i in enumerate(items)
    ]
    first = items[0]["phrase"]

    def judged(cmn: str | None) -> tuple[float, float | None]:
        return verifier.verify(first, clips[0], cmn).margin, aligner.end_s(first, clips[0], cmn)

    cmn = "45,2,-2,1,0,0,0,0,0,0,0,0,0"
    before = judged(None), judged(cmn)
    for n, clip in enumerate(clips[1:]):
        noisy = np.clip(
            clip.astype(np.int32) * 3 + floor(clip.size / RATE, 7 + n) * 20, -32768, 32767
        ).astype(np.int16)
        verifier.verify(items[n + 1]["phrase"], noisy)
        aligner.end_s(items[n + 1]["phrase"], noisy)
    assert (judged(None), judged(cmn)) == before
