"""The offline assistant's brain: a transcript in, a reply out. Pure: no I/O, no clock of its own.

``answer(heard, now)`` understands a few requests and says what it heard
otherwise:

* the time ("what time is it", "have you got the time") and the date ("what's
  the date", "what day is it", "what year is it");
* arithmetic with digits or number words: "what is 12 times 7", "twenty one
  divided by three", "two plus three times four", "add 2 and 3", "subtract 3
  from 10", "5 squared", "2 to the 10th power", "15 percent of 200", "half of
  9", "the square root of 81" (``+ - * / ^`` with the usual precedence);
* "repeat after me ..." says the rest back;
* "hello", "what can you do", "thank you";
* what it cannot know offline ("what's the weather", "any news") says so;
* anything else: "You said: ...".

Each :class:`Reply` has the ``text`` shown in the page and the ``speech`` the
TTS voice reads: times, dates and numbers spelled out in words, which the
voice pronounces reliably ("4:05 PM" would be read digit by digit); the
numbers' words come from ``assistant_numbers``.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime

from assistant_numbers import ORDINALS, format_number, number_to_words, tidy, words_to_digits

__all__ = ["Reply", "answer", "evaluate", "find_expression"]

_OPS_SPOKEN = {
    "+": "plus", "-": "minus", "*": "times", "/": "divided by", "^": "to the power of",
    "%": "percent of",
}  # fmt: skip
_OPS_SHOWN = {"+": "+", "-": "−", "*": "×", "/": "÷", "^": "^", "%": "% of"}
_PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 2, "%": 2, "^": 3}
_PREFIXES = ("neg", "sqrt")
"""Unary prefixes of a number: minus, and the square root."""
_MAX_EXPONENT = 100
_NUM = r"-?\d+(?:\.\d+)?"

HELP = "Ask me the time, the date, or a sum like twelve times seven."


@dataclass(frozen=True)
class Reply:
    """What the assistant answers: ``text`` for the page, ``speech`` for the voice."""

    text: str
    speech: str
    intent: str
    """One of ``time``, ``date``, ``arithmetic``, ``repeat``, ``greeting``, ``help``,
    ``thanks``, ``offline``, ``echo``, ``empty``."""


# -- arithmetic --------------------------------------------------------------------------------


_ORDINAL_NUMBERS = {word: str(n) for n, word in enumerate(ORDINALS) if n and " " not in word}
_NTH_POWER = re.compile(
    rf"\bto the (?:({_NUM})\s*(?:st|nd|rd|th)?|({'|'.join(_ORDINAL_NUMBERS)}))(?:\s+power)?\b"
)

_OP_RULES: tuple[tuple[str, str], ...] = (
    (rf"\b({_NUM})\s*(?:%|percent|per cent)\s+of\s+(?={_NUM})", r"\1 % "),
    (rf"\b(?:a |1 )?half (?:of\s+)?({_NUM})", r"\1 / 2"),
    (rf"\b(?:a|1) third of\s+({_NUM})", r"\1 / 3"),
    (rf"\b(?:a|1) quarter of\s+({_NUM})", r"\1 / 4"),
    (rf"\b(?:double|twice)\s+({_NUM})", r"2 * \1"),
    (r"\b(?:the )?square root of\b|√", " sqrt "),
    (rf"\b(?:add|sum of)\s+({_NUM})\s+(?:and|to)\s+({_NUM})", r"\1 + \2"),
    (rf"\bsubtract\s+({_NUM})\s+from\s+({_NUM})", r"\2 - \1"),
    (rf"\b({_NUM})\s+(?:take away|less)\s+({_NUM})", r"\1 - \2"),
    (rf"\b(?:multiply|product of)\s+({_NUM})\s+(?:by|and|with)\s+({_NUM})", r"\1 * \2"),
    (rf"\bdivide\s+({_NUM})\s+by\s+({_NUM})", r"\1 / \2"),
    (r"\bto the power of\b|\braised to(?: the power of)?\b|\*\*", " ^ "),
    (r"\bsquared\b", " ^ 2"),
    (r"\bcubed\b", " ^ 3"),
    (r"\bdivided by\b|\bdivide by\b|\bover\b|÷", " / "),
    (r"\bmultiplied by\b|\btimes\b|×", " * "),
    (rf"(?<=\d)\s*x\s*(?={_NUM})", " * "),
    (r"\bplus\b|\badded to\b", " + "),
    (r"\bminus\b|−", " - "),
)
"""Spoken operators and prefix forms, rewritten in this order."""


def _normalise_ops(text: str) -> str:
    """Spoken operators as symbols; prefix forms ("add 2 and 3") as infix."""
    text = _NTH_POWER.sub(lambda m: f" ^ {m[1] or _ORDINAL_NUMBERS[m[2]]}", text)
    for pattern, replacement in _OP_RULES:
        text = re.sub(pattern, replacement, text)
    return text


def find_expression(heard: str) -> list[str] | None:
    """The first arithmetic expression in ``heard`` as tokens (numbers and operators), or None.

    At least one operator or square root is needed: "what is 5" is not a sum.
    """
    text = _normalise_ops(words_to_digits(heard))
    tokens = re.findall(rf"{_NUM[2:]}|[-+*/^%]|[a-z']+|\S", text)
    best: list[str] | None = None
    run: list[str] = []
    expect_number = True
    for token in [*tokens, "<end>"]:
        is_number = bool(re.fullmatch(_NUM[2:], token))
        if expect_number and token == "-" and (not run or run[-1] in (*_PRECEDENCE, *_PREFIXES)):
            run.append("neg")  # unary minus
            continue
        if expect_number and token == "sqrt":
            run.append("sqrt")
            continue
        if expect_number and is_number:
            run.append(token)
            expect_number = False
            continue
        if not expect_number and token in _PRECEDENCE:
            run.append(token)
            expect_number = True
            continue
        # the run ends here: keep it if it is number (op number)+
        while run and (run[-1] in _PRECEDENCE or run[-1] in _PREFIXES):
            run.pop()
        if any(t in _PRECEDENCE or t == "sqrt" for t in run):
            best = run
            break
        run, expect_number = [], True
        if is_number:
            run, expect_number = [token], False
        elif token == "-":
            run = ["neg"]
        elif token == "sqrt":
            run = ["sqrt"]
    return best


def evaluate(tokens: list[str]) -> float:
    """Value of ``tokens`` (numbers, ``neg``, ``sqrt``, ``+ - * / % ^``); ^ is right-associative.

    ``a % b`` is a percent of b. Raises ``ZeroDivisionError``, ``OverflowError``
    (an exponent above 100) and ``ValueError`` (no real answer: the root of a
    negative number, a negative number to a fractional power).
    """
    output: list[float] = []
    ops: list[str] = []

    def apply(op: str) -> None:
        right, left = output.pop(), output.pop()
        if op == "+":
            output.append(left + right)
        elif op == "-":
            output.append(left - right)
        elif op == "*":
            output.append(left * right)
        elif op == "/":
            if right == 0:
                raise ZeroDivisionError("division by zero")
            output.append(left / right)
        elif op == "%":
            output.append(left / 100 * right)
        else:
            if abs(right) > _MAX_EXPONENT:
                raise OverflowError("exponent too large")
            if left < 0 and right != int(right):
                raise ValueError("no real power")
            output.append(float(left**right))

    prefixes: list[str] = []
    for token in tokens:
        if token in _PREFIXES:
            prefixes.append(token)
        elif token in _PRECEDENCE:
            while ops and (
                _PRECEDENCE[ops[-1]] > _PRECEDENCE[token]
                or (_PRECEDENCE[ops[-1]] == _PRECEDENCE[token] and token != "^")
            ):
                apply(ops.pop())
            ops.append(token)
        else:
            value = float(token)
            for prefix in reversed(prefixes):  # the nearest applies first: "sqrt neg 4"
                if prefix == "neg":
                    value = -value
                elif value < 0:
                    raise ValueError("no real square root")
                else:
                    value = math.sqrt(value)
            output.append(value)
            prefixes = []
    while ops:
        apply(ops.pop())
    return output[0]


def _arithmetic(tokens: list[str]) -> Reply:
    shown_parts: list[str] = []
    spoken_parts: list[str] = []
    prefixes: list[str] = []
    for token in tokens:
        if token in _PREFIXES:
            prefixes.append(token)
        elif token in _PRECEDENCE:
            shown_parts.append(_OPS_SHOWN[token])
            spoken_parts.append(_OPS_SPOKEN[token])
        else:
            shown, spoken = format_number(float(token)), number_to_words(float(token))
            for prefix in reversed(prefixes):
                if prefix == "neg":
                    shown, spoken = f"-{shown}", f"minus {spoken}"
                else:
                    shown, spoken = f"√{shown}", f"the square root of {spoken}"
            prefixes = []
            shown_parts.append(shown)
            spoken_parts.append(spoken)
    shown, spoken = " ".join(shown_parts), " ".join(spoken_parts)
    try:
        result = tidy(evaluate(tokens))
    except ZeroDivisionError:
        return Reply(f"{shown}: I can't divide by zero.", "I can't divide by zero.", "arithmetic")
    except OverflowError:
        return Reply(f"{shown}: that is too big for me.", "That is too big for me.", "arithmetic")
    except ValueError:
        return Reply(f"{shown}: that has no answer I can say.", "I can't say that.", "arithmetic")
    if isinstance(result, complex) or math.isinf(result) or result != result:
        return Reply(f"{shown}: that has no answer I can say.", "I can't say that.", "arithmetic")
    text = f"{shown} = {format_number(result)}"
    spoken = spoken[0].upper() + spoken[1:] if spoken.startswith("the ") else spoken
    return Reply(text, f"{spoken} is {number_to_words(result)}.", "arithmetic")


# -- time and date ---------------------------------------------------------------------------


def _time(now: datetime) -> Reply:
    hour12 = now.hour % 12 or 12
    half = "AM" if now.hour < 12 else "PM"
    if now.minute == 0:
        minute = "o'clock"
    elif now.minute < 10:
        minute = f"oh {number_to_words(now.minute)}"
    else:
        minute = number_to_words(now.minute)
    spoken_half = "A M" if half == "AM" else "P M"
    return Reply(
        f"It's {hour12}:{now.minute:02d} {half}.",
        f"It is {number_to_words(hour12)} {minute} {spoken_half}.",
        "time",
    )


def _year_words(year: int) -> str:
    """A year as people say it: "twenty twenty six", "two thousand and five", "nineteen hundred"."""
    high, low = divmod(year, 100)
    if 2000 <= year < 2010 or not 1100 <= year < 10000:
        return number_to_words(year)
    if low == 0:
        return f"{number_to_words(high)} hundred"
    middle = "oh " if low < 10 else ""
    return f"{number_to_words(high)} {middle}{number_to_words(low)}"


def _date(now: datetime, asked: str) -> Reply:
    weekday, month = now.strftime("%A"), now.strftime("%B")
    if _YEAR.search(asked):
        return Reply(f"It's {now.year}.", f"It is {_year_words(now.year)}.", "date")
    if _MONTH.search(asked):
        return Reply(f"It's {month} {now.year}.", f"It is {month}.", "date")
    return Reply(
        f"Today is {weekday}, {now.day} {month} {now.year}.",
        f"Today is {weekday}, {month} the {ORDINALS[now.day]}.",
        "date",
    )


# -- the dispatcher ----------------------------------------------------------------------------

_REPEAT = re.compile(r"\brepeat after me\b[\s,:;.!-]*(.*)", re.IGNORECASE | re.DOTALL)
_TIME = re.compile(
    r"\bwhat(?:'s| is)? (?:the )?(?:current )?time\b|\btime is it\b|\btell me the time\b"
    r"|\bcurrent time\b|\bwhat time\b|\bthe time please\b|\b(?:got|have|know) the time\b"
)
_ELSEWHERE = re.compile(r"\btime\b.*\b(?:in|at) (?!the (?:morning|afternoon|evening)\b)[a-z]")
"""A time asked for somewhere else ("what time is it in Tokyo"), which the brain cannot know."""
_YEAR = re.compile(r"\b(?:what|which) year\b|\byear is it\b")
_MONTH = re.compile(r"\b(?:what|which) month\b|\bmonth is it\b")
_DATE = re.compile(
    r"\bdate\b|\bwhat day\b|\bwhich day\b|\bday is it\b|\bday (?:is )?today\b"
    r"|\bwhat(?:'s| is) today\b|\btoday's day\b"
)
_OFFLINE = re.compile(
    r"\b(?:what(?:'s| is| will)|how(?:'s| is))\b.*\b(?:weather|news|forecast|temperature)\b"
    r"|\bwill it (?:rain|snow)\b|\b(?:weather|news) (?:forecast|today|update)\b|\bany news\b"
    r"|\btell me the (?:news|weather)\b"
)
"""Questions about the world outside, which an offline brain cannot answer."""
_THANKS = re.compile(r"^(?:ok(?:ay)?,? )?(?:thank you|thanks)\b")
_GREETING = re.compile(r"^(?:hi|hello|hey|good (?:morning|afternoon|evening))\b")
_HELP = re.compile(r"\bwhat can you do\b|\bhelp\b")


def _plain(text: str) -> str:
    """Lower case, curly quotes straightened, punctuation around words removed."""
    text = text.lower().replace("’", "'")
    return re.sub(r"[^\w'+\-*/^%×÷−√.,:\s]", " ", text).strip()


def answer(heard: str, now: datetime) -> Reply:
    """The reply to ``heard`` (a transcript) at time ``now``."""
    spoken = " ".join(heard.split())
    if not spoken:
        return Reply("I didn't catch that.", "I didn't catch that.", "empty")
    repeat = _REPEAT.search(spoken)
    if repeat:
        rest = repeat.group(1).strip()
        if not rest:
            prompt = "Say repeat after me, then the words."
            return Reply(prompt, prompt, "repeat")
        return Reply(rest, rest, "repeat")
    plain = _plain(spoken)
    expression = find_expression(plain)
    if expression is not None:
        return _arithmetic(expression)
    if _TIME.search(plain):
        reply = _time(now)
        if _ELSEWHERE.search(plain):
            note = "I only know the time here."
            return Reply(f"{note} {reply.text}", f"{note} {reply.speech}", "time")
        return reply
    if _DATE.search(plain) or _YEAR.search(plain) or _MONTH.search(plain):
        return _date(now, plain)
    if _GREETING.search(plain):
        return Reply(f"Hello! {HELP}", f"Hello! {HELP}", "greeting")
    if _HELP.search(plain):
        return Reply(HELP, HELP, "help")
    if _THANKS.search(plain):
        return Reply("You're welcome.", "You're welcome.", "thanks")
    if _OFFLINE.search(plain):
        text = f"I can't look that up: I work offline. {HELP}"
        return Reply(text, text, "offline")
    return Reply(f"You said: {spoken}", f"You said: {spoken}", "echo")
