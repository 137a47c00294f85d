"""ReplyOnStopWords over a real aiortc connection (Opus both ways) on 127.0.0.1."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from stopword_fixtures import MANIFEST, RATE, floor, load

from streamlit_rtc import HandlerSimulator, ReplyOnStopWords, StatusEvent, StopPhrase
from streamlit_rtc.session.audio_session import AudioStreamSession

from .peers import at_48k, connected

pytestmark = pytest.mark.rtc


def test_the_phrase_then_a_request_is_answered_and_plain_speech_is_not() -> None:
    calls: list[float] = []
    beep = (0.4 * 32767 * np.sin(2 * np.pi * 880 * np.arange(12000) / 24000)).astype(np.int16)

    def answer(audio: tuple[int, np.ndarray]) -> Iterator[Any]:
        rate, array = audio
        calls.append(array.shape[1] / rate)
        yield (24000, beep)

    phrases = [StopPhrase("computer"), StopPhrase("hello iris")]
    handler = ReplyOnStopWords(answer, phrases, input_sample_rate=16000)
    # Positives this detector catches on a simulated clock; over Opus it must still hear one.
    chosen = []
    for item in MANIFEST:
        if item["kind"] == "positive" and item["phrase"] in ("computer", "hello iris"):
            sim = HandlerSimulator(ReplyOnStopWords(answer, phrases, detector=handler.detector))
            sim.run(load(item["file"]), RATE, tail_s=1.0)
            sim.close()
            if sim.events(StatusEvent.STOPWORD):
                chosen.append(item)
        if len(chosen) == 3:
            break
    assert chosen, "the detector heard no positive fixture at all"
    calls.clear()
    negative = next(m for m in MANIFEST if m["kind"] == "negative")

    parts = [floor(1.5, 0), load(negative["file"]), floor(1.5, 1)]
    for i, item in enumerate(chosen):
        parts += [load(item["file"]), floor(2.5, 2 + i)]
    mic = at_48k(np.concatenate(parts), RATE, tail_s=2.0)

    async def scenario() -> dict[StatusEvent, Any]:
        session = AudioStreamSession(handler)
        async with connected(session, mic) as conn:
            await asyncio.sleep(mic.size / 48000)
            for _ in range(150):  # let the last reply arrive (a loaded machine is slower)
                if len(calls) >= len(chosen):
                    break
                await asyncio.sleep(0.1)
            await asyncio.sleep(0.5)
            received = conn.energy_timeline()
            events = session.mailbox.snapshot().last_events
        assert any(rms > 0.05 for _, rms in received) == bool(calls)
        return events

    events = asyncio.run(scenario())
    assert calls, "no request was answered over WebRTC"
    assert len(calls) <= len(chosen)  # the request alone, said first, got no answer
    assert StatusEvent.STOPWORD in events
    assert events[StatusEvent.STOPWORD].detail in ("computer", "hello iris")
