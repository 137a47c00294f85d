"""The Streamlit adapter: the only code that imports streamlit or streamlit_webrtc."""

from .component import LiveStatus, StreamContext, VoiceUI, webrtc
from .credentials import (
    get_cloudflare_turn_credentials,
    get_cloudflare_turn_credentials_async,
    get_coturn_credentials,
    get_hf_turn_credentials,
    get_hf_turn_credentials_async,
    get_turn_credentials,
    get_turn_credentials_async,
    get_twilio_turn_credentials,
)
from .stream import Stream, UIArgs

__all__ = [
    "LiveStatus",
    "Stream",
    "StreamContext",
    "UIArgs",
    "VoiceUI",
    "get_cloudflare_turn_credentials",
    "get_cloudflare_turn_credentials_async",
    "get_coturn_credentials",
    "get_hf_turn_credentials",
    "get_hf_turn_credentials_async",
    "get_turn_credentials",
    "get_turn_credentials_async",
    "get_twilio_turn_credentials",
    "webrtc",
]
