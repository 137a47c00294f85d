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

The next three cut the CPU of a live voice session (``bench/capacity.py``)
and change no byte that is sent or decoded:

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
import threading
from typing import Any

import aiortc
import av
import numpy as np
from aiortc import rtcrtpreceiver, rtcrtpsender, rtp
from aiortc.codecs import opus

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


# -- encoding and decoding audio on the loop -------------------------------------------

#: The names aiortc's replaced or relied-upon code uses, as in aiortc 1.16. A
#: patch installs only when the running aiortc has exactly these (a change in
#: that code means the patch has to be checked again).
_SENDER_NEXT_ENCODED_FRAME_NAMES = (
    "_RTCRtpSender__track", "recv", "_enabled", "_RTCRtpSender__encoder", "get_encoder",
    "isinstance", "Frame", "AudioFrame", "rtp", "compute_audio_level_dbov",
    "_RTCRtpSender__force_keyframe", "_RTCRtpSender__loop", "run_in_executor", "encode",
    "pack", "RTCEncodedFrame",
)  # fmt: skip
_RECEIVER_HANDLE_RTP_NAMES_TAIL = (
    "_RTCRtpReceiver__decoder_thread", "_RTCRtpReceiver__timestamp_mapper", "map",
    "timestamp", "_RTCRtpReceiver__decoder_queue", "put",
)  # fmt: skip
_DECODER_WORKER_NAMES = (
    "get", "asyncio", "run_coroutine_threadsafe", "put", "name", "get_decoder", "decode",
    "av", "FFmpegError", "logger", "warning", "mimeType", "split", "set",
)  # fmt: skip

_original_next_encoded_frame = rtcrtpsender.RTCRtpSender._next_encoded_frame
_original_receiver_init = rtcrtpreceiver.RTCRtpReceiver.__init__


def _aiortc_version() -> tuple[int, ...]:
    parts = []
    for part in aiortc.__version__.split(".")[:2]:
        digits = "".join(c for c in part if c.isdigit())
        parts.append(int(digits or 0))
    return tuple(parts)


def _same_code(function: Any, names: tuple[str, ...], *, tail: bool = False) -> bool:
    actual = tuple(getattr(getattr(function, "__code__", None), "co_names", ()))
    return actual[-len(names) :] == names if tail else actual == names


def inline_audio_encode_supported() -> bool:
    """Whether the running aiortc's sender is the one the inline encode patch replaces."""
    return (1, 10) <= _aiortc_version() < (2, 0) and _same_code(
        _original_next_encoded_frame, _SENDER_NEXT_ENCODED_FRAME_NAMES
    )


async def _next_encoded_frame_inline_audio(self: Any, codec: Any) -> Any:
    """aiortc 1.16's ``RTCRtpSender._next_encoded_frame``, encoding audio on the loop.

    Line for line aiortc's method, except that an audio frame is encoded by
    a direct call instead of ``run_in_executor``; video goes to aiortc's own.
    """
    if self.kind != "audio":
        return await _original_next_encoded_frame(self, codec)
    data = await self._RTCRtpSender__track.recv()
    if not self._enabled:
        return None
    audio_level = None
    if self._RTCRtpSender__encoder is None:
        self._RTCRtpSender__encoder = rtcrtpsender.get_encoder(codec)
    encoder = self._RTCRtpSender__encoder
    if isinstance(data, av.frame.Frame):
        if isinstance(data, av.AudioFrame):
            audio_level = rtp.compute_audio_level_dbov(data)
        force_keyframe = self._RTCRtpSender__force_keyframe
        self._RTCRtpSender__force_keyframe = False
        payloads, timestamp = encoder.encode(data, force_keyframe)
    else:
        payloads, timestamp = encoder.pack(data)
    if not payloads:
        return None
    return rtcrtpsender.RTCEncodedFrame(payloads, timestamp, audio_level)


def install_inline_audio_encode() -> bool:
    """Audio senders encode on the event loop, not in the thread pool (idempotent).

    Returns whether the patch is installed (False: this aiortc is not the one
    it was written for; nothing was changed).
    """
    sender = rtcrtpsender.RTCRtpSender
    if sender._next_encoded_frame is _next_encoded_frame_inline_audio:
        return True
    if not inline_audio_encode_supported():
        logger.info("aiortc %s: audio keeps encoding in the thread pool", aiortc.__version__)
        return False
    sender._next_encoded_frame = _next_encoded_frame_inline_audio  # type: ignore[method-assign]
    logger.debug("aiortc audio senders: encoding on the event loop")
    return True


def uninstall_inline_audio_encode() -> None:
    """Restore aiortc's encoding in the thread pool."""
    rtcrtpsender.RTCRtpSender._next_encoded_frame = _original_next_encoded_frame  # type: ignore[method-assign]


class InlineAudioDecoder:
    """Stands in for an audio receiver's decoder ``queue.Queue``: decodes as frames arrive.

    ``put((codec, encoded_frame))`` is called by ``RTCRtpReceiver._handle_rtp_packet``
    on the loop; it decodes there and puts each frame into the receiver's
    track queue, as aiortc's ``decoder_worker`` does from its thread (same
    decoder, same frames, same warning and error flag on a failed decode).
    aiortc's decoder thread still runs, blocked in :meth:`get` until the
    receiver stops (``put(None)``); it then ends the track, as before.
    """

    def __init__(self, receiver: Any) -> None:
        self._receiver = receiver
        self._decoder: Any = None
        self._codec_name: str | None = None
        self._stopped = threading.Event()

    def put(self, item: Any) -> None:
        if item is None:
            self._stopped.set()
            return
        codec, encoded_frame = item
        if codec.name != self._codec_name:
            self._decoder = rtcrtpreceiver.get_decoder(codec)
            self._codec_name = codec.name
        try:
            frames = self._decoder.decode(encoded_frame)
        except av.FFmpegError as exc:
            rtcrtpreceiver.logger.warning(
                "RTCRtpReceiver(%s) failed to decode %s frame: %s",
                codec.mimeType.split("/")[0],
                codec.name,
                exc,
            )
            self._receiver._RTCRtpReceiver__decoder_error.set()
            return
        queue = self._receiver._track._queue
        for frame in frames:
            queue.put_nowait(frame)

    def get(self) -> None:
        """Called by aiortc's decoder thread: returns None (stop) once the receiver stops."""
        self._stopped.wait()
        self._decoder = None


def inline_audio_decode_supported() -> bool:
    """Whether the running aiortc's receiver is the one the inline decode patch relies on."""
    return (
        (1, 10) <= _aiortc_version() < (2, 0)
        and _same_code(rtcrtpreceiver.decoder_worker, _DECODER_WORKER_NAMES)
        and _same_code(
            rtcrtpreceiver.RTCRtpReceiver._handle_rtp_packet,
            _RECEIVER_HANDLE_RTP_NAMES_TAIL,
            tail=True,
        )
    )


def _receiver_init_inline_audio(self: Any, kind: str, transport: Any) -> None:
    _original_receiver_init(self, kind, transport)
    if kind == "audio":
        self._RTCRtpReceiver__decoder_queue = InlineAudioDecoder(self)


def install_inline_audio_decode() -> bool:
    """Audio receivers created from now on decode on the event loop (idempotent).

    Returns whether the patch is installed (False: this aiortc is not the one
    it was written for; nothing was changed).
    """
    receiver = rtcrtpreceiver.RTCRtpReceiver
    if receiver.__init__ is _receiver_init_inline_audio:
        return True
    if not inline_audio_decode_supported():
        logger.info("aiortc %s: audio keeps decoding in a thread", aiortc.__version__)
        return False
    receiver.__init__ = _receiver_init_inline_audio  # type: ignore[method-assign]
    logger.debug("aiortc audio receivers: decoding on the event loop")
    return True


def uninstall_inline_audio_decode() -> None:
    """Audio receivers created from now on decode in aiortc's decoder thread again."""
    rtcrtpreceiver.RTCRtpReceiver.__init__ = _original_receiver_init  # type: ignore[method-assign]


# -- Opus: steady digital silence without running the encoder -----------------------------

#: Zero frames in a row, encoded to the same bytes, after which the packet is reused
#: (1 s; libopus's state converged within 25 frames after speech, noise, tones and
#: full-scale square waves, at 16, 24 and 48 kHz: the packets after it are the same).
SILENCE_SETTLE_FRAMES = 50
_OPUS_ENCODE_NAMES = (
    "isinstance", "AudioFrame", "format", "name", "layout", "resampler", "resample", "codec",
    "encode", "first_packet_pts", "pts",
)  # fmt: skip
_original_opus_encode = opus.OpusEncoder.encode


class _Silence:
    """Per encoder: how long the input has been digital silence, and its settled packet."""

    __slots__ = ("catching_up", "last", "last_pts", "packet", "run", "skipped")

    def __init__(self) -> None:
        self.run = 0  # zero frames encoded in a row
        self.last: bytes | None = None  # the packet of the last one
        self.packet: bytes | None = None  # settled: what every further zero frame encodes to
        self.last_pts: int | None = None  # pts of the last packet sent (encoded or reused)
        self.catching_up = False  # the encoder's timestamps lag behind the reused packets
        self.skipped = 0  # frames sent as the settled packet

    def reuse(self, samples: int) -> _Packet:
        assert self.packet is not None and self.last_pts is not None
        self.last_pts += samples
        self.catching_up = True
        self.skipped += 1
        return _Packet(self.packet, self.last_pts)

    def timestamp(self, pts: int, samples: int) -> int:
        """The timestamp of an encoded packet: the encoder's own, once it has caught up."""
        if self.catching_up and self.last_pts is not None:
            expected = self.last_pts + samples
            if pts < expected:  # still samples from before the reused packets
                pts = expected
            else:
                self.catching_up = False
        self.last_pts = pts
        return pts


class _Packet:
    __slots__ = ("data", "pts")

    def __init__(self, data: bytes, pts: int) -> None:
        self.data, self.pts = data, pts


def _is_digital_silence(frame: av.AudioFrame) -> bool:
    count = frame.samples * frame.layout.nb_channels
    return not np.frombuffer(frame.planes[0], dtype=np.int16, count=count).any()


def _one_packet_per_frame(frame: av.AudioFrame) -> bool:
    """The frame is one Opus packet long, at a rate that divides 48 kHz.

    Then a settled encoder's resampler holds only zeros, each zero frame
    would leave it as exactly one zero frame, and skipping it leaves the
    resampler as it would be (an integer upsampling ratio has no phase to lose).
    """
    rate = frame.sample_rate
    return (
        rate > 0
        and opus.SAMPLE_RATE % rate == 0
        and frame.samples * opus.SAMPLE_RATE == opus.SAMPLES_PER_FRAME * rate
    )


def _opus_encode_skipping_silence(
    self: Any, frame: av.AudioFrame, force_keyframe: bool = False
) -> tuple[list[bytes], int | None]:
    """aiortc 1.16's ``OpusEncoder.encode``, reusing the settled packet of digital silence.

    Once ``SILENCE_SETTLE_FRAMES`` all-zero frames in a row have encoded to
    the same bytes (libopus's state has converged by then), further all-zero
    frames are sent as those bytes without running libopus (nor, when the
    frame is one packet long at a rate dividing 48 kHz, the resampler) until
    a frame with sound comes: an idle reply track costs next to nothing to
    encode. Packets and timestamps are the ones aiortc sends.
    """
    assert isinstance(frame, av.AudioFrame)
    assert frame.format.name == "s16"
    assert frame.layout.name in ["mono", "stereo"]
    state: _Silence | None = getattr(self, "_streamlit_rtc_silence", None)
    if state is None:
        state = self._streamlit_rtc_silence = _Silence()
    packets: list[_Packet] = []
    if state.packet is not None and _one_packet_per_frame(frame) and _is_digital_silence(frame):
        packets.append(state.reuse(opus.SAMPLES_PER_FRAME))
    else:
        for resampled in self.resampler.resample(frame):
            silent = _is_digital_silence(resampled)
            if silent and state.packet is not None:
                packets.append(state.reuse(resampled.samples))
                continue
            encoded = self.codec.encode(resampled)
            for packet in encoded:
                pts = state.timestamp(packet.pts, resampled.samples)
                packets.append(_Packet(bytes(packet), pts))
            if not silent:
                state.run, state.last, state.packet = 0, None, None
                continue
            state.run += 1
            data = packets[-1].data if len(encoded) == 1 else None
            if data is not None and state.run >= SILENCE_SETTLE_FRAMES and data == state.last:
                state.packet = data
            state.last = data
    if self.first_packet_pts is None and packets:
        self.first_packet_pts = packets[0].pts
    if packets:
        return [p.data for p in packets], packets[0].pts - self.first_packet_pts
    return [], None


def silent_opus_skip_supported() -> bool:
    """Whether the running aiortc's Opus encoder is the one the silence patch replaces."""
    return (1, 10) <= _aiortc_version() < (2, 0) and _same_code(
        _original_opus_encode, _OPUS_ENCODE_NAMES
    )


def install_silent_opus_skip() -> bool:
    """Opus encoders reuse the settled packet of digital silence (idempotent).

    Returns whether the patch is installed (False: this aiortc is not the one
    it was written for; nothing was changed).
    """
    if opus.OpusEncoder.encode is _opus_encode_skipping_silence:
        return True
    if not silent_opus_skip_supported():
        logger.info("aiortc %s: Opus encodes every silent frame", aiortc.__version__)
        return False
    opus.OpusEncoder.encode = _opus_encode_skipping_silence  # type: ignore[method-assign]
    return True


def uninstall_silent_opus_skip() -> None:
    """Restore aiortc's Opus encoding of every frame."""
    opus.OpusEncoder.encode = _original_opus_encode  # type: ignore[method-assign]


def tune_aiortc() -> None:
    """Install every patch of this module (what the Streamlit component does)."""
    install_fast_audio_level()
    install_prompt_audio_receive()
    install_inline_audio_encode()
    install_inline_audio_decode()
    install_silent_opus_skip()
