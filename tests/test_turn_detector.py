"""The pure turn detector on hand-written probability sequences (exact, no audio)."""

from __future__ import annotations

import pytest

from streamlit_rtc import PauseOptions
from streamlit_rtc.core.turn import TurnDetector, TurnEventKind

W = 0.032


def run(probs: list[float], options: PauseOptions | None = None) -> list[tuple[str, float]]:
    detector = TurnDetector(options or PauseOptions(), W)
    events = []
    for i, p in enumerate(probs):
        for event in detector.update(p, (i + 1) * W):
            events.append((event.kind.value, round(event.time_s, 3)))
    return events


def test_a_turn_starts_after_min_speech_and_ends_after_the_pause() -> None:
    opts = PauseOptions(pause_s=0.3, vad_end_lag_s=0.0, min_speech_s=0.064)
    probs = [0.0] * 5 + [0.9] * 20 + [0.0] * 20
    events = run(probs, opts)
    assert events[0] == ("speech_started", round(7 * W, 3))
    # speech ends at window 25; 0.3 s of silence needs 10 windows (0.32 s)
    assert events[1] == ("turn_ended", round(35 * W, 3))
    assert len(events) == 2


def test_vad_lag_is_credited_as_silence() -> None:
    opts = PauseOptions(pause_s=0.3, vad_end_lag_s=0.096)
    events = run([0.9] * 20 + [0.0] * 20, opts)
    assert events[-1] == ("turn_ended", round(27 * W, 3))  # 7 windows >= 0.3 - 0.096


def test_short_gaps_do_not_end_a_turn() -> None:
    probs = [0.9] * 10 + [0.0] * 5 + [0.9] * 10 + [0.0] * 30
    events = run(probs, PauseOptions(pause_s=0.35))
    assert [e[0] for e in events] == ["speech_started", "turn_ended"]


def test_hysteresis_keeps_uncertain_windows_in_the_turn() -> None:
    probs = [0.9] * 10 + [0.4] * 20 + [0.0] * 20
    opts = PauseOptions(pause_s=0.35, speech_threshold=0.5, silence_threshold=0.35)
    events = run(probs, opts)
    assert events[-1][0] == "turn_ended" and events[-1][1] > 30 * W


def test_a_blip_does_not_start_a_turn() -> None:
    assert run([0.0, 0.9, 0.0, 0.0, 0.9, 0.0] * 5) == []


def test_too_little_speech_is_discarded() -> None:
    events = run([0.9] * 4 + [0.0] * 20, PauseOptions(min_turn_speech_s=0.25))
    assert [e[0] for e in events] == ["speech_started", "turn_discarded"]


def test_max_continuous_speech_forces_a_cut_and_a_new_turn() -> None:
    opts = PauseOptions(max_continuous_speech_s=1.0)
    detector = TurnDetector(opts, W)
    kinds = []
    for i in range(100):
        for event in detector.update(0.95, (i + 1) * W):
            kinds.append((event.kind, event.forced))
    cuts = [k for k in kinds if k == (TurnEventKind.TURN_ENDED, True)]
    assert len(cuts) == 3  # 3.2 s of speech, cut every second
    assert detector.in_turn


def test_end_turn_now() -> None:
    detector = TurnDetector(PauseOptions(), W)
    assert detector.end_turn_now(0.1) is None
    for i in range(5):
        detector.update(0.9, (i + 1) * W)
    event = detector.end_turn_now(0.2)
    assert event is not None and event.kind is TurnEventKind.TURN_ENDED
    assert not detector.in_turn


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("pause_s", 0.0),
        ("speech_threshold", 1.5),
        ("max_continuous_speech_s", 0.1),
        ("pre_roll_s", -1),
        ("silence_threshold", 0.9),
        ("vad_end_lag_s", 0.5),
    ],
)
def test_bad_options_are_rejected_with_the_field_name(field: str, value: float) -> None:
    with pytest.raises(ValueError, match=field):
        PauseOptions(**{field: value})
