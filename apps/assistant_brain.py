"""The offline assistant's brain: a transcript in, a reply out. Pure: no I/O, no clock of its own.

``answer(heard, now)`` understands a few requests and says what it heard
otherwise:

* the time ("what time is it") and the date ("what's the date", "what day is it");
* arithmetic with digits or number words: "what is 12 times 7", "twenty one
  divided by three", "two plus three times four", "add 2 and 3", "subtract 3
  from 10", "5 squared" (``+ - * / ^`` with the usual precedence);
* "repeat after me ..." says the rest back;
* "hello", "what can you do";
* anything else: "You said: ...".

Each :class:`Reply` has the ``text`` shown in the page and the ``speech`` the
TTS voice reads: times, dates and numbers spelled out in words, which the
voice pronounces reliably ("4:05 PM" would be read digit by digit).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime

__all__ = ["Reply", "answer", "evaluate", "find_expression", "number_to_words", "words_to_digits"]

_UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
    "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17,
    "eighteen": 18, "nineteen": 19,
}  # fmt: skip
_TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
    "eighty": 80, "ninety": 90,
}  # fmt: skip
_SCALES = {"thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000}
_ORDINALS = [
    "", "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth",
    "tenth", "eleventh", "twelfth", "thirteenth", "fourteenth", "fifteenth", "sixteenth",
    "seventeenth", "eighteenth", "nineteenth", "twentieth", "twenty first", "twenty second",
    "twenty third", "twenty fourth", "twenty fifth", "twenty sixth", "twenty seventh",
    "twenty eighth", "twenty ninth", "thirtieth", "thirty first",
]  # fmt: skip
_SMALL = [w for w, _ in sorted(_UNITS.items(), key=lambda kv: kv[1])]
_TENS_WORDS = {v: w for w, v in _TENS.items()}

_OPS_SPOKEN = {"+": "plus", "-": "minus", "*": "times", "/": "divided by", "^": "to the power of"}
_OPS_SHOWN = {"+": "+", "-": "−", "*": "×", "/": "÷", "^": "^"}
_PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 2, "^": 3}
_MAX_EXPONENT = 100
_NUM = r"-?\d+(?:\.\d+)?"

HELP = "Ask me the time, the date, or a sum like twelve times seven."


@dataclass(frozen=True)
class Reply:
    """What the assistant answers: ``text`` for the page, ``speech`` for the voice."""

    text: str
    speech: str
    intent: str
    """One of ``time``, ``date``, ``arithmetic``, ``repeat``, ``greeting``, ``help``, ``echo``,
    ``empty``."""


# -- numbers: words to digits and back ------------------------------------------------------


def number_to_words(value: float) -> str:
    """``84`` -> "eighty four", ``2.5`` -> "two point five", ``-3`` -> "minus three"."""
    if value != value or math.isinf(value):
        return "not a number"
    if value < 0:
        return "minus " + number_to_words(-value)
    if value != int(value):
        whole, _, decimals = f"{value:.6f}".rstrip("0").partition(".")
        digits = " ".join(_SMALL[int(d)] for d in decimals)
        return f"{number_to_words(int(whole))} point {digits}"
    n = int(value)
    if n >= 1_000_000_000_000:
        return f"{n:,}"  # too long to say in words usefully; the voice reads the digits
    if n < 20:
        return _SMALL[n]
    if n < 100:
        tens, unit = divmod(n, 10)
        return _TENS_WORDS[tens * 10] + (f" {_SMALL[unit]}" if unit else "")
    if n < 1000:
        hundreds, rest = divmod(n, 100)
        return f"{_SMALL[hundreds]} hundred" + (f" and {number_to_words(rest)}" if rest else "")
    for name, scale in sorted(_SCALES.items(), key=lambda kv: -kv[1]):
        if n >= scale:
            high, rest = divmod(n, scale)
            tail = ""
            if rest:
                tail = (" and " if rest < 100 else " ") + number_to_words(rest)
            return f"{number_to_words(high)} {name}{tail}"
    raise AssertionError(n)  # unreachable: every n >= 1000 has a scale


def _format_number(value: float) -> str:
    """Digits for the page: integers without a point, others to 6 significant digits."""
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return f"{value:.6g}"


def _tidy(value: float) -> float:
    """Round away binary noise (0.1 + 0.2 -> 0.3) so the result reads as people expect."""
    if value == 0 or math.isinf(value) or value != value:
        return value
    rounded = float(f"{value:.10g}")
    return float(int(rounded)) if rounded == int(rounded) and abs(rounded) < 1e15 else rounded


class _WordNumber:
    """Accumulates number words ("three hundred and twelve") into a value."""

    def __init__(self) -> None:
        self.total = 0
        self.current = 0
        self.last = ""  # kind of the last word: unit, teen, tens, hundred, scale, and
        self.words = 0
        self.decimals: list[int] | None = None

    def accepts(self, word: str) -> bool:
        """Whether ``word`` continues this number (else a new number starts)."""
        if self.decimals is not None:
            return word in _UNITS and _UNITS[word] < 10
        if word == "point":
            return self.words > 0 and self.last != "and"
        if word == "and":
            return self.last in ("hundred", "scale")
        if word in _SCALES:
            return self.words > 0 and self.last not in ("and", "scale")
        if word == "hundred":
            return self.last in ("", "unit", "teen", "tens", "a", "scale") and (
                self.current % 100 != 0 or self.current == 0 or self.last == "a"
            )
        if word in _TENS:
            return self.last in ("", "hundred", "scale", "and", "a")
        if word in _UNITS:
            if self.last == "tens":
                return 0 < _UNITS[word] < 10
            return self.last in ("", "hundred", "scale", "and")
        return False

    def add(self, word: str) -> None:
        self.words += 1
        if self.decimals is not None:
            self.decimals.append(_UNITS[word])
        elif word == "point":
            self.decimals = []
        elif word == "and":
            self.last = "and"
            return
        elif word == "a":
            self.current = 1
            self.last = "a"
            return
        elif word in _SCALES:
            self.total += (self.current or 1) * _SCALES[word]
            self.current = 0
            self.last = "scale"
        elif word == "hundred":
            self.current = (self.current or 1) * 100
            self.last = "hundred"
        elif word in _TENS:
            self.current += _TENS[word]
            self.last = "tens"
        else:
            value = _UNITS[word]
            self.current += value
            self.last = "unit" if value < 10 else "teen"

    def value(self) -> float:
        whole = self.total + self.current
        if self.decimals:
            return float(f"{whole}.{''.join(str(d) for d in self.decimals)}")
        return float(whole)

    @property
    def dangling(self) -> bool:
        """Ends on a word that needs more ("and", "point", "a")."""
        return self.last in ("and", "a") or self.decimals == []


def words_to_digits(text: str) -> str:
    """Lower-case ``text`` with number words replaced by digits: "twenty-one" -> "21"."""
    text = re.sub(r"(?<=[a-z])-(?=[a-z])", " ", text.lower())
    text = re.sub(r"(?<=\d),(?=\d{3}\b)", "", text)  # 1,000 -> 1000
    tokens = re.findall(r"[a-z']+|\d+(?:\.\d+)?|\S", text)
    out: list[str] = []
    number: _WordNumber | None = None
    last_word = ""

    def close() -> None:
        nonlocal number
        if number is not None:
            out.append(_format_number(number.value()))
            if number.dangling:  # "two and ..." / "five point ...": that word was not part of it
                out.append(last_word)
            number = None

    for i, token in enumerate(tokens):
        following = tokens[i + 1] if i + 1 < len(tokens) else ""
        if number is not None and number.accepts(token):
            number.add(token)
            last_word = token
            continue
        close()
        if _is_number_word(token) or (token == "a" and following in ("hundred", *_SCALES)):
            number = _WordNumber()
            number.add(token)
            last_word = token
        else:
            out.append(token)
    close()
    return " ".join(out)


def _is_number_word(word: str) -> bool:
    return word in _UNITS or word in _TENS or word in _SCALES or word == "hundred"


# -- arithmetic --------------------------------------------------------------------------------


def _normalise_ops(text: str) -> str:
    """Spoken operators as symbols; prefix forms ("add 2 and 3") as infix."""
    rules = [
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
    ]
    for pattern, replacement in rules:
        text = re.sub(pattern, replacement, text)
    return text


def find_expression(heard: str) -> list[str] | None:
    """The first arithmetic expression in ``heard`` as tokens (numbers and operators), or None.

    At least one operator is needed: "what is 5" is not a sum.
    """
    text = _normalise_ops(words_to_digits(heard))
    tokens = re.findall(rf"{_NUM[2:]}|[-+*/^]|[a-z']+|\S", text)
    best: list[str] | None = None
    run: list[str] = []
    expect_number = True
    for token in [*tokens, "<end>"]:
        is_number = bool(re.fullmatch(_NUM[2:], token))
        if expect_number and token == "-" and (not run or run[-1] in _PRECEDENCE):
            run.append("neg")  # unary minus
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
        while run and (run[-1] in _PRECEDENCE or run[-1] == "neg"):
            run.pop()
        if sum(1 for t in run if t in _PRECEDENCE) >= 1:
            best = run
            break
        run, expect_number = [], True
        if is_number:
            run, expect_number = [token], False
        elif token == "-":
            run = ["neg"]
    return best


def evaluate(tokens: list[str]) -> float:
    """Value of ``tokens`` (numbers, ``neg``, ``+ - * / ^``); ^ is right-associative.

    Raises ``ZeroDivisionError`` and ``OverflowError`` (an exponent above 100).
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
        else:
            if abs(right) > _MAX_EXPONENT:
                raise OverflowError("exponent too large")
            output.append(float(left**right))

    negate = False
    for token in tokens:
        if token == "neg":
            negate = not negate
        elif token in _PRECEDENCE:
            while ops and (
                _PRECEDENCE[ops[-1]] > _PRECEDENCE[token]
                or (_PRECEDENCE[ops[-1]] == _PRECEDENCE[token] and token != "^")
            ):
                apply(ops.pop())
            ops.append(token)
        else:
            output.append(-float(token) if negate else float(token))
            negate = False
    while ops:
        apply(ops.pop())
    return output[0]


def _arithmetic(tokens: list[str]) -> Reply:
    shown_parts: list[str] = []
    spoken_parts: list[str] = []
    negate = False
    for token in tokens:
        if token == "neg":
            negate = True
        elif token in _PRECEDENCE:
            shown_parts.append(_OPS_SHOWN[token])
            spoken_parts.append(_OPS_SPOKEN[token])
        else:
            value = -float(token) if negate else float(token)
            negate = False
            shown_parts.append(_format_number(value))
            spoken_parts.append(number_to_words(value))
    shown, spoken = " ".join(shown_parts), " ".join(spoken_parts)
    try:
        result = _tidy(evaluate(tokens))
    except ZeroDivisionError:
        return Reply(f"{shown}: I can't divide by zero.", "I can't divide by zero.", "arithmetic")
    except OverflowError:
        return Reply(f"{shown}: that is too big for me.", "That is too big for me.", "arithmetic")
    if isinstance(result, complex) or math.isinf(result) or result != result:
        return Reply(f"{shown}: that has no answer I can say.", "I can't say that.", "arithmetic")
    text = f"{shown} = {_format_number(result)}"
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


def _date(now: datetime) -> Reply:
    weekday, month = now.strftime("%A"), now.strftime("%B")
    return Reply(
        f"Today is {weekday}, {now.day} {month} {now.year}.",
        f"Today is {weekday}, {month} the {_ORDINALS[now.day]}.",
        "date",
    )


# -- the dispatcher ----------------------------------------------------------------------------

_REPEAT = re.compile(r"\brepeat after me\b[\s,:;.!-]*(.*)", re.IGNORECASE | re.DOTALL)
_TIME = re.compile(
    r"\bwhat(?:'s| is)? (?:the )?(?:current )?time\b|\btime is it\b|\btell me the time\b"
    r"|\bcurrent time\b|\bwhat time\b|\bthe time please\b"
)
_DATE = re.compile(
    r"\bdate\b|\bwhat day\b|\bwhich day\b|\bday is it\b|\bday is today\b|\bwhat(?:'s| is) today\b"
)
_GREETING = re.compile(r"^(?:hi|hello|hey|good (?:morning|afternoon|evening))\b")
_HELP = re.compile(r"\bwhat can you do\b|\bhelp\b")


def _plain(text: str) -> str:
    """Lower case, curly quotes straightened, punctuation around words removed."""
    text = text.lower().replace("’", "'")
    return re.sub(r"[^\w'+\-*/^×÷−.,:\s]", " ", text).strip()


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
        return _time(now)
    if _DATE.search(plain):
        return _date(now)
    if _GREETING.search(plain):
        return Reply(f"Hello! {HELP}", f"Hello! {HELP}", "greeting")
    if _HELP.search(plain):
        return Reply(HELP, HELP, "help")
    return Reply(f"You said: {spoken}", f"You said: {spoken}", "echo")
