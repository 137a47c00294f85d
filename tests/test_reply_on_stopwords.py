"""ReplyOnStopWords on real speech, simulated clock, both voice sets (espeak-ng and neural).

The default detector runs for real: with the ``stt`` extra (installed for
the tests) that is the two-stage ``ConfirmedDetector`` (pocketsphinx
candidates confirmed by Whisper tiny.en).  Each positive clip starts its own
connection (the first phrase a session hears).  Every phrase heard must
lead to exactly one reply whose audio is the request after the phrase, and
nothing else may ever reach ``fn``.  Recall floors are the measured values
minus about two clips; the neural set's held-out clips (settings the
detector was not tuned on) are held to the same floor.  The plumbing
(threads, errors, notices, the listen gate) is in ``test_stopwords_plumbing.py``.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import numpy as np
import pytest
from audio_offsets import offset_in
from human_speech import HUMAN_SPEECH, PHRASE_ENDS_S
from stopword_fixtures import (
    ESPEAK,
    NEURAL,
    OTHER_PHRASES,
    RATE,
    VoiceSet,
    floor,
    load,
    phrases,
)
from stopword_runs import (
    PHRASE_TAIL_TOLERANCE_S,
    PositiveRun,
    Recorder,
    head_tolerance,
    run,
    say_until_heard,
    with_fn,
)

from streamlit_rtc import HandlerSimulator, ReplyOnStopWords, StatusEvent, get_stt_model
from streamlit_rtc.audio.cpu_features import int8_dot_product_flags
from streamlit_rtc.audio.keywords import ConfirmedDetector, stt_installed
from streamlit_rtc.audio.keywords.normalize import normalize_phrase
from streamlit_rtc.testing import read_wav

pytestmark = pytest.mark.skipif(
    not stt_installed(), reason='the default detector under test needs "streamlit-rtc[stt]"'
)

# Measured, one connection per positive clip: espeak 32 of 56 (33 before Whisper's odds were
# asked about "I rest"-like matches: espeak's "Hello, I miss what?" is one), neural 44 of 45.
MIN_RECALL = {"espeak": 0.53, "neural": 0.9}
VOICES = {"espeak": ESPEAK, "neural": NEURAL}
BOTH = pytest.mark.parametrize("voice", ["espeak", "neural"])


@pytest.fixture(scope="module")
def handler() -> ReplyOnStopWords:
    """One prototype with the default detector (its models are shared by every copy)."""
    return ReplyOnStopWords(Recorder(), phrases(), detect_in_thread=False)


_RUNS: dict[str, list[PositiveRun]] = {}


@pytest.fixture
def runs(handler: ReplyOnStopWords, voice: str) -> list[PositiveRun]:
    """Every positive clip of the voice set, each as the start of its own connection."""
    if voice not in _RUNS:
        _RUNS[voice] = [
            PositiveRun(VOICES[voice], m, handler) for m in VOICES[voice].items("positive")
        ]
    return _RUNS[voice]


def test_the_default_is_the_confirmed_detector(handler: ReplyOnStopWords) -> None:
    assert isinstance(handler.detector, ConfirmedDetector)
    assert handler.copy().detector is handler.detector  # models shared, state per stream


@BOTH
def test_most_phrases_are_heard(runs: list[PositiveRun], voice: str) -> None:
    recall = sum(1 for r in runs if r.stopwords) / len(runs)
    missed = [r.item["file"] for r in runs if not r.stopwords]
    assert recall >= MIN_RECALL[voice], f"recall {recall:.3f}; missed {missed}"
    held = [r for r in runs if r.item.get("split") == "heldout"]
    if held:
        held_recall = sum(1 for r in held if r.stopwords) / len(held)
        assert held_recall >= MIN_RECALL[voice], f"held-out recall {held_recall:.3f}"


@BOTH
def test_each_heard_phrase_gets_one_reply(runs: list[PositiveRun]) -> None:
    for r in runs:
        name = r.item["file"]
        if not r.stopwords:
            assert r.calls == [], f"{name}: a reply without a stop phrase"
            continue
        assert len(r.calls) == 1, f"{name}: {len(r.calls)} replies"
        assert len(r.stopwords) == 1, f"{name}: the phrase was reported twice"
        assert len(r.pauses) == 1 and r.stopwords[0].sim_time_s <= r.pauses[0].sim_time_s


@BOTH
def test_the_phrase_reported_is_the_phrase_said(runs: list[PositiveRun]) -> None:
    # or its last word(s): "computer" for "ok computer" cuts the request at the same place
    wrong = [
        (r.item["file"], r.stopwords[0].status.detail)
        for r in runs
        if r.stopwords and not r.item["phrase"].endswith(str(r.stopwords[0].status.detail))
    ]
    assert not wrong


@BOTH
def test_reply_gets_the_request_without_the_phrase_mostly(
    runs: list[PositiveRun], handler: ReplyOnStopWords
) -> None:
    pad = handler.options.end_pad_s
    heard = [r for r in runs if r.calls]
    bad = {r.item["file"]: r.cut_errors(pad) for r in heard if r.cut_errors(pad)}
    assert len(bad) <= 0.25 * len(heard), bad


@pytest.mark.parametrize(
    "voice",
    [
        pytest.param(
            "espeak",
            marks=pytest.mark.xfail(
                strict=True,
                reason="open (issue 4): on espeak voices the keyphrase search ends some "
                "phrases 0.12-0.31 s early and the hit keeps its times: '-ter' stays in "
                "the request (8 of 56 clips)",
            ),
        ),
        "neural",
    ],
)
def test_reply_gets_the_request_without_the_phrase_always(
    runs: list[PositiveRun], handler: ReplyOnStopWords
) -> None:
    """What ``fn`` gets starts after the phrase, holds all of the request, and no more."""
    pad = handler.options.end_pad_s
    bad = {r.item["file"]: r.cut_errors(pad) for r in runs if r.calls and r.cut_errors(pad)}
    assert not bad, bad


def no_reply_without_the_phrase(
    handler: ReplyOnStopWords, voice: VoiceSet, kind: str, split: str | None = None
) -> None:
    files = [m["file"] for m in voice.items(kind, split)]
    assert files
    fn = Recorder()
    parts = [np.concatenate([voice.load(f), floor(0.5, i)]) for i, f in enumerate(files)]
    sim = run(with_fn(handler, fn), np.concatenate(parts))
    assert [e.status.detail for e in sim.events(StatusEvent.STOPWORD)] == []
    assert fn.calls == []
    if kind != "noise":  # the speech was heard, and ignored
        assert len(sim.events(StatusEvent.STARTED_TALKING)) >= len(files) // 2


@pytest.mark.parametrize(
    ("voice", "kind"), [("espeak", "negative"), ("espeak", "noise"), ("neural", "negative")]
)
def test_no_reply_without_the_phrase(handler: ReplyOnStopWords, voice: str, kind: str) -> None:
    no_reply_without_the_phrase(handler, VOICES[voice], kind)


@pytest.mark.parametrize("split", ["tune", "heldout"])
def test_no_reply_to_near_misses_neural(handler: ReplyOnStopWords, split: str) -> None:
    """ "a computing course", "please compute the total", "my computers are old" ..."""
    no_reply_without_the_phrase(handler, NEURAL, "nearmiss", split)


@pytest.mark.xfail(
    not int8_dot_product_flags(),
    strict=False,
    reason="open (issue 12): without VNNI, Whisper tiny.en heard espeak's Scottish 'commuters "
    "computed it' as '... computer to it'; with VNNI ('Commutors computer', 'computed' close "
    "behind) it is refused since the near-miss rival rule (not yet seen on a CPU without VNNI)",
)
def test_no_reply_to_near_misses_espeak(handler: ReplyOnStopWords) -> None:
    no_reply_without_the_phrase(handler, ESPEAK, "nearmiss")


def test_ordinary_conversation(handler: ReplyOnStopWords) -> None:
    """Two minutes of plain sentences with three phrases: three replies, each to its request."""
    item = NEURAL.items("conversation")[0]
    audio = NEURAL.load(item["file"])
    fn = Recorder()
    sim = run(with_fn(handler, fn), audio)
    said = item["phrases"]
    assert [e.status.detail for e in sim.events(StatusEvent.STOPWORD)] == [
        p["phrase"] for p in said
    ]
    assert len(fn.calls) == len(said)
    for (rate, got), truth in zip(fn.calls, said, strict=True):
        start = offset_in(audio, RATE, got[0], rate)
        assert truth["phrase_end_s"] - PHRASE_TAIL_TOLERANCE_S <= start
        assert start <= truth["request_start_s"] + head_tolerance(truth)


def test_a_shorter_phrase_is_not_reported_as_a_longer_one(handler: ReplyOnStopWords) -> None:
    """ "computer" said after a pause is not "ok computer" with an "ok" made of the pause."""
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


def heard_first(runs: list[PositiveRun]) -> list[dict[str, Any]]:
    found = [r.item for r in runs if r.stopwords and r.item["join"] == "pause"]
    assert found
    return found


@BOTH
def test_returns_to_waiting_after_the_reply(
    handler: ReplyOnStopWords, runs: list[PositiveRun], voice: str
) -> None:
    """phrase+request, a request alone, phrase+request: two replies, each to its request."""
    voice_set = VOICES[voice]
    detected = heard_first(runs)
    fn = Recorder()
    sim = HandlerSimulator(with_fn(handler, fn))
    say_until_heard(sim, voice_set, detected)
    assert len(fn.calls) == 1
    request_alone = voice_set.items("negative")[0]
    sim.run(np.concatenate([voice_set.load(request_alone["file"]), floor(1.0)]), RATE)
    assert len(fn.calls) == 1  # back to waiting: the request alone gets no answer
    second = say_until_heard(sim, voice_set, detected[::-1])
    sim.run(floor(1.0), RATE)
    sim.close()
    assert len(fn.calls) == 2
    rate, heard = fn.calls[-1]
    start = offset_in(voice_set.load(second["file"]), RATE, heard[0], rate)
    assert start >= second["phrase_end_s"] - PHRASE_TAIL_TOLERANCE_S
    assert len(sim.events(StatusEvent.RESPONSE_DONE)) == 2


@pytest.mark.parametrize("voice", ["neural"])
def test_plain_speech_does_not_interrupt_but_the_phrase_does(
    handler: ReplyOnStopWords, runs: list[PositiveRun], voice: str
) -> None:
    detected = heard_first(runs)
    fn = Recorder(reply_s=30.0)
    sim = HandlerSimulator(with_fn(handler, fn))
    say_until_heard(sim, NEURAL, detected)
    assert len(fn.calls) == 1
    negative = NEURAL.items("negative")[0]
    sim.run(np.concatenate([NEURAL.load(negative["file"]), floor(1.0)]), RATE)
    assert sim.events(StatusEvent.INTERRUPTED) == []  # the request alone went unheeded
    before = sim.time_s
    say_until_heard(sim, NEURAL, detected)
    sim.run(floor(0.5), RATE)
    interrupted = sim.events(StatusEvent.INTERRUPTED)
    assert len(interrupted) == 1 and interrupted[0].sim_time_s > before
    assert len(fn.calls) == 2  # the new request was answered
    sim.close()


@pytest.mark.parametrize("voice", ["neural"])
def test_async_fn_and_extra_inputs(
    handler: ReplyOnStopWords, runs: list[PositiveRun], voice: str
) -> None:
    got: list[tuple[float, str]] = []

    async def reply(audio: tuple[int, np.ndarray], name: str) -> AsyncIterator[Any]:
        rate, array = audio
        got.append((array.shape[1] / rate, name))
        await asyncio.sleep(0)
        yield (24000, np.zeros(2400, dtype=np.int16))

    sim = HandlerSimulator(with_fn(handler, reply))
    sim.handler.set_args(["ada"])
    sim.run(NEURAL.load(heard_first(runs)[0]["file"]), RATE, tail_s=1.0)
    sim.close()
    assert len(got) == 1 and got[0][1] == "ada" and got[0][0] > 0.3


def test_a_human_voice_gets_the_request_after_a_phrase_never_tuned_on() -> None:
    """A man reading Beckett, "no matter" as the stop phrase: the reply hears "Try again."

    The request is the sentence after the phrase, whole: Whisper reads it
    exactly, with nothing of "matter" before it.
    """
    assert HUMAN_SPEECH.is_file(), f"{HUMAN_SPEECH} is missing: run bash scripts/bootstrap.sh"
    rate, samples = read_wav(HUMAN_SPEECH, mono=True)
    assert rate == RATE
    fn = Recorder()
    sim = run(ReplyOnStopWords(fn, ["no matter"], detect_in_thread=False), samples)
    heard = sim.events(StatusEvent.STOPWORD)
    assert [e.status.detail for e in heard] == ["no matter"]
    assert abs(heard[0].status.stream_time_s - PHRASE_ENDS_S["no matter"]) < 0.3
    assert len(fn.calls) == 1
    reply_rate, reply_audio = fn.calls[0]
    said = get_stt_model().stt((reply_rate, reply_audio[0]))
    assert said.strip(" .").lower() == "try again", said


def test_phrases_never_tuned_on_hand_over_the_request() -> None:
    """ "okay nova" (names Whisper splits) and "hey zorbo" (in no dictionary), one connection each.

    The reply hears the request after the phrase and nothing of the name.
    Measured on the VNNI Xeon: 7 of 8 heard; one request read "but turn off
    the radio." (the end of "nova").
    """
    stt = get_stt_model()
    heard = 0
    for item in OTHER_PHRASES.manifest:
        if item["phrase"] is None:
            continue
        fn = Recorder()
        handler = ReplyOnStopWords(fn, ["okay nova", "hey zorbo"], detect_in_thread=False)
        sim = run(handler, OTHER_PHRASES.load(item["file"]))
        events = [e.status.detail for e in sim.events(StatusEvent.STOPWORD)]
        if not events:
            assert fn.calls == []
            continue
        assert events == [item["phrase"]], (item["file"], events)
        heard += 1
        assert len(fn.calls) == 1, item["file"]
        reply_rate, reply_audio = fn.calls[0]
        said = normalize_phrase(stt.stt((reply_rate, reply_audio[0])))
        request = normalize_phrase(item["spoken"].split(",", 1)[1])
        assert said[-len(request) :] == request and not {"nova", "zorbo"} & set(said), (
            item["file"],
            said,
        )
    assert heard >= 5, heard
