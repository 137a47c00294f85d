"""Shared bits of the demo apps."""

from __future__ import annotations

import os
from typing import Any


def rtc_configuration() -> dict[str, Any] | None:
    """ICE servers for the demos.

    On one machine (the README's demo command) no STUN/TURN server is needed;
    deployments set ``STREAMLIT_RTC_ICE=default`` to use streamlit-webrtc's
    defaults, or pass ``get_twilio_turn_credentials()`` in their own app.
    """
    if os.environ.get("STREAMLIT_RTC_ICE", "local") == "default":
        return None
    return {"iceServers": []}
