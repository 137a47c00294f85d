"""Fixtures of the ``Stream`` tests: a Streamlit AppTest of a script."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from streamlit_rtc.streamlit import stream_checks


@pytest.fixture
def app(monkeypatch: pytest.MonkeyPatch) -> Callable[..., AppTest]:
    """An AppTest for ``script(*args)``, run once."""
    monkeypatch.setattr(stream_checks, "_warned", set())

    def run(script: Callable[..., None], *args: Any) -> AppTest:
        at = AppTest.from_function(script, args=args, default_timeout=60)
        at.run()
        return at

    return run
