"""streamlit-rtc: real-time voice and video AI apps in Streamlit.

The public API keeps the names of the gradio_webrtc / fastrtc user guide, so
porting an example is mechanical: ``from fastrtc import X`` becomes
``from streamlit_rtc import X`` (the README lists every fastrtc name's status).
"""

from .audio.encode import audio_to_bytes, audio_to_file
from .audio.keywords import (
    KeywordDetector,
    KeywordHit,
    KeywordStream,
    PocketSphinxDetector,
    StopPhrase,
    TranscriptionDetector,
)
from .audio.speech import (
    PiperTTSOptions,
    STTModel,
    TTSModel,
    TTSOptions,
    get_stt_model,
    get_tts_model,
)
from .audio.turn_end import SmartTurn, WordAwareTurnEnd
from .audio.vad import SileroVAD, VADModel, VADStream
from .core.args import WEBRTC_VALUE
from .core.context import Context, get_current_context
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
    AudioEmitType,
    AudioVideoStreamHandler,
    EmitType,
    StreamHandler,
    StreamHandlerBase,
    VideoEmitType,
)
from .core.messages import (
    AdditionalOutputs,
    CloseStream,
    InvalidEmitError,
    Warning,
    WebRTCError,
)
from .core.status import Status, StatusEvent, StreamState
from .core.turn import PauseOptions
from .core.turn_end import TurnEndAnalyzer
from .core.turn_options import AlgoOptions, ModelOptions, SileroVadOptions
from .core.video_handlers import VideoStreamHandler
from .gradio_only import WebRTC, WebRTCData
from .reply.reply_on_pause import ReplyOnPause
from .reply.reply_on_stopwords import ReplyOnStopWords
from .reply.transcribing import PartialTranscript, TranscribingReplyOnPause
from .signalling.ui import VoiceUI
from .simulate import HandlerSimulator

_ADAPTER_NAMES = {
    "LiveStatus",
    "Stream",
    "StreamContext",
    "UIArgs",
    "get_cloudflare_turn_credentials",
    "get_cloudflare_turn_credentials_async",
    "get_coturn_credentials",
    "get_hf_turn_credentials",
    "get_hf_turn_credentials_async",
    "get_turn_credentials",
    "get_turn_credentials_async",
    "get_twilio_turn_credentials",
    "webrtc",
}


def get_silero_model() -> SileroVAD:
    """fastrtc's name for the process-wide Silero VAD (loaded once, from the installed wheel)."""
    return SileroVAD.shared()


def __getattr__(name: str) -> object:
    """The Streamlit adapter loads on first use, so the core never imports Streamlit."""
    if name in _ADAPTER_NAMES:
        from . import streamlit as adapter

        return getattr(adapter, name)
    raise AttributeError(f"module 'streamlit_rtc' has no attribute {name!r}")


__all__ = [
    "WEBRTC_VALUE",
    "AdditionalOutputs",
    "AlgoOptions",
    "AsyncAudioVideoStreamHandler",
    "AsyncStreamHandler",
    "AudioEmitType",
    "AudioVideoStreamHandler",
    "CloseStream",
    "Context",
    "EmitType",
    "HandlerSimulator",
    "InvalidEmitError",
    "KeywordDetector",
    "KeywordHit",
    "KeywordStream",
    "LiveStatus",
    "ModelOptions",
    "PartialTranscript",
    "PauseOptions",
    "PiperTTSOptions",
    "PocketSphinxDetector",
    "ReplyOnPause",
    "ReplyOnStopWords",
    "STTModel",
    "SileroVAD",
    "SileroVadOptions",
    "SmartTurn",
    "Status",
    "StatusEvent",
    "StopPhrase",
    "Stream",
    "StreamContext",
    "StreamHandler",
    "StreamHandlerBase",
    "StreamState",
    "TTSModel",
    "TTSOptions",
    "TranscribingReplyOnPause",
    "TranscriptionDetector",
    "TurnEndAnalyzer",
    "UIArgs",
    "VADModel",
    "VADStream",
    "VideoEmitType",
    "VideoStreamHandler",
    "VoiceUI",
    "Warning",
    "WebRTC",
    "WebRTCData",
    "WebRTCError",
    "WordAwareTurnEnd",
    "aggregate_bytes_to_16bit",
    "async_aggregate_bytes_to_16bit",
    "audio_to_bytes",
    "audio_to_file",
    "audio_to_float32",
    "audio_to_int16",
    "get_cloudflare_turn_credentials",
    "get_cloudflare_turn_credentials_async",
    "get_coturn_credentials",
    "get_current_context",
    "get_hf_turn_credentials",
    "get_hf_turn_credentials_async",
    "get_silero_model",
    "get_stt_model",
    "get_tts_model",
    "get_turn_credentials",
    "get_turn_credentials_async",
    "get_twilio_turn_credentials",
    "wait_for_item",
    "webrtc",
]
