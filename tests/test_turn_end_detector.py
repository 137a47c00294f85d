"""The turn detector with a turn-end judge: pauses asked about, verdicts applied (exact)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from streamlit_rtc import PauseOptions, ReplyOnPause, TurnEndAnalyzer
from streamlit_rtc.core.turn import TurnDetector, TurnEvent, TurnEventKind
from streamlit_rtc.core.turn_end import check_turn_end_analyzer

W = 0.032
OPTS = PauseOptions(
    pause_s=0.32,
    complete_pause_s=0.16,
    incomplete_pause_s=0.96,
    vad_end_lag_s=0.0,
    verdict_wait_s=0.0,
)
WAITING = dataclasses.replace(OPTS, verdict_wait_s=0.16)


class Detector:
    """Feeds windows and keeps every event, in order."""

    def __init__(self, options: PauseOptions = OPTS, judged: bool = True) -> None:
        self.detector = TurnDetector(options, W, judged=judged)
        self.windows = 0
        self.events: list[TurnEvent] = []

    def feed(self, probs: list[float]) -> list[TurnEvent]:
        new = []
        for p in probs:
            self.windows += 1
            new += self.detector.update(p, self.windows * W)
        self.events += new
        return new

    def judge(self, speech_end_s: float, probability: float) -> list[TurnEvent]:
        new = self.detector.judge(speech_end_s, probability)
        self.events += new
        return new

    def kinds(self) -> list[str]:
        return [e.kind.value for e in self.events]

    def ended_at(self) -> float:
        ends = [e.time_s for e in self.events if e.kind is TurnEventKind.TURN_ENDED]
        assert len(ends) == 1, self.kinds()
        return round(ends[0], 3)

    def pause(self) -> TurnEvent:
        return next(e for e in self.events if e.kind is TurnEventKind.PAUSE_STARTED)


def test_unjudged_detectors_never_report_pauses() -> None:
    d = Detector(judged=False)
    d.feed([0.9] * 20 + [0.0] * 20)
    assert d.kinds() == ["speech_started", "turn_ended"]


def test_a_pause_is_reported_at_its_first_silent_window_with_the_speech_end() -> None:
    d = Detector()
    d.feed([0.0] * 3 + [0.9] * 20 + [0.0] * 2)
    pause = d.pause()
    assert round(pause.time_s, 3) == round(24 * W, 3)
    assert round(pause.speech_end_s, 3) == round(23 * W, 3)
    assert d.kinds() == ["speech_started", "pause_started"]


def test_without_a_verdict_pause_s_ends_the_turn() -> None:
    d = Detector()
    d.feed([0.9] * 20 + [0.0] * 30)
    assert d.ended_at() == round(30 * W, 3)  # 10 windows = 0.32 s


def test_a_verdict_still_coming_stretches_pause_s_by_verdict_wait_s() -> None:
    d = Detector(WAITING)
    d.feed([0.9] * 20 + [0.0] * 30)
    assert d.ended_at() == round(35 * W, 3)  # 15 windows = 0.32 + 0.16 s
    assert d.events[-1].judged is None


def test_a_verdict_inside_the_wait_still_counts() -> None:
    d = Detector(WAITING)
    d.feed([0.9] * 20 + [0.0] * 12)  # past pause_s, inside the wait
    assert "turn_ended" not in d.kinds()
    d.judge(d.pause().speech_end_s, probability=0.2)  # unfinished: the speaker gets more time
    d.feed([0.0] * 20)
    assert d.ended_at() == round(50 * W, 3)  # incomplete_pause_s, 30 windows


def test_when_no_verdict_will_come_pause_s_ends_the_turn() -> None:
    d = Detector(WAITING)
    d.feed([0.9] * 20 + [0.0] * 12)  # 12 windows: past pause_s (10), inside the wait
    ended = d.detector.no_verdict(d.pause().speech_end_s)
    assert [e.kind for e in ended] == [TurnEventKind.TURN_ENDED]
    assert round(ended[0].time_s, 3) == round(32 * W, 3)
    d = Detector(WAITING)
    d.feed([0.9] * 20 + [0.0] * 2)
    assert d.detector.no_verdict(d.pause().speech_end_s) == []
    assert d.detector.no_verdict(d.pause().speech_end_s) == []  # said twice: nothing new
    d.feed([0.0] * 20)
    assert d.ended_at() == round(30 * W, 3)  # pause_s alone


def test_a_complete_verdict_ends_the_turn_after_complete_pause_s() -> None:
    d = Detector()
    d.feed([0.9] * 20 + [0.0])
    assert d.judge(d.pause().speech_end_s, probability=0.95) == []
    d.feed([0.0] * 20)
    assert d.ended_at() == round(25 * W, 3)  # 5 windows = 0.16 s
    assert d.events[-1].judged == 0.95  # the end says which verdict set it


def test_an_incomplete_verdict_waits_up_to_incomplete_pause_s() -> None:
    d = Detector()
    d.feed([0.9] * 20 + [0.0])
    d.judge(d.pause().speech_end_s, probability=0.2)
    d.feed([0.0] * 20)
    assert "turn_ended" not in d.kinds()  # pause_s (10 windows) is long past
    d.feed([0.0] * 20)
    assert d.ended_at() == round(50 * W, 3)  # 30 windows = 0.96 s


def test_a_late_complete_verdict_ends_the_turn_at_once() -> None:
    d = Detector()
    d.feed([0.9] * 20 + [0.0] * 7)  # 0.224 s of silence: past complete_pause_s
    ended = d.judge(d.pause().speech_end_s, probability=0.95)
    assert [e.kind for e in ended] == [TurnEventKind.TURN_ENDED]
    assert round(ended[0].time_s, 3) == round(27 * W, 3)
    assert round(ended[0].speech_end_s, 3) == round(20 * W, 3)


def test_a_verdict_on_a_pause_that_is_over_is_ignored() -> None:
    d = Detector()
    d.feed([0.9] * 20 + [0.0] * 2)
    old = d.pause().speech_end_s
    d.feed([0.9] * 5 + [0.0])  # speaking again: a new pause
    assert d.judge(old, probability=0.2) == []
    d.feed([0.0] * 20)
    assert d.ended_at() == round(37 * W, 3)  # pause_s after the second speech end (window 27)
    assert d.events[-1].judged is None  # silence alone ended it


def test_a_blip_inside_a_pause_keeps_the_verdict_and_asks_nothing_new() -> None:
    d = Detector()
    d.feed([0.9] * 20 + [0.0] * 3)
    d.judge(d.pause().speech_end_s, probability=0.2)
    d.feed([0.9] + [0.0] * 20)  # one window of noise: shorter than min_speech_s
    assert d.kinds().count("pause_started") == 1
    assert "turn_ended" not in d.kinds()
    d.feed([0.0] * 20)
    assert d.ended_at() == round(54 * W, 3)  # 0.96 s after the blip (window 24)


def test_verdicts_after_the_turn_ended_are_ignored() -> None:
    d = Detector()
    d.feed([0.9] * 20 + [0.0] * 15)
    assert d.judge(d.pause().speech_end_s, probability=0.95) == []
    assert d.kinds() == ["speech_started", "pause_started", "turn_ended"]


def test_complete_threshold_splits_the_verdicts() -> None:
    for probability, end_window in ((0.9, 25), (0.89, 50)):  # default threshold 0.9
        d = Detector()
        d.feed([0.9] * 20 + [0.0])
        d.judge(d.pause().speech_end_s, probability)
        d.feed([0.0] * 40)
        assert d.ended_at() == round(end_window * W, 3), probability


def test_the_judged_pauses_never_invert_pause_s() -> None:
    options = PauseOptions(pause_s=1.0, complete_pause_s=2.0, incomplete_pause_s=0.5)
    assert options.judged_pause_s == (1.0, 1.0)
    assert PauseOptions().judged_pause_s == (0.15, 1.2)


@pytest.mark.parametrize(
    "field, value",
    [
        ("complete_pause_s", 0.05),  # not above vad_end_lag_s (0.08)
        ("complete_pause_s", -1.0),
        ("incomplete_pause_s", 31.0),
        ("complete_threshold", 1.5),
        ("complete_threshold", -0.1),
        ("complete_threshold", "high"),
        ("verdict_wait_s", -0.1),
        ("verdict_wait_s", 6.0),
    ],
)
def test_bad_turn_end_options_are_refused(field: str, value: object) -> None:
    with pytest.raises(ValueError, match=field.split("_")[0]):
        PauseOptions(**{field: value})  # type: ignore[arg-type]


class Fixed:
    sample_rate = 16000
    max_audio_s = 8.0

    def probability(self, audio: np.ndarray) -> float:
        return 1.0


@pytest.mark.parametrize(
    "patch, message",
    [
        ({"probability": None}, "no probability"),
        ({"sample_rate": 16000.5}, "sample_rate"),
        ({"sample_rate": 100}, "sample_rate"),
        ({"max_audio_s": float("nan")}, "max_audio_s"),
        ({"max_audio_s": 0.1}, "max_audio_s"),
    ],
)
def test_an_analyzer_without_what_the_protocol_needs_is_refused(
    patch: dict[str, object], message: str
) -> None:
    analyzer = Fixed()
    for name, value in patch.items():
        setattr(analyzer, name, value)
    with pytest.raises(TypeError, match=message):
        check_turn_end_analyzer(analyzer)
    with pytest.raises(TypeError, match=message):
        ReplyOnPause(lambda audio: iter(()), turn_end=analyzer)  # type: ignore[arg-type]


def test_a_conforming_analyzer_is_a_turn_end_analyzer_and_survives_copy() -> None:
    analyzer = Fixed()
    assert isinstance(analyzer, TurnEndAnalyzer)
    handler = ReplyOnPause(lambda audio: iter(()), turn_end=analyzer)
    assert handler.copy().turn_end is analyzer
