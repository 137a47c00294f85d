"""What a turn-taking handler hears: frames checked, brought to its rate, and scored by the VAD.

``ReplyOnPause.receive`` takes ``(rate, int16 (C, N))`` frames from the
transport or from a user driving it by hand; :class:`Listening` checks each
frame once, resamples it to the handler's ``input_sample_rate`` if the
sender's rate differs (a resampler per rate and layout, kept across frames so
they join without clicks), and gives the VAD's mono stream and its scored
windows. Built on the first frame, so no model state exists before audio does.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from ..audio.input import remix
from ..audio.resample import StreamResampler
from ..audio.vad import VADModel, VADWindows
from ..core.handler import AudioFrame, Layout

__all__ = ["Listening", "parse_frame"]


def parse_frame(frame: AudioFrame) -> tuple[int, np.ndarray]:
    """``(rate, int16 (C, N))`` from what ``receive()`` got, or an error saying what is wrong."""
    if not isinstance(frame, tuple) or len(frame) != 2:
        raise TypeError("receive() takes (sample_rate, int16 array)")
    rate, array = frame
    if not isinstance(array, np.ndarray) or array.dtype != np.int16:
        raise TypeError("receive() needs int16 audio; convert with audio_to_int16()")
    if array.ndim == 1:
        array = array[np.newaxis, :]
    if array.ndim != 2 or array.shape[0] not in (1, 2):
        raise ValueError(f"receive() needs shape (1, N) or (2, N), got {array.shape}")
    if isinstance(rate, bool) or not isinstance(rate, (int, np.integer)) or rate <= 0:
        raise ValueError(f"receive() needs a positive int sample rate, got {rate!r}")
    return int(rate), array


class Listening:
    """One stream's input side up to the VAD (not thread-safe: the handler's lock guards it)."""

    def __init__(self, input_rate: int, layout: Layout, model: VADModel) -> None:
        self.input_rate = input_rate
        self.layout = layout
        self._windows = VADWindows(model)
        self._to_vad = StreamResampler(input_rate, model.sample_rate, 1, quality="QQ")
        self._rate_fixer: StreamResampler | None = None

    def take(self, rate: int, samples: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """A checked frame as (samples at the input rate in the handler's layout, VAD-rate mono)."""
        if rate != self.input_rate:
            fixer = self._rate_fixer
            if fixer is None or fixer.in_rate != rate or fixer.channels != samples.shape[0]:
                fixer = self._rate_fixer = StreamResampler(rate, self.input_rate, samples.shape[0])
            samples = fixer.process(samples)
        return remix(samples, self.layout), self._to_vad.process(remix(samples, "mono"))

    def windows(self, mono: np.ndarray) -> Iterator[tuple[float, float]]:
        """``(speech probability, window end in stream s)`` for each window ``mono`` completes."""
        return self._windows.feed(mono)
