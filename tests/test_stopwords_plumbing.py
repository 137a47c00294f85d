"""ReplyOnStopWords plumbing: detector threads, errors, what the detector hears, notices.

Real speech from the stop-phrase fixtures; the detectors are the real
default ones or small stand-ins that fail or count on purpose.
"""

from __future__ import annotations

import logging
import threading
import time

import numpy as np
import pytest
from stopword_fixtures import ESPEAK, MANIFEST, NEURAL, RATE, floor, load, phrases
from stopword_runs import Recorder

from streamlit_rtc import (
    HandlerSimulator,
    KeywordHit,
    PocketSphinxDetector,
    ReplyOnStopWords,
    StatusEvent,
    StopPhrase,
)
from streamlit_rtc.audio.keywords import (
    STT_NOTICE,
    ConfirmedDetector,
    default_detector,
    stt_installed,
)
from streamlit_rtc.audio.keywords import default as default_module
from streamlit_rtc.reply.keyword_watch import KeywordWatcher

needs_stt = pytest.mark.skipif(not stt_installed(), reason='needs "streamlit-rtc[stt]"')


@pytest.fixture(scope="module")
def fallback() -> PocketSphinxDetector:
    detector = default_detector(phrases(), use_stt=False)
    assert isinstance(detector, PocketSphinxDetector)
    return detector


def neural_positive() -> np.ndarray:
    item = next(m for m in NEURAL.items("positive", "tune") if m["phrase"] == "ok computer")
    return NEURAL.load(item["file"])


@needs_stt
def test_threaded_detection_never_blocks_receive() -> None:
    """Default mode: the detector runs on its own thread; late hits still get the request."""
    fn = Recorder()
    sim = HandlerSimulator(ReplyOnStopWords(fn, phrases()))
    sim.run(neural_positive(), RATE, tail_s=0.2)
    deadline = time.monotonic() + 10
    while not fn.calls and time.monotonic() < deadline:
        sim.run(np.zeros(RATE // 10, dtype=np.int16), RATE)  # keep the clock going
        time.sleep(0.01)
    sim.close()
    assert len(fn.calls) == 1
    assert [s.status.detail for s in sim.events(StatusEvent.STOPWORD)] == ["ok computer"]


class _Exploding:
    """A detector whose stream fails on the first audio it gets."""

    sample_rate = RATE

    def start_stream(self) -> _Exploding:
        return self

    def feed(self, audio: np.ndarray) -> list[KeywordHit]:
        raise RuntimeError("model file is corrupt")

    def reset(self) -> None:
        pass


@pytest.mark.parametrize("threaded", [False, True])
def test_detector_error_is_reported_and_the_stream_goes_on(threaded: bool) -> None:
    fn = Recorder()
    proto = ReplyOnStopWords(fn, ["computer"], detector=_Exploding(), detect_in_thread=threaded)
    sim = HandlerSimulator(proto)
    speech = load(next(m["file"] for m in MANIFEST if m["kind"] == "negative"))
    sim.run(speech, RATE)  # the detector only hears speech
    deadline = time.monotonic() + 5
    while not sim.events(StatusEvent.ERROR) and time.monotonic() < deadline:
        sim.run(np.zeros(RATE // 10, dtype=np.int16), RATE)
    sim.run(speech, RATE)  # receive keeps working
    sim.close()
    errors = sim.events(StatusEvent.ERROR)
    assert len(errors) == 1
    assert "keyword detector failed" in str(errors[0].status.detail)
    assert "model file is corrupt" in str(errors[0].status.detail)
    assert fn.calls == []


def test_watcher_thread_stops_with_the_session(fallback: PocketSphinxDetector) -> None:
    before = {t.ident for t in threading.enumerate()}
    sim = HandlerSimulator(ReplyOnStopWords(Recorder(), phrases(), detector=fallback))
    sim.run(load(ESPEAK.items("positive")[0]["file"]), RATE)
    sim.close()
    deadline = time.monotonic() + 5
    extra: list[threading.Thread] = []
    while time.monotonic() < deadline:
        extra = [t for t in threading.enumerate() if t.ident not in before and t.is_alive()]
        if not extra:
            break
        time.sleep(0.05)
    assert not extra, [t.name for t in extra]


def test_bad_arguments(fallback: PocketSphinxDetector) -> None:
    with pytest.raises(ValueError, match="stop_words"):
        ReplyOnStopWords(Recorder(), [], detector=fallback)
    one = ReplyOnStopWords(Recorder(), "ok computer", detector=fallback)
    assert one.stop_words == [StopPhrase("ok computer")]
    with pytest.raises(ValueError, match="not in the pocketsphinx English dictionary"):
        ReplyOnStopWords(Recorder(), ["hey 123"])  # no letters to guess a pronunciation from


def test_without_stt_the_page_and_the_log_say_how_to_get_the_dependable_detector(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The fallback's notice goes to the page once per stream, to the log once per process."""
    monkeypatch.setattr(default_module, "_announced", set())
    with caplog.at_level(logging.INFO, logger="streamlit_rtc.audio.keywords.default"):
        first = default_detector(phrases(), use_stt=False)
        default_detector(phrases(), use_stt=False)
    notices = [r for r in caplog.records if "streamlit-rtc[stt]" in r.getMessage()]
    assert len(notices) == 1 and notices[0].levelno == logging.WARNING
    said = [r.getMessage() for r in caplog.records if "pocketsphinx" in r.getMessage()]
    assert said and all("stop-phrase detector" in m or "[stt]" in m for m in said)

    sim = HandlerSimulator(ReplyOnStopWords(Recorder(), phrases(), detector=first))
    sim.run(load(ESPEAK.items("negative")[0]["file"]), RATE, tail_s=0.5)
    sim.close()
    messages = sim.record.messages
    assert messages.count(("warning", STT_NOTICE)) == 1
    logs = [payload for kind, payload in messages if kind == "log"]
    assert len(logs) == 1 and "pocketsphinx" in logs[0]
    assert 'pip install "streamlit-rtc[stt]"' in STT_NOTICE


@needs_stt
def test_with_stt_the_page_is_told_which_detector_listens() -> None:
    detector = default_detector(phrases())
    assert isinstance(detector, ConfirmedDetector)
    sim = HandlerSimulator(ReplyOnStopWords(Recorder(), phrases(), detector=detector))
    sim.run(floor(0.5), RATE)
    sim.close()
    assert [kind for kind, _ in sim.record.messages] == ["log"]
    assert "confirmed by speech-to-text" in str(sim.record.messages[0][1])


@needs_stt
def test_a_made_up_name_is_said_as_spelled_and_the_page_is_told() -> None:
    """A word missing from the dictionary gets a pronunciation guessed from its spelling.

    fastrtc matches stop words on text, so any word works there; here the
    keyphrase search needs sounds, and the page says which were guessed and
    how to give the right ones.
    """
    handler = ReplyOnStopWords(Recorder(), ["hey zorbo", "computer"])
    sim = HandlerSimulator(handler)
    sim.run(floor(0.5), RATE)
    sim.close()
    warnings = [str(payload) for kind, payload in sim.record.messages if kind == "warning"]
    assert len(warnings) == 1, sim.record.messages
    assert "'zorbo' as Z AO R B" in warnings[0] and "pronunciations=" in warnings[0]
    assert "computer" not in warnings[0]


class _HitAt:
    """A detector stream that reports one hit when its own clock passes ``at_s``."""

    def __init__(self, at_s: float) -> None:
        self.at_s, self.fed, self.resets = at_s, 0, 0

    def feed(self, audio: np.ndarray) -> list[KeywordHit]:
        before, self.fed = self.fed / RATE, self.fed + audio.size
        if before < self.at_s <= self.fed / RATE:
            return [KeywordHit("computer", self.at_s - 0.5, self.at_s)]
        return []

    def reset(self) -> None:
        self.resets += 1


@pytest.mark.parametrize("threaded", [False, True])
def test_watcher_reports_hits_in_stream_time_when_silence_is_skipped(threaded: bool) -> None:
    stream = _HitAt(at_s=1.8)
    hits: list[KeywordHit] = []
    done = threading.Event()

    def on_hit(hit: KeywordHit) -> None:
        hits.append(hit)
        done.set()

    watcher = KeywordWatcher(stream, RATE, on_hit, lambda exc: None, threaded=threaded)
    second = np.zeros(RATE, dtype=np.int16)
    watcher.push(second, 0.0)  # detector clock 0-1 s = stream 0-1 s
    watcher.mark_reset()
    watcher.push(second, 5.0)  # 4 s of silence skipped: clock 1-2 s = stream 5-6 s
    assert done.wait(5.0)
    watcher.close()
    assert len(hits) == 1
    assert hits[0].start_s == pytest.approx(5.3) and hits[0].end_s == pytest.approx(5.8)
    assert stream.resets == 1


class _Counting:
    """A detector that hears nothing but counts the audio it is given and its resets."""

    sample_rate = RATE

    def __init__(self) -> None:
        self.fed = 0
        self.resets = 0

    def start_stream(self) -> _Counting:
        return self

    def feed(self, audio: np.ndarray) -> list[KeywordHit]:
        self.fed += audio.size
        return []

    def reset(self) -> None:
        self.resets += 1


def test_the_detector_only_hears_speech() -> None:
    """Idle listening costs no detection: silence and noise never reach the detector."""
    counting = _Counting()
    sim = HandlerSimulator(
        ReplyOnStopWords(Recorder(), ["computer"], detector=counting, detect_in_thread=False)
    )
    sim.run(np.concatenate([floor(3.0), load("noise_white.wav"), floor(1.0)]), RATE)
    assert counting.fed == 0
    speech = load(next(m["file"] for m in MANIFEST if m["kind"] == "negative"))
    resets = counting.resets
    sim.run(np.concatenate([speech, floor(3.0)]), RATE)
    sim.close()
    # the speech, with its pre-roll and hangover, but not the 3 s of silence after it
    assert speech.size * 0.8 < counting.fed < speech.size + 2.0 * RATE
    assert counting.resets > resets  # a fresh start after the speech
