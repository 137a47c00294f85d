"""Helpers for the ReplyOnStopWords tests: a recording reply function and clip runs."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
from audio_offsets import offset_in
from stopword_fixtures import RATE, VoiceSet, floor

from streamlit_rtc import AdditionalOutputs, HandlerSimulator, ReplyOnStopWords, StatusEvent

TAIL_S = 0.15  # silence after the request in every clip (both make scripts' TAIL_S)
PHRASE_TAIL_TOLERANCE_S = 0.12  # how much of the phrase's last phone may remain
REQUEST_HEAD_TOLERANCE_S = 0.03  # how much of the request's onset may be cut
# Where the phrase ends in a one-sentence clip is estimated (forced alignment, off by up
# to ~55 ms on the clips whose end is known): that much more slack there.
ESTIMATED_END_SLACK_S = 0.06


def head_tolerance(truth: dict[str, Any]) -> float:
    """How much of the request's onset may be cut, given how well its start is known."""
    exact = truth.get("phrase_end_exact", True)
    return REQUEST_HEAD_TOLERANCE_S + (0.0 if exact else ESTIMATED_END_SLACK_S)


class Recorder:
    """A reply function that remembers its audio and answers with a tone."""

    def __init__(self, reply_s: float = 0.2) -> None:
        self.calls: list[tuple[int, np.ndarray]] = []
        self.reply_s = reply_s

    def __call__(self, audio: tuple[int, np.ndarray]) -> Iterator[Any]:
        rate, array = audio
        self.calls.append((rate, array))
        yield AdditionalOutputs(array.shape[1] / rate)
        n = int(24000 * self.reply_s)
        tone = (0.3 * np.sin(2 * np.pi * 440 * np.arange(n) / 24000)).astype(np.float32)
        for chunk in np.array_split(tone, max(1, n // 480)):
            yield (24000, chunk)


def run(handler: ReplyOnStopWords, audio: np.ndarray, tail_s: float = 1.0) -> HandlerSimulator:
    """One connection of ``handler`` hears ``audio`` (16 kHz) and then ``tail_s`` of silence."""
    sim = HandlerSimulator(handler)
    sim.run(audio, RATE, tail_s=tail_s)
    sim.close()
    return sim


def with_fn(handler: ReplyOnStopWords, fn: Any, **kwargs: Any) -> ReplyOnStopWords:
    """A prototype like ``handler`` but with another reply function (same detector, inline)."""
    kwargs.setdefault("detect_in_thread", False)
    return ReplyOnStopWords(fn, handler.stop_words, detector=handler.detector, **kwargs)


class PositiveRun:
    """What one positive clip did to a fresh connection of the handler."""

    def __init__(self, voice: VoiceSet, item: dict[str, Any], handler: ReplyOnStopWords) -> None:
        self.voice = voice
        self.item = item
        fn = Recorder()
        sim = run(with_fn(handler, fn), voice.load(item["file"]))
        self.stopwords = sim.events(StatusEvent.STOPWORD)
        self.pauses = sim.events(StatusEvent.PAUSE_DETECTED)
        self.calls = fn.calls

    def cut_errors(self, end_pad_s: float) -> list[str]:
        """What is wrong with the audio the reply got (empty: nothing).

        It must start after the phrase and by the request's start (found by
        cross-correlation in the clip), reach the request's end, and last as
        long as the request (plus the pause after the phrase and the turn's
        end pad), no longer.
        """
        item = self.item
        rate, heard = self.calls[0]
        start = offset_in(self.voice.load(item["file"]), RATE, heard[0], rate)
        heard_s = heard.shape[1] / rate
        problems = []
        if start < item["phrase_end_s"] - PHRASE_TAIL_TOLERANCE_S:
            problems.append(f"starts {item['phrase_end_s'] - start:.3f} s before the phrase ends")
        if start > item["request_start_s"] + head_tolerance(item):
            problems.append(f"misses the request's first {start - item['request_start_s']:.3f} s")
        if start + heard_s < item["duration_s"] - TAIL_S - 0.02:
            problems.append("misses the request's end")
        longest = item["duration_s"] - item["phrase_end_s"] + PHRASE_TAIL_TOLERANCE_S + end_pad_s
        shortest = item["duration_s"] - TAIL_S - item["request_start_s"] - head_tolerance(item)
        if not shortest <= heard_s <= longest:
            problems.append(f"lasts {heard_s:.2f} s, not {shortest:.2f}-{longest:.2f} s")
        return problems


def say_until_heard(
    sim: HandlerSimulator, voice: VoiceSet, candidates: list[dict[str, Any]]
) -> dict[str, Any]:
    """Say phrase+request clips in turn until the handler hears a new stop phrase.

    A miss is just a request without a phrase, which must go unanswered anyway.
    """
    for i, item in enumerate(candidates):
        before = len(sim.events(StatusEvent.STOPWORD))
        sim.run(np.concatenate([voice.load(item["file"]), floor(1.0, i)]), RATE)
        if len(sim.events(StatusEvent.STOPWORD)) > before:
            return item
    raise AssertionError("none of the phrases the handler heard alone was heard again later")
