"""TranscribingReplyOnPause: partial transcripts while a turn is spoken, bounded, in order.

Real speech (piper's voice, the ``tts`` extra) and Whisper tiny.en (the
``stt`` extra); slow or failing models are the real one wrapped.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
import soxr

from streamlit_rtc import AdditionalOutputs, HandlerSimulator, PauseOptions, StatusEvent
from streamlit_rtc.audio.speech import STTModel, TTSModel
from streamlit_rtc.reply.transcribing import PartialTranscript, TranscribingReplyOnPause

RATE = 16000
SENTENCE = "Could you remind me to call my sister this evening, and buy some milk on the way?"


@pytest.fixture(scope="module")
def sentence(tts: TTSModel[Any]) -> tuple[np.ndarray, float]:
    """SENTENCE at 16 kHz int16 after 1 s of silence, and where its speech ends (s)."""
    rate, audio = tts.tts(SENTENCE)
    voiced = np.clip(soxr.resample(audio, rate, RATE), -1, 1)
    samples = np.concatenate([np.zeros(RATE), voiced])
    loud = np.flatnonzero(np.abs(samples) > 0.01)
    return (samples * 32767).astype(np.int16), (loud[-1] + 1) / RATE


def partials(sim: HandlerSimulator) -> list[tuple[float, PartialTranscript]]:
    return [
        (t, o.args[0]) for t, o in sim.record.outputs if isinstance(o.args[0], PartialTranscript)
    ]


def others(sim: HandlerSimulator) -> list[tuple[float, Any]]:
    return [
        (t, o.args[0])
        for t, o in sim.record.outputs
        if not isinstance(o.args[0], PartialTranscript)
    ]


def transcribe_reply(stt: STTModel) -> Any:
    def reply(audio: tuple[int, np.ndarray]) -> Iterator[Any]:
        yield AdditionalOutputs({"final": stt.stt(audio)})

    return reply


def test_partials_grow_while_the_turn_is_spoken_and_come_before_the_reply(
    stt: STTModel, sentence: tuple[np.ndarray, float]
) -> None:
    audio, speech_end_s = sentence
    handler = TranscribingReplyOnPause(transcribe_reply(stt), stt=stt, input_sample_rate=RATE)
    with HandlerSimulator(handler) as sim:
        sim.run(audio, RATE, tail_s=2.0)
        sim.run(audio, RATE, tail_s=2.0)  # a second turn
        assert sim.record.errors == []
        pauses = [s.sim_time_s for s in sim.events(StatusEvent.PAUSE_DETECTED)]
        started = [s.sim_time_s for s in sim.events(StatusEvent.STARTED_TALKING)]
        seen, finals = partials(sim), others(sim)
    assert len(pauses) == 2 and len(finals) == 2
    first = [p for t, p in seen if p.turn == 1]
    second = [(t, p) for t, p in seen if p.turn == 2]
    assert len(first) >= 4, first  # ~4.5 s of speech, a partial every 0.7 s of it
    assert [p.audio_s for p in first] == sorted(p.audio_s for p in first)
    assert all(t < pauses[0] for t, p in seen if p.turn == 1)
    assert all(pauses[0] < t < pauses[1] for t, _ in second)
    # the first partial comes ~0.7 s after speech starts, well before it ends
    assert seen[0][0] - started[0] < 1.0
    assert sum(t < speech_end_s - 1.0 for t, p in seen if p.turn == 1) >= 3
    # each partial is the start of the sentence; the last one nearly all of it
    assert first[0].text.lower().startswith("could you")
    assert "milk" in first[-1].text.lower()
    assert "milk" in finals[0][1]["final"].lower()
    assert not any(p.withdrawn for _, p in seen)


def test_the_reply_gets_the_transcript_made_while_the_pause_was_confirmed(
    stt: STTModel, sentence: tuple[np.ndarray, float]
) -> None:
    """No speech-to-text runs after the pause: the one started when speech stopped covers it."""
    audio, speech_end_s = sentence
    calls: list[float] = []  # simulated time of every transcription
    clock: list[HandlerSimulator] = []

    class TimedSTT:
        def stt(self, audio: tuple[int, np.ndarray]) -> str:
            calls.append(clock[0].time_s)
            return stt.stt(audio)

    def reply(audio: tuple[int, np.ndarray], *, transcript: str) -> Iterator[Any]:
        yield AdditionalOutputs({"final": transcript, "seconds": audio[1].shape[1] / audio[0]})

    handler = TranscribingReplyOnPause(reply, stt=TimedSTT(), input_sample_rate=RATE)
    with HandlerSimulator(handler) as sim:
        clock.append(sim)
        sim.run(audio, RATE, tail_s=2.0)
        assert sim.record.errors == []
        pause = sim.events(StatusEvent.PAUSE_DETECTED)[0].sim_time_s
        seen, finals = partials(sim), others(sim)
    assert all(t < pause for t in calls), (calls, pause)
    # the last transcription started when the speech stopped: ~0.1 s after its end
    assert speech_end_s < calls[-1] < speech_end_s + 0.3, (calls, speech_end_s)
    final = finals[0][1]
    assert final["final"] == seen[-1][1].text and "milk" in final["final"].lower()
    assert final["seconds"] > speech_end_s - 1.0  # fn still gets the whole utterance


def test_a_turn_that_gets_no_reply_withdraws_its_words(
    stt: STTModel, sentence: tuple[np.ndarray, float]
) -> None:
    audio, _ = sentence
    handler = TranscribingReplyOnPause(
        transcribe_reply(stt),
        stt=stt,
        input_sample_rate=RATE,
        options=PauseOptions(min_turn_speech_s=20.0),  # every turn is too short to answer
    )
    with HandlerSimulator(handler) as sim:
        sim.run(audio, RATE, tail_s=2.0)
        seen = partials(sim)
        assert others(sim) == [] and sim.events(StatusEvent.PAUSE_DETECTED) == []
    assert len(seen) >= 2
    assert seen[-1][1].withdrawn and not any(p.withdrawn for _, p in seen[:-1])
    assert seen[-1][1].text == seen[-2][1].text  # the words last shown are the ones withdrawn


class SlowSTT:
    """The real model, slowed down, noting every call and how many ran at once."""

    def __init__(self, stt: STTModel, delay_s: float) -> None:
        self.stt_model, self.delay_s = stt, delay_s
        self.calls: list[int] = []  # samples transcribed, per call
        self.running = 0
        self.most_at_once = 0
        self._lock = threading.Lock()

    def stt(self, audio: tuple[int, np.ndarray]) -> str:
        with self._lock:
            self.running += 1
            self.most_at_once = max(self.most_at_once, self.running)
            self.calls.append(audio[1].shape[-1])
        try:
            time.sleep(self.delay_s)
            return self.stt_model.stt(audio)
        finally:
            with self._lock:
                self.running -= 1


def wait_for(condition: Any, timeout_s: float = 10.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("condition not met in time")
        time.sleep(0.01)


def test_at_most_one_transcription_runs_and_the_newest_audio_wins(
    stt: STTModel, sentence: tuple[np.ndarray, float]
) -> None:
    """Driven by hand faster than real time: requests pile up while the model is busy."""
    audio, speech_end_s = sentence
    slow = SlowSTT(stt, delay_s=0.4)
    handler = TranscribingReplyOnPause(
        transcribe_reply(stt), stt=slow, input_sample_rate=RATE
    ).copy()
    assert isinstance(handler, TranscribingReplyOnPause) and handler.stt is slow
    threads_before = {t.ident for t in threading.enumerate()}
    outputs: list[Any] = []

    def drain() -> None:
        while (item := handler.emit()) is not None:
            outputs.append(item)

    try:
        speech = audio[: round((speech_end_s - 0.2) * RATE)]  # stop mid-speech: the turn is open
        for start in range(0, speech.size - 320, 320):  # 20 ms frames, no pacing
            handler.receive((RATE, speech[np.newaxis, start : start + 320]))
        wait_for(lambda: len(slow.calls) >= 2 and slow.running == 0)
        drain()
        assert slow.most_at_once == 1
        # ~5 requests in a burst: the first ran, the newest replaced the rest while it did
        assert len(slow.calls) == 2, slow.calls
        # texts not yet taken by emit() coalesce to the newest
        shown = [o.args[0] for o in outputs if isinstance(o, AdditionalOutputs)]
        assert 1 <= len(shown) <= 2 and {p.turn for p in shown} == {1}
        # the second call had the newest request: audio up to the last 0.7 s step fed
        newest = shown[-1]
        assert newest.stream_time_s > speech.size / RATE - 0.75, (shown, speech.size / RATE)
        assert slow.calls[1] == round(newest.audio_s * RATE)
        # the end of the turn: silence (a last transcription as the speech stops),
        # the pause, the reply; no partial after it
        silence = np.zeros(320, dtype=np.int16)
        for _ in range(50):
            handler.receive((RATE, silence[np.newaxis, :]))
        wait_for(lambda: (drain(), any(isinstance(o.args[0], dict) for o in outputs))[1])
        kinds = [type(o.args[0]).__name__ for o in outputs]
        assert kinds[-1] == "dict" and set(kinds[:-1]) == {"PartialTranscript"}
        assert len(slow.calls) == 3 and slow.most_at_once == 1
    finally:
        handler.shutdown()
    wait_for(lambda: {t.ident for t in threading.enumerate()} <= threads_before, 5.0)


class BrokenSTT:
    """A model whose partial transcriptions fail."""

    def __init__(self) -> None:
        self.calls = 0

    def stt(self, audio: tuple[int, np.ndarray]) -> str:
        self.calls += 1
        raise RuntimeError("the model file is corrupt")


def test_a_failing_model_stops_partials_with_an_error_and_replies_go_on(
    stt: STTModel, sentence: tuple[np.ndarray, float]
) -> None:
    audio, _ = sentence
    broken = BrokenSTT()
    handler = TranscribingReplyOnPause(transcribe_reply(stt), stt=broken, input_sample_rate=RATE)
    with HandlerSimulator(handler) as sim:
        sim.run(audio, RATE, tail_s=2.0)
        errors = [s.status.detail for s in sim.events(StatusEvent.ERROR)]
        assert partials(sim) == []
        assert len(others(sim)) == 1  # the reply still came
    assert broken.calls == 1
    assert errors == [
        "partial transcripts stopped: BrokenSTT.stt() (partial transcript) raised "
        "RuntimeError: the model file is corrupt"
    ]


def test_arguments_are_checked(stt: STTModel) -> None:
    with pytest.raises(ValueError, match="partial_every_s"):
        TranscribingReplyOnPause(transcribe_reply(stt), stt=stt, partial_every_s=0.0)
    with pytest.raises(TypeError, match=r"\.stt"):
        TranscribingReplyOnPause(transcribe_reply(stt), stt=object())  # type: ignore[arg-type]
    clone = TranscribingReplyOnPause(
        transcribe_reply(stt), stt=stt, partial_every_s=1.5, input_sample_rate=RATE
    ).copy()
    assert isinstance(clone, TranscribingReplyOnPause)
    assert (clone.partial_every_s, clone.stt, clone.input_sample_rate) == (1.5, stt, RATE)
