"""The ``fastrtc.utils`` names: ``from fastrtc.utils import x`` ports to ``streamlit_rtc.utils``.

Only re-exports: each name lives in the module that owns its job. Like the
rest of the core, this module never imports Streamlit, so it works in plain
Python (tests, scripts, handlers developed outside an app).
"""

from __future__ import annotations

from .audio.encode import audio_to_bytes, audio_to_file
from .core.context import Context, get_current_context
from .core.convert import (
    aggregate_bytes_to_16bit,
    async_aggregate_bytes_to_16bit,
    audio_to_float32,
    audio_to_int16,
    wait_for_item,
)
from .core.messages import AdditionalOutputs, CloseStream, Warning, WebRTCError

__all__ = [
    "AdditionalOutputs",
    "CloseStream",
    "Context",
    "Warning",
    "WebRTCError",
    "aggregate_bytes_to_16bit",
    "async_aggregate_bytes_to_16bit",
    "audio_to_bytes",
    "audio_to_file",
    "audio_to_float32",
    "audio_to_int16",
    "get_current_context",
    "wait_for_item",
]
