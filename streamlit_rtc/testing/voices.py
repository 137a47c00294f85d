"""Another speaker from a recording: pitch and formants moved, the tempo kept.

Test and benchmark fixtures come from few voices; a higher or deeper speaker
who talks as fast is the same clip through sox's ``pitch`` effect (it
resamples and stretches back with WSOLA). Needs the ``sox`` command, which
``scripts/bootstrap.sh`` installs.
"""

from __future__ import annotations

import shutil
import subprocess

import numpy as np
import soxr

__all__ = ["pitch_shifted"]


def pitch_shifted(audio: np.ndarray, rate: int, factor: float) -> np.ndarray:
    """int16 mono ``audio`` at ``rate`` with pitch and formants times ``factor``, at 16 kHz.

    1.2 is a voice with formants a fifth higher (a woman's against a man's), 0.88 one
    two semitones deeper; the duration stays the same, and the same input gives the
    same output on every run.
    """
    sox = shutil.which("sox")
    if sox is None:
        raise RuntimeError("pitch_shifted needs the sox command: apt install sox")
    raw = ["-t", "raw", "-r", str(rate), "-e", "signed", "-b", "16", "-c", "1"]
    cents = 1200 * np.log2(factor)
    out = subprocess.run(
        # -R: sox dithers its 16-bit output with fresh random numbers on every run
        # unless told to repeat them; a benchmark must get the same audio each time.
        [sox, "-q", "-R", *raw, "-", *raw, "-", "pitch", f"{cents:.1f}"],
        input=np.ascontiguousarray(audio, dtype="<i2").tobytes(),
        capture_output=True,
        check=True,
    ).stdout
    shifted = np.frombuffer(out, dtype="<i2").astype(np.int16)
    if rate != 16000:
        resampled = soxr.resample(shifted.astype(np.float32), rate, 16000)
        shifted = np.clip(np.round(resampled), -32768, 32767).astype(np.int16)
    return shifted
