"""Turn ends are found on time on audio that went through Opus, as it does over WebRTC.

Opus turns digital silence into a faint, fluctuating floor and smears the
end of speech, which is what the VAD's model-skipping (silent line, noise
floor) sees in production; the other turn tests feed the clean fixtures.
"""

from __future__ import annotations

from typing import Any

import av
import numpy as np
import pytest
import soxr

from streamlit_rtc import HandlerSimulator, PauseOptions, ReplyOnPause, StatusEvent

PAUSE = PauseOptions().pause_s
RATE = 48000
FRAME = 960


def opus_round_trip(mono48: np.ndarray) -> np.ndarray:
    """Encode 48 kHz mono int16 as 20 ms Opus packets (as aiortc sends) and decode it."""
    encoder = av.CodecContext.create("libopus", "w")
    encoder.sample_rate = RATE
    encoder.layout = "stereo"
    encoder.format = "s16"
    encoder.bit_rate = 96000
    encoder.options = {"application": "voip"}
    decoder = av.CodecContext.create("libopus", "r")
    decoder.sample_rate = RATE
    decoder.layout = "stereo"
    out: list[np.ndarray] = []
    usable = mono48.size - mono48.size % FRAME
    for i, start in enumerate(range(0, usable, FRAME)):
        stereo = np.repeat(mono48[start : start + FRAME], 2).reshape(1, -1)
        frame = av.AudioFrame.from_ndarray(stereo, format="s16", layout="stereo")
        frame.sample_rate = RATE
        frame.pts = i * FRAME
        for packet in encoder.encode(frame):
            for decoded in decoder.decode(packet):
                pcm = decoded.to_ndarray()
                if decoded.format.is_planar:
                    out.append(pcm[0].astype(np.int16))
                else:
                    out.append(pcm.reshape(-1, 2)[:, 0].astype(np.int16))
    return np.concatenate(out)


@pytest.mark.parametrize("name", ["two_utterances.wav", "barge_in.wav", "noisy_speech.wav"])
def test_turns_end_on_time_after_opus(
    name: str, speech: Any, speech_manifest: dict[str, Any]
) -> None:
    rate, audio = speech(name)
    coded = opus_round_trip(soxr.resample(audio, rate, RATE).astype(np.int16))
    calls: list[Any] = []

    def fn(turn: Any) -> Any:
        calls.append(turn)
        yield from ()

    sim = HandlerSimulator(ReplyOnPause(fn)).run(coded, RATE, tail_s=1.5)
    pauses = sim.events(StatusEvent.PAUSE_DETECTED)
    truth = speech_manifest[name]["utterances"]
    assert len(pauses) == len(truth)
    codec_delay_s = 0.0065  # Opus look-ahead at 48 kHz (312 samples)
    for event, utterance in zip(pauses, truth, strict=True):
        delay = event.status.stream_time_s - utterance["end_s"] - codec_delay_s
        assert 0.0 < delay <= PAUSE + 0.2, f"{name}: pause detected {delay:.3f} s after speech"
