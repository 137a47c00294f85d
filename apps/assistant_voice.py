"""The voice assistant's turn: speech to text, a reply, and the reply spoken as it is synthesized.

``Assistant(stt, tts, think).respond`` is a ``ReplyOnPause`` reply function
(no Streamlit here, so tests drive it headless): it transcribes the turn
(``respond_transcribed`` takes the text ``TranscribingReplyOnPause`` made
while the user paused), yields the user's words and the reply's text as
``AdditionalOutputs``
(``{"role": ..., "content": ...}``), then yields the spoken reply one
sentence at a time, each as soon as piper has synthesized it, so the first
sentence plays while the next one is made.

``think`` turns the transcript into a :class:`~assistant_brain.Reply`:
:func:`offline_brain` (``assistant_brain.answer`` on the local clock) by
default; ``assistant_llm.ChatBrain`` when an OpenAI-compatible API is set up.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

import numpy as np
from assistant_brain import Reply, answer

from streamlit_rtc import AdditionalOutputs
from streamlit_rtc.audio.speech import STTModel, TTSModel

__all__ = ["Assistant", "Think", "offline_brain"]

logger = logging.getLogger(__name__)

Think = Callable[[str], Reply]
"""The assistant's brain: a transcript in, a reply out."""


def offline_brain(heard: str) -> Reply:
    """:func:`assistant_brain.answer` at the server's local time."""
    return answer(heard, datetime.now())


class Assistant:
    """One reply per turn: the transcript, ``think``, streamed TTS."""

    def __init__(self, stt: STTModel, tts: TTSModel[Any], think: Think = offline_brain) -> None:
        self.stt = stt
        self.tts = tts
        self.think = think

    def respond(self, audio: tuple[int, np.ndarray]) -> Iterator[Any]:
        """Reply function for ``ReplyOnPause`` / ``ReplyOnStopWords``: transcribes the turn."""
        return self.turn(audio, None)

    def respond_transcribed(
        self, audio: tuple[int, np.ndarray], *, transcript: str
    ) -> Iterator[Any]:
        """Reply function for ``TranscribingReplyOnPause``, which transcribed the turn already."""
        return self.turn(audio, transcript)

    def turn(self, audio: tuple[int, np.ndarray], transcript: str | None) -> Iterator[Any]:
        """The turn's words (``audio`` transcribed unless ``transcript`` is given), the reply's
        text, then its audio sentence by sentence."""
        started = time.perf_counter()
        heard = (self.stt.stt(audio) if transcript is None else transcript).strip()
        heard_at = time.perf_counter()
        yield AdditionalOutputs({"role": "user", "content": heard})
        reply = self.think(heard)
        yield AdditionalOutputs(
            {"role": "assistant", "content": reply.text, "intent": reply.intent}
        )
        first = True
        for rate, samples in self.tts.stream_tts_sync(reply.speech):
            if first:
                logger.info(
                    "heard %r (%s) in %.3f s; first reply audio (%s) after %.3f s",
                    heard,
                    "transcribed here" if transcript is None else "transcript given",
                    heard_at - started,
                    reply.intent,
                    time.perf_counter() - started,
                )
                first = False
            yield rate, samples
