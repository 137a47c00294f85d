"""Shared bits of the demo apps."""

from __future__ import annotations

import os
from typing import Any


def rtc_configuration() -> dict[str, Any] | None:
    """ICE servers for the demos.

    On one machine (the README's demo command) no STUN/TURN server is needed;
    ``STREAMLIT_RTC_ICE=default`` gives no configuration (the browser's and
    aiortc's own defaults); deployments pass ``get_twilio_turn_credentials()``
    (or another TURN service's) in their own app.
    """
    if os.environ.get("STREAMLIT_RTC_ICE", "local") == "default":
        return None
    return {"iceServers": []}
