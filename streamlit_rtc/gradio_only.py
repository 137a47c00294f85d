"""fastrtc names that belong to Gradio: importable, so a ported app fails with advice, not a typo.

``from fastrtc import WebRTC`` ports to ``from streamlit_rtc import WebRTC``
without an ImportError; using it raises a ``TypeError`` that says why the
name has no meaning in Streamlit and what to write instead.
"""

from __future__ import annotations

from typing import Any, NoReturn

__all__ = ["WebRTC", "WebRTCData"]


class _GradioOnly:
    """Base of the placeholders: constructing one raises with the advice."""

    advice = ""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        _refuse(type(self).__name__, self.advice)


def _refuse(name: str, advice: str) -> NoReturn:
    raise TypeError(f"{name} is a Gradio component and has no meaning in Streamlit: {advice}")


class WebRTC(_GradioOnly):
    """fastrtc's Gradio component: use ``webrtc(key, handler, ...)`` or ``Stream(...).render()``."""

    advice = (
        "call webrtc(key, handler, mode=..., modality=...) where the component goes "
        "(its .stream(fn, inputs=..., outputs=...) arguments become webrtc() arguments), "
        "or build Stream(handler, ...) and call stream.render()"
    )


class WebRTCData(_GradioOnly):
    """fastrtc's text-and-audio payload of its Gradio textbox variant."""

    advice = (
        "reply functions get (sample_rate, audio) as their first argument; pass text "
        "from Streamlit widgets through inputs=[...]"
    )
