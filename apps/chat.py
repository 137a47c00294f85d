"""Voice chat with a live transcript, offline and without an API key.

``streamlit run apps/chat.py``. While you speak, your words appear as they
are recognised (partial transcripts, refined every ~0.7 s); when you pause,
your turn is transcribed in full and shown with its length and waveform, and
the app answers by saying back what it understood, sentence by sentence as
the voice synthesizes it. Speech recognition (Whisper tiny.en) and the voice
(piper) run on this machine (``pip install "streamlit-rtc[stt,tts]"``). The
transcript lives in ``st.session_state["transcript"]`` (the words still being
spoken in ``"partial"``) and updates by itself while the stream is live.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import numpy as np
import streamlit as st
from _local import rtc_configuration
from _speech import speech_models
from PIL import Image, ImageDraw

from streamlit_rtc import AdditionalOutputs, webrtc
from streamlit_rtc.audio.speech import TTSModel
from streamlit_rtc.reply.reply_on_pause import ReplyFn
from streamlit_rtc.reply.transcribing import PartialTranscript, TranscribingReplyOnPause

st.set_page_config(page_title="streamlit-rtc chat", page_icon=":speech_balloon:")
st.title("Voice chat")
st.write("Press **START** and talk: your words show as you speak; pause to get an answer.")


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


def say_it_back(tts: TTSModel[Any]) -> ReplyFn:
    """The reply: show the turn's transcript, and say it back one sentence at a time.

    ``TranscribingReplyOnPause`` passes ``transcript``: usually the
    transcription it made while the user paused, so none runs here.
    """

    def respond(audio: tuple[int, np.ndarray], *, transcript: str) -> Iterator[Any]:
        rate, array = audio
        text = transcript
        seconds = array.shape[1] / rate
        yield AdditionalOutputs(
            {"role": "user", "content": text, "seconds": seconds, "wave": waveform_png(array)}
        )
        spoken = f"You said: {text}" if text else "Sorry, I could not make that out."
        yield from tts.stream_tts_sync(spoken)
        answer = f"I heard “{text}” and said it back." if text else "I heard nothing I recognised."
        yield AdditionalOutputs({"role": "assistant", "content": answer})

    return respond


def add_output(
    transcript: list[dict[str, Any]] | None, partial: str | None, output: Any
) -> tuple[list[dict[str, Any]], str | None]:
    """A partial transcript replaces the live line; a finished turn is appended and ends it."""
    transcript = transcript or []
    if isinstance(output, PartialTranscript):
        return transcript, None if output.withdrawn else output.text
    if output["role"] == "user":
        return [*transcript, output], None
    return [*transcript, output], partial


@st.cache_resource
def handler() -> TranscribingReplyOnPause:
    """One prototype per server process (models shared); every connection copies it."""
    stt, tts = speech_models()
    return TranscribingReplyOnPause(say_it_back(tts), stt=stt)


speech_models()  # without the extras: a message saying how to install them, and stop
st.session_state.setdefault("transcript", [])
stream = webrtc(
    "chat",
    handler(),
    mode="send-receive",
    modality="audio",
    outputs=["transcript", "partial"],
    on_additional_outputs=add_output,
    time_limit=600,
    rtc_configuration=rtc_configuration(),
)


@stream.live
def show_transcript(status: Any) -> None:
    for message in st.session_state["transcript"]:
        with st.chat_message(message["role"]):
            if message["role"] == "user":
                st.markdown(message["content"] or "*(nothing recognised)*")
                st.caption(f"spoke for {message['seconds']:.1f} s")
                st.image(message["wave"])
            else:
                st.markdown(message["content"])
    partial = st.session_state.get("partial")
    if partial:
        with st.chat_message("user"):
            st.markdown(f"*{partial} …*")
            st.caption("still listening")
