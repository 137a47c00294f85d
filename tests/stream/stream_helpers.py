"""What the ``Stream`` tests share: a reply, an empty ICE configuration, reading an AppTest."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
from streamlit.testing.v1 import AppTest

ICE: dict[str, Any] = {"iceServers": []}


def echo(audio: tuple[int, np.ndarray]) -> Iterator[Any]:
    """A reply that says the turn back."""
    yield audio


def webrtc_elements(at: AppTest) -> list[Any]:
    """The streamlit-rtc components the run drew."""
    return [e for e in at.get("component_instance") if "streamlit_rtc" in e.proto.component_name]


def errors(at: AppTest) -> list[str]:
    """The messages of the exceptions the run showed."""
    return [e.message for e in at.exception]
