"""The offline assistant's handler, headless: piper asks, the handler answers, Whisper listens.

A question is voiced by piper (the ``tts`` extra) after a second of
silence and played into the handler of ``apps/assistant.py`` (Whisper STT,
the offline brain, piper replies) on the simulator's clock; what the handler
played back is transcribed by Whisper tiny.en (the ``stt`` extra) and must
contain the answer. The models come from the extras' wheels: no network.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soxr

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "apps"))

import streamlit as st
import streamlit_webrtc.component as webrtc_component
from assistant_brain import Reply  # the apps folder is not a package: by path
from assistant_numbers import number_to_words
from assistant_voice import Assistant
from streamlit.testing.v1 import AppTest

from streamlit_rtc import HandlerSimulator, SmartTurn, StatusEvent
from streamlit_rtc.audio.speech import (
    STTModel,
    TTSModel,
    clear_model_cache,
)
from streamlit_rtc.reply.transcribing import PartialTranscript, TranscribingReplyOnPause

RATE = 16000
LEAD_S = 1.0


def spoken(tts: TTSModel[Any], text: str) -> tuple[np.ndarray, float]:
    """``text`` voiced by piper at 16 kHz int16 after LEAD_S of silence; and where speech ends."""
    rate, audio = tts.tts(text)
    voiced = np.clip(soxr.resample(audio, rate, RATE), -1, 1)
    samples = np.concatenate([np.zeros(round(LEAD_S * RATE)), voiced])
    loud = np.flatnonzero(np.abs(samples) > 0.01)
    return (samples * 32767).astype(np.int16), (loud[-1] + 1) / RATE


@pytest.fixture
def assistant_handler(stt: STTModel, tts: TTSModel[Any]) -> Iterator[TranscribingReplyOnPause]:
    """The handler ``apps/assistant.py`` streams (wake phrase off)."""
    yield TranscribingReplyOnPause(
        Assistant(stt, tts).respond_transcribed, stt=stt, input_sample_rate=16000
    )


def messages(sim: HandlerSimulator) -> list[dict[str, Any]]:
    return [o.args[0] for _, o in sim.record.outputs if isinstance(o.args[0], dict)]


def reply_heard(sim: HandlerSimulator, stt: STTModel) -> str:
    """What Whisper hears in the audio the handler played."""
    played = sim.played()[0]
    return stt.stt((sim.output.buffer.rate, played)).lower()


def ask(handler: TranscribingReplyOnPause, tts: TTSModel[Any], text: str) -> HandlerSimulator:
    audio, _ = spoken(tts, text)
    sim = HandlerSimulator(handler)
    sim.run(audio, RATE, tail_s=6.0)
    return sim


HOMOPHONES = {"one": "one|won", "two": "two|to|too", "four": "four|for", "eight": "eight|ate"}


def mentions_hour(heard: str, now: datetime) -> bool:
    """Whether Whisper's text of the answer has ``now``'s hour: "four", "4", "4 05", "405".

    A lone number word may come back as its homophone ("it is for 24"), and
    the minutes' words may be glued to the hour as their digits ("six fifty
    two" as "6502").
    """
    hour = now.hour % 12 or 12
    word = number_to_words(hour)
    pattern = rf"\b(?:{HOMOPHONES.get(word, word)})\b|\b{hour}(?:[.:]?\d\d|[2-5]0\d)?(?!\d)"
    return re.search(pattern, heard) is not None


def mentions_time(heard: str, now: datetime) -> bool:
    """``now``'s hour, or its minutes from 10 on as digits: Whisper may mishear the hour's
    word and keep the minutes ("It's 5:58 PM." came back as "it is by 58pm.")."""
    if mentions_hour(heard, now):
        return True
    return now.minute >= 10 and re.search(rf"(?<!\d){now.minute}(?!\d)", heard) is not None


def test_what_time_is_it_is_answered_with_the_hour(
    assistant_handler: TranscribingReplyOnPause, tts: TTSModel[Any], stt: STTModel
) -> None:
    before = datetime.now()
    with ask(assistant_handler, tts, "What time is it?") as sim:
        after = datetime.now()
        assert sim.record.errors == []
        said = messages(sim)
        assert [m["role"] for m in said] == ["user", "assistant"]
        assert "what time is it" in said[0]["content"].lower()
        assert said[1]["intent"] == "time"
        heard = reply_heard(sim, stt)
    assert mentions_time(heard, before) or mentions_time(heard, after), (
        f"no hour or minutes of {before:%H:%M} in the spoken answer {heard!r} "
        f"({said[1]['content']})"
    )


def test_two_plus_three_is_answered_with_five(
    assistant_handler: TranscribingReplyOnPause, tts: TTSModel[Any], stt: STTModel
) -> None:
    with ask(assistant_handler, tts, "What is two plus three?") as sim:
        assert sim.record.errors == []
        said = messages(sim)
        assert said[1]["content"] == "2 + 3 = 5"
        heard = reply_heard(sim, stt)
    assert re.search(r"\b(5|five)\b", heard), heard


def test_each_sentence_of_the_reply_is_synthesized_when_the_previous_one_plays(
    stt: STTModel, tts: TTSModel[Any]
) -> None:
    """The spoken reply streams: sentence 2 is made while sentence 1 plays, not before."""
    reply = Reply(
        "Three sentences.",
        "Here is the first sentence. Then a second one. And a third one to finish.",
        "test",
    )
    pulled: list[float] = []
    clock: list[HandlerSimulator] = []

    class TimedTTS:
        """piper, noting the simulated time at which the reply takes each sentence."""

        def stream_tts_sync(self, text: str) -> Iterator[tuple[int, np.ndarray]]:
            for chunk in tts.stream_tts_sync(text):
                pulled.append(clock[0].time_s)
                yield chunk

    assistant = Assistant(stt, TimedTTS(), think=lambda heard: reply)  # type: ignore[arg-type]
    handler = TranscribingReplyOnPause(
        assistant.respond_transcribed, stt=stt, input_sample_rate=16000
    )
    audio, _ = spoken(tts, "Tell me something.")
    with HandlerSimulator(handler) as sim:
        clock.append(sim)
        sim.run(audio, RATE, tail_s=10.0)
        assert sim.record.errors == []
        heard = reply_heard(sim, stt)
    assert len(pulled) == 3, pulled
    assert pulled[1] - pulled[0] > 0.5 and pulled[2] - pulled[1] > 0.5, pulled
    assert "first" in heard and "second" in heard and "third" in heard, heard


def test_partial_transcripts_arrive_while_the_question_is_spoken(
    assistant_handler: TranscribingReplyOnPause, tts: TTSModel[Any]
) -> None:
    audio, speech_end_s = spoken(tts, "What is twelve times seven and then what is two plus three?")
    with HandlerSimulator(assistant_handler) as sim:
        sim.run(audio, RATE, tail_s=8.0)
        pause = sim.events(StatusEvent.PAUSE_DETECTED)[0].sim_time_s
        partials = [
            (t, o.args[0])
            for t, o in sim.record.outputs
            if isinstance(o.args[0], PartialTranscript)
        ]
        final = messages(sim)[0]["content"]
    assert len(partials) >= 2, partials
    assert all(t < pause for t, _ in partials), (partials, pause)
    # while the question is still being spoken, not just before the pause
    assert sum(t < speech_end_s - 0.5 for t, _ in partials) >= 2, (partials, speech_end_s)
    assert re.search(r"12|twelve", partials[0][1].text.lower()), partials[0]
    assert final.lower().startswith("what is 12 times 7"), final


@pytest.mark.parametrize("app", ["assistant.py", "chat.py"])
def test_without_the_speech_extras_the_app_says_how_to_install_them(
    app: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    apps = Path(__file__).resolve().parents[1] / "apps"
    monkeypatch.syspath_prepend(str(apps))
    for module in ("faster_whisper", "piper"):
        monkeypatch.setitem(sys.modules, module, None)  # `import` raises ImportError
    clear_model_cache()
    st.cache_resource.clear()
    try:
        at = AppTest.from_file(str(apps / app), default_timeout=60)
        at.run()
        assert not at.exception, at.exception
        shown = " ".join(e.value for e in at.error)
        assert 'pip install "streamlit-rtc[stt,tts]"' in shown, shown
    finally:
        clear_model_cache()
        st.cache_resource.clear()


@pytest.fixture
def assistant_page(stt: STTModel, tts: TTSModel[Any], monkeypatch: pytest.MonkeyPatch) -> str:
    """``apps/assistant.py`` ready for an AppTest (models loaded, no OpenAI key): its path."""
    apps = Path(__file__).resolve().parents[1] / "apps"
    monkeypatch.syspath_prepend(str(apps))
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    # AppTest's stand-in runtime has no session manager; outside a server it is None
    monkeypatch.setattr(webrtc_component, "get_this_session_info", lambda: None)
    return str(apps / "assistant.py")


def test_the_page_renders_with_and_without_the_wake_phrase(assistant_page: str) -> None:
    at = AppTest.from_file(assistant_page, default_timeout=60)
    at.run()
    assert not at.exception and not at.error, (at.exception, at.error)
    assert [t.value for t in at.title] == ["Offline voice assistant"]
    assert "offline brain" in " ".join(c.value for c in at.sidebar.caption)
    components = [e.proto.component_name for e in at.get("component_instance")]
    assert sum("streamlit_rtc" in name for name in components) == 1, components
    at.sidebar.toggle[0].set_value(True).run()  # ReplyOnStopWords behind the same page
    assert not at.exception and not at.error, (at.exception, at.error)
    at.sidebar.toggle[1].set_value(True).run()  # Smart Turn ends the turns
    assert not at.exception and not at.error and not at.sidebar.warning, at.sidebar.warning


def test_without_the_turn_extra_the_app_says_how_to_install_it(
    assistant_page: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(SmartTurn, "_shared", {})  # not the model another test loaded
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "pipecat" else real(name, *a)
    )
    st.cache_resource.clear()
    try:
        at = AppTest.from_file(assistant_page, default_timeout=60)
        at.run()
        at.sidebar.toggle[1].set_value(True).run()
        assert not at.exception and not at.error, (at.exception, at.error)
        shown = " ".join(w.value for w in at.sidebar.warning)
        assert 'pip install "streamlit-rtc[turn]"' in shown, shown
    finally:
        st.cache_resource.clear()
