"""Every accepted yield form becomes the right frames; every rejected one gets a clear error."""

from __future__ import annotations

import numpy as np
import pytest

from streamlit_rtc import AdditionalOutputs, CloseStream, InvalidEmitError
from streamlit_rtc.audio.output import AudioOutput
from streamlit_rtc.core.emit import parse_audio_emit


def drain(out: AudioOutput) -> np.ndarray:
    out.flush()
    frames = []
    while (frame := out.read_frame()) is not None:
        frames.append(frame)
    return np.concatenate(frames, axis=1) if frames else np.zeros((out.buffer.channels, 0))


def make_output(rate: int = 24000, channels: int = 2, frame: int = 480) -> AudioOutput:
    return AudioOutput(rate, channels, frame, capacity_s=30.0)


def ramp(n: int) -> np.ndarray:
    return (np.arange(n) % 2000 - 1000).astype(np.int16)


@pytest.mark.parametrize(
    "item",
    [
        (24000, ramp(4800)),
        (24000, ramp(4800).reshape(1, -1)),
        (24000, ramp(4800), "mono"),
        (np.int64(24000), ramp(4800)),
    ],
    ids=["1d", "1xN", "mono-tag", "numpy-rate"],
)
def test_int16_at_output_rate_is_bit_exact(item: tuple) -> None:
    out = make_output(channels=1)
    out.handle(item)
    played = drain(out)
    assert played.shape == (1, 4800)
    np.testing.assert_array_equal(played[0], ramp(4800))


def test_mono_is_duplicated_on_a_stereo_output() -> None:
    out = make_output(channels=2)
    out.handle((24000, ramp(960)))
    played = drain(out)
    np.testing.assert_array_equal(played[0], played[1])
    np.testing.assert_array_equal(played[0], ramp(960))


def test_stereo_channels_are_kept_apart() -> None:
    left = np.full(2400, 1000, dtype=np.int16)
    right = np.full(2400, -3000, dtype=np.int16)
    out = make_output(channels=2)
    out.handle((24000, np.stack([left, right])))
    out.handle((24000, np.stack([left, right]).T.reshape(1, -1), "stereo"))  # interleaved
    played = drain(out)
    assert played.shape == (2, 4800)
    assert (played[0] == 1000).all() and (played[1] == -3000).all()


@pytest.mark.parametrize("rate", [8000, 16000, 22050, 44100, 48000])
@pytest.mark.parametrize("dtype", [np.int16, np.float32])
def test_any_rate_and_dtype_keeps_its_duration(rate: int, dtype: type) -> None:
    seconds = 1.3
    t = np.arange(int(rate * seconds)) / rate
    tone = 0.5 * np.sin(2 * np.pi * 440 * t)
    array = tone.astype(np.float32) if dtype is np.float32 else (tone * 32767).astype(np.int16)
    out = make_output(rate=24000, channels=1, frame=480)
    for piece in np.array_split(array, 7):  # yielded in uneven pieces
        out.handle((rate, piece))
    played = drain(out)
    assert abs(played.shape[1] - 24000 * seconds) <= 480  # within one frame
    assert played.shape[1] % 480 == 0
    body = played[0, 2400:-2400].astype(np.float64) / 32767
    spectrum = np.abs(np.fft.rfft(body))
    peak_hz = np.argmax(spectrum) * 24000 / body.size
    assert abs(peak_hz - 440) < 5
    assert 0.3 < np.abs(body).max() < 0.6


def test_float32_is_clipped_to_full_scale() -> None:
    out = make_output(channels=1)
    out.handle((24000, np.full(480, 3.0, dtype=np.float32)))
    assert drain(out).max() == 32767


def test_frames_have_constant_format() -> None:
    out = make_output(rate=48000, channels=2, frame=960)
    out.handle((16000, ramp(333)))
    out.handle((48000, ramp(1000), "mono"))
    out.handle((22050, np.zeros((2, 999), dtype=np.float32)))
    out.flush()
    while (frame := out.read_frame()) is not None:
        assert frame.shape == (2, 960) and frame.dtype == np.int16


def test_additional_outputs_and_close_are_routed() -> None:
    outputs: list[AdditionalOutputs] = []
    closes: list[CloseStream] = []
    out = AudioOutput(24000, 1, 480, on_outputs=outputs.append, on_close=closes.append)
    out.handle(AdditionalOutputs("hello", 1))
    out.handle(((24000, ramp(480)), AdditionalOutputs("with audio")))
    out.handle(CloseStream("bye"))
    out.handle(None)
    assert [o.args for o in outputs] == [("hello", 1), ("with audio",)]
    assert [c.msg for c in closes] == ["bye"]
    assert drain(out).shape == (1, 480)


def test_parts_of_a_pair() -> None:
    parts = parse_audio_emit(((16000, ramp(160)), AdditionalOutputs(1)))
    assert parts.audio is not None and parts.audio.rate == 16000
    assert parts.outputs == AdditionalOutputs(1)


BAD = [
    ((24000, np.zeros(10, dtype=np.float64)), "dtype float64", "astype(np.float32)"),
    ((24000, np.zeros(10, dtype=np.int32)), "dtype int32", "audio_to_int16"),
    ((24000, np.zeros(10, dtype=np.uint8)), "dtype uint8", "int16"),
    ((24000, np.zeros((1, 2, 10), dtype=np.int16)), "3-D audio", "(1, N)"),
    ((24000, np.array([0.1, np.nan], dtype=np.float32)), "NaN", "float32"),
    ((24000, np.array([np.inf], dtype=np.float32)), "NaN or infinity", "float32"),
    ((0, np.zeros(10, dtype=np.int16)), "must be positive", "rate"),
    ((-8000, np.zeros(10, dtype=np.int16)), "must be positive", "rate"),
    ((24000.0, np.zeros(10, dtype=np.int16)), "must be an int", "rate"),
    ((True, np.zeros(10, dtype=np.int16)), "must be an int", "rate"),
    (np.zeros(10, dtype=np.int16), "bare array has no sample rate", "(rate, array)"),
    ((24000, np.zeros(10, dtype=np.int16), "surround"), "'surround'", "'mono' or 'stereo'"),
    ((24000, np.zeros((2, 10), dtype=np.int16), "mono"), "needs shape (1, N)", "(2, N)"),
    ((24000, np.zeros((3, 10), dtype=np.int16)), "got 3 rows", "(2, N)"),
    ((24000, np.zeros((10, 2), dtype=np.int16)), "first axis", ".T"),
    ((24000, np.zeros(11, dtype=np.int16), "stereo"), "even number", "stereo"),
    ((24000, [0, 1, 2]), "numpy array", "(rate, array)"),
    ((24000,), "1-tuple", "(rate, array)"),
    ("hello", "str is not an audio output", "(rate, array)"),
    ({"rate": 1}, "dict is not an audio output", "(rate, array)"),
    ((np.zeros(3), AdditionalOutputs()), "audio tuple", "((rate, array), outs)"),
]


@pytest.mark.parametrize(("item", "problem", "fix"), BAD, ids=[b[1] for b in BAD])
def test_rejected_forms_name_the_problem_and_the_fix(item: object, problem: str, fix: str) -> None:
    with pytest.raises(InvalidEmitError) as info:
        parse_audio_emit(item)
    message = str(info.value)
    assert problem in message
    assert fix in message
    assert "accepted:" in message
