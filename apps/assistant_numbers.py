"""Numbers in words and back, for the offline assistant: "twenty-one" <-> 21.

Whisper writes some numbers as words ("twenty one divided by three") and the
TTS voice reads digits unreliably, so the brain (``assistant_brain``) turns
heard words into digits to compute, and results back into words to say.
Pure: no I/O.
"""

from __future__ import annotations

import math
import re

__all__ = ["ORDINALS", "format_number", "number_to_words", "tidy", "words_to_digits"]

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
ORDINALS = [
    "", "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth",
    "tenth", "eleventh", "twelfth", "thirteenth", "fourteenth", "fifteenth", "sixteenth",
    "seventeenth", "eighteenth", "nineteenth", "twentieth", "twenty first", "twenty second",
    "twenty third", "twenty fourth", "twenty fifth", "twenty sixth", "twenty seventh",
    "twenty eighth", "twenty ninth", "thirtieth", "thirty first",
]  # fmt: skip
_SMALL = [w for w, _ in sorted(_UNITS.items(), key=lambda kv: kv[1])]
_TENS_WORDS = {v: w for w, v in _TENS.items()}


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


def format_number(value: float) -> str:
    """Digits for the page: integers without a point, others to 6 significant digits."""
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return f"{value:.6g}"


def tidy(value: float) -> float:
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
            out.append(format_number(number.value()))
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
