"""An offline voice assistant. ``streamlit run apps/assistant.py``

Press START and ask "what time is it?", "what is twelve times seven?",
"what's the date?" or "repeat after me ...": the page shows your words while
you speak, then the answer, which is spoken sentence by sentence as it is
synthesized. Speech recognition (Whisper tiny.en), the brain
(``assistant_brain.py``) and the voice (piper) all run on this machine:
it works with the network unplugged. With ``OPENAI_API_KEY`` set, an
OpenAI-compatible chat API answers instead (``assistant_llm.py``), and the
offline brain whenever it fails. In the sidebar, a wake phrase can be
required ("computer, what time is it"), and turns can end on meaning rather
than silence alone (Smart Turn v3, the ``turn`` extra, checked against the
last words Whisper heard: ``WordAwareTurnEnd``): a finished question is
answered sooner, a speaker who pauses mid-thought is waited for.
"""

from __future__ import annotations

import logging
from typing import Any

import streamlit as st
from _local import rtc_configuration
from _speech import speech_models
from assistant_llm import chat_brain_from_env
from assistant_voice import Assistant, Think, offline_brain

from streamlit_rtc import (
    ReplyOnPause,
    ReplyOnStopWords,
    SmartTurn,
    StatusEvent,
    WordAwareTurnEnd,
    webrtc,
)
from streamlit_rtc.audio.speech import MissingExtraError
from streamlit_rtc.reply.transcribing import PartialTranscript, TranscribingReplyOnPause

logger = logging.getLogger(__name__)

WAKE_PHRASE = "computer"

st.set_page_config(page_title="streamlit-rtc assistant", page_icon=":robot_face:")
st.title("Offline voice assistant")
st.write(
    "Press **START** and ask: *what time is it?*, *what is twelve times seven?*, "
    "*what's the date?*, or *repeat after me ...*"
)
wake = st.sidebar.toggle(
    f"Wake phrase: say **{WAKE_PHRASE}** first",
    value=False,
    help="Only requests that follow the phrase are answered (pocketsphinx keyword spotting).",
)
semantic = st.sidebar.toggle(
    "End turns on meaning (Smart Turn)",
    value=False,
    help="A model hears whether you sound finished, and your last words are checked "
    '("a flight to..." is not finished): complete questions are answered sooner, a pause '
    "mid-sentence is waited for. Needs the turn extra.",
)


@st.cache_resource(show_spinner="Loading Smart Turn...")
def smart_turn() -> SmartTurn | None:
    """The shared model, or None (with the reason on the page) without the ``turn`` extra."""
    try:
        return SmartTurn.shared()
    except MissingExtraError as err:
        logger.warning("%s", err)
        return None


@st.cache_resource
def brain() -> tuple[Think, str]:
    """The chat API when ``OPENAI_API_KEY`` is set, else the offline brain; and its name."""
    chat = chat_brain_from_env()
    if chat is None:
        return offline_brain, "offline brain (assistant_brain.py)"
    return chat, f"{chat.model} at {chat.base_url} (offline brain as fallback)"


@st.cache_resource(show_spinner="Loading the keyword model...")
def handler(wake_phrase: bool, semantic_end: bool) -> ReplyOnPause:
    """One prototype per mode and server process; every connection copies it."""
    stt, tts = speech_models()
    assistant = Assistant(stt, tts, brain()[0])
    model = smart_turn() if semantic_end else None
    turn_end = WordAwareTurnEnd(model, stt) if model is not None else None
    if wake_phrase:
        return ReplyOnStopWords(
            assistant.respond,
            stop_words=[WAKE_PHRASE],
            input_sample_rate=16000,
            turn_end=turn_end,
        )
    return TranscribingReplyOnPause(
        assistant.respond_transcribed, stt=stt, input_sample_rate=16000, turn_end=turn_end
    )


def add_output(
    transcript: list[dict[str, Any]] | None, partial: str | None, output: Any
) -> tuple[list[dict[str, Any]], str | None]:
    """Fold one output: a partial transcript replaces the live line; a message is appended."""
    transcript = transcript or []
    if isinstance(output, PartialTranscript):
        return transcript, None if output.withdrawn else output.text
    if output.get("role") == "user":
        return [*transcript, output][-40:], None
    return [*transcript, output][-40:], partial


speech_models()  # without the extras: a message saying how to install them, and stop
if semantic and smart_turn() is None:
    st.sidebar.warning(
        'Smart Turn needs the turn extra: `pip install "streamlit-rtc[turn]"`. '
        "Turns end on silence alone.",
        icon=":material/warning:",
    )
st.sidebar.caption(f"Answers come from the {brain()[1]}.")
if st.sidebar.button("Clear the conversation"):
    st.session_state["assistant_transcript"] = []
    st.session_state["assistant_partial"] = None

st.session_state.setdefault("assistant_transcript", [])
stream = webrtc(
    ("assistant-wake" if wake else "assistant") + ("-semantic" if semantic else ""),
    handler(wake, semantic),
    mode="send-receive",
    modality="audio",
    outputs=["assistant_transcript", "assistant_partial"],
    on_additional_outputs=add_output,
    time_limit=900,
    rtc_configuration=rtc_configuration(),
)


@stream.live
def show(status: Any) -> None:
    if wake:
        heard = status.last_events.get(StatusEvent.STOPWORD)
        if heard is None:
            st.info(f"Say **{WAKE_PHRASE}**, then your request.", icon=":material/hearing:")
        else:
            st.caption(f"Heard *{heard.detail}* at {heard.stream_time_s:.1f} s")
    judged = status.last_events.get(StatusEvent.PAUSE_DETECTED)
    if semantic and judged is not None and judged.detail != "forced":
        if judged.detail and judged.detail.startswith("sounded"):
            st.caption(f"Smart Turn: your last turn {judged.detail}.")
        else:  # no verdict within pause_s + verdict_wait_s: this CPU is too slow for it
            st.caption("Smart Turn: your last turn ended on silence alone (no verdict in time).")
    for message in st.session_state["assistant_transcript"]:
        with st.chat_message(message["role"]):
            content = message["content"]
            st.markdown(content if content else "*(nothing recognised)*")
    partial = st.session_state.get("assistant_partial")
    if partial:
        with st.chat_message("user"):
            st.markdown(f"*{partial} …*")
