"""A misbehaving producer cannot kill the RTP sender."""

from __future__ import annotations

import logging
import time
from typing import Any

import numpy as np
import pytest
from rtc_helpers import ToneFrames, discard, rms, wait_until

from streamlit_rtc.testing import AudioLoopback, dominant_frequency

pytestmark = pytest.mark.rtc

BAD_FRAMES = {
    "wrong-shape": np.zeros((2, 480), np.int16),
    "transposed": np.zeros((960, 2), np.int16),
    "float32": np.zeros((2, 960), np.float32),
    "not-an-array": b"\x00" * 3840,
}


@pytest.mark.parametrize("bad", ["wrong-shape", "raises", "float32", "not-an-array", "transposed"])
def test_bad_frames_are_replaced_by_silence(arun, caplog, bad: str) -> None:
    tone = ToneFrames(660)
    bad_left = 10  # ten bad frames in a row, then good audio

    def next_frame() -> Any:
        nonlocal bad_left
        if bad_left > 0:
            bad_left -= 1
            if bad == "raises":
                raise RuntimeError("producer bug")
            return BAD_FRAMES[bad]
        return tone.next_frame()

    async def scenario() -> None:
        async with AudioLoopback(on_frame=discard, next_frame=next_frame) as lb:
            await wait_until(lambda: bad_left == 0)
            since = time.monotonic() + 0.2
            # Audio keeps flowing: half a second of the tone arrives afterwards.
            await wait_until(lambda: len(lb.received.pcm(since_s=since)) >= 24000)
            assert lb.output.stats.invalid == 10
            pcm = lb.received.pcm(since_s=since)
            assert rms(pcm) > 3000
            assert abs(dominant_frequency(pcm[:, 0], 48000) - 660) < 5

    with caplog.at_level(logging.ERROR, logger="streamlit_rtc.rtc"):
        arun(scenario)
    errors = [r for r in caplog.records if r.name == "streamlit_rtc.rtc.audio_source"]
    assert len(errors) == 1, [r.getMessage() for r in errors]
