"""``streamlit_rtc.utils``: fastrtc's utility names, from their owners, without Streamlit."""

from __future__ import annotations

import subprocess
import sys

from streamlit_rtc import utils
from streamlit_rtc.audio.encode import audio_to_bytes, audio_to_file
from streamlit_rtc.core import context as context_module


def test_utils_reexports_fastrtcs_names_from_their_owners() -> None:
    from streamlit_rtc.core import convert, messages

    expected = {
        "AdditionalOutputs": messages.AdditionalOutputs,
        "CloseStream": messages.CloseStream,
        "WebRTCError": messages.WebRTCError,
        "Warning": messages.Warning,
        "audio_to_bytes": audio_to_bytes,
        "audio_to_file": audio_to_file,
        "audio_to_float32": convert.audio_to_float32,
        "audio_to_int16": convert.audio_to_int16,
        "aggregate_bytes_to_16bit": convert.aggregate_bytes_to_16bit,
        "async_aggregate_bytes_to_16bit": convert.async_aggregate_bytes_to_16bit,
        "wait_for_item": convert.wait_for_item,
        "get_current_context": context_module.get_current_context,
        "Context": context_module.Context,
    }
    assert set(utils.__all__) == set(expected)
    for name, value in expected.items():
        assert getattr(utils, name) is value, name


def test_utils_does_not_import_streamlit() -> None:
    code = (
        "import sys, streamlit_rtc.utils; "
        "roots = {'streamlit', 'streamlit_webrtc'}; "
        "loaded = [m for m in sys.modules if m.split('.')[0] in roots]; "
        "sys.exit(f'imported {loaded}' if loaded else 0)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
