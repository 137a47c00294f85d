"""Real human speech for the tests: the recording the useful-moonshine-onnx wheel ships.

``scripts/bootstrap.sh`` copies it out of the wheel (which holds no model
weights) into ``.venv/test-data``; ``STREAMLIT_RTC_TEST_DATA`` points
elsewhere.  A man reads Beckett, 10 s at 16 kHz, with pauses between the
sentences.
"""

from __future__ import annotations

import os
from pathlib import Path

BECKETT = "Ever tried, ever failed. No matter. Try again. Fail again. Fail better."

HUMAN_SPEECH = (
    Path(
        os.environ.get("STREAMLIT_RTC_TEST_DATA", Path(__file__).parents[1] / ".venv" / "test-data")
    )
    / "beckett.wav"
)
"""Real human speech: the sample the useful-moonshine-onnx wheel ships (scripts/bootstrap.sh)."""

PHRASE_ENDS_S = {"no matter": 4.1, "try again": 5.47, "fail better": 8.75}
"""Where three of its sentences end, read off its level (20 ms steps; the voice falls to the
room's level within about 0.05 s of these)."""
