"""STT and TTS with fastrtc's names: real models from the extras' wheels, no network.

Piper (the ``tts`` extra) voices the sentences that Whisper tiny.en (the
``stt`` extra) must transcribe, so the two check each other; the word error
rate is computed here and printed.
"""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import soxr
from human_speech import BECKETT, HUMAN_SPEECH

from streamlit_rtc import (
    PiperTTSOptions,
    STTModel,
    TTSModel,
    TTSOptions,
    get_stt_model,
    get_tts_model,
)
from streamlit_rtc.audio.keywords.normalize import normalize_phrase
from streamlit_rtc.audio.speech import (
    MissingExtraError,
    PiperTTS,
    ScoredSTTModel,
    ScoredTranscript,
    WhisperSTT,
    piper_tts,
)
from streamlit_rtc.audio.speech.whisper_text import (
    collapse_repeats,
    drop_restart,
    keep_segments,
    split_segments,
)
from streamlit_rtc.testing import read_wav

SENTENCES = [
    "Please turn off the lights in the kitchen.",
    "The weather tomorrow will be sunny and warm.",
    "Could you remind me to call my sister this evening?",
    "I would like to book a table for two people tonight.",
    "The train to the city leaves from the second platform.",
    "My favorite color is blue, but I also like green.",
    "Where did you put the keys to the red car?",
    "She opened the window because the room was too hot.",
    "Play some quiet music while I read my book.",
    "Thank you very much for your help with the garden.",
]


def words(text: str) -> list[str]:
    """Lower-case words without punctuation (apostrophes kept)."""
    return re.sub(r"[^\w' ]+", " ", text.lower()).split()


def word_errors(reference: str, hypothesis: str) -> tuple[int, int]:
    """(edit distance in words, reference word count)."""
    ref, hyp = words(reference), words(hypothesis)
    row = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        prev, row[0] = row[0], i
        for j, h in enumerate(hyp, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (r != h))
    return row[len(hyp)], len(ref)


def int16_at(rate: int, audio: np.ndarray, target: int) -> np.ndarray:
    return (np.clip(soxr.resample(audio, rate, target), -1, 1) * 32767).astype(np.int16)


@pytest.fixture(scope="module")
def voiced(tts: TTSModel) -> list[tuple[str, int, np.ndarray]]:
    """Each sentence voiced by piper, as (text, rate, float32)."""
    return [(text, *tts.tts(text)) for text in SENTENCES]


# --- TTS ---------------------------------------------------------------------------------


def test_tts_rate_and_length(tts: TTSModel) -> None:
    rate, audio = tts.tts("The quick brown fox jumps over the lazy dog near the river.")
    assert rate == 22050
    assert audio.dtype == np.float32 and audio.ndim == 1
    assert 1.5 <= len(audio) / rate <= 6.0
    assert 0.3 < float(np.abs(audio).max()) <= 1.0


def test_tts_speed_option(tts: TTSModel) -> None:
    text = "This sentence is spoken at two different speeds."
    # No duration noise: piper varies phone lengths at random otherwise (seen: 0.89x).
    _, normal = tts.tts(text, PiperTTSOptions(noise_w_scale=0.0))
    _, fast = tts.tts(text, PiperTTSOptions(speed=1.5, noise_w_scale=0.0))
    assert len(fast) < 0.8 * len(normal)
    with pytest.raises(ValueError, match="speed"):
        PiperTTSOptions(speed=0)
    with pytest.raises(TypeError, match="PiperTTSOptions"):
        tts.tts(text, TTSOptions())


def test_stream_tts_sentences_match_tts(tts: TTSModel) -> None:
    text = "Hello there. This is the second sentence. And here is a third one!"
    chunks = list(tts.stream_tts_sync(text))
    assert len(chunks) == 3
    rate, whole = tts.tts(text)
    assert all(r == rate for r, _ in chunks)
    joined = np.concatenate([c for _, c in chunks])
    # piper adds noise per call, so lengths agree closely but samples do not
    assert abs(len(joined) - len(whole)) < 0.1 * len(whole)


def test_stream_tts_is_async_and_does_not_block(tts: TTSModel) -> None:
    text = "The first sentence is fairly long, so it takes a while to say. Short one. Done."

    async def run() -> tuple[list[float], list[float]]:
        ticks: list[float] = []
        stop = asyncio.Event()

        async def ticker() -> None:
            while not stop.is_set():
                ticks.append(time.perf_counter())
                await asyncio.sleep(0.005)

        task = asyncio.create_task(ticker())
        await asyncio.sleep(0)
        arrivals: list[float] = []
        async for _rate, chunk in tts.stream_tts(text):
            assert chunk.size > 0
            arrivals.append(time.perf_counter())
        stop.set()
        await task
        return ticks, arrivals

    ticks, arrivals = asyncio.run(run())
    assert len(arrivals) == 3
    # the loop kept running while the first sentence was being synthesised
    assert sum(1 for t in ticks if t < arrivals[0]) >= 3


def test_empty_text_gives_no_audio(tts: TTSModel) -> None:
    rate, audio = tts.tts("")
    assert rate == 22050 and audio.size == 0
    assert list(tts.stream_tts_sync("")) == []


# --- STT ---------------------------------------------------------------------------------


def test_stt_word_error_rate_on_piper_voice(stt: STTModel, tts: TTSModel, voiced: list) -> None:
    """Whisper tiny.en on piper's voice, each sentence voiced three times.

    piper's sampling is not seeded, so one rendition of eight sentences gave a
    WER anywhere from 0.01 to above 0.15 (measured); three average that out.
    """
    errors = total = 0
    again = [(text, *tts.tts(text)) for _ in range(2) for text, _, _ in voiced]
    for i, (text, rate, audio) in enumerate(voiced + again):
        target = 48000 if i % 2 else 24000
        heard = stt.stt((target, int16_at(rate, audio, target)))
        e, n = word_errors(text, heard)
        errors, total = errors + e, total + n
        print(f"{target} Hz  {text!r} -> {heard!r}")
    wer = errors / total
    print(f"WER {wer:.3f} ({errors}/{total} words)")
    assert wer <= 0.15


def test_stt_accepts_float_and_1xN(stt: STTModel, voiced: list) -> None:
    """A (1, N) float array is heard as its (N,) self.

    Compared with the same audio's own transcript, not with the text: piper's
    sampling is not seeded, and now and then a rendition is misheard
    ("the poli... lights" for "Please turn off the lights"); the WER test
    above judges how well it hears.
    """
    text, rate, audio = voiced[0]
    heard = words(stt.stt((rate, audio[None, :])))
    assert heard == words(stt.stt((rate, audio)))
    assert "kitchen" in heard and "kitchen" in words(text)


def test_stt_short_window(stt: STTModel, tts: TTSModel) -> None:
    rate, audio = tts.tts("Okay computer, stop.")
    window = np.zeros(int(1.5 * rate), dtype=np.float32)
    window[: min(len(audio), len(window))] = audio[: len(window)]
    heard = words(stt.stt((rate, window)))
    assert "computer" in heard
    assert len(heard) <= 5, heard  # no looping


def test_stt_long_input(stt: STTModel, voiced: list) -> None:
    rate = voiced[0][1]
    gap = np.zeros(int(0.3 * rate), dtype=np.float32)
    parts, texts = [], []
    for text, _, audio in voiced:
        if sum(len(p) for p in parts) + len(audio) + len(gap) > 25 * rate:
            break
        parts += [audio, gap]
        texts.append(text)
    audio = np.zeros(25 * rate, dtype=np.float32)  # exactly 25 s, speech then silence
    speech = np.concatenate(parts)
    assert len(speech) >= 20 * rate
    audio[: len(speech)] = speech
    heard = stt.stt((rate, audio))
    e, n = word_errors(" ".join(texts), heard)
    print(f"{len(audio) / rate:.1f} s: WER {e / n:.3f}: {heard!r}")
    assert e / n <= 0.15


def test_stt_over_30_s_uses_standard_transcribe(stt: STTModel, voiced: list) -> None:
    rate = voiced[0][1]
    speech = np.concatenate([a for _, _, a in voiced])
    # piper's phone durations vary from run to run: pad with silence to 31 s at least.
    pad = max(6 * rate, 31 * rate - len(speech))
    audio = np.concatenate([speech, np.zeros(pad, np.float32)])
    assert len(audio) / rate > 30
    heard = stt.stt((rate, audio))
    e, n = word_errors(" ".join(t for t, _, _ in voiced), heard)
    print(f"{len(audio) / rate:.1f} s: WER {e / n:.3f}")
    assert e / n <= 0.15


@pytest.mark.parametrize("kind", ["silence", "white noise", "quiet noise", "hum"])
def test_stt_no_speech_gives_empty_text(stt: STTModel, kind: str) -> None:
    rng = np.random.default_rng(7)
    n = 2 * 16000
    audio = {
        "silence": np.zeros(n, np.float32),
        "white noise": rng.standard_normal(n).astype(np.float32) * 0.05,
        "quiet noise": rng.standard_normal(n).astype(np.float32) * 0.002,
        "hum": 0.1 * np.sin(2 * np.pi * 120 * np.arange(n) / 16000).astype(np.float32),
    }[kind]
    started = time.process_time()
    assert stt.stt((16000, audio)) == ""
    assert time.process_time() - started < 1.0  # no runaway decoding


def test_stt_rejects_bad_input(stt: STTModel) -> None:
    with pytest.raises(ValueError, match="sample rate"):
        stt.stt((0, np.zeros(100, np.int16)))
    with pytest.raises(ValueError, match="mono or stereo"):
        stt.stt((16000, np.zeros((5, 100), np.int16)))
    with pytest.raises(TypeError, match="int16 or float"):
        stt.stt((16000, np.zeros(100, np.int32)))
    assert stt.stt((16000, np.zeros(0, np.int16))) == ""


def test_stt_human_recording_exact(stt: STTModel) -> None:
    assert HUMAN_SPEECH.is_file(), f"{HUMAN_SPEECH} is missing: run bash scripts/bootstrap.sh"
    rate, samples = read_wav(HUMAN_SPEECH, mono=True)
    assert words(stt.stt((rate, samples))) == words(BECKETT)


# --- names, caching, extras ----------------------------------------------------------------


def test_models_are_cached_and_match_protocols(stt: STTModel, tts: TTSModel) -> None:
    assert get_stt_model() is stt and get_tts_model() is tts
    assert isinstance(stt, STTModel) and isinstance(stt, WhisperSTT)
    assert isinstance(tts, TTSModel) and isinstance(tts, PiperTTS)


def test_fastrtc_model_names_explain_what_is_available() -> None:
    with pytest.raises(ValueError) as info:
        get_stt_model("moonshine/base")
    message = str(info.value)
    assert "moonshine/base" in message and "tiny.en" in message and ".stt(" in message
    for name in ("kokoro", "cartesia"):
        with pytest.raises(ValueError, match=r"piper.*\.tts\("):
            get_tts_model(name)
    with pytest.raises(ValueError, match="unknown TTS model"):
        get_tts_model("espeak")


def test_missing_stt_extra_names_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "faster_whisper", None)
    with pytest.raises(MissingExtraError) as info:
        get_stt_model("tiny.en", cpu_threads=3)  # arguments not cached yet
    assert isinstance(info.value, ImportError)
    assert 'pip install "streamlit-rtc[stt]"' in str(info.value)


def test_missing_tts_extra_names_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "piper", None)
    with pytest.raises(ImportError, match=r'pip install "streamlit-rtc\[tts\]"'):
        get_tts_model("piper", threads=3)
    monkeypatch.undo()
    monkeypatch.setattr(piper_tts, "bundled_voice", lambda: None)
    with pytest.raises(MissingExtraError, match=r"default voice.*streamlit-rtc\[tts\]"):
        PiperTTS()


def test_bad_model_path_says_what_is_expected(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"model\.bin"):
        WhisperSTT(tmp_path)
    with pytest.raises(FileNotFoundError, match=r"\.onnx\.json"):
        PiperTTS(tmp_path / "voice.onnx")


def test_importing_the_package_loads_no_speech_runtime() -> None:
    code = (
        "import streamlit_rtc, sys; "
        "heavy = [m for m in ('faster_whisper', 'ctranslate2', 'piper') if m in sys.modules]; "
        "assert not heavy, heavy; assert 'streamlit' not in sys.modules; "
        "streamlit_rtc.get_stt_model, streamlit_rtc.PiperTTSOptions"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


# --- text clean-up (no model) --------------------------------------------------------------


def test_echo_segments_are_dropped() -> None:
    ts, eot = 1000, 999
    # <|0.00|> a b <|2.00|><|2.00|> a b   on 1.9 s of audio: the second segment is an echo
    ids = [ts, 1, 2, ts + 100, ts + 100, 1, 2]
    segments = split_segments(ids, ts, eot)
    assert [(s.start, s.end, s.tokens) for s in segments] == [
        (0.0, 2.0, [1, 2]),
        (2.0, None, [1, 2]),
    ]
    assert len(keep_segments(segments, duration=1.9, echo_margin=0.3)) == 1
    assert len(keep_segments(segments, duration=5.0, echo_margin=0.3)) == 2
    # one shared timestamp between segments
    shared = split_segments([ts, 1, ts + 50, 2, ts + 90], ts, eot)
    assert [(s.start, s.end) for s in shared] == [(0.0, 1.0), (1.0, 1.8)]


def test_collapse_repeats() -> None:
    assert collapse_repeats("yes yes Yes yes") == "yes"
    assert collapse_repeats("Go on, go on, go on, go") == "Go on"
    assert collapse_repeats("bye bye") == "bye bye"
    assert collapse_repeats("Try again. Fail again. Fail better.") == (
        "Try again. Fail again. Fail better."
    )


def test_drop_restart() -> None:
    assert drop_restart("Please turn off the lights. Please turn") == "Please turn off the lights."
    assert drop_restart("Could you call me? Could you Call me?") == "Could you call me?"
    assert drop_restart("Stop. Stop the music.") == "Stop. Stop the music."
    assert drop_restart("Yes, I said yes") == "Yes, I said yes"
    assert drop_restart("Try again. Fail again. Fail better.") == (
        "Try again. Fail again. Fail better."
    )


def test_stt_scored_gives_the_same_text_with_each_words_confidence(voiced: list) -> None:
    stt = get_stt_model()
    assert isinstance(stt, ScoredSTTModel)
    confidences = []
    for _text, rate, audio in voiced[:4]:
        heard = stt.stt_scored((rate, audio))
        assert heard.text == stt.stt((rate, audio))
        assert heard.words is not None
        assert [w.text for w in heard.words] == list(normalize_phrase(heard.text)), heard
        assert all(0.0 <= w.confidence <= 1.0 for w in heard.words)
        confidences += [w.confidence for w in heard.words]
    print("word confidences", sorted(round(c, 2) for c in confidences))
    assert np.median(confidences) >= 0.8  # clear speech: most words are sure
    assert stt.stt_scored((16000, np.zeros(16000, np.int16))) == ScoredTranscript("", ())
