"""Where streamlit-rtc changes aiortc's behaviour (process-wide, opt-in).

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

The next three (in :mod:`.inline_codec`) cut the CPU of a live voice session
(``bench/capacity.py``) and change no byte that is sent or decoded:

* **Audio encoding on the loop**: aiortc's RTP sender hands every outgoing
  frame to the default thread pool (``run_in_executor``) to encode it. For
  video that keeps a 10 ms+ encode off the loop; for a 20 ms Opus frame
  (~0.15 ms) the hand-off costs more than the encode: a thread wake-up, a
  future and a loop wake-up (``call_soon_threadsafe``) per frame, about 0.02
  of a core per live session. :func:`install_inline_audio_encode` makes
  audio senders encode on the loop; video senders are untouched.
* **Audio decoding on the loop**: every aiortc receiver starts a decoder
  thread and hands it each encoded frame through a ``queue.Queue``; the
  thread passes each decoded frame back with ``run_coroutine_threadsafe``.
  For 20 ms of Opus (~0.03 ms to decode) that is two thread hand-offs per
  frame. :func:`install_inline_audio_decode` makes audio receivers created
  from then on decode where the packet arrives (on the loop) and put the
  frame straight into the track's queue; the decoder thread idles until the
  receiver stops, then ends the track as before. Video receivers are untouched.
* **Steady silence**: a reply track is silent most of a conversation, and
  libopus spends ~0.16 ms on every 20 ms of digital silence (resampling
  included), as much as on speech. After 1 s of silence the encoder's state
  has converged (it did so within 0.5 s on every signal tried) and every
  further silent frame encodes to the same 3 bytes.
  :func:`install_silent_opus_skip` sends those bytes without running the
  resampler or libopus (5 us instead of 160) until sound comes back; the
  packets and timestamps are aiortc's own, byte for byte.

The component installs all of them in the Streamlit server process
(:func:`tune_aiortc`); other aiortc peers in that process get them too.
Patches that replace aiortc code check that the aiortc in use has the code
they were written against (the names its functions use, as in aiortc 1.16)
and are skipped, with a log line, when it does not.
"""

from __future__ import annotations

import logging
import math
from typing import Any

import av
import numpy as np
from aiortc import rtcrtpreceiver, rtp

from .inline_codec import (
    install_inline_audio_decode,
    install_inline_audio_encode,
    install_silent_opus_skip,
)
from .patching import Patch

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


_FAST_AUDIO_LEVEL = Patch(
    rtp,
    "compute_audio_level_dbov",
    _original,
    fast_compute_audio_level_dbov,
    logger,
    installed_log="installed numpy audio level computation into aiortc.rtp",
)


def install_fast_audio_level() -> None:
    """Replace aiortc's level computation process-wide (idempotent)."""
    _FAST_AUDIO_LEVEL.install()


def uninstall_fast_audio_level() -> None:
    """Restore aiortc's own implementation."""
    _FAST_AUDIO_LEVEL.uninstall()


def original_compute_audio_level_dbov(frame: av.AudioFrame) -> int:
    """aiortc's own implementation (for comparison in tests and benchmarks)."""
    return _original(frame)


def _prompt_jitter_buffer(capacity: int, prefetch: int = 0, is_video: bool = False) -> Any:
    """aiortc's JitterBuffer, with audio prefetch capped at :data:`PROMPT_AUDIO_PREFETCH`."""
    if not is_video:
        prefetch = min(prefetch, PROMPT_AUDIO_PREFETCH)
    return _original_jitter_buffer(capacity, prefetch=prefetch, is_video=is_video)


_PROMPT_AUDIO_RECEIVE = Patch(
    rtcrtpreceiver,
    "JitterBuffer",
    _original_jitter_buffer,
    _prompt_jitter_buffer,
    logger,
    installed_log=f"aiortc audio receivers: jitter-buffer prefetch {PROMPT_AUDIO_PREFETCH}",
)


def install_prompt_audio_receive() -> None:
    """Audio receivers created from now on decode each packet 20 ms after it arrives, not 80."""
    _PROMPT_AUDIO_RECEIVE.install()


def uninstall_prompt_audio_receive() -> None:
    """Restore aiortc's own 4-packet audio prefetch for receivers created from now on."""
    _PROMPT_AUDIO_RECEIVE.uninstall()


def tune_aiortc() -> None:
    """Install every patch, this module's and :mod:`.inline_codec`'s (what the component does)."""
    install_fast_audio_level()
    install_prompt_audio_receive()
    install_inline_audio_encode()
    install_inline_audio_decode()
    install_silent_opus_skip()
