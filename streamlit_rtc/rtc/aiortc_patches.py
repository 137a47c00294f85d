"""The two places where streamlit-rtc changes aiortc's behaviour (process-wide, opt-in).

* **Audio level**: aiortc's RTP sender calls ``aiortc.rtp.compute_audio_level_dbov``
  for every outgoing audio frame, on the event loop. It is a pure-Python loop
  over all samples: about 0.8 ms for a 20 ms s16 stereo 48 kHz frame (4 % of a
  core per output stream, on the loop every session shares).
  :func:`install_fast_audio_level` swaps in a numpy version that returns the
  same values (~15 us).
* **Audio receive delay**: every aiortc audio receiver holds 4 packets (80 ms)
  in its jitter buffer before it decodes the oldest one. That cushion exists
  for smooth playout to a speaker; a server that feeds a VAD or a speech model
  gains nothing from it (frames are consumed as soon as they are decoded, and
  a missing packet blocks the buffer whatever the prefetch), it only delays
  every turn. :func:`install_prompt_audio_receive` makes new audio receivers
  hand each packet on as soon as the next one arrives (20 ms). Video receivers
  are untouched.

The component installs both in the Streamlit server process
(:func:`tune_aiortc`); other aiortc peers in that process get them too.
"""

from __future__ import annotations

import logging
import math
from typing import Any

import av
import numpy as np
from aiortc import rtcrtpreceiver, rtp

logger = logging.getLogger(__name__)

_MAX_SAMPLE_VALUE = 32767
_MIN_AUDIO_LEVEL = -127
_original = rtp.compute_audio_level_dbov
_original_jitter_buffer = rtcrtpreceiver.JitterBuffer
#: Complete frames an audio receiver waits for before decoding the oldest (aiortc: 4).
PROMPT_AUDIO_PREFETCH = 1


def fast_compute_audio_level_dbov(frame: av.AudioFrame) -> int:
    """Same result as aiortc's RFC 6465 level, computed with numpy.

    Mirrors aiortc exactly, including its use of the whole first plane and
    of ``frame.samples`` (per channel) as the divisor.
    """
    samples = np.frombuffer(bytes(frame.planes[0]), dtype="<i2").astype(np.int64)
    energy = int(np.dot(samples, samples))
    rms = math.sqrt(energy / (frame.samples * _MAX_SAMPLE_VALUE * _MAX_SAMPLE_VALUE))
    if rms <= 0:
        return _MIN_AUDIO_LEVEL
    db = 20 * math.log10(rms)
    return round(min(max(db, _MIN_AUDIO_LEVEL), 0))


def install_fast_audio_level() -> None:
    """Replace aiortc's level computation process-wide (idempotent)."""
    if rtp.compute_audio_level_dbov is not fast_compute_audio_level_dbov:
        rtp.compute_audio_level_dbov = fast_compute_audio_level_dbov
        logger.debug("installed numpy audio level computation into aiortc.rtp")


def uninstall_fast_audio_level() -> None:
    """Restore aiortc's own implementation."""
    rtp.compute_audio_level_dbov = _original


def original_compute_audio_level_dbov(frame: av.AudioFrame) -> int:
    """aiortc's own implementation (for comparison in tests and benchmarks)."""
    return _original(frame)


def _prompt_jitter_buffer(capacity: int, prefetch: int = 0, is_video: bool = False) -> Any:
    """aiortc's JitterBuffer, with audio prefetch capped at :data:`PROMPT_AUDIO_PREFETCH`."""
    if not is_video:
        prefetch = min(prefetch, PROMPT_AUDIO_PREFETCH)
    return _original_jitter_buffer(capacity, prefetch=prefetch, is_video=is_video)


def install_prompt_audio_receive() -> None:
    """Audio receivers created from now on decode each packet 20 ms after it arrives, not 80."""
    if rtcrtpreceiver.JitterBuffer is not _prompt_jitter_buffer:
        rtcrtpreceiver.JitterBuffer = _prompt_jitter_buffer
        logger.debug("aiortc audio receivers: jitter-buffer prefetch %d", PROMPT_AUDIO_PREFETCH)


def uninstall_prompt_audio_receive() -> None:
    """Restore aiortc's own 4-packet audio prefetch for receivers created from now on."""
    rtcrtpreceiver.JitterBuffer = _original_jitter_buffer


def tune_aiortc() -> None:
    """Install every patch of this module (what the Streamlit component does)."""
    install_fast_audio_level()
    install_prompt_audio_receive()
