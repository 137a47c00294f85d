"""How deep a voice is (FormantTracker) and the keyphrase search it picks (VoiceMatchedStreams).

Real speech: the piper and espeak-ng stop-phrase fixtures and a man reading
(``human_speech``); a voice played slower is a deeper speaker (every
frequency, formants included, scales by the shift).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pytest
import soxr
from human_speech import HUMAN_SPEECH
from stopword_fixtures import ESPEAK, NEURAL, RATE, VoiceSet, floor, phrases

from streamlit_rtc.audio.formants import (
    MAX_LIFT,
    FormantTracker,
    checked_formant_line,
    played_faster,
    reading_speed,
    third_formants,
    voice_in_reading_band,
)
from streamlit_rtc.audio.keywords import PocketSphinxDetector
from streamlit_rtc.audio.keywords.candidates import (
    LastWords,
    candidate_detector,
    warped,
)
from streamlit_rtc.audio.keywords.voice_warp import (
    DEEP_VOICE_F3_HZ,
    HIGH_VOICE_F3_HZ,
    HYSTERESIS_HZ,
    NOT_DEEP_VOICE_F3_HZ,
    Listening,
    VoiceMatchedStreams,
)
from streamlit_rtc.testing import read_wav


def shifted(audio: np.ndarray, shift: float) -> np.ndarray:
    """``audio`` played ``shift`` times faster: 0.88 is about two semitones deeper."""
    if shift == 1.0:
        return audio
    out = soxr.resample(audio.astype(np.float32), round(RATE * shift), RATE)
    return np.clip(np.round(out), -32768, 32767).astype(np.int16)


def speech_of(voice: VoiceSet, name: str | None = None, limit: int = 12) -> list[np.ndarray]:
    """Up to ``limit`` clips of one speaker of a fixture set (espeak: ``name``'s voice)."""
    items = [m for m in voice.manifest if m["kind"] in ("positive", "negative", "nearmiss")]
    if name is not None:
        items = [m for m in items if m.get("voice") == name]
    return [voice.load(m["file"]) for m in items[:limit]]


def track(clips: Iterable[np.ndarray], shift: float = 1.0) -> FormantTracker:
    tracker = FormantTracker()
    for clip in clips:
        audio = np.concatenate([shifted(clip, shift), floor(0.5)])
        for k in range(0, audio.size, 320):
            tracker.feed(audio[k : k + 320])
    return tracker


def human() -> np.ndarray:
    rate, audio = read_wav(HUMAN_SPEECH, mono=True)
    assert rate == RATE
    return audio


def test_a_deeper_voice_has_a_proportionally_lower_third_formant() -> None:
    as_recorded = track([human()]).f3_hz
    deeper = track([human()], 0.88).f3_hz
    higher = track([human()], 1.12).f3_hz
    assert as_recorded is not None and deeper is not None and higher is not None
    assert 2400 < as_recorded < 3100, as_recorded  # a man's F3; measured 2710 Hz
    assert 0.83 < deeper / as_recorded < 0.93, (deeper, as_recorded)
    assert 1.06 < higher / as_recorded < 1.18, (higher, as_recorded)


@pytest.mark.parametrize("shift", [1.0, 1.12])
def test_the_fixture_voices_are_not_deep(shift: float) -> None:
    f3 = track(speech_of(NEURAL), shift).f3_hz
    # never the warped search alone; measured 2430-2550 Hz as recorded
    assert f3 is not None and f3 > DEEP_VOICE_F3_HZ + HYSTERESIS_HZ, f3


@pytest.mark.parametrize("voice", ["en-us", "en-gb", "en-gb-x-gbclan+m3", "en-us+f3"])
def test_espeak_voices_are_not_deep(voice: str) -> None:
    f3 = track(speech_of(ESPEAK, voice)).f3_hz
    # never the warped search alone; measured 2410-3020 Hz
    assert f3 is not None and f3 > DEEP_VOICE_F3_HZ + HYSTERESIS_HZ, (voice, f3)


@pytest.mark.parametrize("shift", [0.82, 0.88])
def test_the_piper_voice_two_semitones_deeper_is_deep(shift: float) -> None:
    f3 = track(speech_of(NEURAL), shift).f3_hz
    assert f3 is not None and f3 < DEEP_VOICE_F3_HZ, f3  # measured 2120-2310


def test_silence_and_noise_give_no_estimate() -> None:
    tracker = track([floor(5.0, 3)])
    assert tracker.f3_hz is None and tracker.frames == 0
    loud_noise = (np.random.default_rng(4).standard_normal(5 * RATE) * 3000).astype(np.int16)
    assert track([loud_noise]).f3_hz is None  # many zero crossings: not voiced


def test_the_estimate_follows_a_new_speaker_and_stays_bounded() -> None:
    tracker = track(speech_of(NEURAL, limit=20), 0.88)
    deep = tracker.f3_hz
    for clip in speech_of(NEURAL, limit=30):
        audio = np.concatenate([clip, floor(0.5)])
        for k in range(0, audio.size, 320):
            tracker.feed(audio[k : k + 320])
    assert deep is not None and tracker.f3_hz is not None
    assert tracker.f3_hz > NOT_DEEP_VOICE_F3_HZ > deep, (deep, tracker.f3_hz)
    assert tracker.frames <= 400
    tracker.reset()
    assert tracker.f3_hz is None


def test_third_formants_of_a_synthetic_vowel() -> None:
    """A pulse train through three resonators at 700, 1200 and 2600 Hz reads F3 ~ 2600 Hz."""
    rate = 10_000
    excitation = np.zeros(rate)
    excitation[:: rate // 110] = 1.0  # 110 Hz voice
    signal = excitation
    for centre, bandwidth in ((700, 80), (1200, 90), (2600, 120)):
        radius = np.exp(-np.pi * bandwidth / rate)
        theta = 2 * np.pi * centre / rate
        a1, a2 = -2 * radius * np.cos(theta), radius**2
        out = np.zeros_like(signal)
        for n in range(len(signal)):
            out[n] = signal[n] - a1 * out[n - 1] * (n >= 1) - a2 * out[n - 2] * (n >= 2)
        signal = out
    emphasised = np.append(signal[0], signal[1:] - 0.97 * signal[:-1])
    frames = np.lib.stride_tricks.sliding_window_view(emphasised, 250)[::200]
    f3 = third_formants(frames)
    assert f3.size > 0.8 * len(frames)
    assert abs(float(np.median(f3)) - 2600) < 100, np.median(f3)


# -- the search that listens ----------------------------------------------------------------


@pytest.fixture(scope="module")
def searches() -> tuple[PocketSphinxDetector, PocketSphinxDetector]:
    last = LastWords.of(phrases())
    plain = candidate_detector(phrases(), last)
    return plain, candidate_detector(phrases(), last, config=warped(plain.config, 0.85))


def feed_clips(streams: VoiceMatchedStreams, clips: list[np.ndarray], shift: float) -> list:
    """Feed each clip and 1 s of floor; returns (clip start in stream time, hits) per clip."""
    out = []
    time_s = 0.0
    for i, clip in enumerate(clips):
        audio = np.concatenate([shifted(clip, shift), floor(1.0, i)])
        streams.reset()
        hits = [h for k in range(0, audio.size, 320) for h in streams.feed(audio[k : k + 320])]
        out.append((time_s, hits))
        time_s += audio.size / RATE
    return out


def iris_clips() -> tuple[list[np.ndarray], list[float]]:
    items = [m for m in NEURAL.items("positive") if m["phrase"] == "hello iris"]
    return [NEURAL.load(m["file"]) for m in items], [m["phrase_end_s"] for m in items]


def test_a_deep_voice_gets_the_warped_search_and_keeps_the_streams_time(
    searches: tuple[PocketSphinxDetector, PocketSphinxDetector],
) -> None:
    plain, warped_search = searches
    streams = VoiceMatchedStreams(plain.start_stream(), warped_search.start_stream)
    assert streams.listening is Listening.PLAIN and streams.warped is None
    clips, ends = iris_clips()
    fed = feed_clips(streams, clips, 0.88)
    assert streams.listening is Listening.WARPED, streams.tracker.f3_hz
    # after the choice, only the warped search listens, and its hits are in stream time
    late = [(start, hits, end) for (start, hits), end in zip(fed, ends, strict=True)][-6:]
    placed = [abs(h.end_s - start - end / 0.88) for start, hits, end in late for h in hits]
    assert placed and max(placed) < 0.5, placed


def test_the_plain_search_listens_again_when_a_higher_voice_takes_over(
    searches: tuple[PocketSphinxDetector, PocketSphinxDetector],
) -> None:
    plain, warped_search = searches
    streams = VoiceMatchedStreams(plain.start_stream(), warped_search.start_stream)
    clips, ends = iris_clips()
    deep = feed_clips(streams, clips, 0.88)
    assert streams.listening is Listening.WARPED
    offset = deep[-1][0] + (clips[-1].size / 0.88 + RATE) / RATE
    normal = feed_clips(streams, clips, 1.0)
    assert streams.listening is Listening.PLAIN, streams.tracker.f3_hz
    # the plain search skipped the audio it did not hear: its hits are in stream time
    placed = [
        abs(h.end_s - (offset + start) - end)
        for (start, hits), end in list(zip(normal, ends, strict=True))[-6:]
        for h in hits
    ]
    assert placed and max(placed) < 0.5, placed


class SetVoice:
    """A stand-in tracker whose voice the test sets (the state machine alone)."""

    def __init__(self) -> None:
        self._f3: float | None = None
        self.updates = 0

    @property
    def f3_hz(self) -> float | None:
        return self._f3

    @f3_hz.setter
    def f3_hz(self, value: float | None) -> None:
        self._f3 = value
        self.updates += 1

    def feed(self, audio: np.ndarray) -> None:
        pass


def test_the_searches_follow_the_voice_with_hysteresis(
    searches: tuple[PocketSphinxDetector, PocketSphinxDetector],
) -> None:
    plain, warped_search = searches
    voice = SetVoice()
    made: list[object] = []

    def make_warped():  # type: ignore[no-untyped-def]
        made.append(warped_search.start_stream())
        return made[-1]

    streams = VoiceMatchedStreams(
        plain.start_stream(),
        make_warped,
        tracker=voice,  # type: ignore[arg-type]
    )
    chunk = floor(0.02)
    low, high, h = DEEP_VOICE_F3_HZ, NOT_DEEP_VOICE_F3_HZ, HYSTERESIS_HZ
    steps = [
        (None, Listening.PLAIN),  # not known yet
        (high + 10, Listening.PLAIN),
        (high - h + 10, Listening.PLAIN),  # a little lower: kept
        (high - h - 10, Listening.BOTH),  # between the lines
        (low - 10, Listening.WARPED),
        (low + h - 10, Listening.WARPED),  # a little higher: kept
        (low + h + 10, Listening.BOTH),
        (high + 10, Listening.PLAIN),
    ]
    for i, (f3, listening) in enumerate(steps):
        voice.f3_hz = f3
        streams.feed(chunk)
        assert streams.listening is listening, (f3, streams.listening)
        assert len(made) == (0 if i < 3 else 1)  # made once, when first needed
    # every search heard or skipped every sample: both keep the stream's time
    assert streams.plain.stream_time_s == pytest.approx(len(steps) * 0.02)
    voice.f3_hz = low - 10
    streams.feed(chunk)
    assert streams.warped is not None
    assert streams.warped.stream_time_s == pytest.approx((len(steps) + 1) * 0.02)


def test_an_ordinary_voice_never_makes_the_warped_search(
    searches: tuple[PocketSphinxDetector, PocketSphinxDetector],
) -> None:
    plain, warped_search = searches
    streams = VoiceMatchedStreams(plain.start_stream(), warped_search.start_stream)
    feed_clips(streams, speech_of(NEURAL, limit=10), 1.12)
    assert streams.tracker.f3_hz is not None
    assert streams.listening is Listening.PLAIN and streams.warped is None


def test_a_high_voice_is_told_with_hysteresis(
    searches: tuple[PocketSphinxDetector, PocketSphinxDetector],
) -> None:
    plain, warped_search = searches
    voice = SetVoice()
    streams = VoiceMatchedStreams(
        plain.start_stream(),
        warped_search.start_stream,
        tracker=voice,  # type: ignore[arg-type]
    )
    chunk = floor(0.02)
    line, h = HIGH_VOICE_F3_HZ, HYSTERESIS_HZ
    for f3, high in [
        (None, False),
        (line - 10, False),
        (line + 10, True),
        (line - h + 10, True),  # a little lower: kept
        (line - h - 10, False),
        (line + 10, True),
    ]:
        voice.f3_hz = f3
        streams.feed(chunk)
        assert streams.high_voice is high, (f3, streams.high_voice)
        assert streams.listening is Listening.PLAIN and streams.warped is None


def test_a_deep_voice_is_lifted_to_the_line_and_other_voices_pass_unchanged() -> None:
    from streamlit_rtc.testing import pitch_shifted

    speech = NEURAL.load("conversation.wav")[10 * RATE : 14 * RATE]
    for factor in (0.88, 0.82):
        deep = pitch_shifted(speech, RATE, factor).astype(np.float32) / 32768
        lifted, f3 = voice_in_reading_band(deep, RATE, 2500.0)
        assert f3 is not None and f3 < 2300, (factor, f3)
        assert lifted.dtype == np.float32
        assert deep.size / lifted.size == pytest.approx(min(MAX_LIFT, 2500.0 / f3), rel=0.01)
        _, f3_after = voice_in_reading_band(lifted, RATE, 2500.0)
        assert f3_after is not None and abs(f3_after - 2500.0) < 120  # where it was lifted to
    as_recorded = speech.astype(np.float32) / 32768
    high = pitch_shifted(speech, RATE, 1.2).astype(np.float32) / 32768
    for voice in (as_recorded, high):
        kept, f3 = voice_in_reading_band(voice, RATE, 2400.0)
        assert kept is voice and f3 is not None and f3 > 2400
    silence = np.zeros(RATE, np.float32)
    assert voice_in_reading_band(silence, RATE, 2500.0) == (silence, None)


def test_a_voice_is_moved_into_the_reading_band_and_no_further() -> None:
    assert reading_speed(None, 2500.0, 2650.0) == 1.0  # not measured yet
    assert reading_speed(2400.0, 2500.0, 2650.0) == pytest.approx(2500 / 2400)
    assert reading_speed(2000.0, 2500.0, 2650.0) == MAX_LIFT  # at most a fifth up
    assert reading_speed(2550.0, 2500.0, 2650.0) == 1.0  # inside the band
    assert reading_speed(3000.0, 2500.0, 2650.0) == pytest.approx(2650 / 3000)
    assert reading_speed(4000.0, 2500.0, 2650.0) == pytest.approx(1 / MAX_LIFT)
    assert reading_speed(2000.0, None, 2650.0) == 1.0
    assert reading_speed(4000.0, 2500.0, None) == 1.0


def test_a_voice_played_slower_is_lowered_to_the_line() -> None:
    from streamlit_rtc.testing import pitch_shifted

    speech = NEURAL.load("conversation.wav")[10 * RATE : 14 * RATE]
    high = pitch_shifted(speech, RATE, 1.2)
    tracker = FormantTracker(RATE, min_frames=15, window_frames=400)
    tracker.feed(high)
    f3 = tracker.f3_hz
    assert f3 is not None and f3 > 2650, f3
    speed = reading_speed(f3, 2500.0, 2650.0)
    lowered = played_faster(high, RATE, speed)
    assert lowered.dtype == np.int16 and lowered.size > high.size
    after = FormantTracker(RATE, min_frames=15, window_frames=400)
    after.feed(lowered)
    assert after.f3_hz is not None and abs(after.f3_hz - 2650.0) < 120, after.f3_hz


def test_a_formant_line_is_checked_once_with_its_name() -> None:
    assert checked_formant_line(None, "x_hz", "Owner") is None
    assert checked_formant_line(2650, "x_hz", "Owner") == 2650.0
    with pytest.raises(ValueError, match="Owner: x_hz must be a third formant"):
        checked_formant_line(900.0, "x_hz", "Owner")
