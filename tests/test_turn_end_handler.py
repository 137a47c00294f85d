"""ReplyOnPause with a turn-end analyzer, on the turn_end fixtures (real speech, real VAD).

The analyzers here are stand-ins with a fixed opinion, so each test pins
one path of the handler: a complete verdict answers sooner, an incomplete
one waits through a hesitation, a broken or slow analyzer is named on the
page and the stream goes on with silence alone. The real model is tested in
``test_smart_turn.py``.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from streamlit_rtc import HandlerSimulator, PauseOptions, ReplyOnPause, StatusEvent
from streamlit_rtc.testing import read_wav

FIXTURES = Path(__file__).parent / "fixtures" / "turn_end"
MANIFEST = {e["file"]: e for e in json.loads((FIXTURES / "manifest.json").read_text())}
COMPLETE = ["complete_t1_weather.wav", "complete_t2_airport.wav", "complete_t3_joke.wav"]
HESITATIONS = [
    "hesitation_t1_flight_p0.4.wav",
    "hesitation_t2_email_p0.8.wav",
    "hesitation_h1_cinema_p0.7.wav",
    "hesitation_t3_thing_p0.7.wav",
]


class Opinion:
    """An analyzer that always answers ``p`` (or runs ``answer``), and remembers what it heard."""

    sample_rate = 16000

    def __init__(self, p: Any = 0.5, answer: Callable[[], Any] | None = None) -> None:
        self.p = p
        self.answer = answer
        self.max_audio_s = 8.0
        self.heard: list[float] = []
        self.threads: list[str] = []

    def probability(self, audio: np.ndarray) -> float:
        assert audio.dtype == np.float32 and audio.ndim == 1
        self.heard.append(audio.size / self.sample_rate)
        self.threads.append(threading.current_thread().name)
        return self.answer() if self.answer is not None else self.p


def details(sim: HandlerSimulator) -> list[str | None]:
    return [s.status.detail for s in sim.events(StatusEvent.PAUSE_DETECTED)]


def pauses(clip: str, **handler_args: Any) -> tuple[list[float], HandlerSimulator]:
    """Stream times of pause_detected for ``clip`` through a simulated ReplyOnPause."""
    rate, audio = read_wav(FIXTURES / clip, mono=True)
    handler = ReplyOnPause(lambda audio: iter(()), **handler_args)
    with HandlerSimulator(handler) as sim:
        sim.run(audio, rate)
    return [s.status.stream_time_s for s in sim.events(StatusEvent.PAUSE_DETECTED)], sim


@pytest.mark.parametrize("clip", COMPLETE)
def test_a_complete_verdict_answers_sooner_than_silence_alone(clip: str) -> None:
    end = MANIFEST[clip]["speech_end_s"]
    (alone,), silent = pauses(clip)
    (judged,), sim = pauses(clip, turn_end=Opinion(0.9))
    assert 0.25 <= alone - end <= 0.5, "the silence-only default moved"
    assert judged - end <= alone - end - 0.12, (judged - end, alone - end)
    assert details(sim) == ["sounded complete (0.90)"] and details(silent) == [None]


@pytest.mark.parametrize("clip", HESITATIONS)
def test_an_incomplete_verdict_waits_through_a_hesitation(clip: str) -> None:
    entry = MANIFEST[clip]
    alone, _ = pauses(clip)
    assert alone[0] < entry["speech_end_s"], "silence alone cuts the hesitation"
    judged, sim = pauses(clip, turn_end=Opinion(0.1))
    assert len(judged) == 1 and judged[0] > entry["speech_end_s"], judged
    assert details(sim) == ["sounded unfinished (0.10)"]
    # not complete: the end waits up to incomplete_pause_s
    assert judged[0] - entry["speech_end_s"] >= PauseOptions().incomplete_pause_s - 0.1


def test_without_an_analyzer_its_options_change_nothing() -> None:
    clip = HESITATIONS[1]
    knobs = PauseOptions(complete_pause_s=0.1, incomplete_pause_s=5.0, complete_threshold=0.0)
    assert pauses(clip)[0] == pauses(clip, options=knobs)[0]


def test_the_analyzer_hears_the_turn_so_far_from_its_onset() -> None:
    clip = COMPLETE[0]
    entry = MANIFEST[clip]
    opinion = Opinion(0.9)
    pauses(clip, turn_end=opinion)
    (heard,) = opinion.heard
    spoken = entry["speech_end_s"] - entry["speech_start_s"]
    # the turn from its onset (minus the pre-roll) to the first silent window
    assert spoken < heard < spoken + PauseOptions().pre_roll_s + 0.25, (heard, spoken)
    short = Opinion(0.9)
    short.max_audio_s = 1.0
    pauses(clip, turn_end=short)
    assert short.heard == [pytest.approx(1.0, abs=0.03)]


@pytest.mark.parametrize(
    "answer, why",
    [
        (lambda: 1 / 0, "ZeroDivisionError"),
        (lambda: float("nan"), "not a number in [0, 1]"),
        (lambda: "yes", "not a number in [0, 1]"),
        (lambda: 1.5, "not a number in [0, 1]"),
    ],
)
def test_a_failing_analyzer_is_named_on_the_page_and_silence_takes_over(
    answer: Callable[[], Any], why: str
) -> None:
    clip = HESITATIONS[0]
    opinion = Opinion(answer=answer)
    judged, sim = pauses(clip, turn_end=opinion)
    warnings = [str(p) for kind, p in sim.record.messages if kind == "warning"]
    assert len(warnings) == 1, sim.record.messages
    assert "Opinion.probability() failed" in warnings[0] and why in warnings[0]
    assert "silence alone" in warnings[0]
    assert judged == pauses(clip)[0]  # the silence-only decisions, as if unset
    assert len(opinion.heard) == 1  # never asked again
    assert not sim.record.errors  # the stream goes on


def feed(handler: ReplyOnPause, audio: np.ndarray, start_s: float, end_s: float) -> None:
    for i in range(round(start_s * 16000), round(end_s * 16000) - 319, 320):
        handler.receive((16000, audio[i : i + 320].reshape(1, -1)))


def wait_for(check: Callable[[], Any], what: str, timeout: float = 10.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.01)
    raise AssertionError(f"timed out waiting for {what}")


def test_verdicts_come_from_a_stream_thread_that_stops_with_the_handler() -> None:
    clip = COMPLETE[0]
    end = MANIFEST[clip]["speech_end_s"]
    _, audio = read_wav(FIXTURES / clip, mono=True)
    release = threading.Event()
    opinion = Opinion(answer=lambda: release.wait(10) and 0.95)
    handler = ReplyOnPause(lambda audio: iter(()), input_sample_rate=16000, turn_end=opinion)
    seen: list[float] = []
    handler.status.add_listener(
        lambda s: seen.append(s.stream_time_s) if s.event is StatusEvent.PAUSE_DETECTED else None
    )
    feed(handler, audio, 0.0, end + 0.25)  # the verdict is held back: past complete_pause_s
    wait_for(lambda: opinion.heard, "the question")
    assert not seen and threading.current_thread().name not in opinion.threads
    release.set()
    wait_for(lambda: seen, "the verdict to end the turn")  # at once, with no further audio
    assert end < seen[0] <= end + 0.25
    thread = opinion.threads[0]
    handler.shutdown()
    assert all(t.name != thread for t in threading.enumerate())


def test_an_analyzer_slower_than_the_pause_is_reported(caplog: pytest.LogCaptureFixture) -> None:
    clip = COMPLETE[0]
    _, audio = read_wav(FIXTURES / clip, mono=True)
    opinion = Opinion(answer=lambda: time.sleep(0.7) or 0.9)  # > pause_s + verdict_wait_s
    handler = ReplyOnPause(lambda audio: iter(()), input_sample_rate=16000, turn_end=opinion)
    with caplog.at_level(logging.WARNING, logger="streamlit_rtc"):
        feed(handler, audio, 0.0, MANIFEST[clip]["speech_end_s"] + 0.2)
        wait_for(lambda: handler.turn_end_verdicts, "the verdict")
    handler.shutdown()
    assert any("too late" in r.getMessage() for r in caplog.records), caplog.text
    (verdict,) = handler.turn_end_verdicts
    assert verdict.latency_s >= 0.7 and verdict.probability == 0.9


@pytest.mark.parametrize("wait_s", [0.25, 0.0])
def test_a_slow_verdict_counts_while_verdict_wait_s_lasts(wait_s: float) -> None:
    clip = next(c for c in HESITATIONS if MANIFEST[c]["pause_s"] >= 0.8)
    pause_start = MANIFEST[clip]["pause_start_s"]
    _, audio = read_wav(FIXTURES / clip, mono=True)
    release = threading.Event()
    opinion = Opinion(answer=lambda: release.wait(10) and 0.1)  # "unfinished", when let go
    handler = ReplyOnPause(
        lambda audio: iter(()),
        input_sample_rate=16000,
        turn_end=opinion,
        options=PauseOptions(verdict_wait_s=wait_s),
    )
    seen: list[float] = []
    handler.status.add_listener(
        lambda s: seen.append(s.stream_time_s) if s.event is StatusEvent.PAUSE_DETECTED else None
    )
    feed(handler, audio, 0.0, pause_start + 0.45)  # past pause_s, inside pause_s + 0.25
    wait_for(lambda: opinion.heard, "the question")
    if wait_s == 0.0:
        assert seen  # silence alone cut the speaker at pause_s
    else:
        assert not seen
        release.set()
        wait_for(lambda: handler.turn_end_verdicts, "the verdict")
        feed(handler, audio, pause_start + 0.45, pause_start + 0.6)
        assert not seen  # the late verdict said "unfinished": the speaker is not cut
    release.set()
    handler.shutdown()


class SilentSTT:
    def stt(self, audio: tuple[int, np.ndarray]) -> str:
        return "hello"


def test_the_other_turn_takers_take_turn_end_too() -> None:
    from streamlit_rtc import ReplyOnStopWords, TranscribingReplyOnPause

    clip = COMPLETE[0]
    end = MANIFEST[clip]["speech_end_s"]
    rate, audio = read_wav(FIXTURES / clip, mono=True)
    opinion = Opinion(0.95)
    handler = TranscribingReplyOnPause(lambda audio: iter(()), stt=SilentSTT(), turn_end=opinion)
    with HandlerSimulator(handler) as sim:
        sim.run(audio, rate)
    (pause,) = sim.events(StatusEvent.PAUSE_DETECTED)
    assert pause.status.stream_time_s - end < 0.25 and len(opinion.heard) == 1
    stopwords = ReplyOnStopWords(lambda audio: iter(()), ["computer"], turn_end=opinion)
    assert stopwords.copy().turn_end is opinion
