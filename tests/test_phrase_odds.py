"""Asking the transcriber how likely the phrase is where a transcript only roughly says it.

An ``anchored`` match ("Hello, wires" for "hello iris") counts only if
Whisper finds the transcript with the phrase in place nearly as likely as
what it wrote; "Hello, I rest now." is a sentence it heard, not a garble.
The model tests use Whisper tiny.en from the ``stt`` extra, on the neural
fixtures and on piper renditions of "hello, I rest now" that fired before.
"""

from __future__ import annotations

import json
import statistics
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from stopword_fixtures import ESPEAK, NEAR_MISSES, NEURAL, OTHER_PHRASES, floor, phrases

from streamlit_rtc.audio.cpu_features import int8_dot_product_flags
from streamlit_rtc.audio.keywords import (
    ConfirmedDetector,
    ConfirmRules,
    KeywordHit,
    PhraseMatcher,
    StopPhrase,
    stt_installed,
)
from streamlit_rtc.audio.keywords.misheard import misheard_phrase
from streamlit_rtc.audio.keywords.phonetic import Pronouncer
from streamlit_rtc.audio.keywords.phrase_odds import phrase_odds, readings_with_phrase
from streamlit_rtc.audio.keywords.transcript_match import TranscriptMatch
from streamlit_rtc.audio.speech import ReadingScorer
from streamlit_rtc.testing import read_wav

HELLO_IRIS = (("hello", "iris"),)
OK_COMPUTER = (("ok", "computer"), ("okay", "computer"))

KEPT = Path(__file__).parent / "fixtures" / "stopwords_kept"

needs_stt = pytest.mark.skipif(not stt_installed(), reason='needs "streamlit-rtc[stt]"')


def anchored(first: int, last: int, phrase: str = "hello iris") -> TranscriptMatch:
    return TranscriptMatch(phrase, "anchored", 2.0, first, last, stand_ins=2)


def test_readings_put_the_phrase_in_place_of_the_matched_words() -> None:
    readings = readings_with_phrase("Hello, I rest now.", anchored(0, 3), HELLO_IRIS)
    assert readings == ["Hello Iris now.", "Hello, Iris now."]
    # mid-sentence: no capital; the marks after the matched words stay
    readings = readings_with_phrase("Well, hello wires? Turn it on.", anchored(1, 3), HELLO_IRIS)
    assert readings == ["Well, hello Iris? Turn it on.", "Well, hello, Iris? Turn it on."]
    # every spelling of the phrase
    ok_can_do = anchored(0, 3, "ok computer")
    readings = readings_with_phrase("Okay, can do. Thanks.", ok_can_do, OK_COMPUTER)
    assert readings == [
        "Ok Computer. Thanks.",
        "Ok, Computer. Thanks.",
        "Okay Computer. Thanks.",
        "Okay, Computer. Thanks.",
    ]


def test_a_match_that_does_not_fit_the_text_is_an_error() -> None:
    with pytest.raises(ValueError, match="does not fit"):
        readings_with_phrase("Hello there.", anchored(1, 4), HELLO_IRIS)


class Odds:
    """Stands in for the model's answer; records what it was asked about."""

    def __init__(self, value: float) -> None:
        self.value = value
        self.asked: list[TranscriptMatch] = []

    def __call__(self, match: TranscriptMatch) -> float:
        self.asked.append(match)
        return self.value


def test_a_rough_match_counts_only_when_the_model_finds_the_phrase_likely() -> None:
    rules = ConfirmRules(phrases())
    cand = KeywordHit("hello iris", 1.0, 1.8, score=40.0)
    likely, unlikely = Odds(rules.min_phrase_odds + 1), Odds(rules.min_phrase_odds - 1)
    assert rules.judge([cand], "Hello, I urge.", phrase_odds=likely).hit == cand
    first = rules.judge([cand], "Hello, I rest now.", last_look=False, phrase_odds=unlikely)
    assert first.hit is None and first.close  # more context may change the model's mind
    last = rules.judge([cand], "Hello, I rest now.", last_look=True, phrase_odds=unlikely)
    assert last.hit is None and not last.close
    assert [(m.kind, m.stand_ins) for m in likely.asked + unlikely.asked] == [("anchored", 2)] * 3
    # without a way to ask, the rough match counts as before
    assert rules.judge([cand], "Hello, I rest now.").hit == cand


def test_middling_odds_wait_for_the_last_look() -> None:
    """Between ``min_phrase_odds`` and ``sure_phrase_odds`` the words after the phrase decide.

    A spoken "okay, no way" cut at the window's edge ("Okay, no way") scored
    -7.3 for "okay nova" in an espeak voice; with what follows, -11.4.
    """
    rules = ConfirmRules([StopPhrase("okay nova")])
    assert rules.min_phrase_odds < rules.sure_phrase_odds
    cand = KeywordHit("okay nova", 1.0, 1.8, score=120.0)
    middling = Odds((rules.min_phrase_odds + rules.sure_phrase_odds) / 2)
    first = rules.judge([cand], "Okay, no way", last_look=False, phrase_odds=middling)
    assert first.hit is None and first.close
    assert rules.judge([cand], "Okay, no way", last_look=True, phrase_odds=middling).hit == cand
    sure = Odds(rules.sure_phrase_odds + 0.5)
    assert rules.judge([cand], "Okay, no way", last_look=False, phrase_odds=sure).hit == cand


def test_words_standing_in_for_a_weak_candidate_wait_for_the_last_look() -> None:
    """A pair standing in for a candidate the search scored under ``second_look_score``.

    Piper's "hello, I rest now" and "hello Irene", 20 % higher, scored -17 to
    -2 for "hello iris" and were read "Hello, I read." on the first look with
    the phrase -1.2 to -4.3 in place of "I read": each fired. True pairs from
    candidates that weak are rare (one in seeds 31-42 at four voices, scored
    -16, odds +0.3 on its last look).
    """
    rules = ConfirmRules(phrases())
    weak = KeywordHit("hello iris", 1.0, 1.8, score=rules.second_look_score - 10)
    likely = Odds(rules.sure_phrase_odds + 1)
    first = rules.judge([weak], "Hello, I read.", last_look=False, phrase_odds=likely)
    assert first.hit is None and first.close
    assert likely.asked == []  # nothing to ask yet: the last look decides
    # On the last look, the surer floor: a middling reading no longer counts ...
    middling = Odds((rules.min_phrase_odds + rules.sure_phrase_odds) / 2)
    assert rules.judge([weak], "Hello, I rest now.", phrase_odds=middling).hit is None
    # ... a sure one does.
    assert rules.judge([weak], "Hello, I urge.", phrase_odds=likely).hit == weak
    # A candidate the search scored well counts at once, as before.
    strong = KeywordHit("hello iris", 1.0, 1.8, score=rules.second_look_score + 10)
    verdict = rules.judge([strong], "Hello, I read.", last_look=False, phrase_odds=likely)
    assert verdict.hit == strong
    # One word standing in is not held back: a garbled name is often all Whisper writes.
    assert rules.judge([weak], "Hello, Iars.", last_look=False, phrase_odds=likely).hit == weak


def test_a_name_split_into_words_counts_only_when_the_model_finds_the_phrase_likely() -> None:
    """ "Okay, no way." for "okay nova": the pair starts with "no", alone a near-miss of "nova".

    With the model to ask, such a pair stands in like any other pair; without
    it, "no" keeps the match out, since "okay, no way" is a thing people say.
    """
    rules = ConfirmRules([StopPhrase("okay nova")])
    cand = KeywordHit("okay nova", 1.0, 1.8, score=120.0)
    likely, unlikely = Odds(rules.min_phrase_odds + 1), Odds(rules.min_phrase_odds - 1)
    assert rules.judge([cand], "Okay, no way.", phrase_odds=likely).hit == cand
    assert rules.judge([cand], "Okay, no way.", phrase_odds=unlikely).hit is None
    assert rules.judge([cand], "Okay, no way.").hit is None
    assert rules.judge([cand], "Okay, no.", phrase_odds=likely).hit is None


def test_one_word_standing_in_is_held_to_a_lower_floor() -> None:
    """A one-word garble of a name ("wires") is how Whisper misspells it; a pair is words heard.

    Deeper voices' "Hello, wires" scored down to -9.7, in the range of "I rest",
    so a lone word counts down to ``min_word_odds``; "Okay, keep it." for
    "okay kira" scored -17.  Exact and ``fuzzy`` matches are never asked about.
    """
    rules = ConfirmRules(phrases())
    assert rules.min_word_odds < rules.min_phrase_odds
    cand = KeywordHit("hello iris", 1.0, 1.8, score=40.0)
    never = Odds(-100.0)
    for text in ("Hello, Iris.", "Hello, Irish."):
        assert rules.judge([cand], text, phrase_odds=never).hit == cand
    assert never.asked == []
    between = Odds((rules.min_word_odds + rules.min_phrase_odds) / 2)
    assert rules.judge([cand], "Hello, wires.", last_look=False, phrase_odds=between).hit == cand
    assert [(m.kind, m.stand_ins) for m in between.asked] == [("anchored", 1)]
    first = rules.judge([cand], "Hello, wires.", last_look=False, phrase_odds=never)
    assert first.hit is None and first.close
    assert rules.judge([cand], "Hello, wires.", phrase_odds=never).hit is None
    kira = ConfirmRules([StopPhrase("okay kira")])
    heard = KeywordHit("okay kira", 1.0, 1.8, score=27.0)
    assert kira.judge([heard], "Okay, keep it.").hit == heard  # without a model to ask
    assert kira.judge([heard], "Okay, keep it.", phrase_odds=Odds(-17.3)).hit is None


def test_a_word_much_shorter_than_the_name_is_held_to_the_surer_floor() -> None:
    """ "Okay, key." for "okay kira": "key" lacks two of the name's four phones.

    Whisper misspells a name at about its length ("wires" for "iris"); a much
    shorter word is more likely one it heard, so it counts only at the surer
    odds, on every look (it scored -7.5 to -9.6 where "okay, keep it" was
    said, and "Hey sir, come here." -7.2 for "hey siri" where "hey Sarah,
    come here" was).
    """
    rules = ConfirmRules([StopPhrase("okay kira"), StopPhrase("hello iris")])
    middling = Odds(-8.0)
    kira = KeywordHit("okay kira", 1.0, 1.8, score=56.0)
    first = rules.judge([kira], "Okay, key.", last_look=False, phrase_odds=middling)
    assert first.hit is None and first.close
    assert first.match is not None and first.match.shorter
    assert rules.judge([kira], "Okay, key.", phrase_odds=middling).hit is None
    assert rules.judge([kira], "Okay, key.", phrase_odds=Odds(-3.0)).hit == kira
    between = Odds((rules.min_phrase_odds + rules.sure_phrase_odds) / 2)
    assert rules.judge([kira], "Okay, key.", phrase_odds=between).hit is None  # the last look
    siri = ConfirmRules([StopPhrase("hey siri")])
    sarah = KeywordHit("hey siri", 1.0, 1.8, score=37.0)
    assert siri.judge([sarah], "Hey sir, come here.", phrase_odds=Odds(-7.2)).hit is None
    iris = KeywordHit("hello iris", 1.0, 1.8, score=40.0)
    verdict = rules.judge([iris], "Hello, wires.", last_look=False, phrase_odds=middling)
    assert verdict.hit == iris and verdict.match is not None and not verdict.match.shorter


def test_a_stand_in_that_sounds_like_a_near_miss_word_has_rivals() -> None:
    """ "Vires" (V AY R Z) is 1.25 phone edits from "virus", a near-miss of "iris"."""
    matcher = PhraseMatcher(phrases())
    vires = matcher.find("Hello, Vires.", "hello iris", anchored=True)
    assert vires is not None and vires.kind == "anchored"
    assert matcher.rivals("Hello, Vires.", vires)[0] == ("hello", "virus")
    wires = matcher.find("Hello, wires.", "hello iris", anchored=True)
    assert wires is not None and matcher.rivals("Hello, wires.", wires) == ()
    assert len(matcher.rivals("Hello, Vires.", vires, most=1)) == 1


class RivalOdds:
    """The model's odds for readings with other words in the phrase's place."""

    def __init__(self, value: float) -> None:
        self.value = value
        self.asked: list[tuple[tuple[str, ...], ...]] = []

    def __call__(self, match: TranscriptMatch, readings: tuple[tuple[str, ...], ...]) -> float:
        self.asked.append(readings)
        return self.value


def test_a_stand_in_the_model_hears_as_a_near_miss_word_does_not_count() -> None:
    """ "Hello, Vires." where "hello virus" was said: the model prefers "virus" to "iris"."""
    rules = ConfirmRules(phrases())
    cand = KeywordHit("hello iris", 1.0, 1.8, score=40.0)
    phrase = Odds(-2.9)
    heard_virus = RivalOdds(-2.9 + rules.rival_margin + 0.5)
    first = rules.judge(
        [cand], "Hello, Vires.", last_look=False, phrase_odds=phrase, rival_odds=heard_virus
    )
    assert first.hit is None and first.close
    assert heard_virus.asked and heard_virus.asked[0][0] == ("hello", "virus")
    last = rules.judge([cand], "Hello, Vires.", phrase_odds=phrase, rival_odds=heard_virus)
    assert last.hit is None and not last.close
    garbled = RivalOdds(-2.9 - 5.0)
    assert rules.judge([cand], "Hello, Vires.", phrase_odds=phrase, rival_odds=garbled).hit == cand
    # a stand-in near no near-miss word is not asked about
    unasked = RivalOdds(100.0)
    assert rules.judge([cand], "Hello, wires.", phrase_odds=phrase, rival_odds=unasked).hit == cand
    assert unasked.asked == []


def test_a_later_look_is_held_to_the_near_miss_an_earlier_one_preferred() -> None:
    """Whisper wrote a spoken "hello virus" "Hello, Vires." (virus likelier than iris), then
    "Hello, wires." on the last look: the true phrase's usual garble, near no near-miss word."""
    rules = ConfirmRules(phrases())
    cand = KeywordHit("hello iris", 1.0, 1.8, score=7.0)
    phrase, heard_virus = Odds(-3.5), RivalOdds(0.5)
    first = rules.judge(
        [cand], "Hello, Vires.", last_look=False, phrase_odds=phrase, rival_odds=heard_virus
    )
    assert first.hit is None and ("hello", "virus") in first.rivals
    last = rules.judge(
        [cand],
        "Hello, wires.",
        phrase_odds=phrase,
        rival_odds=heard_virus,
        rivals_before=first.rivals,
    )
    assert last.hit is None
    assert heard_virus.asked[-1] == first.rivals
    # without that earlier look, "Hello, wires." is the garble it usually is
    assert (
        rules.judge([cand], "Hello, wires.", phrase_odds=phrase, rival_odds=heard_virus).hit == cand
    )


@needs_stt
def test_the_model_finds_virus_likelier_where_it_wrote_vires(whisper: Any) -> None:
    """Where Whisper writes a spoken "hello virus" with a stand-in near "virus", it prefers
    "virus" to "iris" there; where it garbles a true "hello iris" into a word near some
    near-miss word ("Hello, Iirs."), the phrase.

    These "hello virus" clips were kept because Whisper wrote them "Hello, Vires." on a
    CPU with int8 dot products (VNNI); elsewhere it may write them otherwise.
    """
    matcher = PhraseMatcher(phrases())
    margin = ConfirmRules(phrases()).rival_margin
    checked = {"hello virus": 0, "hello iris": 0}
    near = [(NEAR_MISSES, i) for i in NEAR_MISSES.manifest if i["spoken"] == "hello virus"]
    true = [(NEURAL, i) for i in NEURAL.items("positive") if i["phrase"] == "hello iris"]
    for voice, item in near + true:
        audio = (16000, voice.load(item["file"]))
        text = whisper.stt_scored(audio).text
        match = matcher.find(text, "hello iris", anchored=True)
        if match is None or match.kind != "anchored":
            continue  # written as "virus" (no match) or as the phrase
        rivals = matcher.rivals(text, match)
        if not rivals:
            continue  # a garble near no near-miss word ("wires")
        iris = phrase_odds(whisper, audio, text, match, HELLO_IRIS)
        rival = phrase_odds(whisper, audio, text, match, rivals)
        if item["phrase"] is None:
            checked["hello virus"] += 1
            assert rival > iris + margin, (item["file"], text, iris, rival)
        else:
            checked["hello iris"] += 1
            assert rival <= iris + margin, (item["file"], text, iris, rival)
    assert sum(checked.values()) >= 1, checked
    if int8_dot_product_flags():
        assert checked["hello virus"] >= 1, checked


@pytest.fixture(scope="module")
def whisper(stt: Any) -> Any:
    """Whisper tiny.en: the ``stt`` fixture, the model ``get_stt_model()`` returns."""
    return stt


@needs_stt
@pytest.mark.parametrize("spoken", ["hello, I rest now", "hello Irene"])
def test_a_weak_candidate_read_with_a_pair_standing_in_does_not_fire(
    whisper: Any, spoken: str
) -> None:
    """The windows Whisper read at two renditions that fired "hello iris" deep in the
    unseen-sentence bench (``tests/fixtures/stopwords_kept/keep_looks.py``): the first look
    reads "Hello, I read." and the phrase is likely in place of "I read", but the search
    scored the candidate -10 and -17, so it waits; the last look reads what was said."""
    rules = ConfirmRules(phrases())
    spellings = {p.text: p.spellings for p in phrases()}
    looks = [e for e in json.loads((KEPT / "looks.json").read_text()) if e["spoken"] == spoken]
    assert [e["look"] for e in looks] == [0, 1]
    readings = []
    for entry in looks:
        rate, window = read_wav(KEPT / entry["file"], mono=True)
        audio = (rate, window)
        heard = whisper.stt_scored(audio)

        def rival_odds(
            match: TranscriptMatch, said: Any, audio: Any = audio, text: str = heard.text
        ) -> float:
            return phrase_odds(whisper, audio, text, match, said)

        def odds(match: TranscriptMatch, asked: Any = rival_odds) -> float:
            return asked(match, spellings[match.phrase])

        readings.append((heard, odds))
        cand = KeywordHit("hello iris", 0.3, 1.1, score=entry["candidate"]["score"])
        last = entry["look"] == 1
        verdict = rules.judge(
            [cand], heard, last_look=last, phrase_odds=odds, rival_odds=rival_odds
        )
        assert verdict.hit is None, (entry["file"], heard.text, verdict)
    heard, odds = readings[0]
    if int8_dot_product_flags():  # as measured; other CPUs' int8 kernels may read otherwise
        assert heard.text == "Hello, I read."
        strong = KeywordHit("hello iris", 0.3, 1.1, score=rules.second_look_score + 1)
        assert rules.judge([strong], heard, last_look=False, phrase_odds=odds).hit == strong


@needs_stt
def test_the_model_prefers_what_was_said(whisper: Any) -> None:
    assert isinstance(whisper, ReadingScorer)
    audio = (16000, NEURAL.load("pos_t1_computer_pause.wav"))  # "computer, what time is it"
    said, other, nothing = whisper.reading_logprobs(
        audio, ["Computer. What time is it?", "Compute it. What time is it?", ""]
    )
    assert said > other + 3 and said > nothing
    assert said < 0
    assert whisper.reading_logprobs(audio, []) == []


@needs_stt
def test_scoring_the_window_just_transcribed_encodes_it_once(whisper: Any) -> None:
    decoder = whisper._decoder
    calls = []
    encode = decoder.model.encode

    def counting(features: Any) -> Any:
        calls.append(features.shape)
        return encode(features)

    decoder.model.encode = counting
    try:
        audio = (16000, NEURAL.load("pos_t1_hello-iris_pause.wav"))
        heard = whisper.stt_scored(audio)
        whisper.reading_logprobs(audio, [heard.text, "Hello, Iris."])
        assert len(calls) == 1
        whisper.reading_logprobs((16000, NEURAL.load("pos_t1_computer_pause.wav")), ["Computer."])
        assert len(calls) == 2
    finally:
        decoder.model.encode = encode


@needs_stt
def test_garbled_names_are_nearly_as_likely_as_the_phrase_and_heard_words_are_not(
    whisper: Any,
) -> None:
    """Whisper's odds for the phrase: its garbles of a spoken "hello iris", and "I rest".

    Measured (VNNI Xeon), whole clips: the neural clips' garbles -6.7 to +2.4, "I rest" -12
    to -13.4.
    """
    rules = ConfirmRules(phrases())
    matcher = PhraseMatcher(phrases())

    def odds_of(item: dict[str, Any], voice: Any) -> float | None:
        audio = (16000, voice.load(item["file"]))
        text = whisper.stt_scored(audio).text
        match = matcher.find(text, "hello iris", anchored=True)
        if match is None or match.kind != "anchored":
            return None
        return phrase_odds(whisper, audio, text, match, HELLO_IRIS)

    garbles = [
        o
        for item in NEURAL.items("positive")
        if item["phrase"] == "hello iris" and (o := odds_of(item, NEURAL)) is not None
    ]
    assert len(garbles) >= 3, garbles  # 6 measured (VNNI); Whisper rounds differently without
    assert statistics.median(garbles) > rules.min_phrase_odds + 3, garbles
    assert sum(o >= rules.min_phrase_odds for o in garbles) >= 0.8 * len(garbles), garbles
    rest = [item for item in NEAR_MISSES.manifest if item["spoken"] == "hello, I rest now"]
    heard = [odds_of(item, NEAR_MISSES) for item in rest]
    assert all(o is not None and o < rules.min_phrase_odds for o in heard), heard


@needs_stt
def test_a_misheard_phrase_is_about_as_likely_as_what_was_written_and_near_misses_are_not(
    whisper: Any,
) -> None:
    """espeak's "hello iris", written with none of its words ("The low high risk"), and
    near-miss sentences written so ("the diaries of the di"): Whisper's odds for the phrase.

    Measured (VNNI Xeon), whole clips: of 8 such espeak readings 3 at -4.1 to +0.3, the rest
    -8.4 to -17.4; the near-misses -21 and below.
    """
    rules = ConfirmRules(phrases())
    matcher = PhraseMatcher(phrases())
    spellings = {p.text: p.spellings for p in phrases()}

    def odds_of(voice: Any, item: dict[str, Any], phrase: str) -> float | None:
        audio = (16000, voice.load(item["file"]))
        text = whisper.stt_scored(audio).text
        family = matcher.near_miss_words(phrase)
        match = misheard_phrase(text, phrase, Pronouncer(), spellings[phrase], family)
        if match is None:
            return None
        return phrase_odds(whisper, audio, text, match, spellings[phrase])

    said = [
        o
        for item in ESPEAK.items("positive")
        if item["phrase"] == "hello iris" and (o := odds_of(ESPEAK, item, "hello iris")) is not None
    ]
    assert len(said) >= 3, said  # 8 measured
    assert max(said) >= rules.misheard_odds, said
    near = [
        o
        for voice in (ESPEAK, NEURAL)
        for item in voice.items("nearmiss") + voice.items("negative")
        for phrase in ("hello iris", "ok computer")
        if (o := odds_of(voice, item, phrase)) is not None
    ]
    assert near, "no near-miss sentence was written as other words near a phrase"
    assert max(near) < rules.misheard_odds - 5, near


@needs_stt
@pytest.mark.parametrize("witness", ["odds", "sounds", "both", "neither"])
def test_near_misses_that_fired_never_fire(witness: str) -> None:
    """Renditions that fired "hello iris" (VNNI Xeon) before the model was asked.

    "hello, I rest now" (2 of 4 fired) whether the phrase is likely in place
    of "I rest"; "hello virus" (3 of 3, written "Hello, Vires.") whether
    "virus" is likelier there than "iris" -- asked of Whisper (its odds) and
    of the acoustic model (the sounds), each enough alone. With neither
    asked the "hello virus" clips fire.
    """
    rules = ConfirmRules(
        phrases(),
        rival_margin=0.0 if witness in ("odds", "both") else float("inf"),
        sounds_margin=0.0 if witness in ("sounds", "both") else None,
    )
    detector = ConfirmedDetector(phrases(), rules=rules)
    fired = []
    stream = detector.start_stream()
    for i, item in enumerate(NEAR_MISSES.manifest):
        audio = np.concatenate([NEAR_MISSES.load(item["file"]), floor(1.2, i)])
        hits = []
        for k in range(0, audio.size, 320):
            hits.extend(stream.feed(audio[k : k + 320]))
        stream.reset()
        if hits:
            fired.append(item["spoken"])
    if witness != "neither":
        assert fired == []
    else:  # the test above would catch both rules gone
        assert "hello virus" in fired
        assert "hello, I rest now" not in fired


@needs_stt
def test_phrases_never_tuned_on_are_heard_and_what_sounds_like_them_is_not() -> None:
    """ "okay nova" (renditions Whisper does not write "nova" for), "hey zorbo" (in no dictionary).

    And near-misses: "okay, no way", "okay, no, well", "hey Zora", and "okay,
    keep it" / "hi, look at me", where Whisper writes a word it heard in the
    place of the name of "okay kira" / "hi lumi".  Measured on the VNNI Xeon:
    7 of the 8 phrases heard and no near-miss (the detector of commit 352cd64:
    1 heard, 1 near-miss fired).
    """
    said = ("okay nova", "hey zorbo", "okay kira", "hi lumi")
    detector = ConfirmedDetector([StopPhrase(p) for p in said])
    heard = 0
    for i, item in enumerate(OTHER_PHRASES.manifest):
        stream = detector.start_stream()  # a fresh connection per clip, as a user gets
        audio = np.concatenate([OTHER_PHRASES.load(item["file"]), floor(1.2, i)])
        hits = []
        for k in range(0, audio.size, 320):
            hits.extend(stream.feed(audio[k : k + 320]))
        if item["phrase"] is None:
            assert hits == [], (item["file"], hits)
        else:
            heard += [h.phrase for h in hits] == [item["phrase"]]
    assert heard >= 5, heard
