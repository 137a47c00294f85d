"""fastrtc's utility names and option classes behave like fastrtc's.

MP3 encoding is checked by decoding the bytes again; ``Warning`` and
``get_current_context`` with a real connection context; the options mapping
through PauseOptions and the turn detector itself. Only the credential
helpers' network calls are replaced (there is no network in tests).
"""

from __future__ import annotations

import asyncio
import contextvars
import dataclasses
import io
import logging
import math
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest

from streamlit_rtc import utils
from streamlit_rtc.audio.encode import audio_to_bytes, audio_to_file
from streamlit_rtc.core import context as context_module
from streamlit_rtc.core.context import Connection, Context, current_connection
from streamlit_rtc.core.messages import Warning
from streamlit_rtc.core.turn import PauseOptions, TurnDetector, TurnEventKind
from streamlit_rtc.core.turn_options import (
    VAD_WINDOW_S,
    AlgoOptions,
    ModelOptions,
    SileroVadOptions,
    pause_options_from,
)
from streamlit_rtc.core.video_handlers import VideoStreamHandler

# ---------------------------------------------------------------- audio_to_bytes


def _tone(rate: int, seconds: float, freq: float, amplitude: float = 0.5) -> np.ndarray:
    t = np.arange(int(rate * seconds)) / rate
    return (amplitude * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def _decode(data: bytes) -> tuple[int, np.ndarray]:
    """MP3 bytes decoded with PyAV as ``(rate, float32 (channels, N))``."""
    chunks = []
    with av.open(io.BytesIO(data)) as container:
        stream = container.streams.audio[0]
        rate = stream.rate
        for frame in container.decode(stream):
            array = frame.to_ndarray()
            channels = len(frame.layout.channels)
            if not frame.format.is_planar:
                array = array.reshape(-1, channels).T
            chunks.append(array.astype(np.float32))
    return rate, np.concatenate(chunks, axis=1)


def _peak_hz(samples: np.ndarray, rate: int) -> float:
    """Frequency of the strongest component, away from the encoder's start and end."""
    middle = samples[int(0.1 * rate) : len(samples) - int(0.1 * rate)]
    spectrum = np.abs(np.fft.rfft(middle * np.hanning(len(middle))))
    return float(np.argmax(spectrum) * rate / len(middle))


def test_audio_to_bytes_round_trips_an_int16_tone() -> None:
    rate = 16000
    samples = (_tone(rate, 1.0, 440) * 32767).astype(np.int16)
    data = audio_to_bytes((rate, samples))
    assert isinstance(data, bytes)
    assert data[:3] == b"ID3" or data[0] == 0xFF  # an MP3 file (tag or frame sync)
    decoded_rate, decoded = _decode(data)
    assert decoded_rate == rate
    assert decoded.shape[0] == 1
    assert decoded.shape[1] / rate == pytest.approx(1.0, abs=0.06)
    assert _peak_hz(decoded[0], rate) == pytest.approx(440, abs=5)
    assert 0.3 < float(np.abs(decoded).max()) < 0.7  # the level survives too


def test_audio_to_bytes_takes_float32_row_vectors() -> None:
    rate = 48000
    data = audio_to_bytes((rate, _tone(rate, 0.5, 1000).reshape(1, -1)))
    decoded_rate, decoded = _decode(data)
    assert decoded_rate == rate
    assert decoded.shape[1] / rate == pytest.approx(0.5, abs=0.05)
    assert _peak_hz(decoded[0], rate) == pytest.approx(1000, abs=5)


def test_audio_to_bytes_keeps_stereo_channels_apart() -> None:
    rate = 44100
    stereo = np.stack([_tone(rate, 1.0, 440), _tone(rate, 1.0, 1200)])
    decoded_rate, decoded = _decode(audio_to_bytes((rate, stereo)))
    assert decoded_rate == rate
    assert decoded.shape[0] == 2
    assert _peak_hz(decoded[0], rate) == pytest.approx(440, abs=5)
    assert _peak_hz(decoded[1], rate) == pytest.approx(1200, abs=5)


@pytest.mark.parametrize(("rate", "mp3_rate"), [(96000, 48000), (44000, 44100), (5000, 8000)])
def test_audio_to_bytes_resamples_rates_mp3_cannot_carry(rate: int, mp3_rate: int) -> None:
    decoded_rate, decoded = _decode(audio_to_bytes((rate, _tone(rate, 1.0, 600))))
    assert decoded_rate == mp3_rate
    assert decoded.shape[1] / mp3_rate == pytest.approx(1.0, abs=0.06)
    assert _peak_hz(decoded[0], mp3_rate) == pytest.approx(600, abs=5)


def test_audio_to_bytes_clips_loud_float_audio() -> None:
    rate = 16000
    _, decoded = _decode(audio_to_bytes((rate, _tone(rate, 0.5, 300, amplitude=3.0))))
    assert float(np.abs(decoded).max()) < 1.2


@pytest.mark.parametrize(
    ("audio", "error", "match"),
    [
        ([16000, np.zeros(10, np.int16)], TypeError, "tuple"),
        ((16000, np.zeros(10, np.int16), "mono"), TypeError, "tuple"),
        ((0, np.zeros(10, np.int16)), ValueError, "sample rate"),
        ((16000.0, np.zeros(10, np.int16)), ValueError, "sample rate"),
        ((True, np.zeros(10, np.int16)), ValueError, "sample rate"),
        ((16000, [0, 1, 2]), TypeError, "numpy array"),
        ((16000, np.zeros(10, np.int32)), TypeError, "int16 or float32"),
        ((16000, np.zeros((3, 10), np.int16)), ValueError, r"\(2, N\)"),
        ((16000, np.zeros((1, 2, 10), np.int16)), ValueError, r"\(2, N\)"),
        ((16000, np.zeros((1, 0), np.int16)), ValueError, "no samples"),
        ((16000, np.array([0.0, np.nan], np.float32)), ValueError, "NaN"),
    ],
)
def test_audio_to_bytes_rejects_invalid_input(audio: Any, error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        audio_to_bytes(audio)


def test_audio_to_file_writes_a_temporary_mp3() -> None:
    rate = 24000
    audio = (rate, (_tone(rate, 0.5, 500) * 32767).astype(np.int16))
    path = Path(audio_to_file(audio))
    try:
        assert path.suffix == ".mp3"
        assert path.is_file()
        decoded_rate, decoded = _decode(path.read_bytes())
        assert decoded_rate == rate
        assert _peak_hz(decoded[0], rate) == pytest.approx(500, abs=5)
    finally:
        path.unlink()


# ------------------------------------------------- Warning and get_current_context


@pytest.fixture
def posted() -> Iterator[list[tuple[str, Any]]]:
    """Run the test as handler code of connection ``conn-1``; collect what it posts."""
    calls: list[tuple[str, Any]] = []
    connection = Connection(
        Context("conn-1"), post=lambda kind, payload: calls.append((kind, payload))
    )
    token = current_connection.set(connection)
    try:
        yield calls
    finally:
        current_connection.reset(token)


def test_warning_inside_handler_code_posts_to_its_page(posted: list[tuple[str, Any]]) -> None:
    assert Warning("Speak louder") is None
    Warning()
    assert posted == [("warning", "Speak louder"), ("warning", "Warning issued.")]


def test_get_current_context_inside_handler_code(posted: list[tuple[str, Any]]) -> None:
    context = utils.get_current_context()
    assert context == Context("conn-1")
    assert context.webrtc_id == "conn-1"
    assert context.websocket is None


def test_handler_context_reaches_async_tasks(posted: list[tuple[str, Any]]) -> None:
    async def reply() -> str:
        Warning("from a task")
        return utils.get_current_context().webrtc_id

    assert asyncio.run(reply()) == "conn-1"
    assert posted == [("warning", "from a task")]


def test_warning_outside_handler_code_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    assert current_connection.get() is None
    with caplog.at_level(logging.WARNING):
        assert Warning("nobody to show this to") is None
    assert "nobody to show this to" in caplog.text
    assert [r.levelno for r in caplog.records] == [logging.WARNING]


def test_get_current_context_outside_handler_code_raises() -> None:
    with pytest.raises(RuntimeError, match="No context found"):
        utils.get_current_context()


def test_connections_do_not_see_each_other() -> None:
    seen: dict[str, list[tuple[str, Any]]] = {"a": [], "b": []}

    def handler_code(name: str) -> str:
        connection = Connection(Context(name), post=lambda k, p: seen[name].append((k, p)))
        current_connection.set(connection)
        Warning(f"for {name}")
        return utils.get_current_context().webrtc_id

    assert contextvars.copy_context().run(handler_code, "a") == "a"
    assert contextvars.copy_context().run(handler_code, "b") == "b"
    assert seen == {"a": [("warning", "for a")], "b": [("warning", "for b")]}
    assert current_connection.get() is None


def test_warning_needs_a_string(posted: list[tuple[str, Any]]) -> None:
    with pytest.raises(TypeError, match="str"):
        Warning(42)  # type: ignore[arg-type]
    assert posted == []


# ------------------------------------------------------------- options mapping


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


# --------------------------------------------------------------- VideoStreamHandler


def test_video_stream_handler_has_fastrtcs_fields() -> None:
    def flip(frame: np.ndarray) -> np.ndarray:
        return frame[::-1]

    handler = VideoStreamHandler(flip)
    assert (handler.callable, handler.fps, handler.skip_frames) == (flip, 30, False)
    assert [f.name for f in dataclasses.fields(VideoStreamHandler)] == [
        "callable",
        "fps",
        "skip_frames",
    ]
    handler = VideoStreamHandler(flip, fps=15, skip_frames=True)
    assert (handler.fps, handler.skip_frames) == (15, True)
    frame = np.arange(12, dtype=np.uint8).reshape(2, 2, 3)
    assert np.array_equal(handler.callable(frame), frame[::-1])


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"callable": "flip"}, TypeError, "callable"),
        ({"callable": print, "fps": 0}, ValueError, "fps"),
        ({"callable": print, "fps": math.inf}, ValueError, "fps"),
        ({"callable": print, "fps": "30"}, TypeError, "fps"),
        ({"callable": print, "skip_frames": "yes"}, TypeError, "skip_frames"),
    ],
)
def test_video_stream_handler_validates(kwargs: dict[str, Any], error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        VideoStreamHandler(**kwargs)


# --------------------------------------------------------------- streamlit_rtc.utils


def test_utils_reexports_fastrtcs_names_from_their_owners() -> None:
    from streamlit_rtc.core import convert, messages

    expected = {
        "AdditionalOutputs": messages.AdditionalOutputs,
        "CloseStream": messages.CloseStream,
        "WebRTCError": messages.WebRTCError,
        "Warning": messages.Warning,
        "audio_to_bytes": audio_to_bytes,
        "audio_to_file": audio_to_file,
        "audio_to_float32": convert.audio_to_float32,
        "audio_to_int16": convert.audio_to_int16,
        "aggregate_bytes_to_16bit": convert.aggregate_bytes_to_16bit,
        "async_aggregate_bytes_to_16bit": convert.async_aggregate_bytes_to_16bit,
        "wait_for_item": convert.wait_for_item,
        "get_current_context": context_module.get_current_context,
        "Context": context_module.Context,
    }
    assert set(utils.__all__) == set(expected)
    for name, value in expected.items():
        assert getattr(utils, name) is value, name


def test_utils_does_not_import_streamlit() -> None:
    code = (
        "import sys, streamlit_rtc.utils; "
        "roots = {'streamlit', 'streamlit_webrtc'}; "
        "loaded = [m for m in sys.modules if m.split('.')[0] in roots]; "
        "sys.exit(f'imported {loaded}' if loaded else 0)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr


# ----------------------------------------------------------------- TURN credentials

SERVERS = [{"urls": ["turn:turn.example:3478"], "username": "u", "credential": "c"}]
_CREDENTIAL_ENV = (
    "HF_TOKEN",
    "CLOUDFLARE_TURN_KEY_ID",
    "CLOUDFLARE_TURN_KEY_API_TOKEN",
    "TWILIO_ACCOUNT_SID",
    "TWILIO_AUTH_TOKEN",
)


@pytest.fixture
def credentials(monkeypatch: pytest.MonkeyPatch) -> Any:
    """The credentials module with its network helpers recording calls (and threads)."""
    from streamlit_rtc.streamlit import credentials as module

    for name in _CREDENTIAL_ENV:
        monkeypatch.delenv(name, raising=False)
    module.calls = []  # type: ignore[attr-defined]

    def recorder(helper: str) -> Any:
        def fake(*args: Any) -> list[dict[str, Any]]:
            module.calls.append((helper, args, threading.get_ident()))  # type: ignore[attr-defined]
            time.sleep(0.2)  # a slow request: the event loop must keep running meanwhile
            return SERVERS

        return fake

    for helper in ("get_cloudflare_ice_servers", "get_hf_ice_servers", "get_twilio_ice_servers"):
        monkeypatch.setattr(module, helper, recorder(helper))
    return module


def _helpers(module: Any) -> list[tuple[str, tuple[Any, ...]]]:
    return [(helper, args) for helper, args, _ in module.calls]


def test_cloudflare_credentials_choose_the_provider_like_fastrtc(
    credentials: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert credentials.get_cloudflare_turn_credentials(hf_token="hf_a") == {"iceServers": SERVERS}
    credentials.get_cloudflare_turn_credentials("key-id", "cf-token")
    monkeypatch.setenv("HF_TOKEN", "hf_env")
    credentials.get_cloudflare_turn_credentials()
    monkeypatch.setenv("CLOUDFLARE_TURN_KEY_ID", "env-id")
    monkeypatch.setenv("CLOUDFLARE_TURN_KEY_API_TOKEN", "env-token")
    credentials.get_cloudflare_turn_credentials()
    assert _helpers(credentials) == [
        ("get_hf_ice_servers", ("hf_a",)),
        ("get_cloudflare_ice_servers", ("key-id", "cf-token")),
        ("get_hf_ice_servers", ("hf_env",)),
        ("get_cloudflare_ice_servers", ("env-id", "env-token")),
    ]


def test_cloudflare_credentials_without_any_name_the_variables(credentials: Any) -> None:
    with pytest.raises(ValueError, match=r"CLOUDFLARE_TURN_KEY_ID.*HF_TOKEN"):
        credentials.get_cloudflare_turn_credentials()
    with pytest.raises(ValueError, match="HF_TOKEN"):
        credentials.get_hf_turn_credentials()
    assert credentials.calls == []


def test_ttl_is_validated_and_long_ones_warn(
    credentials: Any, caplog: pytest.LogCaptureFixture
) -> None:
    with pytest.raises(ValueError, match="ttl"):
        credentials.get_cloudflare_turn_credentials("id", "secret-token", ttl=0)
    with pytest.raises(TypeError, match="ttl"):
        credentials.get_hf_turn_credentials("hf_secret", ttl="600")
    with caplog.at_level(logging.DEBUG):
        credentials.get_cloudflare_turn_credentials("id", "secret-token", ttl=360_000)
    assert "ttl=360000" in caplog.text
    assert "secret" not in caplog.text


def test_get_turn_credentials_dispatches_and_filters_kwargs(credentials: Any) -> None:
    common = {"ttl": 600, "hf_token": None}
    credentials.get_turn_credentials(method="twilio", twilio_sid="AC1", twilio_token="t", **common)
    credentials.get_turn_credentials(method="hf", token="hf_x", ttl=600)
    credentials.get_turn_credentials(turn_key_id="id", turn_key_api_token="tok", client=None)
    assert _helpers(credentials) == [
        ("get_twilio_ice_servers", ("AC1", "t")),
        ("get_hf_ice_servers", ("hf_x",)),
        ("get_cloudflare_ice_servers", ("id", "tok")),
    ]
    with pytest.raises(ValueError, match="method"):
        credentials.get_turn_credentials(method="stun")
    with pytest.raises(TypeError, match="turn_key"):
        credentials.get_turn_credentials(turn_key="misspelt")


def test_async_credentials_run_the_request_off_the_event_loop(credentials: Any) -> None:
    async def main() -> tuple[list[dict[str, Any]], int]:
        ticks = 0

        async def ticker() -> None:
            nonlocal ticks
            while True:
                await asyncio.sleep(0.01)
                ticks += 1

        task = asyncio.create_task(ticker())
        configs = [
            await credentials.get_cloudflare_turn_credentials_async("id", "tok", client=object()),
            await credentials.get_hf_turn_credentials_async("hf_x", ttl=600, client=object()),
            await credentials.get_turn_credentials_async(method="hf", token="hf_y", client=None),
            await credentials.get_turn_credentials_async(
                method="twilio", twilio_sid="AC1", twilio_token="t", client=None
            ),
            await credentials.get_turn_credentials_async(hf_token="hf_z", ttl=60),
        ]
        task.cancel()
        return configs, ticks

    loop_thread = threading.get_ident()
    configs, ticks = asyncio.run(main())
    assert configs == [{"iceServers": SERVERS}] * 5
    assert _helpers(credentials) == [
        ("get_cloudflare_ice_servers", ("id", "tok")),
        ("get_hf_ice_servers", ("hf_x",)),
        ("get_hf_ice_servers", ("hf_y",)),
        ("get_twilio_ice_servers", ("AC1", "t")),
        ("get_hf_ice_servers", ("hf_z",)),
    ]
    assert all(thread != loop_thread for _, _, thread in credentials.calls)
    assert ticks >= 5 * 5  # the loop kept ticking through five 0.2 s requests


def test_async_credentials_raise_the_same_errors(credentials: Any) -> None:
    with pytest.raises(ValueError, match="CLOUDFLARE_TURN_KEY_ID"):
        asyncio.run(credentials.get_cloudflare_turn_credentials_async())
    with pytest.raises(ValueError, match="method"):
        asyncio.run(credentials.get_turn_credentials_async(method="stun"))


def test_credentials_are_never_logged(
    credentials: Any, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HF_TOKEN", "hf_secret-env")
    with caplog.at_level(logging.DEBUG):
        credentials.get_turn_credentials(turn_key_id="secret-id", turn_key_api_token="secret-tok")
        credentials.get_turn_credentials(ttl=7200)
        asyncio.run(credentials.get_turn_credentials_async(method="hf", token="hf_secret-arg"))
    assert "secret" not in caplog.text
    assert os.environ["HF_TOKEN"] == "hf_secret-env"
