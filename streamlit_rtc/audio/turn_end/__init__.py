"""Turn-end analyzers: models that hear whether an utterance sounds finished (``turn`` extra)."""

from .smart_turn import SMART_TURN_FILE, SmartTurn, find_smart_turn_model
from .unfinished_words import UNFINISHED_LAST_WORDS, WordsVerdict, judge_last_words
from .word_aware import WordAwareTurnEnd

__all__ = [
    "SMART_TURN_FILE",
    "UNFINISHED_LAST_WORDS",
    "SmartTurn",
    "WordAwareTurnEnd",
    "WordsVerdict",
    "find_smart_turn_model",
    "judge_last_words",
]
