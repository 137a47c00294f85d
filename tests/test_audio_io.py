"""Audio in (browser frames → handler format) and the VAD, on real signals."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import soxr

from streamlit_rtc import HandlerSimulator, ReplyOnPause, SileroVAD, StatusEvent
from streamlit_rtc.audio.input import InputAdapter
from streamlit_rtc.audio.vad import VADStream, VADWindows


def browser_stereo(left: np.ndarray, right: np.ndarray) -> list[np.ndarray]:
    """48 kHz s16 interleaved stereo frames of 20 ms, shaped (1, 1920) as browsers send."""
    planar = np.stack([left, right])
    usable = planar.shape[1] - planar.shape[1] % 960
    return [planar[:, i : i + 960].T.reshape(1, -1) for i in range(0, usable, 960)]


def sine(hz: float, seconds: float, rate: int = 48000, amp: float = 0.5) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return (amp * 32767 * np.sin(2 * np.pi * hz * t)).astype(np.int16)


@pytest.mark.parametrize("out_rate", [16000, 24000, 44100, 48000])
def test_mono_conversion_is_continuous_across_frames(out_rate: int) -> None:
    tone = sine(300, 2.0)
    adapter = InputAdapter(out_rate, "mono")
    pieces = []
    for frame in browser_stereo(tone, tone):
        rate, samples = adapter.convert(frame, 48000, 2)
        assert rate == out_rate and samples.dtype == np.int16 and samples.shape[0] == 1
        pieces.append(samples)
    out = np.concatenate(pieces, axis=1)[0].astype(np.float64)
    assert abs(out.size - 2.0 * out_rate) <= 0.03 * out_rate  # resampler latency only
    reference = soxr.resample(tone.astype(np.float64), 48000, out_rate)
    body = slice(int(0.1 * out_rate), out.size - int(0.1 * out_rate))

    def mismatch(lag: int) -> float:
        return float(np.abs(out[body] - reference[body.start + lag : body.stop + lag]).max())

    error = min(mismatch(lag) for lag in range(-200, 200))
    assert error < 0.01 * 32767  # no clicks at 20 ms frame boundaries


def test_stereo_layout_keeps_both_channels_planar() -> None:
    adapter = InputAdapter(48000, "stereo")
    left, right = sine(300, 0.1), sine(900, 0.1, amp=0.2)
    _, samples = adapter.convert(browser_stereo(left, right)[0], 48000, 2)
    assert samples.shape == (2, 960)
    np.testing.assert_array_equal(samples[0], left[:960])
    np.testing.assert_array_equal(samples[1], right[:960])


def test_mono_input_becomes_stereo_when_asked() -> None:
    adapter = InputAdapter(48000, "stereo")
    mono = sine(300, 0.02).reshape(1, -1)
    _, samples = adapter.convert(mono, 48000, 1)
    np.testing.assert_array_equal(samples[0], samples[1])


def test_silero_scores_speech_high_and_silence_low(speech: Any, speech_manifest: Any) -> None:
    rate, audio = speech("two_utterances.wav")
    windows = VADWindows(SileroVAD.shared(), quiet_dbfs=None)
    scores = list(windows.feed(audio))
    first = speech_manifest["two_utterances.wav"]["utterances"][0]
    inside = [p for p, end in scores if first["start_s"] + 0.15 < end < first["end_s"] - 0.05]
    before = [p for p, end in scores if end < first["start_s"]]
    assert np.mean(inside) > 0.8 and max(before) < 0.1
    assert scores[-1][1] == pytest.approx(len(audio) // 512 * 512 / rate)


def test_the_model_is_shared_and_state_is_per_stream(speech: Any) -> None:
    assert SileroVAD.shared() is SileroVAD.shared()
    _, audio = speech("two_utterances.wav")
    a = VADWindows(SileroVAD.shared(), quiet_dbfs=None)
    b = VADWindows(SileroVAD.shared(), quiet_dbfs=None)
    interleaved = []
    for i in range(0, 512 * 60, 512):  # alternate streams window by window
        window = audio[i : i + 512]
        interleaved.append((next(a.feed(window))[0], next(b.feed(window))[0]))
    alone = [p for p, _ in VADWindows(SileroVAD.shared(), quiet_dbfs=None).feed(audio[: 512 * 60])]
    assert [x for x, _ in interleaved] == pytest.approx(alone)
    assert [y for _, y in interleaved] == pytest.approx(alone)


def test_quiet_windows_skip_the_model(speech: Any) -> None:
    _, audio = speech("silence.wav")
    windows = VADWindows(SileroVAD.shared())
    scores = [p for p, _ in windows.feed(audio)]
    assert max(scores) == 0.0 and windows.model_calls == 0


class EnergyVAD:
    """A user-supplied VAD: RMS above -30 dBFS counts as speech."""

    sample_rate = 16000
    window_size = 320

    class _Stream:
        def probability(self, window: np.ndarray) -> float:
            return 1.0 if np.sqrt(np.mean(window**2)) > 0.03 else 0.0

        def reset(self) -> None:
            pass

    def new_stream(self) -> VADStream:
        return self._Stream()


def test_a_user_vad_can_replace_silero(speech: Any) -> None:
    calls: list[int] = []

    def fn(audio: tuple[int, np.ndarray]) -> Any:
        calls.append(audio[1].shape[1])
        yield from ()

    rate, audio = speech("two_utterances.wav")
    sim = HandlerSimulator(ReplyOnPause(fn, model=EnergyVAD())).run(audio, rate, tail_s=1.0)
    assert len(sim.events(StatusEvent.PAUSE_DETECTED)) == 2
    assert len(calls) == 2


def test_steady_noise_between_turns_skips_the_model(speech: Any) -> None:
    """Background noise learns a floor: after a moment it is not scored any more."""
    _rate, audio = speech("noise_only.wav")
    windows = VADWindows(SileroVAD.shared())
    scores = [p for p, _ in windows.feed(audio)]
    total = len(scores)
    assert max(scores) < 0.5
    assert windows.model_calls < 0.2 * total  # the first 0.25 s settles the model
    assert windows.noise_floor_dbfs is not None and windows.noise_floor_dbfs > -55.0
    ungated = VADWindows(SileroVAD.shared(), noise_margin_db=None)
    list(ungated.feed(audio))
    assert ungated.model_calls > 0.5 * total  # the noise is above the silent-line threshold


def test_speech_over_noise_is_still_scored(speech: Any, speech_manifest: Any) -> None:
    _rate, audio = speech("noisy_speech.wav")
    windows = VADWindows(SileroVAD.shared())
    scores = list(windows.feed(audio))
    for utterance in speech_manifest["noisy_speech.wav"]["utterances"]:
        inside = [
            p for p, end in scores if utterance["start_s"] + 0.15 < end < utterance["end_s"] - 0.05
        ]
        assert np.mean(inside) > 0.7
