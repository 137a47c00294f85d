"""Server-to-client video on a button click: ``streamlit run apps/video_stream.py``.

Port of the seed guide's "Server-to-Client" example. The generator yields
``(H, W, 3)`` uint8 RGB frames; the stream shows them at ``fps`` and ends
with the generator. The source is either generated frames (a moving colour
bar, no file needed) or a video file decoded with PyAV.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import av
import numpy as np
import streamlit as st
from _local import rtc_configuration

from streamlit_rtc import AdditionalOutputs, webrtc

WIDTH, HEIGHT = 640, 360


def generated(seconds: float, fps: float) -> Iterator[np.ndarray]:
    """A sweep of colour bars with a white bar moving across."""
    x = np.arange(WIDTH)
    bars = np.stack(
        [(x * 255 // WIDTH), np.full(WIDTH, 96), 255 - (x * 255 // WIDTH)], axis=-1
    ).astype(np.uint8)
    base = np.repeat(bars[None, :, :], HEIGHT, axis=0)
    for i in range(int(seconds * fps)):
        frame = base.copy()
        column = (i * 8) % WIDTH
        frame[:, column : column + 16] = 255
        yield frame


def from_file(path: str) -> Iterator[np.ndarray]:
    """Frames of a video file (any format FFmpeg reads), decoded with PyAV, as RGB."""
    with av.open(path) as container:
        for frame in container.decode(video=0):
            yield frame.to_ndarray(format="rgb24")


def generation(source: str, path: str, seconds: float, fps: float) -> Iterator[object]:
    started = time.monotonic()
    frames = from_file(path) if source == "file" else generated(seconds, fps)
    count = 0
    for frame in frames:
        count += 1
        yield frame
    yield AdditionalOutputs(f"{count} frames in {time.monotonic() - started:.1f} s")


st.title("Server-to-client video")
source = st.radio("Source", ("generated", "file"), horizontal=True)
path = st.text_input("Video file (for 'file')", value="")
seconds = st.slider("Seconds (generated)", min_value=1, max_value=30, value=5)
fps = st.select_slider("Frames per second", options=[10, 15, 24, 30], value=30)
if source == "file" and not Path(path).is_file():
    st.warning("Enter the path of a video file on the server.")
button = st.button("Start", type="primary")
stream = webrtc(
    "video-stream",
    generation,
    mode="receive",
    modality="video",
    inputs=[source, path, seconds, fps],
    trigger=button,
    fps=fps,
    outputs=["summary"],
    rtc_configuration=rtc_configuration(),
)
if st.session_state.get("summary"):
    st.caption(st.session_state["summary"])
