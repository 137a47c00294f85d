"""The turn-end analyzer: a model that hears whether an utterance sounds finished.

A silence alone cannot tell "What time is it?" (answer now) from "I want to
book a flight to…" (wait). When a turn falls silent, ``ReplyOnPause`` asks
a :class:`TurnEndAnalyzer` (``ReplyOnPause(fn, turn_end=...)``) for the
probability that the turn is complete, off the input path; the answer picks
how much silence ends this pause (:class:`~streamlit_rtc.core.turn.PauseOptions`:
``complete_pause_s`` / ``incomplete_pause_s``). Bring your own analyzer by
giving any object these three members; ``streamlit_rtc.SmartTurn`` (the
``turn`` extra) hears the turn, and ``streamlit_rtc.WordAwareTurnEnd`` checks
its "complete" against the turn's last words (with the ``stt`` extra too).
"""

from __future__ import annotations

import math
import numbers
from typing import Protocol, runtime_checkable

import numpy as np

__all__ = ["TurnEndAnalyzer", "check_turn_end_analyzer"]


@runtime_checkable
class TurnEndAnalyzer(Protocol):
    """Judges, from the audio of a turn so far, whether the speaker has finished."""

    sample_rate: int
    """The rate :meth:`probability` wants its audio at."""
    max_audio_s: float
    """How many seconds of the turn's end it looks at (the turn is cut to this)."""

    def probability(self, audio: np.ndarray) -> float:
        """Probability in [0, 1] that the turn in ``audio`` is complete.

        ``audio``: float32 mono in [-1, 1] at :attr:`sample_rate`, the turn
        from its onset (with pre-roll) up to now, at most :attr:`max_audio_s`.
        Called from a worker thread of the stream, one call at a time per stream.
        """
        ...


def check_turn_end_analyzer(analyzer: object) -> TurnEndAnalyzer:
    """``analyzer`` if it has what a TurnEndAnalyzer needs, else a TypeError naming the gap."""
    name = type(analyzer).__name__
    if not callable(getattr(analyzer, "probability", None)):
        raise TypeError(
            f"turn_end must be a TurnEndAnalyzer (e.g. streamlit_rtc.SmartTurn()); "
            f"{name} has no probability(audio) method"
        )
    rate = getattr(analyzer, "sample_rate", None)
    if (
        isinstance(rate, bool)
        or not isinstance(rate, numbers.Integral)
        or not 8000 <= rate <= 96000
    ):
        raise TypeError(
            f"turn_end: {name}.sample_rate must be an int in [8000, 96000], got {rate!r}"
        )
    span = getattr(analyzer, "max_audio_s", None)
    if (
        isinstance(span, bool)
        or not isinstance(span, numbers.Real)
        or not math.isfinite(span)
        or not 0.5 <= span <= 60
    ):
        raise TypeError(f"turn_end: {name}.max_audio_s must be seconds in [0.5, 60], got {span!r}")
    return analyzer  # type: ignore[return-value]
