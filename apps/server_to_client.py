"""Server-to-client audio: a generator streamed on a button click.

Run: ``streamlit run apps/server_to_client.py``.

Port of the seed guide's example: the slider's value reaches ``generation``
as its argument; each step yields one second of audio (a rising note here,
where the seed read a file), and the stream ends with the generator.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import streamlit as st
from _local import rtc_configuration

from streamlit_rtc import webrtc

RATE = 24000


def note(step: int) -> np.ndarray:
    """One second of a soft note, a whole tone higher at every step."""
    t = np.arange(RATE) / RATE
    hz = 262.0 * 2 ** (2 * step / 12)
    envelope = np.minimum(1.0, np.minimum(t, 1.0 - t) * 20)
    return (0.3 * envelope * np.sin(2 * np.pi * hz * t)).astype(np.float32).reshape(1, -1)


def generation(num_steps: int) -> Iterator[tuple[int, np.ndarray]]:
    for step in range(int(num_steps)):
        yield (RATE, note(step))


st.title("Server-to-client stream")
num_steps = st.slider("Number of Steps", min_value=1, max_value=10, step=1, value=5)
button = st.button("Generate")
webrtc(
    "server-to-client",
    generation,
    mode="receive",
    modality="audio",
    inputs=[num_steps],
    trigger=button,
    rtc_configuration=rtc_configuration(),
)
