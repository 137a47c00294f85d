"""A rough English letter-to-sound guess for words the CMU dictionary does not have.

Whisper writes names it does not know as made-up words ("Hello, Iars" for
"hello iris").  To compare such a word's sound with a stop phrase
(:mod:`.phonetic`) it needs a pronunciation; this gives a plausible one from
spelling rules: common letter groups first ("igh", "sh", "ee", "er" ...),
then single letters, with a few context rules (soft c/g, final silent e,
"s" voiced after a voiced sound, a word-initial "i" before a vowel said
"eye", a final "a" said as a schwa).  It is a guess: good enough to say
"iars" sounds like "iris", not a dictionary.  Words with no letters return an empty tuple.
"""

from __future__ import annotations

import functools

__all__ = ["guess_pronunciation"]

# Longest groups first; each maps to ARPAbet phones (an empty string: silent).
_GROUPS: tuple[tuple[str, str], ...] = (
    ("tch", "CH"),
    ("igh", "AY"),
    ("sch", "S K"),
    ("ough", "AO"),
    ("sh", "SH"),
    ("ch", "CH"),
    ("th", "TH"),
    ("ph", "F"),
    ("wh", "W"),
    ("ng", "NG"),
    ("ck", "K"),
    ("qu", "K W"),
    ("gh", ""),
    ("ee", "IY"),
    ("ea", "IY"),
    ("oo", "UW"),
    ("ou", "AW"),
    ("ow", "OW"),
    ("oi", "OY"),
    ("oy", "OY"),
    ("ai", "EY"),
    ("ay", "EY"),
    ("ey", "EY"),
    ("ie", "IY"),
    ("au", "AO"),
    ("aw", "AO"),
    ("er", "ER"),
    ("ir", "ER"),
    ("ur", "ER"),
    ("ar", "AA R"),
    ("or", "AO R"),
)
_LETTERS = {
    "a": "AE",
    "b": "B",
    "d": "D",
    "e": "EH",
    "f": "F",
    "h": "HH",
    "i": "IH",
    "j": "JH",
    "k": "K",
    "l": "L",
    "m": "M",
    "n": "N",
    "o": "AA",
    "p": "P",
    "q": "K",
    "r": "R",
    "t": "T",
    "u": "AH",
    "v": "V",
    "w": "W",
    "x": "K S",
    "z": "Z",
}
_VOWELS = set("aeiouy")
_VOICELESS = {"P", "T", "K", "F", "TH", "S", "SH", "CH", "HH"}


@functools.lru_cache(maxsize=1024)
def guess_pronunciation(word: str) -> tuple[str, ...]:
    """ARPAbet phones for a lower-case word, guessed from its spelling."""
    letters = "".join(ch for ch in word.lower() if "a" <= ch <= "z")
    if len(letters) > 2 and letters.endswith("e") and letters[-2] not in _VOWELS:
        letters = letters[:-1]  # final silent e: "rose" is said "ros"
    phones: list[str] = []
    i = 0
    while i < len(letters):
        ch = letters[i]
        nxt = letters[i + 1] if i + 1 < len(letters) else ""
        if i > 0 and ch == letters[i - 1] and ch not in _VOWELS:
            i += 1  # a double consonant is said once
            continue
        group = next((g for g in _GROUPS if letters.startswith(g[0], i)), None)
        if ch == "i" and i == 0 and nxt in _VOWELS | {"r"}:
            phones.append("AY")  # "iars", "iris", "ion"
            i += 1
            continue
        if group is not None:
            phones.extend(group[1].split())
            i += len(group[0])
            continue
        if ch == "c":
            phones.append("S" if nxt in ("e", "i", "y") else "K")
        elif ch == "g":
            phones.append("JH" if nxt in ("e", "i", "y") else "G")
        elif ch == "y":
            phones.append("Y" if i == 0 and nxt in _VOWELS else "IY")
        elif ch == "s":
            voiced = bool(phones) and phones[-1] not in _VOICELESS
            phones.append("Z" if voiced and i == len(letters) - 1 else "S")
        elif ch == "a" and i == len(letters) - 1 and i > 0:
            phones.append("AH")  # a final "a" is a schwa: "mama", "nova", "wama" for "llama"
        else:
            phones.extend(_LETTERS[ch].split())
        i += 1
    return tuple(phones)
