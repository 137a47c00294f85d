"""ConfirmedDetector (pocketsphinx candidates confirmed by Whisper tiny.en) on real speech.

Each voice set is fed through ONE detector stream in 20 ms pieces, reset
between clips (stream time keeps counting), as ``bench/stopwords_detector.py``
does; hit times are turned back into clip time.  Whisper comes from the
``stt`` extra (never downloaded).  Floors are measured values minus about
two clips; held-out neural clips (settings never tuned on) count the same.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from human_speech import HUMAN_SPEECH, PHRASE_ENDS_S
from stopword_fixtures import ESPEAK, NEURAL, RATE, VoiceSet, floor, phrases

from streamlit_rtc.audio.cpu_features import int8_dot_product_flags
from streamlit_rtc.audio.keywords import (
    ConfirmedDetector,
    KeywordDetector,
    KeywordHit,
    KeywordStream,
    StopPhrase,
    stt_installed,
)
from streamlit_rtc.audio.keywords.confirmed_stream import ConfirmedStream
from streamlit_rtc.audio.keywords.voice_warp import Listening
from streamlit_rtc.audio.speech import HeardWord, ScoredSTTModel, ScoredTranscript
from streamlit_rtc.testing import pitch_shifted, read_wav

pytestmark = pytest.mark.skipif(not stt_installed(), reason='needs "streamlit-rtc[stt]"')

END_TOLERANCE_S = 0.25
# measured: neural 44-45 of 45 (tune 26-27 of 27, held-out 18 of 18), espeak 33 of 56
MIN_RECALL = {"neural": 0.9, "espeak": 0.55}


@pytest.fixture(scope="module")
def detector() -> ConfirmedDetector:
    return ConfirmedDetector(phrases())


def feed_set(detector: ConfirmedDetector, voice: VoiceSet) -> dict[str, list[KeywordHit]]:
    """Every clip (no conversation) through one stream; hits in clip time."""
    stream = detector.start_stream()
    out: dict[str, list[KeywordHit]] = {}
    for i, item in enumerate(m for m in voice.manifest if m["kind"] != "conversation"):
        audio = np.concatenate([voice.load(item["file"]), floor(1.2, i)])
        stream.reset()
        start = stream.stream_time_s
        hits: list[KeywordHit] = []
        for k in range(0, audio.size, 320):
            hits.extend(stream.feed(audio[k : k + 320]))
        out[item["file"]] = [
            KeywordHit(h.phrase, h.start_s - start, h.end_s - start, h.score) for h in hits
        ]
    return out


_RESULTS: dict[str, dict[str, list[KeywordHit]]] = {}


def results(detector: ConfirmedDetector, voice: VoiceSet) -> dict[str, list[KeywordHit]]:
    if voice.name not in _RESULTS:
        _RESULTS[voice.name] = feed_set(detector, voice)
    return _RESULTS[voice.name]


def correct(item: dict[str, Any], hits: list[KeywordHit]) -> list[KeywordHit]:
    return [h for h in hits if item["phrase"] and item["phrase"].endswith(h.phrase)]


def feed_shifted(
    stream: KeywordStream, item: dict[str, Any], shift: float, seed: int
) -> tuple[list[KeywordHit], float]:
    """A neural clip played ``shift`` times faster (pitch and formants too): another speaker.

    Fed after a reset, with 1.2 s of noise floor after it; returns the hits
    and the stream time the clip started at.
    """
    import soxr

    clip = NEURAL.load(item["file"]).astype(np.float32)
    shifted = soxr.resample(clip, round(RATE * shift), RATE).astype(np.int16)
    audio = np.concatenate([shifted, floor(1.2, seed)])
    stream.reset()
    start = stream.stream_time_s
    hits = [h for k in range(0, audio.size, 320) for h in stream.feed(audio[k : k + 320])]
    return hits, start


def test_protocol(detector: ConfirmedDetector) -> None:
    assert isinstance(detector, KeywordDetector)
    assert isinstance(detector.start_stream(), KeywordStream)
    assert "confirmed by speech-to-text" in detector.description


@pytest.mark.parametrize("voice", [NEURAL, ESPEAK], ids=["neural", "espeak"])
def test_recall(detector: ConfirmedDetector, voice: VoiceSet) -> None:
    got = results(detector, voice)
    for split in sorted({str(m.get("split")) for m in voice.items("positive")}):
        pos = [m for m in voice.items("positive") if str(m.get("split")) == split]
        recall = sum(1 for m in pos if correct(m, got[m["file"]])) / len(pos)
        missed = [m["file"] for m in pos if not correct(m, got[m["file"]])]
        assert recall >= MIN_RECALL[voice.name], (split, recall, missed)


def test_neural_no_false_triggers_and_each_phrase_once(detector: ConfirmedDetector) -> None:
    got = results(detector, NEURAL)
    for item in NEURAL.manifest:
        if item["kind"] == "conversation":
            continue
        hits = got[item["file"]]
        if item["kind"] == "positive":
            assert len(hits) <= 1 and hits == correct(item, hits), (item["file"], hits)
        else:
            assert hits == [], (item["file"], item["text"], hits)


@pytest.mark.xfail(
    not int8_dot_product_flags(),
    strict=False,
    reason="open (issue 4): without VNNI, Whisper tiny.en heard espeak's Scottish 'commuters "
    "computed it' as '... computer to it'; with VNNI it is rejected since the second look "
    "keeps the first look's start (not yet seen on a CPU without VNNI)",
)
def test_espeak_no_false_triggers_on_near_misses(detector: ConfirmedDetector) -> None:
    got = results(detector, ESPEAK)
    bad = {m["file"]: got[m["file"]] for m in ESPEAK.items("nearmiss") if got[m["file"]]}
    assert not bad


def test_espeak_no_false_triggers_on_other_speech(detector: ConfirmedDetector) -> None:
    got = results(detector, ESPEAK)
    for item in ESPEAK.manifest:
        if item["kind"] in ("negative", "noise"):
            assert got[item["file"]] == [], item["file"]
        elif item["kind"] == "positive":
            assert got[item["file"]] == correct(item, got[item["file"]]), item["file"]


def test_hits_end_where_the_phrase_ends(detector: ConfirmedDetector) -> None:
    """Stage 2 confirms; the time stays the keyphrase search's: the end of the phrase."""
    got = results(detector, NEURAL)
    errors = {
        m["file"]: round(h.end_s - m["phrase_end_s"], 3)
        for m in NEURAL.items("positive")
        for h in correct(m, got[m["file"]])[:1]
    }
    assert errors
    assert all(abs(e) <= END_TOLERANCE_S for e in errors.values()), errors


def test_stream_time_across_odd_chunks_after_a_quiet_prefix(detector: ConfirmedDetector) -> None:
    item = next(m for m in NEURAL.items("positive", "heldout") if m["join"] == "pause")
    prefix = floor(1.37, 5)
    signal = np.concatenate([prefix, NEURAL.load(item["file"]), floor(1.2, 6)])
    stream = detector.start_stream()
    rng = np.random.default_rng(3)
    hits: list[KeywordHit] = []
    i = 0
    while i < signal.size:
        n = int(rng.integers(1, 1500))
        hits.extend(stream.feed(signal[i : i + n]))
        i += n
    assert stream.stream_time_s == pytest.approx(signal.size / RATE)
    good = correct(item, hits)
    assert len(good) == 1
    assert abs(good[0].end_s - (prefix.size / RATE + item["phrase_end_s"])) <= END_TOLERANCE_S


class _Failing:
    def stt(self, audio: tuple[int, np.ndarray]) -> str:
        raise RuntimeError("speech-to-text crashed")


def test_speech_to_text_errors_propagate_to_the_caller() -> None:
    """The watcher reports what feed() raises; nothing is swallowed here."""
    det = ConfirmedDetector(phrases(), stt=_Failing())
    item = next(m for m in NEURAL.items("positive", "tune") if m["phrase"] == "ok computer")
    stream = det.start_stream()
    audio = np.concatenate([NEURAL.load(item["file"]), floor(1.2)])
    with pytest.raises(RuntimeError, match="crashed"):
        for k in range(0, audio.size, 320):
            stream.feed(audio[k : k + 320])


def test_feed_rejects_float_audio(detector: ConfirmedDetector) -> None:
    with pytest.raises(TypeError, match="int16"):
        detector.start_stream().feed(np.zeros(160, dtype=np.float32))


class _ScriptedScoredSTT:
    """Stage 2 as a script: each look's transcript, with the windows it was given."""

    def __init__(self, *looks: ScoredTranscript) -> None:
        self.looks = list(looks)
        self.windows: list[int] = []

    def stt(self, audio: tuple[int, np.ndarray]) -> str:
        return self.stt_scored(audio).text

    def stt_scored(self, audio: tuple[int, np.ndarray]) -> ScoredTranscript:
        self.windows.append(audio[1].size)
        return self.looks.pop(0) if self.looks else ScoredTranscript("", ())


TimedHits = list[tuple[KeywordHit, float]]


def _hear_computer(det: ConfirmedDetector) -> tuple[ConfirmedStream, TimedHits]:
    """A neural "computer ..." clip and 1.5 s of floor fed to a new stream in 20 ms pieces:
    the stream, and each hit with the stream time at which it came."""
    item = next(m for m in NEURAL.items("positive", "tune") if m["phrase"] == "computer")
    audio = np.concatenate([NEURAL.load(item["file"]), floor(1.5)])
    stream = det.start_stream()
    hits: TimedHits = []
    for k in range(0, audio.size, 320):
        hits.extend((h, (k + 320) / RATE) for h in stream.feed(audio[k : k + 320]))
    return stream, hits


UNSURE = ScoredTranscript("computer, turn", (HeardWord("computer", 0.3), HeardWord("turn", 0.9)))


@pytest.mark.parametrize(
    ("second", "confirmed"),
    [
        (
            ScoredTranscript("Computed it.", (HeardWord("computed", 0.6), HeardWord("it", 0.9))),
            False,
        ),
        (
            ScoredTranscript("computer what", (HeardWord("computer", 0.4), HeardWord("what", 0.9))),
            True,
        ),
    ],
)
def test_a_phrase_written_unsure_is_looked_at_again(
    second: ScoredTranscript, confirmed: bool
) -> None:
    """The first look's "computer" (unsure) counts only if the longer second look says it too."""
    stt = _ScriptedScoredSTT(UNSURE, second)
    det = ConfirmedDetector(phrases(), stt=stt)
    assert isinstance(stt, ScoredSTTModel)
    stream, hits = _hear_computer(det)
    assert stream.transcriptions == 2
    assert stt.windows[1] > stt.windows[0]  # the second look hears what followed
    if not confirmed:
        assert hits == []
        return
    ((hit, when),) = hits
    assert hit.phrase == "computer"
    assert when >= hit.end_s + det.second_look_s - 0.05  # only once the second look was due


COMPUTE_THIS = ScoredTranscript("Compute this for me.", (HeardWord("compute", 0.9),))


COMPUTES = ScoredTranscript("He computes it every day.", (HeardWord("computes", 0.9),))
SLIP = ScoredTranscript(
    "He computer every day.", (HeardWord("he", 0.9), HeardWord("computer", 0.43))
)
ESPEAK_LAST = ScoredTranscript("Computer, what is that?", (HeardWord("computer", 0.7),))


@pytest.mark.parametrize(
    ("edge", "last", "confirmed"),
    [
        (COMPUTE_THIS, COMPUTE_THIS, False),
        (ScoredTranscript("Computer.", (HeardWord("computer", 0.95),)), None, True),
        # Still the last word a quarter second later: no word followed it.
        (ScoredTranscript("computer", (HeardWord("computer", 0.55),)), None, True),
        # The quick look heard a near-miss word; the last look's slip into the phrase is unsure.
        (COMPUTES, SLIP, False),
        # An espeak voice: the quick look misread the phrase, the last look reads it sure.
        (ScoredTranscript("Commuter what is not", ()), ESPEAK_LAST, True),
    ],
)
def test_a_transcript_ending_on_the_phrase_unsure_gets_a_quick_look(
    edge: ScoredTranscript, last: ScoredTranscript | None, confirmed: bool
) -> None:
    """Cut 0.2 s after "compute", "compute this" reads "computer"; 0.25 s more audio tells.

    A quick look that does not confirm leaves the decision to the last look,
    held to a sure reading when the quick one wrote a near-miss word: "He
    computes it every day." at 0.45 s, then "He computer every day." (0.43)
    at 1.0 s (piper, unseen seed 27).
    """
    first = ScoredTranscript("computer", (HeardWord("computer", 0.8),))
    stt = _ScriptedScoredSTT(first, edge, *([] if last is None else [last]))
    det = ConfirmedDetector(phrases(), stt=stt)
    assert det.edge_look_s is not None and det.second_look_s is not None
    stream, hits = _hear_computer(det)
    assert stream.transcriptions == (2 if last is None else 3)
    assert stt.windows == sorted(set(stt.windows))  # each look hears more
    if not confirmed:
        assert hits == []
        return
    ((hit, when),) = hits
    assert hit.phrase == "computer"
    due = det.edge_look_s if last is None else det.second_look_s
    assert hit.end_s + due - 0.05 <= when < hit.end_s + due + 0.1


def test_without_a_quick_look_the_first_look_decides_as_before() -> None:
    """``edge_look_s=None``: a last word at ``end_confidence`` or surer counts at once."""
    first = ScoredTranscript("computer", (HeardWord("computer", 0.8),))
    stt = _ScriptedScoredSTT(first, COMPUTE_THIS)
    det = ConfirmedDetector(phrases(), stt=stt, edge_look_s=None)
    stream, timed = _hear_computer(det)
    hits = [h for h, _ in timed]
    assert stream.transcriptions == 1
    assert [h.phrase for h in hits] == ["computer"]
    with pytest.raises(ValueError, match="edge_look_s"):
        ConfirmedDetector(phrases(), stt=stt, edge_look_s=1.5)


@pytest.mark.parametrize(
    ("second", "confirmed"),
    [(ScoredTranscript("Computer, turn on the lights."), True), (ScoredTranscript(""), False)],
)
def test_an_empty_first_look_is_looked_at_again(second: ScoredTranscript, confirmed: bool) -> None:
    """Whisper sometimes writes nothing for a clear phrase; that is no evidence against it."""
    stt = _ScriptedScoredSTT(ScoredTranscript(""), second)
    det = ConfirmedDetector(phrases(), stt=stt)
    stream, timed = _hear_computer(det)
    hits = [h for h, _ in timed]
    assert stream.transcriptions == 2
    assert [h.phrase for h in hits] == (["computer"] if confirmed else [])


def test_a_higher_voice_is_heard(detector: ConfirmedDetector) -> None:
    """The piper clips played 12 % faster (pitch and formants too): roughly another speaker.

    Its "computer" scores -5 to -14 at stage 1, under a one-word floor of 0 (5 of 30 were
    lost); measured 29-30 of 30 with the floor at -15, and no near-miss fires.
    """
    stream = detector.start_stream()
    heard = total = 0
    for i, item in enumerate(m for m in NEURAL.manifest if m["kind"] != "conversation"):
        if item["kind"] == "positive" and "computer" not in item["phrase"]:
            continue  # "hello iris" is another matter: docs/stop-phrase-research.md
        hits, _ = feed_shifted(stream, item, 1.12, i)
        if item["kind"] == "positive":
            total += 1
            heard += bool(correct(item, hits))
        else:
            assert hits == [], (item["file"], item["text"], hits)
    assert heard >= total - 2, (heard, total)


def computer_phrases_and_near_misses(
    stream: KeywordStream, factor: float
) -> tuple[int, int, list[tuple[str, str, list[KeywordHit]]]]:
    """The piper "computer" phrases and every near-miss, pitch and formants times ``factor``
    at the same tempo, through ``stream``: (phrases heard, phrases, near-misses that fired)."""
    heard = total = 0
    fired = []
    for i, item in enumerate(m for m in NEURAL.manifest if m["kind"] != "conversation"):
        if item["kind"] == "positive" and "computer" not in item["phrase"]:
            continue
        clip = pitch_shifted(NEURAL.load(item["file"]), RATE, factor)
        audio = np.concatenate([clip, floor(1.2, i)])
        stream.reset()
        hits = [h for k in range(0, audio.size, 320) for h in stream.feed(audio[k : k + 320])]
        if item["kind"] == "positive":
            total += 1
            heard += bool(correct(item, hits))
        elif hits:
            fired.append((item["file"], item["text"], hits))
    return heard, total, fired


def test_a_high_voice_at_its_own_tempo_is_heard(detector: ConfirmedDetector) -> None:
    """The piper clips with pitch and formants 20 % higher, same tempo (a woman's formants).

    Its "computer" scores -16 to -35 at stage 1, under the one-word floor of -15 (6 of
    30 lost); once the voice is measured as high, one-word candidates are looked at from
    -40 (measured 1-2 lost). At most one near-miss fires: since the shifted audio is the
    same on every run (sox ``-R``), the lone word "computed" said slowly does, read
    "computer" even with the looks lowered to an ordinary voice; without the lowering
    "compute it again" fires instead (``docs/stop-phrase-research.md``).
    """
    stream = detector.start_stream()
    heard, total, fired = computer_phrases_and_near_misses(stream, 1.2)
    assert len(fired) <= 1, fired
    assert stream._stage1.high_voice  # type: ignore[attr-defined]
    assert heard >= total - 3, (heard, total)
    cand = KeywordHit("computer", 1.0, 1.5, -25.0)
    assert detector.worth_a_look(cand, high_voice=True) == [cand]
    assert detector.worth_a_look(cand) == []


class _HeardAudio:
    """Whisper, keeping what audio it was given to read (the real model reads it)."""

    def __init__(self, stt: Any) -> None:
        self.stt_model = stt
        self.windows: list[np.ndarray] = []

    def stt(self, audio: tuple[int, np.ndarray]) -> str:
        self.windows.append(np.asarray(audio[1]))
        return str(self.stt_model.stt(audio))


def test_a_high_voice_is_read_lowered_to_the_line(detector: ConfirmedDetector) -> None:
    """Once a voice is measured above ``lower_high_voices_to_hz``, Whisper gets each look
    played slower, its third formant brought down to the line, and still hears the phrase.

    The piper voice raised 20 % measures about 2840 Hz over the stream, so its looks are
    played about 7 % slower; their own formants move by as much.
    """
    from streamlit_rtc.audio.formants import FormantTracker

    items = [m for m in NEURAL.items("positive") if m["phrase"] == "computer"][:8]
    read_f3: dict[float | None, float] = {}
    for lower in (2650.0, None):
        heard_audio = _HeardAudio(detector.stt)
        high = ConfirmedDetector(phrases(), stt=heard_audio, lower_high_voices_to_hz=lower)
        stream = high.start_stream()
        heard = 0
        for i, item in enumerate(items):
            clip = pitch_shifted(NEURAL.load(item["file"]), RATE, 1.2)
            audio = np.concatenate([clip, floor(1.2, i)])
            stream.reset()
            hits = [h for k in range(0, audio.size, 320) for h in stream.feed(audio[k : k + 320])]
            heard += bool(correct(item, hits))
        assert heard >= len(items) - 2, (lower, heard)
        tracker = FormantTracker(RATE, min_frames=15, window_frames=400)
        for window in heard_audio.windows[-3:]:  # the voice is measured by now
            tracker.feed(window)
        assert tracker.f3_hz is not None
        read_f3[lower] = tracker.f3_hz
        voice_f3 = stream._stage1.f3_hz  # type: ignore[attr-defined]
        assert voice_f3 is not None and voice_f3 > 2750, voice_f3
    lowered = 2650.0 / voice_f3  # how much slower the looks were played
    assert lowered < 0.97
    assert read_f3[2650.0] / read_f3[None] == pytest.approx(lowered, abs=0.015), read_f3
    with pytest.raises(ValueError, match="lower_high_voices_to_hz"):
        ConfirmedDetector(phrases(), stt=detector.stt, lower_high_voices_to_hz=2400.0)
    with pytest.raises(ValueError, match="lower_high_voices_to_hz must be a third formant"):
        ConfirmedDetector(phrases(), stt=detector.stt, lower_high_voices_to_hz=5000.0)


def test_a_deep_voice_is_lifted_so_its_near_misses_do_not_fire(
    detector: ConfirmedDetector,
) -> None:
    """The piper clips two semitones deeper at the same tempo (sox ``pitch``).

    Whisper writes such a voice's "compute it again" as "computer again"; once the voice
    is measured as deep, each look is played faster until its third formant is about
    2500 Hz, and it reads what was said. Measured: no near-miss fires (one without the
    lift), 28 of 30 "computer" phrases heard (30 without).
    """
    stream = detector.start_stream()
    heard, total, fired = computer_phrases_and_near_misses(stream, 0.88)
    assert fired == [], fired
    assert stream._stage1.listening is Listening.WARPED  # type: ignore[attr-defined]
    assert heard >= total - 4, (heard, total)
    assert detector.lift_deep_voices_to_hz == 2500.0


def test_a_deeper_voice_is_heard_by_the_last_word(detector: ConfirmedDetector) -> None:
    """The piper "hello iris" clips played 6 % slower (a semitone deeper): another speaker.

    The keyphrase search spots the whole phrase in 3 of 15 such clips, but the lone "iris"
    in most; the phrase heard that way ends where a forced alignment puts it, so the
    request after it is whole.  Measured 11-12 of 15 heard (3 without the lone word), every
    end within 0.2 s of the true one.
    """
    stream = detector.start_stream()
    heard: dict[str, float] = {}
    items = [m for m in NEURAL.items("positive") if m["phrase"] == "hello iris"]
    for i, item in enumerate(items):
        hits, start = feed_shifted(stream, item, 0.94, i)
        assert [h.phrase for h in hits] in ([], ["hello iris"]), (item["file"], hits)
        if hits:
            heard[item["file"]] = round(hits[0].end_s - start - item["phrase_end_s"] / 0.94, 3)
    assert len(heard) >= len(items) - 5, (len(heard), heard)
    assert all(abs(e) <= END_TOLERANCE_S for e in heard.values()), heard


def test_a_much_deeper_voice_is_heard_with_the_warped_search(detector: ConfirmedDetector) -> None:
    """The piper "hello iris" clips played 12 % slower (two semitones deeper).

    The plain keyphrase search raises no candidate at all in most of them (4 of 15
    heard); by default the speaker's formants show a deep voice and the search over a
    warped frequency axis listens instead.  Measured 10 of 15 heard, and no near-miss
    of "hello" or "iris" fires (the transcript still decides).
    """
    deeper = ConfirmedDetector(phrases(), stt=detector.stt)
    assert deeper.warped_candidates is not None
    assert deeper.warped_candidates.config["warp_params"] == "0.85"
    assert "warped 0.85 for deep voices" in deeper.description
    stream = deeper.start_stream()
    heard = total = 0
    items = [
        m
        for m in NEURAL.manifest
        if (m["kind"] == "positive" and m["phrase"] == "hello iris")
        or (m["kind"] == "nearmiss" and {"hello", "iris"} & set(m["text"].lower().split()))
    ]
    for i, item in enumerate(items):
        hits, _ = feed_shifted(stream, item, 0.88, i)
        if item["kind"] == "positive":
            total += 1
            heard += hits == correct(item, hits) != []
        else:
            assert hits == [], (item["file"], item["text"], hits)
    assert heard >= total - 6, (heard, total)  # measured 10 of 15; 4 without the warp
    assert stream._stage1.listening is Listening.WARPED  # type: ignore[attr-defined]


def test_the_warp_must_suit_a_deeper_voice(detector: ConfirmedDetector) -> None:
    for bad in (1.0, 1.2, 0.3):
        with pytest.raises(ValueError, match="deeper_voices_warp"):
            ConfirmedDetector(phrases(), stt=detector.stt, deeper_voices_warp=bad)
    with pytest.raises(ValueError, match="warped_search"):
        ConfirmedDetector(phrases(), stt=detector.stt, warped_search="sometimes")  # type: ignore[arg-type]
    always = ConfirmedDetector(phrases(), stt=detector.stt, warped_search="always")
    assert "warped 0.85 always" in always.description
    assert (
        "warped"
        not in ConfirmedDetector(phrases(), stt=detector.stt, deeper_voices_warp=None).description
    )


def test_a_lone_phrase_whisper_writes_as_a_made_up_word_is_heard(
    detector: ConfirmedDetector,
) -> None:
    """A lone "computer" (piper, kept from ``bench/stopwords_unseen.py``) that Whisper
    tiny.en writes "imputer" on both looks, the search scoring it 123: the made-up word
    stands in for the phrase, as no near-miss word reads likelier there (lost before;
    ``tests/fixtures/stopwords_kept/make_kept.py``)."""
    here = Path(__file__).parent / "fixtures" / "stopwords_kept"
    stream = detector.start_stream()
    rate, clip = read_wav(here / "lone-computer_0.wav", mono=True)
    assert rate == RATE
    hits = [h for k in range(0, clip.size, 320) for h in stream.feed(clip[k : k + 320])]
    assert [h.phrase for h in hits] == ["computer"], hits
    assert abs(hits[0].end_s - 0.7) < END_TOLERANCE_S  # where the word ends


def test_a_human_voice_and_phrases_never_tuned_on() -> None:
    """A man reading Beckett: three of his sentences as stop phrases, each heard once, in place.

    "Fail again" comes between "try again" and "fail better" and must not
    count as either. Measured: ends 0.18 s early ("try again", the search's
    time) to 0.08 s early.
    """
    assert HUMAN_SPEECH.is_file(), f"{HUMAN_SPEECH} is missing: run bash scripts/bootstrap.sh"
    rate, samples = read_wav(HUMAN_SPEECH, mono=True)
    assert rate == RATE
    lead = 0.5
    audio = np.concatenate([floor(lead, 0), samples, floor(1.5, 1)])
    stream = ConfirmedDetector([StopPhrase(p) for p in PHRASE_ENDS_S]).start_stream()
    hits: list[KeywordHit] = []
    for i in range(0, audio.size, 320):
        hits.extend(stream.feed(audio[i : i + 320]))
    assert [h.phrase for h in hits] == list(PHRASE_ENDS_S)
    for hit in hits:
        assert abs(hit.end_s - lead - PHRASE_ENDS_S[hit.phrase]) <= END_TOLERANCE_S, hit
