"""The Streamlit compatibility layer outside a running server.

streamlit-rtc turns off Streamlit's full GC after every run unless the app's
config set it; a fragment kicker with no server to talk to says so (live
views then poll) and never raises, and never starts a script runner while
the one before is still finishing. Inside a server:
tests/browser/test_live_outputs.py.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from streamlit import config
from streamlit.config_option import ConfigOption

from streamlit_rtc.streamlit import _compat
from streamlit_rtc.streamlit._compat.script_runs import deliver_rerun

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


class _Runner:
    """A script runner as AppSession sees it: takes reruns until it has finished."""

    def __init__(self, accepts: bool) -> None:
        self.accepts = accepts
        self.requests: list[object] = []

    def request_rerun(self, rerun: object) -> bool:
        if self.accepts:
            self.requests.append(rerun)
        return self.accepts


class _Session:
    def __init__(self, runner: _Runner | None) -> None:
        self._scriptrunner = runner
        self.created: list[object] = []

    def _create_scriptrunner(self, rerun: object) -> None:
        self.created.append(rerun)
        self._scriptrunner = _Runner(accepts=True)


def test_a_rerun_goes_to_the_running_script_runner() -> None:
    session = _Session(_Runner(accepts=True))
    assert deliver_rerun(session, "rerun")
    assert session._scriptrunner is not None
    assert session._scriptrunner.requests == ["rerun"]
    assert session.created == []


def test_a_new_runner_only_once_the_last_one_is_gone() -> None:
    finishing = _Session(_Runner(accepts=False))  # done; its SHUTDOWN not yet handled
    assert not deliver_rerun(finishing, "rerun")
    # A new runner now: the session would ignore the old one's last events.
    assert finishing.created == []
    idle = _Session(None)  # the session handled the SHUTDOWN
    assert deliver_rerun(idle, "rerun")
    assert idle.created == ["rerun"]


class _Kicker(_compat.FragmentKicker):
    """A kicker on a loop of its own whose session refuses the first ``refusals`` requests."""

    def __init__(self, loop: asyncio.AbstractEventLoop, refusals: int) -> None:
        super().__init__("session")
        self._loop = loop
        self.broken = False
        self.refusals = refusals
        self.delivered: list[str] = []
        self.attempts = 0

    def _request(self, fragment_id: str) -> bool:
        self.attempts += 1
        if self.attempts <= self.refusals:
            return False
        self.delivered.append(fragment_id)
        return True


def _kick_and_settle(kicker: _Kicker, loop: asyncio.AbstractEventLoop, kicks: int = 1) -> None:
    async def settle() -> None:
        for _ in range(kicks):
            kicker.kick()
        while kicker._pending:
            await asyncio.sleep(0.005)

    loop.run_until_complete(asyncio.wait_for(settle(), timeout=10))


def test_a_kick_that_finds_the_runner_finishing_tries_again() -> None:
    loop = asyncio.new_event_loop()
    try:
        kicker = _Kicker(loop, refusals=3)
        kicker.fragment_id = "view"
        _kick_and_settle(kicker, loop, kicks=5)  # kicks while one waits are merged into it
        assert kicker.attempts == 4
        assert kicker.delivered == ["view"]
    finally:
        loop.close()


def test_a_kick_gives_up_after_retry_for_s() -> None:
    loop = asyncio.new_event_loop()
    try:
        kicker = _Kicker(loop, refusals=10**6)
        kicker.RETRY_FOR_S = 0.2
        kicker.fragment_id = "view"
        _kick_and_settle(kicker, loop)
        assert kicker.delivered == []
        assert kicker.attempts == round(kicker.RETRY_FOR_S / kicker.RETRY_S)
        kicker.refusals = 0  # a later kick is not blocked by the abandoned one
        _kick_and_settle(kicker, loop)
        assert kicker.delivered == ["view"]
    finally:
        loop.close()
