"""Voice chat with a live transcript, offline and without an API key.

``streamlit run apps/chat.py``. Each time you pause, your turn appears in the
transcript (its length and waveform) and the assistant answers by echoing
it. The transcript lives in ``st.session_state["transcript"]`` and updates
by itself while the stream is live.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import numpy as np
import streamlit as st
from _local import rtc_configuration
from PIL import Image, ImageDraw

from streamlit_rtc import AdditionalOutputs, ReplyOnPause, webrtc

st.set_page_config(page_title="streamlit-rtc chat", page_icon=":speech_balloon:")
st.title("Voice chat")
st.write("Press **START** and talk; pause to get an answer.")


def waveform_png(audio: np.ndarray, width: int = 240, height: int = 40) -> bytes:
    """A small waveform picture of a turn, drawn once on the handler's thread.

    An image is sent to the page once and then referenced, so the live
    transcript stays cheap to refresh (a chart would be re-serialized each time).
    """
    samples = np.abs(audio.reshape(-1).astype(np.float32)) / 32768.0
    peaks = [float(c.max()) if c.size else 0.0 for c in np.array_split(samples, width)]
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    middle = height / 2
    for x, peak in enumerate(peaks):
        half = max(0.5, min(1.0, peak * 1.5) * middle)
        draw.line([(x, middle - half), (x, middle + half)], fill=(255, 75, 75))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def respond(audio: tuple[int, np.ndarray]) -> Iterator[Any]:
    rate, array = audio
    seconds = array.shape[1] / rate
    yield AdditionalOutputs({"role": "user", "seconds": seconds, "wave": waveform_png(array)})
    yield (rate, array)  # the "answer": your own words back
    yield AdditionalOutputs(
        {"role": "assistant", "content": f"I heard {seconds:.1f} s and said it back."}
    )


def add_message(transcript: list[dict[str, Any]] | None, message: dict[str, Any]) -> list:
    return [*(transcript or []), message]


st.session_state.setdefault("transcript", [])
stream = webrtc(
    "chat",
    ReplyOnPause(respond),
    mode="send-receive",
    modality="audio",
    outputs=["transcript"],
    on_additional_outputs=add_message,
    time_limit=600,
    rtc_configuration=rtc_configuration(),
)


@stream.live
def show_transcript(status: Any) -> None:
    st.caption(f"Status: {status.state.value}")
    for message in st.session_state["transcript"]:
        with st.chat_message(message["role"]):
            if message["role"] == "user":
                st.markdown(f"*(spoke for {message['seconds']:.1f} s)*")
                st.image(message["wave"])
            else:
                st.markdown(message["content"])
