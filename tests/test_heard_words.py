"""Word confidences from decoding steps (pure: made-up steps, no model).

The probabilities mirror what Whisper tiny.en did on a slow piper
"computed": " computer" written at 0.13 with " computed" and " competed"
just behind.
"""

from __future__ import annotations

import pytest

from streamlit_rtc.audio.speech import HeardWord, ScoredTranscript
from streamlit_rtc.audio.speech.heard_words import (
    RIVALS_KEPT,
    DecodingStep,
    heard_words,
    words_of,
)

END = DecodingStep(None, (("s", 0.001), (".", 0.2)))  # a timestamp: nothing glued on


def test_a_word_written_while_other_words_came_close_is_unsure() -> None:
    steps = [
        DecodingStep(
            " computer",
            (
                (" computer", 0.13),
                (" computed", 0.09),
                (" Comput", 0.085),  # shorter: could still become either word
                (" competed", 0.08),
                (" Computer", 0.02),  # the same word
            ),
        ),
        END,
    ]
    (word,) = heard_words(steps)
    assert word.text == "computer"
    assert word.confidence == pytest.approx(0.15 / (0.15 + 0.17) * 0.999)


def test_a_clear_word_is_sure() -> None:
    steps = [DecodingStep(" computer", ((" computer", 0.9), (" computers", 0.01))), END]
    assert heard_words(steps)[0].confidence > 0.98


def test_letters_glued_on_at_the_next_step_count_against_the_word() -> None:
    """ " computer" followed by a likely "s" may be "computers"."""
    glue = DecodingStep(None, (("s", 0.4), (" what", 0.3)))
    steps = [DecodingStep(" computer", ((" computer", 0.9),)), glue]
    assert heard_words(steps)[0].confidence == pytest.approx(0.6)


def test_a_word_of_several_tokens() -> None:
    """ " Ir" + "is": each step's rivals count; a new word where the word goes on is a rival."""
    steps = [
        DecodingStep(" Hello", ((" Hello", 0.8), (" Hell", 0.1))),
        DecodingStep(",", ((",", 0.7), (" I", 0.1))),
        DecodingStep(" Ir", ((" Ir", 0.5), (" Iris", 0.3), (" Irish", 0.2))),
        DecodingStep("is", (("is", 0.6), ("ish", 0.2), (" is", 0.2))),
        END,
    ]
    hello, iris = heard_words(steps)
    assert hello == HeardWord(
        "hello",
        pytest.approx(1.0),
        rivals=(("hell", pytest.approx(0.125)),),
        followers=(("i", pytest.approx(0.1 / 0.7)),),  # " I" in place of the comma
    )
    assert iris.text == "iris"
    # step " Ir": " Iris" agrees, " Irish" does not; step "is": "ish" and " is" do not
    assert iris.confidence == pytest.approx((0.8 / 1.0) * (0.6 / 1.0) * 0.999)


def test_punctuation_and_special_tokens_end_words() -> None:
    steps = [
        DecodingStep(" Okay", ((" Okay", 0.9),)),
        DecodingStep(",", ((",", 0.9),)),
        DecodingStep(" computer", ((" computer", 0.9),)),
        DecodingStep(None, ()),
        DecodingStep(" what", ((" what", 0.9),)),
        END,
    ]
    assert [w.text for w in heard_words(steps)] == ["okay", "computer", "what"]


def test_confidence_of_a_spelling() -> None:
    heard = ScoredTranscript(
        "Computer, computer stop",
        (HeardWord("computer", 0.3), HeardWord("computer", 0.8), HeardWord("stop", 0.4)),
    )
    assert heard.confidence_of(["computer"]) == 0.8  # the surest place
    assert heard.confidence_of(["computer", "stop"]) == 0.4  # its least sure word
    assert heard.confidence_of(["hello"]) is None
    assert ScoredTranscript("computer").confidence_of(["computer"]) is None  # no scores


def test_words_follow_the_text_when_an_echo_was_dropped() -> None:
    heard = (HeardWord("stop", 0.9), HeardWord("now", 0.8), HeardWord("stop", 0.7))
    assert words_of("Stop now.", heard) == heard[:2]
    assert words_of("O.K., stop", (HeardWord("ok", 0.9), HeardWord("stop", 0.5))) == (
        HeardWord("ok", 0.9),
        HeardWord("stop", 0.5),
    )
    assert words_of("something else", heard) == heard  # no prefix: left as decoded


def test_rivals_are_the_other_words_the_first_step_could_have_started() -> None:
    """Whisper's "Let's meet it." for a cut "Let's meet at": "at" close behind "it"."""
    steps = [
        DecodingStep(" Let's", ((" Let's", 0.9),)),
        DecodingStep(" meet", ((" meet", 0.8), (" me", 0.1))),
        DecodingStep(
            " it",
            (
                (" it", 0.132),
                (" at", 0.124),
                (" that", 0.112),
                (" It", 0.05),  # the written word itself, capitalized: no rival
                (" At", 0.01),  # the same rival: its likelier spelling counts
                ("it", 0.05),  # glued to "meet": not a word of its own
                (" her", 0.0005),  # under RIVAL_FLOOR of the written token
            ),
        ),
        DecodingStep(".", ((".", 0.9),)),
        END,
    ]
    *_, last = heard_words(steps)
    assert last.text == "it"
    assert [word for word, _ in last.rivals] == ["at", "that"]
    assert last.rivals[0][1] == pytest.approx(0.124 / 0.132)
    assert heard_words(steps)[0].rivals == ()  # nothing else came close to "let's"


def test_at_most_a_few_rivals_are_kept() -> None:
    options = ((" one", 0.3), *((f" w{i}", 0.3 - i * 0.01) for i in range(1, 12)))
    (word,) = heard_words([DecodingStep(" one", options), END])
    assert len(word.rivals) == RIVALS_KEPT
    assert [w for w, _ in word.rivals] == ["w1", "w2", "w3", "w4", "w5"]


def test_followers_are_the_words_that_could_have_come_next() -> None:
    """Whisper's "I'd like to order." for a speaker pausing after "order": " a" came close
    behind the full stop; after a word inside the text, the next word is not its own
    follower, and punctuation never is one."""
    steps = [
        DecodingStep(" I'd", ((" I'd", 0.9),)),
        DecodingStep(" like", ((" like", 0.95),)),
        DecodingStep(" to", ((" to", 0.9), (" two", 0.05))),
        DecodingStep(" order", ((" order", 0.9), (" the", 0.02))),
        DecodingStep(".", ((".", 0.2857), (" a", 0.1551), (" of", 0.0557), ("...", 0.03))),
        DecodingStep(None, ((" I", 0.001),), probability=0.7),  # a timestamp
        END,
    ]
    *_, to, order = heard_words(steps)
    assert order.text == "order"
    assert order.followers == (
        ("a", pytest.approx(0.1551 / 0.2857)),
        ("of", pytest.approx(0.0557 / 0.2857)),
    )
    assert to.followers == (("the", pytest.approx(0.02 / 0.9)),)  # not "order", written there
    # where the text ends without punctuation, the end token's probability is the measure
    *_, last = heard_words([*steps[:4], DecodingStep(None, ((" a", 0.07),), probability=0.7)])
    assert last.followers == (("a", pytest.approx(0.1)),)
