"""ListenGate: when the keyword detector hears the stream (a state machine, tested alone).

First with scripted VAD windows (every transition, exact times), then with
the real Silero VAD on a real clip between long silences.
"""

from __future__ import annotations

import numpy as np
import pytest
from stopword_fixtures import NEURAL, RATE, floor

from streamlit_rtc.audio.keywords import Feed, ListenGate, Reset
from streamlit_rtc.audio.vad import SileroVAD, VADWindows
from streamlit_rtc.core.turn import PauseOptions

WINDOW = 512  # samples per VAD window at 16 kHz (32 ms)
WINDOW_S = WINDOW / RATE
SPEECH, QUIET = 0.9, 0.05


def drive(gate: ListenGate, probabilities: list[float]) -> list[tuple[int, object]]:
    """One window of audio then its probability, per entry; (window index, action) out."""
    out: list[tuple[int, object]] = []
    for i, p in enumerate(probabilities):
        samples = np.full(WINDOW, i, dtype=np.int16)  # each window's samples carry its index
        out += [(i, a) for a in gate.audio(samples)]
        out += [(i, a) for a in gate.window(p, (i + 1) * WINDOW_S)]
    return out


def gate() -> ListenGate:
    return ListenGate(
        RATE, WINDOW_S, threshold=0.5, pre_roll_s=0.1, hangover_s=0.3, reset_after_s=0.2
    )


def test_idle_until_speech_then_the_pre_roll_first() -> None:
    g = gate()
    actions = drive(g, [QUIET] * 10 + [SPEECH])
    feeds = [a for _, a in actions if isinstance(a, Feed)]
    assert all(i == 10 for i, a in actions if isinstance(a, Feed))  # nothing before speech
    assert g.listening
    # the held pre-roll: the newest windows covering >= 0.1 s, in order, with their times
    held = [int(f.samples[0]) for f in feeds]
    assert held == [7, 8, 9, 10]
    assert [f.start_s for f in feeds] == pytest.approx([i * WINDOW_S for i in held])


def test_listening_feeds_at_once_until_the_hangover_ends() -> None:
    g = gate()
    n_hang = int(np.ceil(0.3 / WINDOW_S))  # windows of quiet before the hangover ends
    actions = drive(g, [SPEECH] + [QUIET] * (n_hang + 3))
    fed = sorted({i for i, a in actions if isinstance(a, Feed)})
    assert fed == list(range(n_hang + 1))  # speech, then the hangover's windows
    assert not g.listening


def test_one_reset_per_silent_gap_after_reset_after_s() -> None:
    g = gate()
    probs = [SPEECH] * 3 + [QUIET] * 12 + [SPEECH] * 2 + [QUIET] * 4 + [SPEECH] + [QUIET] * 12
    resets = [i for i, a in drive(g, probs) if isinstance(a, Reset)]
    # quiet from window 3: 0.2 s + one window after the last speech window's end
    first = 3 + int(np.ceil((0.2 + WINDOW_S) / WINDOW_S)) - 1
    assert resets[0] == first
    assert len(resets) == 2  # the 4-window gap (0.13 s) is inside a phrase: no reset
    assert resets[1] > 22


def test_reset_waits_for_everything_fed_before() -> None:
    """A reset comes after the audio it follows in the action order."""
    g = gate()
    actions = [a for _, a in drive(g, [SPEECH] * 2 + [QUIET] * 10)]
    first_reset = next(k for k, a in enumerate(actions) if isinstance(a, Reset))
    assert all(isinstance(a, Feed) for a in actions[:first_reset])


def test_bad_settings() -> None:
    with pytest.raises(ValueError):
        ListenGate(RATE, WINDOW_S, 0.5, hangover_s=-1.0)
    with pytest.raises(ValueError):
        ListenGate(0, WINDOW_S, 0.5)


def test_with_the_real_vad_the_detector_hears_the_speech_and_not_the_silence() -> None:
    clip = NEURAL.load(NEURAL.items("negative")[0]["file"])
    audio = np.concatenate([floor(3.0, 1), clip, floor(3.0, 2)])
    model = SileroVAD.shared()
    threshold = PauseOptions().silence_threshold  # what ReplyOnStopWords uses
    g = ListenGate(RATE, model.window_size / model.sample_rate, threshold=threshold)
    windows = VADWindows(model)
    fed: list[Feed] = []
    resets = 0
    for start in range(0, audio.size, 320):  # 20 ms pieces, as receive() gets them
        piece = audio[start : start + 320]
        actions = g.audio(piece) + [a for p, end in windows.feed(piece) for a in g.window(p, end)]
        fed += [a for a in actions if isinstance(a, Feed)]
        resets += sum(1 for a in actions if isinstance(a, Reset))
    first, last = fed[0].start_s, fed[-1].start_s + fed[-1].samples.size / RATE
    assert 3.0 - 0.5 - 0.05 <= first <= 3.0 + 0.2  # the pre-roll before the clip
    clip_end = 3.0 + clip.size / RATE
    assert clip_end - 0.2 <= last <= clip_end + 1.1  # the clip, then at most the hangover
    starts = np.array([f.start_s for f in fed])
    assert np.all(np.diff(starts) > 0)  # in order, no piece twice
    assert resets >= 2  # before the speech (start of stream) and after it
