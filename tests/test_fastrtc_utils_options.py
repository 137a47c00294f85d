"""fastrtc's ``AlgoOptions`` and ``SileroVadOptions``: their fields, and how they map through
``PauseOptions`` onto the turn detector itself."""

from __future__ import annotations

import dataclasses
import logging
import math

import numpy as np
import pytest

from streamlit_rtc.core.turn import PauseOptions, TurnDetector, TurnEventKind
from streamlit_rtc.core.turn_options import (
    VAD_WINDOW_S,
    AlgoOptions,
    ModelOptions,
    SileroVadOptions,
    pause_options_from,
)


def test_option_classes_have_fastrtcs_fields_and_defaults() -> None:
    algo = {f.name: f.default for f in dataclasses.fields(AlgoOptions)}
    assert algo == {
        "audio_chunk_duration": 0.6,
        "started_talking_threshold": 0.2,
        "speech_threshold": 0.1,
        "max_continuous_speech_s": math.inf,
    }
    model = {f.name: f.default for f in dataclasses.fields(SileroVadOptions)}
    assert model == {
        "threshold": 0.5,
        "min_speech_duration_ms": 250,
        "max_speech_duration_s": math.inf,
        "min_silence_duration_ms": 2000,
        "window_size_samples": 1024,
        "speech_pad_ms": 400,
    }
    assert ModelOptions == (SileroVadOptions | None)


def test_defaults_keep_our_measured_pause_options(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG, logger="streamlit_rtc.core.turn_options"):
        assert pause_options_from(PauseOptions(), None, None) == PauseOptions()
        assert pause_options_from(PauseOptions(), AlgoOptions(), SileroVadOptions()) == (
            PauseOptions()
        )
        custom = PauseOptions(pause_s=0.5, min_speech_s=0.1)
        assert pause_options_from(custom, AlgoOptions(), SileroVadOptions()) is custom
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


@pytest.mark.parametrize(
    ("algo", "expected"),
    [
        (AlgoOptions(audio_chunk_duration=1.0), {"pause_s": 0.9}),
        (AlgoOptions(speech_threshold=0.3), {"pause_s": 0.3}),
        (AlgoOptions(audio_chunk_duration=0.8, speech_threshold=0.2), {"pause_s": 0.6}),
        (AlgoOptions(started_talking_threshold=0.1), {"min_speech_s": 0.1}),
        (AlgoOptions(max_continuous_speech_s=12), {"max_continuous_speech_s": 12.0}),
    ],
)
def test_changed_algo_fields_map(algo: AlgoOptions, expected: dict[str, float]) -> None:
    mapped = pause_options_from(PauseOptions(), algo, None)
    assert mapped == dataclasses.replace(PauseOptions(), **expected)


@pytest.mark.parametrize(
    ("model", "expected"),
    [
        (SileroVadOptions(threshold=0.6), {"speech_threshold": 0.6, "silence_threshold": 0.45}),
        (SileroVadOptions(threshold=0.0), {"speech_threshold": 0.0, "silence_threshold": 0.0}),
        (SileroVadOptions(threshold=0.2), {"speech_threshold": 0.2, "silence_threshold": 0.1}),
        (SileroVadOptions(min_speech_duration_ms=100), {"min_turn_speech_s": 0.1}),
        (SileroVadOptions(speech_pad_ms=200), {"pre_roll_s": 0.2, "end_pad_s": 0.2}),
    ],
)
def test_changed_model_fields_map(model: SileroVadOptions, expected: dict[str, float]) -> None:
    mapped = pause_options_from(PauseOptions(), None, model)
    for name, value in expected.items():
        assert getattr(mapped, name) == pytest.approx(value)
    untouched = {f.name for f in dataclasses.fields(PauseOptions)} - expected.keys()
    for name in untouched:
        assert getattr(mapped, name) == getattr(PauseOptions(), name)


def test_mapping_keeps_the_other_fields_of_the_base() -> None:
    base = PauseOptions(pause_s=0.5, pre_roll_s=0.2)
    mapped = pause_options_from(base, AlgoOptions(started_talking_threshold=0.15), None)
    assert mapped == dataclasses.replace(base, min_speech_s=0.15)


@pytest.mark.parametrize(
    ("algo", "field", "value"),
    [
        (AlgoOptions(max_continuous_speech_s=0.5), "max_continuous_speech_s", 1.0),
        (AlgoOptions(max_continuous_speech_s=1e6), "max_continuous_speech_s", 3600.0),
        (AlgoOptions(started_talking_threshold=9.0), "min_speech_s", 5.0),
        (AlgoOptions(speech_threshold=0.7), "pause_s", 0.08 + VAD_WINDOW_S),
        (AlgoOptions(audio_chunk_duration=30.0), "pause_s", 10.0),
    ],
)
def test_out_of_range_values_are_clamped_with_a_warning(
    caplog: pytest.LogCaptureFixture, algo: AlgoOptions, field: str, value: float
) -> None:
    with caplog.at_level(logging.WARNING):
        mapped = pause_options_from(PauseOptions(), algo, None)
    assert getattr(mapped, field) == pytest.approx(value)
    assert len(caplog.records) == 1
    assert "AlgoOptions." in caplog.text


@pytest.mark.parametrize(
    "model",
    [
        SileroVadOptions(window_size_samples=512),
        SileroVadOptions(min_silence_duration_ms=500),
        SileroVadOptions(max_speech_duration_s=8.0),
    ],
)
def test_ignored_changed_fields_warn_once_by_name(
    caplog: pytest.LogCaptureFixture, model: SileroVadOptions
) -> None:
    changed = [f.name for f in dataclasses.fields(model) if getattr(model, f.name) != f.default]
    with caplog.at_level(logging.WARNING):
        assert pause_options_from(PauseOptions(), None, model) == PauseOptions()
    assert len(caplog.records) == 1
    assert changed[0] in caplog.records[0].getMessage()
    assert "ignored" in caplog.records[0].getMessage()


def test_mapped_pause_reproduces_the_reference_silence() -> None:
    """A 1.0 s chunk with a 0.1 s speech threshold needs 0.9 s of silence; so does ours."""
    options = pause_options_from(PauseOptions(), AlgoOptions(audio_chunk_duration=1.0), None)
    detector = TurnDetector(options, VAD_WINDOW_S)
    ended_at = None
    speech_end = 0.0
    for index in range(200):
        end_s = (index + 1) * VAD_WINDOW_S
        speaking = end_s <= 1.0
        if speaking:
            speech_end = end_s
        events = detector.update(0.9 if speaking else 0.02, end_s)
        if any(event.kind is TurnEventKind.TURN_ENDED for event in events):
            ended_at = end_s
            break
    assert ended_at is not None
    # The VAD reports silence ``vad_end_lag_s`` late, so that much is credited up front.
    heard_silence = ended_at - speech_end + options.vad_end_lag_s
    assert heard_silence == pytest.approx(0.9, abs=VAD_WINDOW_S)


def test_option_types_and_values_are_validated() -> None:
    with pytest.raises(TypeError, match="algo_options"):
        pause_options_from(PauseOptions(), {"audio_chunk_duration": 1.0}, None)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="model_options"):
        pause_options_from(PauseOptions(), None, AlgoOptions())  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="base"):
        pause_options_from(None, None, None)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="audio_chunk_duration"):
        AlgoOptions(audio_chunk_duration="0.6")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="audio_chunk_duration"):
        AlgoOptions(audio_chunk_duration=0)
    with pytest.raises(ValueError, match="speech_threshold"):
        AlgoOptions(speech_threshold=math.nan)
    with pytest.raises(ValueError, match="threshold"):
        SileroVadOptions(threshold=1.5)
    with pytest.raises(ValueError, match="window_size_samples"):
        SileroVadOptions(window_size_samples=0)
    with pytest.raises(TypeError, match="window_size_samples"):
        SileroVadOptions(window_size_samples=512.0)  # type: ignore[arg-type]
    numpy_options = SileroVadOptions(threshold=np.float32(0.6), speech_pad_ms=np.int64(100))
    mapped = pause_options_from(PauseOptions(), AlgoOptions(np.float64(1.0)), numpy_options)
    assert (mapped.speech_threshold, mapped.pre_roll_s) == (pytest.approx(0.6), 0.1)
    with pytest.raises(TypeError, match="speech_pad_ms"):
        SileroVadOptions(speech_pad_ms=True)
    mutated = AlgoOptions()
    mutated.speech_threshold = -1.0  # fastrtc's classes are mutable; checked again when mapped
    with pytest.raises(ValueError, match="speech_threshold"):
        pause_options_from(PauseOptions(), mutated, None)
