"""ReplyOnStopWords on real speech (espeak-ng stop-phrase fixtures), simulated clock.

The default offline detector runs for real. Which positives it catches is
measured (and bounded from below) in ``test_keywords.py``; here every
positive it catches must lead to exactly one reply whose audio is the
request after the phrase, and nothing else may ever reach ``fn``.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import numpy as np
import pytest
import soxr
from stopword_fixtures import MANIFEST, RATE, floor, load, phrases

from streamlit_rtc import (
    AdditionalOutputs,
    HandlerSimulator,
    KeywordHit,
    PocketSphinxDetector,
    ReplyOnStopWords,
    StatusEvent,
    StopPhrase,
)

TAIL_S = 0.15  # silence after the request in every fixture (make_stopword_fixtures.TAIL_S)
PHRASE_TAIL_TOLERANCE_S = 0.12  # how much of the phrase's last phone may remain
REQUEST_HEAD_TOLERANCE_S = 0.03  # how much of the request's onset may be cut


class Recorder:
    """A reply function that remembers its audio and answers with a tone."""

    def __init__(self, reply_s: float = 0.2) -> None:
        self.calls: list[tuple[int, np.ndarray, tuple[Any, ...]]] = []
        self.reply_s = reply_s

    def __call__(self, audio: tuple[int, np.ndarray], *args: Any) -> Iterator[Any]:
        rate, array = audio
        self.calls.append((rate, array, args))
        yield AdditionalOutputs(array.shape[1] / rate)
        n = int(24000 * self.reply_s)
        tone = (0.3 * np.sin(2 * np.pi * 440 * np.arange(n) / 24000)).astype(np.float32)
        for chunk in np.array_split(tone, max(1, n // 480)):
            yield (24000, chunk)


def offset_in(fixture: np.ndarray, piece: np.ndarray, rate: int) -> float:
    """Where ``piece`` starts inside ``fixture`` (16 kHz), in seconds (FFT cross-correlation)."""
    piece16 = soxr.resample(piece.astype(np.float32), rate, RATE)
    a = fixture.astype(np.float64)
    b = piece16.astype(np.float64)
    n = 1 << int(np.ceil(np.log2(a.size + b.size)))
    corr = np.fft.irfft(np.fft.rfft(a, n) * np.conj(np.fft.rfft(b, n)), n)
    return float(np.argmax(corr[: a.size])) / RATE


@pytest.fixture(scope="module")
def handler() -> ReplyOnStopWords:
    """One prototype (the detector's model is shared by every copy, as in a server)."""
    return ReplyOnStopWords(Recorder(), phrases(), detect_in_thread=False)


def run(handler: ReplyOnStopWords, audio: np.ndarray, tail_s: float = 1.0) -> HandlerSimulator:
    sim = HandlerSimulator(handler)
    sim.run(audio, RATE, tail_s=tail_s)
    sim.close()
    return sim


def with_fn(handler: ReplyOnStopWords, fn: Any, **kwargs: Any) -> ReplyOnStopWords:
    """A prototype like ``handler`` but with another reply function (same detector, inline)."""
    kwargs.setdefault("detect_in_thread", False)
    return ReplyOnStopWords(fn, handler.stop_words, detector=handler.detector, **kwargs)


class PositiveRun:
    """What one positive fixture did to a fresh connection of the handler."""

    def __init__(self, item: dict[str, Any], sim: HandlerSimulator, fn: Recorder) -> None:
        self.item = item
        self.stopwords = sim.events(StatusEvent.STOPWORD)
        self.pauses = sim.events(StatusEvent.PAUSE_DETECTED)
        self.calls = fn.calls


@pytest.fixture(scope="module")
def positive_runs(handler: ReplyOnStopWords) -> list[PositiveRun]:
    """Every positive fixture as the start of its own connection."""
    runs = []
    for item in MANIFEST:
        if item["kind"] == "positive":
            fn = Recorder()
            runs.append(PositiveRun(item, run(with_fn(handler, fn), load(item["file"])), fn))
    return runs


@pytest.fixture(scope="module")
def detected(positive_runs: list[PositiveRun]) -> list[dict[str, Any]]:
    """Positive fixtures whose phrase the handler heard."""
    found = [r.item for r in positive_runs if r.stopwords]
    # Measured: 17 of 56 when the phrase is the first thing a connection hears (the
    # detector's recall over a running stream is higher: test_keywords.py).
    assert len(found) >= len(positive_runs) // 4, f"only {len(found)} stop phrases heard"
    return found


def cut_errors(r: PositiveRun) -> list[str]:
    """What is wrong with where the reply's audio starts and ends (empty: nothing)."""
    item = r.item
    rate, heard, _ = r.calls[0]
    start = offset_in(load(item["file"]), heard[0], rate)
    end = start + heard.shape[1] / rate
    problems = []
    if start < item["phrase_end_s"] - PHRASE_TAIL_TOLERANCE_S:
        problems.append(f"starts {item['phrase_end_s'] - start:.3f} s before the phrase ends")
    if start > item["request_start_s"] + REQUEST_HEAD_TOLERANCE_S:
        problems.append(f"misses the request's first {start - item['request_start_s']:.3f} s")
    if end < item["duration_s"] - TAIL_S - 0.02:
        problems.append("misses the request's end")
    return problems


def test_each_heard_phrase_gets_one_reply(positive_runs: list[PositiveRun]) -> None:
    for r in positive_runs:
        name = r.item["file"]
        if not r.stopwords:
            assert r.calls == [], f"{name}: a reply without a stop phrase"
            continue
        assert len(r.calls) == 1, f"{name}: {len(r.calls)} replies"
        assert len(r.stopwords) == 1, f"{name}: the phrase was reported twice"
        assert r.stopwords[0].status.detail in (
            r.item["phrase"],
            "computer",  # "okay computer" may be caught by its suffix
        ), name
        assert len(r.pauses) == 1 and r.stopwords[0].sim_time_s <= r.pauses[0].sim_time_s


def test_the_phrase_reported_is_the_phrase_said(positive_runs: list[PositiveRun]) -> None:
    # or its last word(s): "computer" for "ok computer" cuts the request at the same place
    wrong = [
        (r.item["file"], r.stopwords[0].status.detail)
        for r in positive_runs
        if r.stopwords and not r.item["phrase"].endswith(str(r.stopwords[0].status.detail))
    ]
    assert not wrong


def test_a_shorter_phrase_is_not_reported_as_a_longer_one(handler: ReplyOnStopWords) -> None:
    """ "computer" said after a pause is not "ok computer" with an "ok" made of the pause.

    These three files back to back, as one live stream, made the keyphrase
    search place "ok" on the 80-90 ms before "computer" in the second one.
    """
    names = [
        "pos_en-gb-scotland_s150_computer_pause.wav",
        "pos_en-gb-scotland_s190_computer_nopause.wav",
        "pos_en-gb-scotland_s190_computer_oneshot.wav",
    ]
    parts = []
    for i, name in enumerate(names):
        parts += [load(name), floor(1.0, seed=i)]
    sim = run(with_fn(handler, Recorder()), np.concatenate(parts))
    heard = [e.status.detail for e in sim.events(StatusEvent.STOPWORD)]
    assert heard, "none of the three was heard"
    assert set(heard) == {"computer"}, heard


def test_reply_gets_the_request_without_the_phrase_mostly(
    positive_runs: list[PositiveRun],
) -> None:
    """Most replies get exactly the request: the phrase cut off, the request whole."""
    heard = [r for r in positive_runs if r.calls]
    bad = {r.item["file"]: cut_errors(r) for r in heard if cut_errors(r)}
    assert len(bad) <= 0.25 * len(heard), bad


@pytest.mark.xfail(
    strict=True,
    reason="open (issue 4): the default detector sometimes places the phrase on "
    "'okay compu-' (leaving '-ter' in the request) or ends it late (clipping it)",
)
def test_reply_gets_the_request_without_the_phrase_always(
    positive_runs: list[PositiveRun],
) -> None:
    bad = {r.item["file"]: cut_errors(r) for r in positive_runs if r.calls and cut_errors(r)}
    assert not bad, bad


def no_reply_without_the_phrase(handler: ReplyOnStopWords, kind: str) -> None:
    files = [m["file"] for m in MANIFEST if m["kind"] == kind]
    assert files
    fn = Recorder()
    audio = np.concatenate(
        [np.concatenate([load(f), np.zeros(RATE // 2, np.int16)]) for f in files]
    )
    sim = run(with_fn(handler, fn), audio)
    assert fn.calls == []
    assert sim.events(StatusEvent.STOPWORD) == []
    if kind != "noise":  # the speech was heard, and ignored
        assert len(sim.events(StatusEvent.STARTED_TALKING)) >= len(files) // 2


@pytest.mark.parametrize("kind", ["negative", "noise"])
def test_no_reply_without_the_phrase(handler: ReplyOnStopWords, kind: str) -> None:
    no_reply_without_the_phrase(handler, kind)


@pytest.mark.xfail(
    strict=True, reason="open (issue 4): 'please compute the total' can pass for 'computer'"
)
def test_no_reply_to_near_misses(handler: ReplyOnStopWords) -> None:
    no_reply_without_the_phrase(handler, "nearmiss")


def say_until_heard(sim: HandlerSimulator, candidates: list[dict[str, Any]]) -> dict[str, Any]:
    """Say phrase+request fixtures in turn until the handler hears a new stop phrase.

    The detector does not catch every phrase (see test_keywords.py), and a miss
    is just a request without a phrase, which must go unanswered anyway.
    """
    for i, item in enumerate(candidates):
        before = len(sim.events(StatusEvent.STOPWORD))
        sim.run(np.concatenate([load(item["file"]), floor(1.0, i)]), RATE)
        if len(sim.events(StatusEvent.STOPWORD)) > before:
            return item
    pytest.fail("none of the phrases the handler heard alone was heard again later")


def test_returns_to_waiting_after_the_reply(
    handler: ReplyOnStopWords, detected: list[dict[str, Any]]
) -> None:
    """phrase+request, a request alone, phrase+request: two replies, each to its request."""
    fn = Recorder()
    sim = HandlerSimulator(with_fn(handler, fn))
    first = say_until_heard(sim, detected)
    assert len(fn.calls) == 1
    request_alone = next(
        m for m in MANIFEST if m["kind"] == "negative" and m["voice"] == first["voice"]
    )
    sim.run(np.concatenate([load(request_alone["file"]), floor(1.0)]), RATE)
    assert len(fn.calls) == 1  # back to waiting: the request alone gets no answer
    calls_before = len(fn.calls)
    second = say_until_heard(sim, detected[::-1])
    sim.run(floor(1.0), RATE)
    sim.close()
    assert len(fn.calls) == calls_before + 1
    rate, heard, _ = fn.calls[-1]
    assert offset_in(load(second["file"]), heard[0], rate) >= (
        second["phrase_end_s"] - PHRASE_TAIL_TOLERANCE_S
    )
    assert len(sim.events(StatusEvent.RESPONSE_DONE)) == 2


def test_plain_speech_does_not_interrupt_but_the_phrase_does(
    handler: ReplyOnStopWords, detected: list[dict[str, Any]]
) -> None:
    negative = next(m for m in MANIFEST if m["kind"] == "negative")
    fn = Recorder(reply_s=30.0)
    sim = HandlerSimulator(with_fn(handler, fn))
    say_until_heard(sim, detected)
    assert len(fn.calls) == 1
    sim.run(np.concatenate([load(negative["file"]), floor(1.0)]), RATE)
    assert sim.events(StatusEvent.INTERRUPTED) == []  # the request alone went unheeded
    before = sim.time_s
    say_until_heard(sim, detected)
    sim.run(floor(0.5), RATE)
    interrupted = sim.events(StatusEvent.INTERRUPTED)
    assert len(interrupted) == 1 and interrupted[0].sim_time_s > before
    assert len(fn.calls) == 2  # the new request was answered
    sim.close()


def test_async_fn_and_extra_inputs(
    handler: ReplyOnStopWords, detected: list[dict[str, Any]]
) -> None:
    got: list[tuple[float, str]] = []

    async def reply(audio: tuple[int, np.ndarray], name: str) -> AsyncIterator[Any]:
        rate, array = audio
        got.append((array.shape[1] / rate, name))
        await asyncio.sleep(0)
        yield (24000, np.zeros(2400, dtype=np.int16))

    proto = with_fn(handler, reply)
    sim = HandlerSimulator(proto)
    sim.handler.set_args(["ada"])
    sim.run(load(detected[0]["file"]), RATE, tail_s=1.0)
    sim.close()
    assert len(got) == 1 and got[0][1] == "ada" and got[0][0] > 0.3


def test_threaded_detection_never_blocks_receive(
    handler: ReplyOnStopWords, detected: list[dict[str, Any]]
) -> None:
    """Default mode: the detector runs on its own thread; late hits still get the request."""
    fn = Recorder()
    proto = ReplyOnStopWords(fn, handler.stop_words, detector=handler.detector)
    sim = HandlerSimulator(proto)
    item = detected[0]
    sim.run(load(item["file"]), RATE, tail_s=0.2)
    deadline = time.monotonic() + 10
    while not fn.calls and time.monotonic() < deadline:
        sim.run(np.zeros(RATE // 10, dtype=np.int16), RATE)  # keep the clock going
        time.sleep(0.01)
    sim.close()
    assert len(fn.calls) == 1
    assert [s.status.detail for s in sim.events(StatusEvent.STOPWORD)][:1] in (
        [item["phrase"]],
        ["computer"],
    )


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


def test_watcher_thread_stops_with_the_session(
    handler: ReplyOnStopWords, detected: list[dict[str, Any]]
) -> None:
    before = {t.ident for t in threading.enumerate()}
    sim = HandlerSimulator(
        ReplyOnStopWords(Recorder(), handler.stop_words, detector=handler.detector)
    )
    sim.run(load(detected[0]["file"]), RATE)
    sim.close()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        extra = [t for t in threading.enumerate() if t.ident not in before and t.is_alive()]
        if not extra:
            break
        time.sleep(0.05)
    assert not extra, [t.name for t in extra]


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="stop_words"):
        ReplyOnStopWords(Recorder(), [])
    assert ReplyOnStopWords(Recorder(), "ok computer").stop_words == [StopPhrase("ok computer")]
    with pytest.raises(ValueError, match="not in the pocketsphinx English dictionary"):
        ReplyOnStopWords(Recorder(), ["zorblaxo"])


def test_default_detector_is_offline_pocketsphinx(handler: ReplyOnStopWords) -> None:
    assert isinstance(handler.detector, PocketSphinxDetector)
    copy = handler.copy()
    assert copy.detector is handler.detector  # the model is shared, state is per stream


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
    from streamlit_rtc.reply.keyword_watch import KeywordWatcher

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
    """A detector that hears nothing but counts the audio it is given."""

    sample_rate = RATE

    def __init__(self) -> None:
        self.fed = 0

    def start_stream(self) -> _Counting:
        return self

    def feed(self, audio: np.ndarray) -> list[KeywordHit]:
        self.fed += audio.size
        return []

    def reset(self) -> None:
        pass


def test_the_detector_only_hears_speech() -> None:
    """Idle listening costs no detection: silence and noise never reach the detector."""
    counting = _Counting()
    sim = HandlerSimulator(
        ReplyOnStopWords(Recorder(), ["computer"], detector=counting, detect_in_thread=False)
    )
    sim.run(np.concatenate([floor(3.0), load("noise_white.wav"), floor(1.0)]), RATE)
    assert counting.fed == 0
    speech = load(next(m["file"] for m in MANIFEST if m["kind"] == "negative"))
    sim.run(np.concatenate([speech, floor(3.0)]), RATE)
    sim.close()
    # the speech, with its pre-roll and hangover, but not the 3 s of silence after it
    assert speech.size * 0.8 < counting.fed < speech.size + 2.0 * RATE
