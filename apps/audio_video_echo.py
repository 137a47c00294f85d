"""Audio-video echo with one handler: ``streamlit run apps/audio_video_echo.py``.

An :class:`AudioVideoStreamHandler` gets both tracks of one connection: your
voice comes back (``receive`` -> ``emit``) and your webcam comes back
mirrored, with a level bar showing the microphone's loudness drawn by
``video_emit`` at the handler's ``fps``.
"""

from __future__ import annotations

import contextlib
import queue

import numpy as np
import streamlit as st
from _local import rtc_configuration

from streamlit_rtc import AudioVideoStreamHandler, webrtc
from streamlit_rtc.core.handler import AudioEmitType, AudioFrame, VideoEmitType


class Echo(AudioVideoStreamHandler):
    """Plays the microphone back and shows the mirrored webcam with a level meter."""

    def __init__(self) -> None:
        super().__init__(expected_layout="mono", output_sample_rate=48000, fps=30)
        self._audio: queue.Queue[AudioFrame] = queue.Queue(maxsize=50)
        self._frame: np.ndarray | None = None
        self._level = 0.0

    def copy(self) -> Echo:
        return Echo()

    def receive(self, frame: AudioFrame) -> None:
        samples = frame[1]
        self._level = float(np.sqrt(np.mean((samples / 32768.0) ** 2)))
        with contextlib.suppress(queue.Full):  # a stalled output must not grow the delay
            self._audio.put_nowait(frame)

    def emit(self) -> AudioEmitType:
        try:
            return self._audio.get_nowait()
        except queue.Empty:
            return None

    def video_receive(self, frame: np.ndarray) -> None:
        self._frame = frame

    def video_emit(self) -> VideoEmitType:
        if self._frame is None:
            return None
        out = self._frame[:, ::-1].copy()
        width = int(min(1.0, self._level * 8) * out.shape[1])
        out[-12:, :width] = (40, 220, 90)
        return out


st.title("Audio-video echo")
st.write("Press **START**: you hear yourself and see yourself mirrored, with a level meter.")
webrtc(
    "audio-video-echo",
    Echo(),
    mode="send-receive",
    modality="audio-video",
    time_limit=300,
    rtc_configuration=rtc_configuration(),
)
