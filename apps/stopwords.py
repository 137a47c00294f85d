"""Wake-phrase assistant, fully offline. ``streamlit run apps/stopwords.py``

Say "computer" (or "ok computer", "hello iris"), then a request, with or
without a pause: the app plays the request back (without the phrase) and
shows when the phrase was heard. Anything said without the phrase is
ignored. Detection runs on pocketsphinx's bundled English model.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import streamlit as st
from _local import rtc_configuration

from streamlit_rtc import AdditionalOutputs, ReplyOnStopWords, StatusEvent, StopPhrase, webrtc

st.set_page_config(page_title="streamlit-rtc wake phrase", page_icon=":ear:")
st.title("Wake phrase")
st.write(
    "Press **START**, say **computer**, **ok computer** or **hello iris**, then ask "
    "something. The app answers by playing your request back, without the phrase."
)


@st.cache_resource(show_spinner="Loading the keyword model...")
def handler() -> ReplyOnStopWords:
    """One prototype per server process: the models load once, every connection copies it."""
    return ReplyOnStopWords(
        answer,
        stop_words=[
            StopPhrase("computer"),
            StopPhrase("ok computer", alternatives=("okay computer",)),
            StopPhrase("hello iris"),
        ],
        input_sample_rate=16000,
    )


def answer(audio: tuple[int, np.ndarray]) -> Iterator[Any]:
    """Echo the request that followed the phrase, and log it."""
    rate, array = audio
    yield AdditionalOutputs({"seconds": array.shape[1] / rate})
    yield (rate, array)


def add_request(requests: list[dict[str, Any]] | None, request: dict[str, Any]) -> list:
    return [*(requests or []), request][-20:]


st.session_state.setdefault("requests", [])
stream = webrtc(
    "stopwords",
    handler(),
    mode="send-receive",
    modality="audio",
    outputs=["requests"],
    on_additional_outputs=add_request,
    time_limit=600,
    rtc_configuration=rtc_configuration(),
    # The browser's noise suppression and gain control smear the phones the
    # keyword model listens for; echo cancellation stays on (barge-in).
    media_stream_constraints={
        "audio": {"echoCancellation": True, "noiseSuppression": False, "autoGainControl": False},
        "video": False,
    },
)


@stream.live
def show(status: Any) -> None:
    heard = status.last_events.get(StatusEvent.STOPWORD)
    if heard is None:
        st.info("Waiting for the wake phrase...", icon=":material/hearing:")
    else:
        listening = status.last_status is not None and status.last_status.event in (
            StatusEvent.STOPWORD,
            StatusEvent.STARTED_TALKING,
        )
        st.success(
            f"Heard **{heard.detail}** at {heard.stream_time_s:.1f} s"
            + (" - listening to your request" if listening else ""),
            icon=":material/record_voice_over:",
        )
    for i, request in enumerate(reversed(st.session_state["requests"])):
        st.write(f"Request {len(st.session_state['requests']) - i}: {request['seconds']:.1f} s")
