"""streamlit-rtc: real-time voice and video AI apps in Streamlit.

The public API keeps the names of the gradio_webrtc / fastrtc user guide, so
porting an example is mechanical.
"""

from .audio.keywords import (
    KeywordDetector,
    KeywordHit,
    KeywordStream,
    PocketSphinxDetector,
    StopPhrase,
    TranscriptionDetector,
)
from .audio.vad import SileroVAD, VADModel, VADStream
from .core.args import WEBRTC_VALUE
from .core.convert import (
    aggregate_bytes_to_16bit,
    async_aggregate_bytes_to_16bit,
    audio_to_float32,
    audio_to_int16,
    wait_for_item,
)
from .core.handler import (
    AsyncAudioVideoStreamHandler,
    AsyncStreamHandler,
    AudioVideoStreamHandler,
    StreamHandler,
    StreamHandlerBase,
)
from .core.messages import AdditionalOutputs, CloseStream, InvalidEmitError, WebRTCError
from .core.status import Status, StatusEvent
from .core.turn import PauseOptions
from .reply.reply_on_pause import ReplyOnPause
from .reply.reply_on_stopwords import ReplyOnStopWords
from .simulate import HandlerSimulator

_ADAPTER_NAMES = {
    "LiveStatus",
    "StreamContext",
    "get_cloudflare_turn_credentials",
    "get_hf_turn_credentials",
    "get_twilio_turn_credentials",
    "webrtc",
}


def __getattr__(name: str) -> object:
    """The Streamlit adapter loads on first use, so the core never imports Streamlit."""
    if name in _ADAPTER_NAMES:
        from . import streamlit as adapter

        return getattr(adapter, name)
    raise AttributeError(f"module 'streamlit_rtc' has no attribute {name!r}")

__all__ = [
    "WEBRTC_VALUE",
    "AdditionalOutputs",
    "AsyncAudioVideoStreamHandler",
    "AsyncStreamHandler",
    "AudioVideoStreamHandler",
    "CloseStream",
    "HandlerSimulator",
    "InvalidEmitError",
    "KeywordDetector",
    "KeywordHit",
    "KeywordStream",
    "LiveStatus",
    "PauseOptions",
    "PocketSphinxDetector",
    "ReplyOnPause",
    "ReplyOnStopWords",
    "SileroVAD",
    "Status",
    "StatusEvent",
    "StopPhrase",
    "StreamContext",
    "StreamHandler",
    "StreamHandlerBase",
    "TranscriptionDetector",
    "VADModel",
    "VADStream",
    "WebRTCError",
    "aggregate_bytes_to_16bit",
    "async_aggregate_bytes_to_16bit",
    "audio_to_float32",
    "audio_to_int16",
    "get_cloudflare_turn_credentials",
    "get_hf_turn_credentials",
    "get_twilio_turn_credentials",
    "wait_for_item",
    "webrtc",
]
