"""ReplyOnPause on real speech (espeak fixtures) as 20 ms 48 kHz stereo frames, simulated clock."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from typing import Any

import numpy as np
import pytest
import soxr
from audio_offsets import offset_in

from streamlit_rtc import (
    AdditionalOutputs,
    HandlerSimulator,
    PauseOptions,
    ReplyOnPause,
    StatusEvent,
    WebRTCError,
)

PAUSE = PauseOptions().pause_s
WINDOW = 0.032
INTERRUPT_BOUND = WINDOW + 0.100  # one VAD window plus ~100 ms
SPEECH_FIXTURES = ["two_utterances.wav", "comma_pause.wav", "noisy_speech.wav", "long_speech.wav"]


class Recorder:
    """A reply function that remembers what it was given and answers with a short tone."""

    def __init__(self, reply_s: float = 0.2) -> None:
        self.calls: list[tuple[int, np.ndarray, tuple[Any, ...]]] = []
        self.reply_s = reply_s
        self.closed = 0

    def __call__(self, audio: tuple[int, np.ndarray], *args: Any) -> Iterator[Any]:
        rate, array = audio
        self.calls.append((rate, array, args))
        try:
            yield AdditionalOutputs(array.shape[1] / rate)
            n = int(24000 * self.reply_s)
            t = np.arange(n) / 24000
            wave = (0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
            for chunk in np.array_split(wave, max(1, n // 480)):
                yield (24000, chunk)
        finally:
            self.closed += 1


def simulate(
    handler: ReplyOnPause, speech: Any, name: str, tail_s: float = 1.5
) -> HandlerSimulator:
    rate, audio = speech(name)
    return HandlerSimulator(handler).run(audio, rate, tail_s=tail_s)


@pytest.mark.parametrize("name", SPEECH_FIXTURES)
def test_each_turn_fires_once_shortly_after_the_end_of_speech(
    name: str, speech: Any, speech_manifest: dict[str, Any]
) -> None:
    fn = Recorder()
    sim = simulate(ReplyOnPause(fn), speech, name)
    truth = speech_manifest[name]["utterances"]
    pauses = sim.events(StatusEvent.PAUSE_DETECTED)
    assert len(pauses) == len(truth) == len(fn.calls)
    for event, utterance in zip(pauses, truth, strict=True):
        delay = event.status.stream_time_s - utterance["end_s"]
        assert 0.0 < delay <= PAUSE + 0.2, f"{name}: pause detected {delay:.3f} s after speech"


@pytest.mark.parametrize("name", SPEECH_FIXTURES)
def test_the_utterance_is_whole_including_its_first_100_ms(
    name: str, speech: Any, speech_manifest: dict[str, Any]
) -> None:
    fn = Recorder()
    simulate(ReplyOnPause(fn), speech, name)
    fixture_rate, fixture = speech(name)
    truth = speech_manifest[name]["utterances"]
    for (rate, audio, _), utterance in zip(fn.calls, truth, strict=True):
        assert rate == 48000 and audio.dtype == np.int16 and audio.shape[0] == 1
        start = offset_in(fixture, fixture_rate, audio[0], rate)
        end = start + audio.shape[1] / rate
        assert start <= utterance["start_s"] - 0.1, f"onset clipped: starts at {start:.3f}"
        assert end >= utterance["end_s"], f"end clipped: ends at {end:.3f}"
        assert end <= utterance["end_s"] + 0.45  # not padded with the whole pause


@pytest.mark.parametrize("name", ["silence.wav", "noise_only.wav"])
def test_nothing_fires_on_silence_or_noise(name: str, speech: Any) -> None:
    fn = Recorder()
    sim = simulate(ReplyOnPause(fn), speech, name)
    assert fn.calls == []
    assert sim.record.statuses == []
    assert sim.audible_spans() == []


def test_barge_in_stops_the_reply_within_a_window_plus_100_ms(
    speech: Any, speech_manifest: dict[str, Any]
) -> None:
    fn = Recorder(reply_s=4.0)
    sim = simulate(ReplyOnPause(fn), speech, "barge_in.wav")
    barge = speech_manifest["barge_in.wav"]["barge_in_start_s"]
    interrupted = sim.events(StatusEvent.INTERRUPTED)
    assert len(interrupted) == 1
    assert interrupted[0].sim_time_s - barge <= INTERRUPT_BOUND
    first_reply = [span for span in sim.audible_spans() if span[0] < barge]
    assert first_reply, "the first reply never played"
    stop = first_reply[-1][1]
    assert stop - barge <= INTERRUPT_BOUND + 0.02  # + one output frame already playing
    assert fn.closed >= 1  # the generator was closed, its finally ran
    second = sim.events(StatusEvent.RESPONSE_STARTING)[1].sim_time_s
    assert all(not (stop < s < second) for s, _ in sim.audible_spans())
    assert len(fn.calls) == 2  # the barge-in was answered as a turn of its own


def test_without_can_interrupt_the_reply_plays_to_the_end(speech: Any) -> None:
    fn = Recorder(reply_s=2.5)
    sim = simulate(ReplyOnPause(fn, can_interrupt=False), speech, "barge_in.wav")
    assert sim.events(StatusEvent.INTERRUPTED) == []
    assert len(fn.calls) == 1  # speech during the reply was not listened to
    audible = sum(end - start for start, end in sim.audible_spans())
    assert audible >= 2.4


def test_a_raising_reply_shows_an_error_and_the_handler_keeps_listening(speech: Any) -> None:
    calls: list[int] = []

    def fn(audio: tuple[int, np.ndarray]) -> Iterator[Any]:
        calls.append(audio[1].shape[1])
        if len(calls) == 1:
            raise WebRTCError("the model is unavailable, try again")
        yield (24000, np.full(2400, 0.2, dtype=np.float32))

    sim = simulate(ReplyOnPause(fn), speech, "two_utterances.wav")
    errors = sim.events(StatusEvent.ERROR)
    assert [e.status.detail for e in errors] == ["the model is unavailable, try again"]
    assert len(calls) == 2
    assert len(sim.events(StatusEvent.RESPONSE_DONE)) == 1


def test_a_bad_yield_ends_the_turn_with_a_clear_error(speech: Any) -> None:
    def fn(audio: tuple[int, np.ndarray]) -> Iterator[Any]:
        yield (24000, np.zeros(480))  # float64: not accepted

    sim = simulate(ReplyOnPause(fn), speech, "two_utterances.wav")
    errors = sim.events(StatusEvent.ERROR)
    assert len(errors) == 2
    assert errors[0].status.detail is not None and "float64" in errors[0].status.detail


def test_async_generator_replies(speech: Any) -> None:
    heard: list[float] = []

    async def fn(audio: tuple[int, np.ndarray]) -> AsyncIterator[Any]:
        heard.append(audio[1].shape[1] / audio[0])
        await asyncio.sleep(0)
        yield (16000, np.full(3200, 0.25, dtype=np.float32))

    sim = simulate(ReplyOnPause(fn), speech, "two_utterances.wav")
    assert len(heard) == 2
    assert len(sim.events(StatusEvent.RESPONSE_DONE)) == 2
    assert sum(e - s for s, e in sim.audible_spans()) >= 0.38


def test_startup_fn_replies_at_connection_start(speech: Any) -> None:
    def greet() -> Iterator[Any]:
        yield (24000, np.full(4800, 0.3, dtype=np.float32))

    sim = simulate(ReplyOnPause(Recorder(), startup_fn=greet), speech, "silence.wav")
    spans = sim.audible_spans()
    assert spans and spans[0][0] < 0.1 and spans[0][1] >= 0.2


def test_extra_inputs_reach_fn(speech: Any) -> None:
    fn = Recorder()
    handler = ReplyOnPause(lambda audio, name, n: fn(audio, name, n))
    sim = HandlerSimulator(handler)
    sim.handler.set_args(["ada", 3])
    rate, audio = speech("two_utterances.wav")
    sim.run(audio, rate, tail_s=1.0)
    assert [call[2] for call in fn.calls] == [("ada", 3), ("ada", 3)]


def test_missing_inputs_are_an_error_that_says_what_to_pass(speech: Any) -> None:
    handler = ReplyOnPause(lambda audio, api_key: iter(()), args_timeout_s=0.01)
    sim = simulate(handler, speech, "comma_pause.wav")
    [error] = sim.events(StatusEvent.ERROR)
    assert error.status.detail is not None and "inputs=[...]" in error.status.detail


def test_trigger_response_replies_now(speech: Any) -> None:
    fn = Recorder()
    sim = HandlerSimulator(ReplyOnPause(fn))
    rate, audio = speech("silence.wav")
    sim.run(audio[: rate // 2], rate)
    handler = sim.handler
    assert isinstance(handler, ReplyOnPause)
    handler.trigger_response()
    sim.run(audio[: rate // 2], rate)
    assert len(fn.calls) == 1
    assert sim.events(StatusEvent.PAUSE_DETECTED)[0].status.detail == "triggered"


def test_max_continuous_speech_cuts_long_turns(speech: Any) -> None:
    fn = Recorder()
    options = PauseOptions(max_continuous_speech_s=2.0)
    sim = simulate(ReplyOnPause(fn, options=options), speech, "long_speech.wav")
    forced = [e for e in sim.events(StatusEvent.PAUSE_DETECTED) if e.status.detail == "forced"]
    assert len(forced) == 2
    lengths = [audio.shape[1] / rate for rate, audio, _ in fn.calls]
    assert len(lengths) == 3
    assert max(lengths) <= 2.0 + options.pre_roll_s + 0.05  # the buffer is capped


def browser_frames(audio: np.ndarray, rate: int) -> Iterator[np.ndarray]:
    """The fixture as 20 ms mono 48 kHz int16 (1, 960) frames."""
    up = soxr.resample(audio, rate, 48000)
    for i in range(0, up.size - 959, 960):
        yield up[i : i + 960].reshape(1, -1)


@pytest.mark.parametrize("use_async", [False, True], ids=["sync-fn", "async-fn"])
def test_driven_by_hand_without_any_event_loop(speech: Any, use_async: bool) -> None:
    replies: list[float] = []

    def sync_fn(audio: tuple[int, np.ndarray]) -> Iterator[Any]:
        replies.append(audio[1].shape[1] / audio[0])
        yield (24000, np.zeros(480, dtype=np.int16))
        yield AdditionalOutputs("done")

    async def async_fn(audio: tuple[int, np.ndarray]) -> AsyncIterator[Any]:
        for item in sync_fn(audio):
            yield item

    h = ReplyOnPause(async_fn if use_async else sync_fn).copy()
    rate, audio = speech("two_utterances.wav")
    emitted: list[Any] = []
    for frame in browser_frames(np.concatenate([audio, np.zeros(rate, np.int16)]), rate):
        h.receive((48000, frame))
        while (item := h.emit()) is not None:
            emitted.append(item)
    h.shutdown()
    assert len(replies) == 2
    assert sum(isinstance(e, AdditionalOutputs) for e in emitted) == 2
    assert sum(isinstance(e, tuple) for e in emitted) == 2
