"""Webcam effect with a live slider: ``streamlit run apps/video_filter.py``.

Port of the seed guide's "Input/Output Streaming" example. ``effect`` gets
each webcam frame as ``(H, W, 3)`` uint8 **RGB** plus the current widget
values, and returns the frame to show. Moving the slider changes the effect
on the next frame; the stream keeps running.
"""

from __future__ import annotations

import numpy as np
import streamlit as st
from _local import rtc_configuration

from streamlit_rtc import webrtc

EFFECTS = ("invert", "posterize", "edges", "sepia")
SEPIA = np.array(
    [[0.393, 0.769, 0.189], [0.349, 0.686, 0.168], [0.272, 0.534, 0.131]], dtype=np.float32
)


def _apply(frame: np.ndarray, effect: str) -> np.ndarray:
    if effect == "invert":
        return 255 - frame
    if effect == "posterize":
        return (frame // 64) * 64 + 32
    if effect == "edges":
        gray = frame.mean(axis=2, dtype=np.float32)
        edges = np.zeros_like(gray)
        edges[:, 1:] += np.abs(np.diff(gray, axis=1))
        edges[1:, :] += np.abs(np.diff(gray, axis=0))
        return np.repeat(np.clip(edges * 3, 0, 255).astype(np.uint8)[..., None], 3, axis=2)
    toned = frame.astype(np.float32) @ SEPIA.T
    return np.clip(toned, 0, 255).astype(np.uint8)


def effect(frame: np.ndarray, name: str, strength: float) -> np.ndarray:
    """Blend ``strength`` (0..1) of the chosen effect over the webcam frame."""
    if strength <= 0:
        return frame
    styled = _apply(frame, name)
    if strength >= 1:
        return styled
    mixed = frame * (1 - strength) + styled.astype(np.float32) * strength
    return mixed.astype(np.uint8)


st.set_page_config(page_title="streamlit-rtc video filter", page_icon=":movie_camera:")
st.title("Video filter")
st.write("Press **START** and allow the camera. The effect runs on the server, in Python.")
name = st.selectbox("Effect", EFFECTS, index=0)
strength = st.slider("Strength", min_value=0.0, max_value=1.0, step=0.05, value=1.0)

webrtc(
    "video-filter",
    effect,
    mode="send-receive",
    modality="video",
    inputs=[name, strength],
    time_limit=300,
    rtc_configuration=rtc_configuration(),
)
