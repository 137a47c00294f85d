"""The Streamlit compatibility layer outside a running server.

streamlit-rtc turns off Streamlit's full GC after every run unless the app's
config set it; a fragment kicker with no server to talk to says so (live
views then poll) and never raises. Inside a server: tests/browser/test_live_outputs.py.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from streamlit import config
from streamlit.config_option import ConfigOption

from streamlit_rtc.streamlit import _compat

KEY = "runner.postScriptGC"


@pytest.fixture
def restore_option() -> Iterator[None]:
    # Other tests in this process may have run webrtc(), which turns it off.
    config.set_option(KEY, True, where_defined=ConfigOption.DEFAULT_DEFINITION)
    yield
    config.set_option(KEY, True, where_defined=ConfigOption.DEFAULT_DEFINITION)


def test_default_is_turned_off(restore_option: None) -> None:
    assert config.get_option(KEY) is True  # Streamlit's default
    _compat.disable_post_script_gc()
    assert config.get_option(KEY) is False
    assert "streamlit-rtc" in config.get_where_defined(KEY)
    _compat.disable_post_script_gc()  # idempotent
    assert config.get_option(KEY) is False


def test_a_value_the_user_set_is_kept(restore_option: None) -> None:
    config.set_option(KEY, True, where_defined="/app/.streamlit/config.toml")
    _compat.disable_post_script_gc()
    assert config.get_option(KEY) is True


def test_a_kicker_without_a_server_is_off_and_harmless() -> None:
    kicker = _compat.FragmentKicker("no-such-session")
    assert kicker.broken
    kicker.fragment_id = "f"
    kicker.kick()  # no loop to talk to: nothing happens, nothing raises


def test_no_fragment_outside_a_script_run() -> None:
    assert _compat.current_fragment_id() is None
