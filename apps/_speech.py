"""The speech models of the demo apps, loaded once per server process, or a message saying how.

Whisper tiny.en (the ``stt`` extra) and the piper voice (the ``tts`` extra)
ship inside wheels, so nothing is downloaded. Without the extras the page
says which command installs them and stops, instead of failing with an
``ImportError``.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from streamlit_rtc.audio.speech import MissingExtraError, STTModel, TTSModel

__all__ = ["INSTALL", "speech_models"]

INSTALL = 'pip install "streamlit-rtc[stt,tts]"'


@st.cache_resource(show_spinner="Loading the speech models...")
def _load() -> tuple[STTModel, TTSModel[Any]]:
    from streamlit_rtc.audio.speech import get_stt_model, get_tts_model

    return get_stt_model(), get_tts_model()


def speech_models() -> tuple[STTModel, TTSModel[Any]]:
    """``(stt, tts)``, warmed up; without the extras: an error naming the install, then stop."""
    try:
        return _load()
    except MissingExtraError as err:
        st.error(
            f"This app needs the offline speech models. Install them with `{INSTALL}` "
            f"and restart it. ({err})",
            icon=":material/download:",
        )
        st.stop()
        raise  # st.stop() raises; this line is for type checkers
