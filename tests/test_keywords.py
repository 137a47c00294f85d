"""Tests for streamlit_rtc.audio.keywords on real (espeak-ng) audio.

Fixtures: ``tests/fixtures/stopwords`` (see ``make_stopword_fixtures.py``):
56 positives ("computer", "ok computer"/"okay computer", "hello iris" followed
by a request with a 300 ms pause, a 40 ms gap, or in one sentence; 7 voices x
2 rates) and 45 negatives (the requests alone, near-misses such as
"commuter", "compute", "computed", "competitor", "commute her", and noise).

These test the pocketsphinx-only detector, the default without the ``stt`` extra
(the two-stage default is tested in ``test_confirmed_detector.py``). Measured
with ``bench/stopwords_detector.py``:
see MEASURED_RECALL below.  The recall floor is the measured value minus a
margin of about two files, so a regression fails while pocketsphinx build
differences do not.  False triggers must be zero on other speech and noise.
Where the issue's goals are not met yet (recall >= 0.9, no trigger on
near-misses, every hit placed at the phrase end) a strict xfail says so and
turns into a failure the day it passes, so the marker gets removed.
"""

from __future__ import annotations

import numpy as np
import pytest
from stopword_fixtures import MANIFEST, RATE, load, phrases

from streamlit_rtc.audio.keywords import (
    KeywordDetector,
    KeywordHit,
    KeywordStream,
    PocketSphinxDetector,
    StopPhrase,
    TranscriptionDetector,
    normalize_phrase,
)

MEASURED_RECALL = 0.68  # bench/stopwords_detector.py (38 of 56 positives)
MIN_RECALL = 0.64  # the measured value minus two files
END_TOLERANCE_S = 0.25


@pytest.fixture(scope="module")
def detector() -> PocketSphinxDetector:
    return PocketSphinxDetector(phrases())


@pytest.fixture(scope="module")
def results(detector: PocketSphinxDetector) -> dict[str, list[KeywordHit]]:
    """Every fixture through one stream, 20 ms chunks, reset between files.

    Hit times are converted back to file time.
    """
    stream = detector.start_stream()
    out: dict[str, list[KeywordHit]] = {}
    for item in MANIFEST:
        audio = load(item["file"])
        stream.reset()
        start = stream.stream_time_s
        hits: list[KeywordHit] = []
        for i in range(0, len(audio), 320):
            hits.extend(stream.feed(audio[i : i + 320]))
        out[item["file"]] = [
            KeywordHit(h.phrase, h.start_s - start, h.end_s - start, h.score) for h in hits
        ]
    return out


def _correct(item: dict, hits: list[KeywordHit]) -> list[KeywordHit]:
    # "computer" inside "ok computer" ends at the same place: it counts.
    return [h for h in hits if item["phrase"].endswith(h.phrase)]


def test_protocols(detector: PocketSphinxDetector) -> None:
    assert isinstance(detector, KeywordDetector)
    assert isinstance(detector.start_stream(), KeywordStream)
    fake = TranscriptionDetector(lambda rate, a: "", ["computer"])
    assert isinstance(fake, KeywordDetector)
    assert isinstance(fake.start_stream(), KeywordStream)


def _recall(results: dict[str, list[KeywordHit]]) -> float:
    pos = [m for m in MANIFEST if m["kind"] == "positive"]
    assert len(pos) >= 50
    return sum(1 for m in pos if _correct(m, results[m["file"]])) / len(pos)


def test_recall_on_positives(results: dict[str, list[KeywordHit]]) -> None:
    recall = _recall(results)
    assert recall >= MIN_RECALL, f"recall {recall:.3f} < {MIN_RECALL} (measured {MEASURED_RECALL})"


@pytest.mark.xfail(strict=True, reason="open (issue 4): the goal is recall >= 0.9")
def test_recall_goal(results: dict[str, list[KeywordHit]]) -> None:
    assert _recall(results) >= 0.9


def _false_triggers(results: dict[str, list[KeywordHit]], kinds: set[str]) -> dict:
    bad = {}
    for m in MANIFEST:
        if m["kind"] not in kinds:
            continue
        hits = results[m["file"]]
        wrong = [h for h in hits if m["phrase"] is None or not m["phrase"].endswith(h.phrase)]
        if wrong:
            bad[m["file"]] = wrong
    return bad


def test_no_false_triggers_on_other_speech_and_noise(
    results: dict[str, list[KeywordHit]],
) -> None:
    """The requests alone, noise, and the requests that follow the phrases."""
    bad = _false_triggers(results, {"negative", "noise", "positive"})
    assert not bad, f"false triggers: {bad}"


@pytest.mark.xfail(
    strict=True,
    reason="open (issue 4): pocketsphinx's model barely separates 'computer' from "
    "'compute the' on synthetic voices; 2 near-miss files still trigger",
)
def test_no_false_triggers_on_near_misses(results: dict[str, list[KeywordHit]]) -> None:
    bad = _false_triggers(results, {"nearmiss"})
    assert not bad, f"false triggers: {bad}"


def test_each_hit_reported_once(results: dict[str, list[KeywordHit]]) -> None:
    for m in MANIFEST:
        if m["kind"] == "positive":
            assert len(results[m["file"]]) <= 1, (m["file"], results[m["file"]])


def _end_errors(results: dict[str, list[KeywordHit]]) -> dict[str, float]:
    """Hit end minus true phrase end, per correctly detected positive with an exact end."""
    errors = {}
    for m in MANIFEST:
        if m["kind"] == "positive" and m["phrase_end_exact"]:
            for h in _correct(m, results[m["file"]])[:1]:
                assert m["phrase_start_s"] - 0.3 <= h.start_s < h.end_s
                errors[m["file"]] = h.end_s - m["phrase_end_s"]
    assert errors
    return errors


def test_hit_times_match_phrase_end_mostly(results: dict[str, list[KeywordHit]]) -> None:
    errors = _end_errors(results)
    good = [f for f, e in errors.items() if abs(e) <= END_TOLERANCE_S]
    assert len(good) >= 0.8 * len(errors), {f: round(e, 3) for f, e in errors.items()}


@pytest.mark.xfail(
    strict=True,
    reason="open (issue 4): 'computer' is sometimes placed on the 'okay compu-' of "
    "'okay computer' (end 0.5 s early)",
)
def test_hit_times_match_phrase_end_always(results: dict[str, list[KeywordHit]]) -> None:
    errors = _end_errors(results)
    assert all(abs(e) <= END_TOLERANCE_S for e in errors.values()), errors


def _detected(results: dict[str, list[KeywordHit]], n: int = 4) -> list[dict]:
    found = [
        m
        for m in MANIFEST
        if m["kind"] == "positive" and m["phrase_end_exact"] and _correct(m, results[m["file"]])
    ]
    assert found, "no positive detected"
    return found[:n]


def _first_detected(results: dict[str, list[KeywordHit]]) -> dict:
    return _detected(results, 1)[0]


def test_stream_time_across_odd_chunks(
    detector: PocketSphinxDetector, results: dict[str, list[KeywordHit]]
) -> None:
    """Hits keep stream time when audio arrives in odd chunk sizes after a quiet prefix."""
    checked = 0
    # 8, not 4: the quiet prefix shifts the live CMN, and the first few detections
    # (single-word, stage-2 verified) may not survive it; this test is about time.
    for item in _detected(results, 8):
        audio = load(item["file"])
        prefix = load("noise_brown.wav")[: int(1.37 * RATE)] // 8  # quiet noise first
        stream = detector.start_stream()
        rng = np.random.default_rng(3)
        signal = np.concatenate([prefix, audio])
        hits: list[KeywordHit] = []
        i = 0
        while i < len(signal):
            n = int(rng.integers(1, 1500))
            hits.extend(stream.feed(signal[i : i + n]))
            i += n
        assert stream.stream_time_s == pytest.approx(len(signal) / RATE)
        good = _correct(item, hits)
        if good:
            expected_end = len(prefix) / RATE + item["phrase_end_s"]
            assert abs(good[0].end_s - expected_end) <= END_TOLERANCE_S
            checked += 1
    assert checked, "no detected positive was detected again when fed in odd chunks"


def test_reset_keeps_stream_time(
    detector: PocketSphinxDetector, results: dict[str, list[KeywordHit]]
) -> None:
    item = _first_detected(results)
    audio = load(item["file"])
    stream = detector.start_stream()
    stream.feed(np.zeros(RATE // 2, dtype=np.int16) + 1)
    stream.reset()
    hits = stream.feed(audio)
    good = _correct(item, hits)
    assert good
    assert abs(good[0].end_s - (0.5 + item["phrase_end_s"])) <= END_TOLERANCE_S


def test_feed_rejects_float_audio(detector: PocketSphinxDetector) -> None:
    with pytest.raises(TypeError, match="int16"):
        detector.start_stream().feed(np.zeros(160, dtype=np.float32))


def test_out_of_dictionary_word_is_said_as_spelled() -> None:
    """A phrase no spelling of which is in the dictionary gets a guessed pronunciation, loudly."""
    det = PocketSphinxDetector(["hey zorblaxo"])
    assert dict(det.phrases[0].pronunciations) == {"zorblaxo": "Z AO R B L AE K S AA"}
    assert det.notice is not None and "'zorblaxo' as Z AO R B L AE K S AA" in det.notice
    assert "StopPhrase('hey zorblaxo', pronunciations=" in det.notice
    # a misspelling beside a spelling in the dictionary is left out, not guessed
    det = PocketSphinxDetector([StopPhrase("llama", alternatives=("lamma",))])
    assert det.notice is None and det.phrases[0].pronunciations == ()


def test_a_stop_phrase_word_the_models_cannot_read_is_an_error_not_dropped() -> None:
    """Words in other scripts would vanish in normalisation ("hey さくら" -> "hey")."""
    with pytest.raises(ValueError, match="'さくら' has no Latin letters"):
        StopPhrase("hey さくら")
    with pytest.raises(ValueError, match="no Latin letters"):
        StopPhrase("hey sakura", alternatives=("hey さくら",))
    with pytest.raises(ValueError, match="has no words"):
        StopPhrase("...")
    assert StopPhrase("Hey Zoë!").spellings == (("hey", "zoe"),)


def test_a_word_with_no_letters_to_guess_from_is_an_error() -> None:
    with pytest.raises(ValueError) as err:
        PocketSphinxDetector(["hey 123"])
    msg = str(err.value)
    assert "'123'" in msg and "alternative" in msg and "pronunciation" in msg


def test_out_of_dictionary_word_with_pronunciation() -> None:
    det = PocketSphinxDetector(
        [StopPhrase("hey zorblaxo", pronunciations={"zorblaxo": "Z AO R B L AE K S OW"})]
    )
    stream = det.start_stream()
    assert stream.feed(load("noise_white.wav")[:RATE]) == []
    with pytest.raises(ValueError, match="unknown phones"):
        PocketSphinxDetector([StopPhrase("hey zorblaxo", pronunciations={"zorblaxo": "Q9"})])


# --- normalisation and the transcription adapter -------------------------------


def test_normalize_phrase() -> None:
    assert normalize_phrase("OK, Computer!") == ("ok", "computer")
    assert normalize_phrase("O.K. computer") == ("ok", "computer")
    assert normalize_phrase("  Héllo   IRIS?? ") == ("hello", "iris")
    assert normalize_phrase("what's up-date") == ("whats", "up", "date")
    assert normalize_phrase("...") == ()


def _fake(texts: list[str]):
    calls: list[tuple[int, int]] = []

    def transcribe(rate: int, audio: np.ndarray) -> str:
        calls.append((rate, len(audio)))
        return texts[min(len(calls) - 1, len(texts) - 1)]

    return transcribe, calls


def _speech(seconds: float) -> np.ndarray:
    return (np.random.default_rng(0).normal(0, 3000, int(seconds * RATE))).astype(np.int16)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("OK, Computer! what time is it", ["ok computer"]),
        ("okay computer, lights on", ["ok computer"]),
        ("Computer. What's the weather?", ["computer"]),
        ("my computers are slow", []),
        ("the supercomputer is fast", []),
        ("compute the total", []),
        ("hello, Iris", ["hello iris"]),
    ],
)
def test_transcription_matching(text: str, expected: list[str]) -> None:
    transcribe, _ = _fake([text, ""])
    det = TranscriptionDetector(
        transcribe,
        ["computer", StopPhrase("ok computer", alternatives=("okay computer",)), "hello iris"],
        window_s=2.0,
        hop_s=0.5,
    )
    hits = det.start_stream().feed(_speech(0.5))
    assert [h.phrase for h in hits] == expected
    for h in hits:
        assert 0.0 <= h.start_s < h.end_s <= 0.5 + 1e-9


def test_transcription_window_hop_and_time() -> None:
    transcribe, calls = _fake(["", "", "", "", "", "computer play music", ""])
    det = TranscriptionDetector(transcribe, ["computer"], window_s=2.0, hop_s=0.5)
    stream = det.start_stream()
    hits: list[KeywordHit] = []
    audio = _speech(4.0)
    for i in range(0, len(audio), 777):  # odd chunk sizes
        hits.extend(stream.feed(audio[i : i + 777]))
    assert len(calls) == 8  # once per 0.5 s
    assert all(rate == RATE and n <= 2 * RATE for rate, n in calls)  # bounded window
    assert [h.phrase for h in hits] == ["computer"]
    # 6th call covers 1.0-3.0 s; "computer" is the first of 3 words
    assert 1.0 <= hits[0].start_s < hits[0].end_s <= 2.0


def test_transcription_errors_propagate() -> None:
    def broken(rate: int, audio: np.ndarray) -> str:
        raise RuntimeError("stt down")

    stream = TranscriptionDetector(broken, ["computer"]).start_stream()
    with pytest.raises(RuntimeError, match="stt down"):
        stream.feed(_speech(0.6))


def test_stop_phrase_validation() -> None:
    with pytest.raises(ValueError):
        StopPhrase("!!!")
    with pytest.raises(ValueError):
        PocketSphinxDetector([])
    assert StopPhrase("OK Computer", alternatives=("okay computer", "ok computer")).spellings == (
        ("ok", "computer"),
        ("okay", "computer"),
    )


def test_unpronounceable_misspellings_are_skipped_with_a_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The seed's advice, stop_words=["llama", "lamma"], ports as is."""
    with caplog.at_level("WARNING"):
        det = PocketSphinxDetector(["llama", "lamma"])
    assert "lamma" in caplog.text and "pronunciation" in caplog.text
    assert det.start_stream().feed(load("noise_white.wav")[:RATE]) == []
