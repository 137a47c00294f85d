"""How deep a speaker's voice is, from the formants of their vowels (numpy and soxr).

A longer vocal tract lowers every formant: the third formant (F3) depends
little on the vowel and mostly on the speaker, so its median over a few
seconds of voiced speech places a voice against the acoustic models' (the
formant-based vocal tract length normalisation of Eide & Gish, 1996). The
stop-phrase detector uses it to pick the keyphrase search that suits the
voice (:mod:`.keywords.voice_warp`), and it and the word-aware turn end to
play a voice into the band Whisper tiny.en reads best (:func:`reading_speed`).

Each 25 ms frame of voiced speech (loud, few zero crossings) at 10 kHz gets
a 12th-order linear prediction; the roots of its polynomial with narrow
bandwidths are the formants. Frames are analysed in batches, so the cost is
a few numpy calls per half second of audio.
"""

from __future__ import annotations

from collections import deque

import numpy as np
import soxr

__all__ = [
    "DEEP_VOICE_LIFT_TO_HZ",
    "HIGH_VOICE_LOWER_TO_HZ",
    "MAX_LIFT",
    "FormantTracker",
    "checked_formant_line",
    "checked_reading_band",
    "played_faster",
    "reading_speed",
    "third_formants",
    "voice_in_reading_band",
]

ANALYSIS_RATE = 10_000
"""Formants of interest lie under 5 kHz; 10 kHz keeps a 12-pole model enough for four."""
FRAME = 250  # 25 ms at 10 kHz
HOP = 200  # one frame per 20 ms: plenty for a median over seconds
ORDER = 12
PRE_EMPHASIS = 0.97
MAX_BANDWIDTH_HZ = 400.0
"""Roots with wider bandwidths are the spectrum's slope, not resonances."""
MIN_FORMANT_HZ, MAX_FORMANT_HZ = 200.0, 4800.0
VOICED_WITHIN_DB = 25.0
"""A frame counts as voiced within this much of the loudest frame of the last ~10 s..."""
MAX_ZERO_CROSSINGS = 0.25
"""... with fewer zero crossings per sample than this (fricatives have many)."""
MIN_LEVEL_DB = -55.0
"""... and above this level (dBFS of int16 full scale): silence and room noise are skipped."""


def _levinson(r: np.ndarray, order: int) -> tuple[np.ndarray, np.ndarray]:
    """Prediction polynomials of many frames at once from their autocorrelations.

    ``r``: ``(frames, order + 1)``. Returns the ``(frames, order + 1)``
    coefficients (``a[:, 0] == 1``) and a mask of frames that stayed stable.
    """
    n = r.shape[0]
    a = np.zeros((n, order + 1))
    a[:, 0] = 1.0
    err = r[:, 0].copy()
    ok = err > 0
    for i in range(1, order + 1):
        acc = r[:, i] + np.einsum("fj,fj->f", a[:, 1:i], r[:, i - 1 : 0 : -1])
        k = np.where(ok, -acc / np.where(ok, err, 1.0), 0.0)
        previous = a[:, 1:i].copy()
        a[:, 1:i] = previous + k[:, None] * previous[:, ::-1]
        a[:, i] = k
        err = err * (1.0 - k * k)
        ok &= err > 0
    return a, ok


def third_formants(frames: np.ndarray) -> np.ndarray:
    """F3 in Hz of each frame (``(n, FRAME)`` floats at 10 kHz) that shows three formants."""
    if frames.size == 0:
        return np.zeros(0)
    windowed = frames * np.hamming(FRAME)
    spectrum = np.fft.rfft(windowed, 2 * FRAME, axis=1)
    r = np.fft.irfft(np.abs(spectrum) ** 2, axis=1)[:, : ORDER + 1]
    a, ok = _levinson(r, ORDER)
    a = a[ok]
    if a.shape[0] == 0:
        return np.zeros(0)
    companion = np.zeros((a.shape[0], ORDER, ORDER))
    companion[:, 0, :] = -a[:, 1:]
    companion[:, np.arange(1, ORDER), np.arange(ORDER - 1)] = 1.0
    roots = np.linalg.eigvals(companion)
    freqs = np.angle(roots) * ANALYSIS_RATE / (2 * np.pi)
    bandwidths = -np.log(np.maximum(np.abs(roots), 1e-12)) * ANALYSIS_RATE / np.pi
    keep = (
        (roots.imag > 0)
        & (bandwidths < MAX_BANDWIDTH_HZ)
        & (freqs > MIN_FORMANT_HZ)
        & (freqs < MAX_FORMANT_HZ)
    )
    freqs = np.sort(np.where(keep, freqs, np.inf), axis=1)
    third = freqs[:, 2]
    return third[np.isfinite(third)]


class FormantTracker:
    """The median third formant of the recent voiced speech of one stream.

    Feed it 16 kHz int16 audio as it arrives; :attr:`f3_hz` is ``None``
    until ``min_frames`` voiced frames were measured, then the median of the
    last ``window_frames`` of them (a new speaker takes over within that).
    Once there is an estimate, every other voiced frame is measured, which
    saves a fifth of its cost (~0.0012 CPU-s per audio second in all).

    Args:
        sample_rate: the rate of the fed audio.
        min_frames: voiced frames (20 ms apart) before an estimate is given;
            50 is about 1 s of vowels, 2 s of speech; an early estimate is
            only a first guess, which later frames correct.
        window_frames: how many recent estimates the median covers.
    """

    def __init__(
        self, sample_rate: int = 16_000, min_frames: int = 50, window_frames: int = 400
    ) -> None:
        if min_frames < 1 or window_frames < min_frames:
            raise ValueError("need 1 <= min_frames <= window_frames")
        self.min_frames = int(min_frames)
        self._resampler = soxr.ResampleStream(sample_rate, ANALYSIS_RATE, 1, dtype="float32")
        self._incoming = np.zeros(sample_rate // 2, dtype=np.float32)  # analysed per half second
        self._filled = 0
        self._pending = np.zeros(0, dtype=np.float32)  # resampled, not yet framed
        self._last_sample = 0.0  # for pre-emphasis across batches
        self._loudest: deque[float] = deque(maxlen=20)  # per half second
        self._recent: deque[float] = deque(maxlen=int(window_frames))
        self._median: float | None = None
        self.updates = 0
        """How many times the estimate was recomputed (a reader can skip unchanged ones)."""

    @property
    def frames(self) -> int:
        """Voiced frames in the current median."""
        return len(self._recent)

    @property
    def f3_hz(self) -> float | None:
        """The median third formant of the recent voiced speech, or None while too little."""
        return self._median

    def reset(self) -> None:
        """Forget the speaker (a new one is expected)."""
        self._recent.clear()
        self._loudest.clear()
        self._median = None
        self.updates += 1

    def feed(self, audio: np.ndarray) -> None:
        """Take int16 (or float in int16 scale) mono audio."""
        chunk = np.asarray(audio).reshape(-1)
        while chunk.size:
            take = min(chunk.size, self._incoming.size - self._filled)
            self._incoming[self._filled : self._filled + take] = chunk[:take]
            self._filled += take
            chunk = chunk[take:]
            if self._filled == self._incoming.size:
                resampled = self._resampler.resample_chunk(self._incoming)
                self._pending = np.concatenate([self._pending, resampled])
                self._filled = 0
                self._analyse()

    def _analyse(self) -> None:
        usable = (self._pending.size - FRAME) // HOP * HOP
        if usable <= 0:
            return
        x = self._pending[: usable + FRAME].astype(np.float64)
        emphasised = np.empty_like(x)
        emphasised[0] = x[0] - PRE_EMPHASIS * self._last_sample
        emphasised[1:] = x[1:] - PRE_EMPHASIS * x[:-1]
        self._last_sample = float(self._pending[usable - 1])
        self._pending = self._pending[usable:]
        frames = np.lib.stride_tricks.sliding_window_view(emphasised, FRAME)[:usable:HOP]
        raw = np.lib.stride_tricks.sliding_window_view(x, FRAME)[:usable:HOP]
        level = 10 * np.log10(np.mean(raw**2, axis=1) / 32768.0**2 + 1e-12)
        self._loudest.append(float(level.max(initial=MIN_LEVEL_DB)))
        loudest = max(self._loudest)
        crossings = np.mean(np.abs(np.diff(np.signbit(raw).astype(np.int8), axis=1)), axis=1)
        voiced = (
            (level > MIN_LEVEL_DB)
            & (level > loudest - VOICED_WITHIN_DB)
            & (crossings < MAX_ZERO_CROSSINGS)
        )
        chosen = frames[voiced]
        if self._median is not None:
            chosen = chosen[::2]  # the voice is known: half the frames follow it well enough
        found = third_formants(chosen)
        if found.size == 0:
            return
        self._recent.extend(found.tolist())
        if len(self._recent) >= self.min_frames:
            self._median = float(np.median(np.fromiter(self._recent, dtype=float)))
            self.updates += 1


MAX_LIFT = 1.2
"""The most a voice is raised or lowered for reading (a fifth's worth of voice)."""
DEEP_VOICE_LIFT_TO_HZ = 2500.0
"""Deeper voices are raised to this third formant before Whisper reads them: about an
average man's (Peterson & Barney), and where tiny.en reads the piper voice well."""
HIGH_VOICE_LOWER_TO_HZ = 2650.0
"""Higher voices are lowered to this third formant before Whisper reads them: the line
above which :mod:`.keywords.voice_warp` calls a voice high (a woman's or a child's)."""


def checked_formant_line(value: float | None, name: str, owner: str) -> float | None:
    """Argument ``name`` given to ``owner``: a third formant in [2000, 3500] Hz or None."""
    if value is not None and not 2000 <= value <= 3500:
        raise ValueError(
            f"{owner}: {name} must be a third formant in [2000, 3500] Hz or None, got {value!r}"
        )
    return None if value is None else float(value)


def checked_reading_band(
    lift_to_hz: float | None, lower_to_hz: float | None, owner: str
) -> tuple[float | None, float | None]:
    """``lift_deep_voices_to_hz`` and ``lower_high_voices_to_hz`` given to ``owner``, checked:
    each a third formant or None, and the lowering line not under the lifting one."""
    lift = checked_formant_line(lift_to_hz, "lift_deep_voices_to_hz", owner)
    lower = checked_formant_line(lower_to_hz, "lower_high_voices_to_hz", owner)
    if lift is not None and lower is not None and lower < lift:
        raise ValueError(
            f"{owner}: lower_high_voices_to_hz ({lower}) must not be under "
            f"lift_deep_voices_to_hz ({lift})"
        )
    return lift, lower


def reading_speed(
    f3_hz: float | None, lift_to_hz: float | None, lower_to_hz: float | None
) -> float:
    """How much faster to play a voice whose third formant is ``f3_hz`` for reading.

    Below ``lift_to_hz`` it is raised to it, above ``lower_to_hz`` lowered to
    it (played slower), by at most :data:`MAX_LIFT` either way; between the
    lines, unmeasured (None), or with the line None: 1.0.
    """
    if f3_hz is None:
        return 1.0
    if lift_to_hz is not None and f3_hz < lift_to_hz:
        return min(MAX_LIFT, lift_to_hz / f3_hz)
    if lower_to_hz is not None and f3_hz > lower_to_hz:
        return max(1.0 / MAX_LIFT, lower_to_hz / f3_hz)
    return 1.0


def played_faster(samples: np.ndarray, rate: int, speed: float) -> np.ndarray:
    """``samples`` played ``speed`` times faster at the same ``rate`` (pitch and formants up;
    a ``speed`` under 1 plays them slower, down).

    int16 stays int16 (clipped); anything else comes back as float32.
    """
    if speed == 1.0:
        return samples
    out = soxr.resample(np.asarray(samples, dtype=np.float32), rate, rate / speed)
    if np.asarray(samples).dtype == np.int16:
        return np.clip(np.round(out), -32768, 32767).astype(np.int16)
    return out.astype(np.float32, copy=False)


def voice_in_reading_band(
    samples: np.ndarray,
    rate: int,
    lift_to_hz: float | None,
    lower_to_hz: float | None = None,
    *,
    min_frames: int = 15,
) -> tuple[np.ndarray, float | None]:
    """``samples`` (float, -1..1) with the voice's formants moved between the two lines.

    Whisper tiny.en reads deep voices worse: two semitones below the piper
    voice it writes a short last word as one that ends a sentence ("take
    you" for "take to"). Playing the audio faster or slower
    (:func:`reading_speed`) moves the voice's formants where most voices'
    are; a voice between the lines passes unchanged, as does audio with too
    few vowels to measure (under ``min_frames`` voiced 20 ms frames).
    Returns the audio and the measured third formant (None: not measured).
    """
    tracker = FormantTracker(rate, min_frames=min_frames, window_frames=max(400, min_frames))
    tracker.feed(np.clip(samples * 32768.0, -32768.0, 32767.0))
    tracker.feed(np.zeros(rate // 2, dtype=np.float32))  # flushes the last half second
    f3 = tracker.f3_hz
    return played_faster(samples, rate, reading_speed(f3, lift_to_hz, lower_to_hz)), f3
