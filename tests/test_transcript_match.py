"""How stage 2 reads a transcript: whole words, sounds-alike words, and what never passes.

The transcripts are ones Whisper tiny.en wrote for the stop-phrase fixtures
(the phrases, and the near-misses around them).
"""

from __future__ import annotations

import pytest
from stopword_fixtures import phrases

from streamlit_rtc.audio.keywords import ConfirmRules, KeywordHit, PhraseMatcher, StopPhrase
from streamlit_rtc.audio.keywords.confirm_rules import Verdict
from streamlit_rtc.audio.keywords.letters_to_sounds import guess_pronunciation
from streamlit_rtc.audio.keywords.phonetic import Pronouncer, phone_distance
from streamlit_rtc.audio.speech import HeardWord, ScoredTranscript


@pytest.fixture(scope="module")
def matcher() -> PhraseMatcher:
    return PhraseMatcher(phrases())


@pytest.fixture(scope="module")
def rules() -> ConfirmRules:
    return ConfirmRules(phrases())


@pytest.mark.parametrize(
    ("text", "phrase"),
    [
        ("Computer, what time is it?", "computer"),
        ("computer player", "computer"),
        ("Okay, computer.", "ok computer"),
        ("OK computer, set a timer", "ok computer"),
        ("Hello, Iris. How far is the moon?", "hello iris"),
        ("Hello, Irish please.", "hello iris"),  # Whisper's spelling of the name
        ("Hello, Ires. Play some music.", "hello iris"),  # made up: its sound is guessed
    ],
)
def test_says_the_phrase(matcher: PhraseMatcher, text: str, phrase: str) -> None:
    match = matcher.find(text, phrase)
    assert match is not None and match.kind in ("exact", "fuzzy"), match


@pytest.mark.parametrize(
    "text",
    [
        "a computing course",
        "Please compute the total.",
        "Commuters computed it.",
        "our competitor is cheaper",
        "the commuter train was late",
        "Compute",
        "computed",
        "my computers are old",
        "I will commute her home.",
        "the computation took hours",
        "a compute cluster",
        "Temputer",
    ],
)
def test_near_misses_never_say_computer(matcher: PhraseMatcher, text: str) -> None:
    for phrase in ("computer", "ok computer"):
        assert matcher.find(text, phrase, anchored=True) is None, (text, phrase)


@pytest.mark.parametrize(
    "text",
    ["Hello everyone.", "hello there", "the iris of the eye", "Okay, let us begin.", "I risk it"],
)
def test_near_misses_never_say_hello_iris(matcher: PhraseMatcher, text: str) -> None:
    assert matcher.find(text, "hello iris", anchored=True) is None, text


@pytest.mark.parametrize(
    "text",
    [
        "Hello, wires.",
        "Hello, Iars.",
        "Hello, I urge. What time is it?",
        "Hello, I'S...",
        "Hello, I ers.",  # two dictionary words, but three phone edits from "iris"
    ],
)
def test_anchored_needs_the_search_to_agree(
    matcher: PhraseMatcher, rules: ConfirmRules, text: str
) -> None:
    """Whisper's worst spellings of "hello iris" count only with a good keyphrase score."""
    assert matcher.find(text, "hello iris") is None
    match = matcher.find(text, "hello iris", anchored=True)
    assert match is not None and match.kind == "anchored"
    good = KeywordHit("hello iris", 1.0, 1.8, score=20.0)
    weak = KeywordHit("hello iris", 1.0, 1.8, score=rules.anchor_margin - 1.0)
    assert rules.judge([good], text).hit == good
    assert rules.judge([weak], text).hit is None


def test_the_transcript_decides_which_related_phrase_the_search_heard(
    rules: ConfirmRules,
) -> None:
    """A "computer" candidate said as "okay computer" is "ok computer", at the search's end."""
    cand = KeywordHit("computer", 2.4, 2.9, score=60.0)
    verdict = rules.judge([cand], "Okay, computer, turn on the lights.")
    assert verdict.hit == KeywordHit("ok computer", 2.4, 2.9, 60.0)
    longer = KeywordHit("ok computer", 2.0, 2.9, score=80.0)
    assert rules.judge([longer], "Computer, what time is it?").hit == KeywordHit(
        "computer", 2.0, 2.9, 80.0
    )
    assert rules.related("hello iris") == ("hello iris",)


def test_close_means_worth_a_second_look(rules: ConfirmRules) -> None:
    cand = KeywordHit("computer", 0.1, 0.6, score=80.0)
    assert rules.judge([cand], "Temputer").close  # made up: Whisper was unsure
    assert not rules.judge([cand], "Commuters").close  # a word it heard clearly
    assert not rules.judge([cand], "I was busy cooking dinner").close
    iris = KeywordHit("hello iris", 0.1, 0.9, score=-40.0)
    assert rules.judge([iris], "Hello wires turn").close  # "hello" is there
    # the phrase run together into a made-up word (a deep voice's "hello iris")
    assert rules.judge([iris], "Alowires.").close
    assert not rules.judge([iris], "Followers.").close  # a word Whisper heard clearly


def test_phone_distance_follows_sound() -> None:
    p = Pronouncer()
    computer = p.word("computer")
    assert p.distance(["computer"], computer) == 0.0
    assert p.distance(["commuter"], computer) == 1.0  # a phone dropped
    assert p.distance(["computers"], computer) == 1.0  # a phone added
    iris = p.word("iris")
    assert p.distance(["irish"], iris) == pytest.approx(0.25)  # S/SH
    assert (
        phone_distance(("S",), ("Z",))
        < phone_distance(("P",), ("T",))
        < phone_distance(("S",), ("T",))
    )
    assert phone_distance(("S",), ("AA",)) == 1.0


def test_user_pronunciations_and_guesses() -> None:
    m = PhraseMatcher([StopPhrase("hey zorblax", pronunciations={"zorblax": "Z AO R B L AE K S"})])
    assert m.find("Hey, Zorblax!", "hey zorblax") is not None
    assert m.find("Hey, Zorblaks!", "hey zorblax") is not None  # guessed from its spelling
    assert m.find("Hey, Sorbet!", "hey zorblax") is None
    assert guess_pronunciation("iars") == ("AY", "AA", "R", "Z")
    assert guess_pronunciation("...") == ()


def test_a_phrase_written_unsure_waits_for_the_last_look(rules: ConfirmRules) -> None:
    """ "computer" that Whisper wrote while "computed" came close confirms only on a last look."""
    cand = KeywordHit("computer", 11.5, 12.1, score=136.0)
    unsure = ScoredTranscript("computer", (HeardWord("computer", 0.3),))
    first = rules.judge([cand], unsure, last_look=False)
    assert first.hit is None and first.close and first.confidence == 0.3
    assert rules.judge([cand], unsure, last_look=True).hit == cand
    sure = ScoredTranscript("Computer, stop.", (HeardWord("computer", 0.9), HeardWord("stop", 0.2)))
    assert rules.judge([cand], sure, last_look=False).hit == cand  # "stop" is not the phrase
    # a transcript without scores is trusted as before
    assert rules.judge([cand], "computer", last_look=False).hit == cand
    with pytest.raises(ValueError, match="min_confidence"):
        ConfirmRules(phrases(), min_confidence=1.5)


def test_two_spellings_of_the_phrase_are_no_doubt_about_it(rules: ConfirmRules) -> None:
    """ "Ok" that shares its odds with "Okay" (both spell "ok computer") is not unsure."""
    okay = KeywordHit("ok computer", 2.6, 3.4, score=25.0)
    said = ScoredTranscript(
        "Ok computer, stop.",
        (HeardWord("ok", 0.3), HeardWord("computer", 0.95), HeardWord("stop", 0.9)),
    )
    verdict = rules.judge([okay], said, last_look=False)
    assert verdict.hit == okay and verdict.confidence == 0.95
    unsure = ScoredTranscript(
        "Ok computer, stop.",
        (HeardWord("ok", 0.9), HeardWord("computer", 0.3), HeardWord("stop", 0.9)),
    )
    assert rules.judge([okay], unsure, last_look=False).hit is None
    # a phrase with one spelling: every word counts
    iris = KeywordHit("hello iris", 2.6, 3.4, score=25.0)
    hello = ScoredTranscript(
        "Hello Iris, stop.",
        (HeardWord("hello", 0.3), HeardWord("iris", 0.95), HeardWord("stop", 0.9)),
    )
    assert rules.judge([iris], hello, last_look=False).hit is None


def test_a_phrase_that_ends_the_transcript_needs_a_surer_last_word(rules: ConfirmRules) -> None:
    """Nothing heard after it: "compute it", cut 0.2 s on, reads "computer" at p 0.57."""
    cand = KeywordHit("computer", 3.0, 3.4, score=25.0)
    ending = ScoredTranscript("computer", (HeardWord("computer", 0.57),))
    early = rules.judge([cand], ending, last_look=False, early=True)
    assert early.close and early.soon and early.hit is None
    assert rules.judge([cand], ending, last_look=True, early=True).hit == cand
    # a later look: still the last word, so no word followed it
    assert rules.judge([cand], ending, last_look=False).hit == cand
    followed = ScoredTranscript(
        "computer, what", (HeardWord("computer", 0.57), HeardWord("what", 1))
    )
    assert rules.judge([cand], followed, last_look=False, early=True).hit == cand
    # an early look wants more than end_confidence before it decides alone
    fair = ScoredTranscript("computer", (HeardWord("computer", 0.8),))
    assert rules.judge([cand], fair, last_look=False, early=True).soon
    sure = ScoredTranscript("computer", (HeardWord("computer", 0.95),))
    assert rules.judge([cand], sure, last_look=False, early=True).hit == cand
    # only the phrase's last word must be sure there: "Ok" splits its odds with "Okay"
    okay = KeywordHit("ok computer", 2.6, 3.4, score=25.0)
    said = ScoredTranscript("Ok computer.", (HeardWord("ok", 0.55), HeardWord("computer", 0.99)))
    assert rules.judge([okay], said, last_look=False, early=True).hit == okay
    with pytest.raises(ValueError, match="end_confidence"):
        ConfirmRules(phrases(), end_confidence=-0.1)


def test_a_weak_candidate_that_ends_an_early_transcript_is_looked_at_soon(
    rules: ConfirmRules,
) -> None:
    """ "okay computing is fun" (piper, two semitones deeper) scored -3.5 for "computer";
    cut 0.2 s after it, Whisper wrote "Okay computer." with "computer" at 0.90: the search
    hardly heard it, so the words after it decide, however sure the last word."""
    weak = KeywordHit("computer", 3.0, 3.4, score=rules.second_look_score - 3.5)
    written = ScoredTranscript(
        "Okay computer.", (HeardWord("okay", 0.99), HeardWord("computer", 0.99))
    )
    early = rules.judge([weak], written, last_look=False, early=True)
    assert early.hit is None and early.close and early.soon
    # the quick look (no longer early) decides on what it reads
    assert rules.judge([weak], written, last_look=False).hit is not None
    # the search scored it well: a sure last word counts at once, as before
    strong = KeywordHit("computer", 3.0, 3.4, score=rules.second_look_score + 25)
    assert rules.judge([strong], written, last_look=False, early=True).hit is not None
    # with a word after the phrase, the transcript says what followed
    followed = ScoredTranscript(
        "Okay computer, stop.",
        (HeardWord("okay", 0.99), HeardWord("computer", 0.99), HeardWord("stop", 0.9)),
    )
    assert rules.judge([weak], followed, last_look=False, early=True).hit is not None


@pytest.mark.parametrize(
    ("text", "phrase"),
    [
        ("Okay, computing is fun.", "ok computer"),
        ("okay commuter", "ok computer"),
        ("Okay, compute her.", "ok computer"),
        ("Hello virus.", "hello iris"),
        ("Hello, Irene.", "hello iris"),
    ],
)
def test_a_near_miss_word_never_stands_in_for_a_phrase_word(
    matcher: PhraseMatcher, text: str, phrase: str
) -> None:
    """Whisper heard a real word one or two phone edits from the phrase's: that was said."""
    assert matcher.find(text, phrase, anchored=True) is None


@pytest.mark.parametrize("text", ["Hello, I rest now.", "Hello, I raced home.", "The low iris."])
def test_a_pair_of_words_near_a_phrase_word_stands_in_only_with_the_whole_phrase_heard(
    matcher: PhraseMatcher, rules: ConfirmRules, text: str
) -> None:
    """Two dictionary words close to the odd word ("I rest" for "iris", "the low" for "hello").

    Whisper writes such pairs for a real phrase too ("The low iris" in an
    espeak voice), so they count when the search heard the whole phrase; when
    it heard only the last word, which it hears in "I rest" too, only if the
    model can be asked and finds the phrase likely at the surer floor, on
    every look ("The low iris" -1.2; "Hello, I rest now" -7.0 on a last look).
    """
    assert matcher.find(text, "hello iris", anchored=True) is not None
    assert matcher.find(text, "hello iris", anchored=True, word_pairs=False) is None
    whole = KeywordHit("hello iris", 1.0, 1.8, score=40.0)
    by_last_word = KeywordHit("hello iris", 1.4, 1.8, score=40.0)
    assert rules.judge([whole], text).hit == whole
    assert rules.judge([by_last_word], text, partial=[by_last_word]).hit is None
    between = (rules.min_phrase_odds + rules.sure_phrase_odds) / 2
    for odds, hits in ((-1.2, (True, True)), (between, (False, False))):
        for last_look, confirmed in zip((False, True), hits, strict=True):
            verdict = rules.judge(
                [by_last_word],
                text,
                partial=[by_last_word],
                last_look=last_look,
                phrase_odds=lambda _m, o=odds: o,
            )
            assert (verdict.hit == by_last_word) is confirmed, (odds, last_look)
    assert rules.judge([whole], text, phrase_odds=lambda _m: between).hit == whole


@pytest.mark.parametrize("text", ["Okay, no way.", "Okay, no will."])
def test_a_pair_starting_with_a_near_miss_word_stands_in_only_when_pairs_are_checked(
    text: str,
) -> None:
    """Whisper splits a name it does not know into words ("Okay, no way." for "okay nova").

    "no" alone is a near-miss of "nova" and never stands in; as the first of
    two words it may, when the caller asks the model about every pair
    (:class:`.ConfirmRules` with a :class:`.ReadingScorer`), since people do
    say "okay, no way".
    """
    matcher = PhraseMatcher([StopPhrase("okay nova")])
    assert matcher.find(text, "okay nova", anchored=True) is None
    found = matcher.find(text, "okay nova", anchored=True, pairs_checked=True)
    assert found is not None and (found.kind, found.stand_ins) == ("anchored", 2)
    assert matcher.find("Okay, no.", "okay nova", anchored=True, pairs_checked=True) is None


@pytest.mark.parametrize(
    "text",
    [
        "Okay, can you tell me the weather?",
        "Okay, come here.",
        "Okay, can we at home.",
        "Okay, cute.",
        "OK, companion.",
    ],
)
def test_other_words_never_stand_in_for_a_long_phrase_word(
    matcher: PhraseMatcher, text: str
) -> None:
    """A stand-in is a garble (at most ``loose_max`` phone edits), not any words of similar length.

    0.6 x the 8 phones of "computer" would let "can you tell" (3.25 edits) say it.
    """
    assert matcher.find(text, "ok computer", anchored=True) is None
    loose = PhraseMatcher(phrases(), loose_max=10.0)
    assert loose.find(text, "ok computer", anchored=True) is not None


def test_an_empty_transcript_asks_for_a_second_look_only_for_a_well_scored_candidate(
    rules: ConfirmRules,
) -> None:
    good = KeywordHit("computer", 1.0, 1.6, score=rules.second_look_score + 40.0)
    weak = KeywordHit("computer", 1.0, 1.6, score=rules.second_look_score - 1.0)
    for text in ("", " ", "..."):
        assert rules.judge([good], text, last_look=False) == Verdict(None, close=True)
        assert rules.judge([weak], text, last_look=False) == Verdict(None, close=False)


@pytest.mark.parametrize(
    ("text", "first_look_confirms"),
    [
        ("computer...", False),  # "compute this" cut at the window's edge
        ("Okay, computer…", False),
        ("computer-", False),
        ("Computer.", True),
        ("Computer, what time is it...", True),  # the phrase is not the cut-off end
        ("computer,", True),
        # Whisper tiny.en looping on a high voice's "computed" / "compute this for me"
        ("computer computer computer computer computers", False),
        ("compute this from the computer computer computer computer", False),
        ("Computer, computer, computer.", False),
        ("Computer. Computer, what time is it?", True),  # said twice is no loop
        ("Okay computer, computer science is fun.", True),
    ],
)
def test_a_phrase_ending_a_cut_off_transcript_or_in_a_loop_waits_for_the_last_look(
    rules: ConfirmRules, text: str, first_look_confirms: bool
) -> None:
    cand = KeywordHit("computer", 1.0, 1.6, score=80.0)
    first = rules.judge([cand], text, last_look=False)
    assert (first.hit is not None) == first_look_confirms, first
    assert first.hit is not None or first.close
    assert rules.judge([cand], text, last_look=True).hit is not None


@pytest.mark.parametrize(
    ("text", "rescued"),
    [
        # Whisper garbles the word that opens the second look's window
        ("Empture what is the weather?", True),
        ("Empeter what is the weather?", True),
        ("Dempeater", True),
        # a near-miss heard as such: a real word near the phrase
        ("Commutors computed", False),
        ("computed again", False),
        ("Computed.", False),
        ("The commuter rail.", False),
        # nothing near the phrase
        ("Play some music.", False),
        ("", False),
    ],
)
def test_a_garbled_second_reading_of_a_word_first_written_unsure(
    rules: ConfirmRules, text: str, rescued: bool
) -> None:
    """The first look wrote "computer" unsure; the last one garbles it or hears another word.

    A made-up word where the phrase was stands in for it if Whisper finds the phrase about as
    likely there (here: always); a real word near the phrase means it heard that word.
    """
    cand = KeywordHit("computer", 1.0, 1.6, score=60.0)
    asked: list[str] = []

    def odds(match):  # type: ignore[no-untyped-def]
        asked.append(match.phrase)
        return 0.0

    verdict = rules.judge([cand], text, phrase_odds=odds, written_before="computer")
    assert (verdict.hit is not None) is rescued, verdict
    assert bool(asked) is rescued
    # without the earlier exact reading, only a candidate the search scored well is
    # rescued; before the last look, nothing is
    weak = KeywordHit("computer", 1.0, 1.6, score=rules.second_look_score - 5.0)
    assert rules.judge([weak], text, phrase_odds=odds).hit is None
    assert (rules.judge([cand], text, phrase_odds=odds).hit is not None) is rescued
    early = rules.judge([cand], text, last_look=False, phrase_odds=odds, written_before="computer")
    assert early.hit is None


@pytest.mark.parametrize(
    ("text", "phrase", "near_miss", "rescued"),
    [
        ("imputer", 0.1, -5.3, True),  # a lone "computer" the search scored 116
        ("Emputer.", 3.1, -0.9, True),
        ("Demputers.", -3.1, -0.6, False),  # "computers", two semitones deeper
    ],
)
def test_a_garble_of_a_phrase_the_search_heard_whole_must_not_read_as_a_near_miss(
    rules: ConfirmRules, text: str, phrase: float, near_miss: float, rescued: bool
) -> None:
    """No look wrote the phrase, but the search heard it whole and scored it well: the
    made-up word stands in for it if the model finds no near-miss word likelier there."""
    cand = KeywordHit("computer", 1.0, 1.6, score=60.0)
    asked: list[tuple[str, ...]] = []

    def rivals(match, said):  # type: ignore[no-untyped-def]
        asked.extend(words for words in said)
        return near_miss

    verdict = rules.judge([cand], text, phrase_odds=lambda match: phrase, rival_odds=rivals)
    assert (verdict.hit is not None) is rescued, verdict
    assert ("computers",) in asked and ("computed",) in asked  # the phrase's near-miss words


def test_a_garble_the_model_finds_unlikely_for_the_phrase_is_not_rescued(
    rules: ConfirmRules,
) -> None:
    cand = KeywordHit("computer", 1.0, 1.6, score=60.0)
    verdict = rules.judge(
        [cand],
        "Empeter what is the weather?",
        phrase_odds=lambda match: rules.min_word_odds - 1.0,
        written_before="computer",
    )
    assert verdict.hit is None


def test_a_phrase_an_earlier_look_heard_a_near_miss_of_must_be_written_sure(
    rules: ConfirmRules,
) -> None:
    """ "He computes it" on the first look, "He computer every day." (0.43) on the last one.

    Whisper heard the near-miss word first; the longer window's slip into the
    phrase counts only if it wrote the phrase sure.
    """
    cand = KeywordHit("ok computer", 12.8, 13.6, score=90.0)
    first = rules.judge([cand], "He computes it", last_look=False)
    assert first.hit is None and first.close  # a phrase of two words the search scored well
    assert "computer" in first.near_misses
    slip = ScoredTranscript(
        "He computer every day.",
        (HeardWord("he", 0.9), HeardWord("computer", 0.43), HeardWord("every", 0.9)),
    )
    assert rules.judge([cand], slip).hit is not None  # alone, the last look would confirm it
    assert rules.judge([cand], slip, near_misses_before=first.near_misses).hit is None
    sure = ScoredTranscript("Computer, what time is it?", (HeardWord("computer", 0.9),))
    assert rules.judge([cand], sure, near_misses_before=first.near_misses).hit is not None
    assert rules.judge([cand], "Temputer, what time is it", last_look=False).near_misses == set()
    # short words' families hold pieces of garbles: espeak's "The law I risk." for "hello iris"
    iris = KeywordHit("hello iris", 1.0, 1.8, score=56.0)
    assert rules.judge([iris], "The law I risk.", last_look=False).near_misses == set()


def test_near_miss_words_the_model_nearly_wrote_make_rival_readings(
    matcher: PhraseMatcher,
) -> None:
    """ "Hello, wires." for "hello virus": "virus" is Whisper's runner-up for "wires" and too
    far from it for ``rivals``; word pieces it also offers are not readings."""
    wires = HeardWord(
        "wires", 0.6, rivals=(("virus", 0.4), ("vir", 0.3), ("irish", 0.2), ("fires", 0.1))
    )
    heard = ScoredTranscript("Hello, wires.", (HeardWord("hello", 0.99), wires))
    match = matcher.find(heard.text, "hello iris", anchored=True)
    assert match is not None and match.stand_ins == 1
    assert matcher.rivals(heard.text, match) == ()
    # "vir" (a piece of a word) and "fires" are not near-miss words of "iris"
    assert matcher.nearly_written(heard, match) == (("hello", "virus"), ("hello", "irish"))
    assert matcher.nearly_written(ScoredTranscript(heard.text), match) == ()


def test_a_runner_up_the_phrase_word_starts_with_is_a_piece_of_it() -> None:
    """ "Okay, here." for espeak's "okay kira": "kir" is how "kira" begins, not a rival."""
    matcher = PhraseMatcher([StopPhrase("okay kira")])
    here = HeardWord("here", 0.5, rivals=(("kir", 0.5), ("kara", 0.2)))
    heard = ScoredTranscript("Okay, here.", (HeardWord("okay", 0.99), here))
    match = matcher.find(heard.text, "okay kira", anchored=True)
    assert match is not None and match.stand_ins == 1
    assert matcher.nearly_written(heard, match) == (("okay", "kara"),)
