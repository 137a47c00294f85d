"""The handlers built on ReplyOnPause take its parameters, in fastrtc's order, from one list."""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

from streamlit_rtc import (
    PauseOptions,
    ReplyOnPause,
    ReplyOnStopWords,
    StopPhrase,
    TranscribingReplyOnPause,
)
from streamlit_rtc.reply.inherited_parameters import inherit_parameters


def reply(audio: Any) -> Iterator[Any]:
    yield from ()


class QuietDetector:
    """A keyword detector that never hears anything (these tests are about parameters)."""

    sample_rate = 16000

    def start_stream(self) -> Any:
        return self

    def feed(self, audio: np.ndarray) -> list[Any]:
        return []

    def reset(self) -> None:
        pass


class SilentSTT:
    def stt(self, audio: Any) -> str:
        return ""


def names(cls: type) -> list[str]:
    return list(inspect.signature(cls).parameters)


def test_subclass_signatures_are_the_parents_with_their_own_added() -> None:
    base = names(ReplyOnPause)
    stop = names(ReplyOnStopWords)
    assert stop[:2] == ["fn", "stop_words"]
    assert [n for n in stop if n in base] == base  # every parameter, in the parent's order
    assert stop[-3:] == ["detector", "detect_in_thread", "armed_timeout_s"]
    transcribing = names(TranscribingReplyOnPause)
    assert transcribing[: len(base)] == base
    assert transcribing[len(base) :] == [
        "stt",
        "partial_every_s",
        "speech_stop_s",
        "transcribe_in_thread",
    ]
    kinds = inspect.signature(ReplyOnStopWords).parameters
    assert kinds["options"].kind is inspect.Parameter.KEYWORD_ONLY
    assert kinds["needs_args"].default is False


def test_positional_arguments_land_where_fastrtc_puts_them() -> None:
    startup = reply
    handler = ReplyOnStopWords(
        reply, ["computer"], startup, None, None, False, "mono", 16000, None, 16000,
        detector=QuietDetector(),
    )  # fmt: skip
    assert handler.stop_words == [StopPhrase("computer")]
    assert handler.startup_fn is startup
    assert handler.can_interrupt is False
    assert (handler.output_sample_rate, handler.input_sample_rate) == (16000, 16000)
    transcribing = TranscribingReplyOnPause(reply, None, None, None, False, stt=SilentSTT())
    assert transcribing.can_interrupt is False


def test_keywords_of_the_parent_pass_through_and_copies_keep_them() -> None:
    options = PauseOptions(pause_s=0.5)
    handler = ReplyOnStopWords(
        reply, "ok computer", options=options, args_timeout_s=2.0, detector=QuietDetector()
    )
    clone = handler.copy()
    assert clone.options.pause_s == 0.5 and clone.args_timeout_s == 2.0
    assert clone.stop_words == handler.stop_words
    transcribing = TranscribingReplyOnPause(reply, options=options, stt=SilentSTT())
    assert transcribing.copy().options.pause_s == 0.5


def test_an_unknown_keyword_is_refused() -> None:
    with pytest.raises(TypeError, match="pause_seconds"):
        ReplyOnStopWords(reply, ["computer"], pause_seconds=1.0, detector=QuietDetector())
    with pytest.raises(TypeError, match="pause_seconds"):
        TranscribingReplyOnPause(reply, pause_seconds=1.0, stt=SilentSTT())


def test_a_subclass_may_not_repeat_a_parent_parameter() -> None:
    with pytest.raises(TypeError, match="can_interrupt"):

        @inherit_parameters(after="fn")
        class Repeats(ReplyOnPause):
            def __init__(self, fn: Any, *args: Any, can_interrupt: bool = False, **kw: Any):
                super().__init__(fn, *args, **kw)

    with pytest.raises(TypeError, match="no parameter 'callback'"):

        @inherit_parameters(after="callback")
        class Misplaced(ReplyOnPause):
            def __init__(self, fn: Any, *args: Any, **kw: Any):
                super().__init__(fn, *args, **kw)
