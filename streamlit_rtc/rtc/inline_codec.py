"""Inline audio codecs: aiortc encodes and decodes audio on the loop, and skips settled silence.

aiortc hands every audio frame to a thread to encode or decode it, and runs
libopus on every frame of digital silence; for 20 ms of Opus the thread
hand-offs cost more than the codec work. These patches (installed by
:func:`~.aiortc_patches.tune_aiortc`, whose module docstring gives the
measurements) do that work on the loop and reuse the packet of settled
silence, sending and decoding aiortc's exact bytes. Each checks that the
running aiortc has the code it was written against (as in aiortc 1.16) and
is skipped, with a log line, when it does not.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

import av
import numpy as np
from aiortc import rtcrtpreceiver, rtcrtpsender, rtp
from aiortc.codecs import opus

from .patching import Patch, aiortc_version, same_code

logger = logging.getLogger(__name__)

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


def inline_audio_encode_supported() -> bool:
    """Whether the running aiortc's sender is the one the inline encode patch replaces."""
    return (1, 10) <= aiortc_version() < (2, 0) and same_code(
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


_INLINE_ENCODE = Patch(
    rtcrtpsender.RTCRtpSender,
    "_next_encoded_frame",
    _original_next_encoded_frame,
    _next_encoded_frame_inline_audio,
    logger,
    installed_log="aiortc audio senders: encoding on the event loop",
    skipped_log="aiortc %s: audio keeps encoding in the thread pool",
    supported=inline_audio_encode_supported,
)


def install_inline_audio_encode() -> bool:
    """Audio senders encode on the event loop, not in the thread pool (idempotent).

    Returns whether the patch is installed (False: this aiortc is not the one
    it was written for; nothing was changed).
    """
    return _INLINE_ENCODE.install()


def uninstall_inline_audio_encode() -> None:
    """Restore aiortc's encoding in the thread pool."""
    _INLINE_ENCODE.uninstall()


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
        (1, 10) <= aiortc_version() < (2, 0)
        and same_code(rtcrtpreceiver.decoder_worker, _DECODER_WORKER_NAMES)
        and same_code(
            rtcrtpreceiver.RTCRtpReceiver._handle_rtp_packet,
            _RECEIVER_HANDLE_RTP_NAMES_TAIL,
            tail=True,
        )
    )


def _receiver_init_inline_audio(self: Any, kind: str, transport: Any) -> None:
    _original_receiver_init(self, kind, transport)
    if kind == "audio":
        self._RTCRtpReceiver__decoder_queue = InlineAudioDecoder(self)


_INLINE_DECODE = Patch(
    rtcrtpreceiver.RTCRtpReceiver,
    "__init__",
    _original_receiver_init,
    _receiver_init_inline_audio,
    logger,
    installed_log="aiortc audio receivers: decoding on the event loop",
    skipped_log="aiortc %s: audio keeps decoding in a thread",
    supported=inline_audio_decode_supported,
)


def install_inline_audio_decode() -> bool:
    """Audio receivers created from now on decode on the event loop (idempotent).

    Returns whether the patch is installed (False: this aiortc is not the one
    it was written for; nothing was changed).
    """
    return _INLINE_DECODE.install()


def uninstall_inline_audio_decode() -> None:
    """Audio receivers created from now on decode in aiortc's decoder thread again."""
    _INLINE_DECODE.uninstall()


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
    return (1, 10) <= aiortc_version() < (2, 0) and same_code(
        _original_opus_encode, _OPUS_ENCODE_NAMES
    )


_SILENT_OPUS_SKIP = Patch(
    opus.OpusEncoder,
    "encode",
    _original_opus_encode,
    _opus_encode_skipping_silence,
    logger,
    skipped_log="aiortc %s: Opus encodes every silent frame",
    supported=silent_opus_skip_supported,
)


def install_silent_opus_skip() -> bool:
    """Opus encoders reuse the settled packet of digital silence (idempotent).

    Returns whether the patch is installed (False: this aiortc is not the one
    it was written for; nothing was changed).
    """
    return _SILENT_OPUS_SKIP.install()


def uninstall_silent_opus_skip() -> None:
    """Restore aiortc's Opus encoding of every frame."""
    _SILENT_OPUS_SKIP.uninstall()
