"""apps/assistant_brain.py and apps/assistant_numbers.py: what the offline assistant answers, at a
fixed time, and how it reads and says numbers (pure functions)."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "apps"))

from assistant_brain import (  # the apps folder is not a package: imported by path
    answer,
    evaluate,
    find_expression,
)
from assistant_numbers import number_to_words, words_to_digits

AFTERNOON = datetime(2025, 3, 4, 16, 5)  # a Tuesday


@pytest.mark.parametrize(
    ("heard", "shown", "spoken"),
    [
        ("What time is it?", "It's 4:05 PM.", "It is four oh five P M."),
        ("what's the time", "It's 4:05 PM.", "It is four oh five P M."),
        ("Tell me the time, please.", "It's 4:05 PM.", "It is four oh five P M."),
        ("Have you got the time?", "It's 4:05 PM.", "It is four oh five P M."),
    ],
)
def test_the_time_is_shown_in_digits_and_spoken_in_words(
    heard: str, shown: str, spoken: str
) -> None:
    reply = answer(heard, AFTERNOON)
    assert (reply.intent, reply.text, reply.speech) == ("time", shown, spoken)


def test_a_time_elsewhere_is_not_passed_off_as_local() -> None:
    reply = answer("What time is it in Tokyo?", AFTERNOON)
    assert reply.text == "I only know the time here. It's 4:05 PM."
    assert answer("what time is it in the morning", AFTERNOON).text == "It's 4:05 PM."


@pytest.mark.parametrize(
    ("now", "shown", "spoken"),
    [
        (datetime(2025, 1, 1, 0, 0), "It's 12:00 AM.", "It is twelve o'clock A M."),
        (datetime(2025, 1, 1, 12, 30), "It's 12:30 PM.", "It is twelve thirty P M."),
        (datetime(2025, 1, 1, 9, 47), "It's 9:47 AM.", "It is nine forty seven A M."),
    ],
)
def test_midnight_noon_and_minutes(now: datetime, shown: str, spoken: str) -> None:
    reply = answer("what time is it", now)
    assert (reply.text, reply.speech) == (shown, spoken)


@pytest.mark.parametrize(
    "heard",
    ["What's the date?", "What day is it today?", "what is today", "What is the day today?"],
)
def test_the_date(heard: str) -> None:
    reply = answer(heard, AFTERNOON)
    assert reply.intent == "date"
    assert reply.text == "Today is Tuesday, 4 March 2025."
    assert reply.speech == "Today is Tuesday, March the fourth."


@pytest.mark.parametrize(
    ("heard", "shown", "spoken"),
    [
        ("What year is it?", "It's 2025.", "It is twenty twenty five."),
        ("Which month is it?", "It's March 2025.", "It is March."),
    ],
)
def test_the_year_and_the_month(heard: str, shown: str, spoken: str) -> None:
    reply = answer(heard, AFTERNOON)
    assert (reply.intent, reply.text, reply.speech) == ("date", shown, spoken)
    assert answer("what year is it", datetime(2005, 1, 1)).speech == "It is two thousand and five."
    assert answer("what year is it", datetime(1999, 1, 1)).speech == "It is nineteen ninety nine."
    assert answer("what year is it", datetime(2101, 1, 1)).speech == "It is twenty one oh one."


@pytest.mark.parametrize(
    ("heard", "shown", "spoken"),
    [
        ("What is 12 times 7?", "12 × 7 = 84", "twelve times seven is eighty four."),
        ("what is twelve times seven", "12 × 7 = 84", "twelve times seven is eighty four."),
        ("What is 2 plus 3?", "2 + 3 = 5", "two plus three is five."),
        ("What is 12 x 7?", "12 × 7 = 84", "twelve times seven is eighty four."),
        ("twenty-one divided by three", "21 ÷ 3 = 7", "twenty one divided by three is seven."),
        ("two plus three times four", "2 + 3 × 4 = 14", "two plus three times four is fourteen."),
        ("add 2 and 3", "2 + 3 = 5", "two plus three is five."),
        ("subtract three from ten", "10 − 3 = 7", "ten minus three is seven."),
        ("multiply 6 by 7", "6 × 7 = 42", "six times seven is forty two."),
        ("what is 7 - 2", "7 − 2 = 5", "seven minus two is five."),
        ("what is a hundred minus one", "100 − 1 = 99", "one hundred minus one is ninety nine."),
        ("What is 1,000 divided by 8?", "1000 ÷ 8 = 125", None),
        ("two point five times four", "2.5 × 4 = 10", "two point five times four is ten."),
        ("what is 0.1 plus 0.2", "0.1 + 0.2 = 0.3", None),
        ("10 divided by 4", "10 ÷ 4 = 2.5", "ten divided by four is two point five."),
        ("minus five plus two", "-5 + 2 = -3", "minus five plus two is minus three."),
        ("5 squared", "5 ^ 2 = 25", "five to the power of two is twenty five."),
        ("2 to the power of 10", "2 ^ 10 = 1024", None),
        ("What is 2 to the 10th power?", "2 ^ 10 = 1024", None),
        ("three to the third", "3 ^ 3 = 27", "three to the power of three is twenty seven."),
        ("What is 15% of 200?", "15 % of 200 = 30", "fifteen percent of two hundred is thirty."),
        ("ten percent of fifty plus five", "10 % of 50 + 5 = 10", None),
        ("What is half of 9?", "9 ÷ 2 = 4.5", "nine divided by two is four point five."),
        ("a quarter of twelve", "12 ÷ 4 = 3", None),
        ("double 21", "2 × 21 = 42", None),
        ("What is the square root of 81?", "√81 = 9", "The square root of eighty one is nine."),
        ("minus the square root of nine plus one", "-√9 + 1 = -2", None),
        ("three hundred and twelve plus one thousand", "312 + 1000 = 1312", None),
        # Whisper sometimes repeats the start of a short clip: the first sum counts.
        ("What is 12 times 7? What is", "12 × 7 = 84", None),
    ],
)
def test_arithmetic_with_digits_and_number_words(
    heard: str, shown: str, spoken: str | None
) -> None:
    reply = answer(heard, AFTERNOON)
    assert reply.intent == "arithmetic"
    assert reply.text == shown
    if spoken is not None:
        assert reply.speech == spoken


def test_arithmetic_that_has_no_answer_says_so() -> None:
    assert answer("ten divided by zero", AFTERNOON).speech == "I can't divide by zero."
    assert "too big" in answer("2 to the power of 1000", AFTERNOON).speech
    for heard in ("the square root of minus four", "minus eight to the power of 0.5"):
        reply = answer(heard, AFTERNOON)
        assert (reply.intent, reply.speech) == ("arithmetic", "I can't say that."), heard


def test_repeat_after_me_says_the_rest_back() -> None:
    reply = answer("Repeat after me, the quick brown fox.", AFTERNOON)
    assert (reply.intent, reply.text, reply.speech) == (
        "repeat",
        "the quick brown fox.",
        "the quick brown fox.",
    )
    # what follows the phrase is repeated as said, numbers and questions included
    assert answer("repeat after me: what time is it", AFTERNOON).speech == "what time is it"
    assert answer("Repeat after me.", AFTERNOON).speech.startswith("Say repeat after me")


@pytest.mark.parametrize(
    ("heard", "intent"),
    [
        ("Hello there.", "greeting"),
        ("What can you do?", "help"),
        ("Thank you.", "thanks"),
        ("What's the weather like today?", "offline"),
        ("Will it rain tomorrow?", "offline"),
        ("Any news?", "offline"),
        ("Tell me the news.", "offline"),
        ("I like the news.", "echo"),
        ("Okay, thanks!", "thanks"),
        ("I have a third cat", "echo"),  # an ordinal, but no sum
        ("The weather is nice.", "echo"),
        ("I have two cats and three dogs", "echo"),  # numbers, but no sum
        ("what is five", "echo"),
        ("", "empty"),
        ("   ", "empty"),
    ],
)
def test_everything_else(heard: str, intent: str) -> None:
    reply = answer(heard, AFTERNOON)
    assert reply.intent == intent
    if intent == "echo":
        assert reply.text == f"You said: {heard}"


def test_number_words_both_ways() -> None:
    assert number_to_words(84) == "eighty four"
    assert number_to_words(1001) == "one thousand and one"
    assert (
        number_to_words(123456)
        == "one hundred and twenty three thousand four hundred and fifty six"
    )
    assert number_to_words(2.5) == "two point five"
    assert number_to_words(-3) == "minus three"
    assert words_to_digits("twenty-one and two point") == "21 and 2 point"
    assert words_to_digits("one two three") == "1 2 3"
    assert words_to_digits("nineteen hundred and eighty four") == "1984"
    assert words_to_digits("a thousand and one nights") == "1001 nights"


def test_expressions_need_an_operator_and_keep_precedence() -> None:
    assert find_expression("call me at 5") is None
    tokens = find_expression("2 ^ 3 ^ 2")
    assert tokens is not None and evaluate(tokens) == 512  # right-associative
    tokens = find_expression("10 - 4 - 3")
    assert tokens is not None and evaluate(tokens) == 3  # left-associative
