"""What a video function may return, and the messages for what it may not."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from streamlit_rtc import AdditionalOutputs, CloseStream, InvalidEmitError
from streamlit_rtc.core.video_emit import parse_video_emit
from streamlit_rtc.core.video_handlers import VideoFunctionHandler, VideoGeneratorHandler

FRAME = np.zeros((4, 6, 3), np.uint8)


def test_accepted_forms() -> None:
    outs = AdditionalOutputs(1, "a")
    assert parse_video_emit(None).frame is None
    assert parse_video_emit(FRAME).frame is FRAME
    parts = parse_video_emit((FRAME, outs))
    assert parts.frame is FRAME and parts.outputs == outs
    assert parse_video_emit(outs).outputs == outs
    assert parse_video_emit(CloseStream("bye")).close is not None
    view = np.zeros((10, 10, 3), np.uint8)[::2, ::2]  # non-contiguous views are fine
    assert parse_video_emit(view).frame is view


@pytest.mark.parametrize(
    ("value", "fragments"),
    [
        (FRAME.astype(np.float32), ["dtype float32", "(frame * 255).clip(0, 255).astype"]),
        (FRAME.astype(bool), ["dtype bool", "astype(np.uint8) * 255"]),
        (FRAME.astype(np.int64), ["dtype int64", "astype(np.uint8)"]),
        (np.zeros((4, 6), np.uint8), ["shape (4, 6)", "np.stack([gray] * 3"]),
        (np.zeros((4, 6, 4), np.uint8), ["shape (4, 6, 4)", "frame[..., :3]"]),
        (np.zeros((3, 40, 60), np.uint8), ["shape (3, 40, 60)", "transpose(1, 2, 0)"]),
        (np.zeros((1, 4, 6, 3), np.uint8), ["frame[0]"]),
        (np.zeros((0, 6, 3), np.uint8), ["empty"]),
        ((48000, np.zeros(10, np.int16)), ["looks like audio"]),
        ((FRAME, FRAME), ["2-tuple is not a video output"]),
        ([FRAME], ["list is not a video output"]),
        ((FRAME.astype(np.float64), AdditionalOutputs(1)), ["dtype float64"]),
    ],
)
def test_rejected_with_a_fix(value: Any, fragments: list[str]) -> None:
    with pytest.raises(InvalidEmitError) as info:
        parse_video_emit(value)
    message = str(info.value)
    assert message.startswith("invalid video output")
    assert "(height, width, 3), dtype uint8, RGB" in message
    for fragment in fragments:
        assert fragment in message, message


def test_handlers_copy_and_pass_inputs() -> None:
    calls: list[Any] = []
    fn_handler = VideoFunctionHandler(lambda frame, level: calls.append(level) or frame)
    copy = fn_handler.copy()
    copy.set_args([7])
    assert copy.process(FRAME) is FRAME and calls == [7]
    gen = VideoGeneratorHandler(lambda n: iter([FRAME] * n), fps=12.5)
    gen_copy = gen.copy()
    gen_copy.set_args([2])
    assert gen_copy.fps == 12.5 and len(list(gen_copy.start())) == 2
    not_callable: Any = "nope"
    with pytest.raises(TypeError, match="function"):
        VideoFunctionHandler(not_callable)
    with pytest.raises(ValueError, match="fps"):
        VideoGeneratorHandler(lambda: iter(()), fps=0)
