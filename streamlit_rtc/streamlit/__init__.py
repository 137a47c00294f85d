"""The Streamlit adapter: the only code that imports streamlit or streamlit_webrtc."""

from .component import LiveStatus, StreamContext, webrtc
from .credentials import (
    get_cloudflare_turn_credentials,
    get_hf_turn_credentials,
    get_twilio_turn_credentials,
)

__all__ = [
    "LiveStatus",
    "StreamContext",
    "get_cloudflare_turn_credentials",
    "get_hf_turn_credentials",
    "get_twilio_turn_credentials",
    "webrtc",
]
