"""fastrtc's ``VideoStreamHandler``: its fields, defaults and checks."""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np
import pytest

from streamlit_rtc.core.video_handlers import VideoStreamHandler


def test_video_stream_handler_has_fastrtcs_fields() -> None:
    def flip(frame: np.ndarray) -> np.ndarray:
        return frame[::-1]

    handler = VideoStreamHandler(flip)
    assert (handler.callable, handler.fps, handler.skip_frames) == (flip, 30, False)
    assert [f.name for f in dataclasses.fields(VideoStreamHandler)] == [
        "callable",
        "fps",
        "skip_frames",
    ]
    handler = VideoStreamHandler(flip, fps=15, skip_frames=True)
    assert (handler.fps, handler.skip_frames) == (15, True)
    frame = np.arange(12, dtype=np.uint8).reshape(2, 2, 3)
    assert np.array_equal(handler.callable(frame), frame[::-1])


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"callable": "flip"}, TypeError, "callable"),
        ({"callable": print, "fps": 0}, ValueError, "fps"),
        ({"callable": print, "fps": math.inf}, ValueError, "fps"),
        ({"callable": print, "fps": "30"}, TypeError, "fps"),
        ({"callable": print, "skip_frames": "yes"}, TypeError, "skip_frames"),
    ],
)
def test_video_stream_handler_validates(kwargs: dict[str, Any], error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        VideoStreamHandler(**kwargs)
