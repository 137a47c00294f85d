"""pytest fixtures for real-browser tests (headless Chromium + a real Streamlit server).

Fixtures
--------
``fake_mic_wav`` (session)        Path of the WAV Chromium loops as the microphone.
``playwright_sync`` (module)      A started ``sync_playwright()`` instance.
``chromium`` (module)             Headless /usr/bin/chromium with the fake microphone.
``chromium_with_mic`` (module)    Factory ``(wav) -> Browser`` for other microphone files.
``browser_context`` (function)    Fresh context: mic permission + RTC stats init script.
``page`` (function)               A new page in ``browser_context``.
``streamlit_app`` (function)      Factory ``(app, env=None, extra_args=()) -> StreamlitServer``;
                                  servers stop at test end, log tail logged on failure.
``module_streamlit_app`` (module) Same factory, servers shared by a test module.

For a test module about one app, set module-level ``APP`` (a path), and
optionally ``MIC`` (the fake-microphone WAV, default ``speech_pause.wav``) and
``SERVER_ENV`` (extra environment), then use:

``server`` (module)               ``APP`` served with loopback-only WebRTC (``LOOPBACK_ENV``).
``browser`` (module)              Chromium that loops ``MIC`` and gathers 127.0.0.1 candidates.
``context`` (function)            A fresh context in ``browser``, closed after the test.
``other_context`` (function)      Another one: a second user of the app.

``app`` is a file name under ``tests/browser/apps`` or any path. See
``browser_harness`` for the page helpers (``open_app``, ``click_start``,
``wait_for_inbound_audio``, ``sample_stats``, ``connect_once``, ...).
Everything is skipped when /usr/bin/chromium or playwright is unavailable.

Playwright's sync API allows one running instance per thread, so the
Playwright fixtures are module-scoped: they are stopped between modules and a
module that starts its own ``sync_playwright()`` still works (but must not mix
it with these fixtures).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path

import pytest
from browser_harness import (
    APPS_DIR,
    CHROMIUM_PATH,
    DEFAULT_FAKE_MIC_WAV,
    LOOPBACK_ENV,
    StreamlitAppFactory,
    StreamlitServer,
    launch_chromium,
    launch_loopback_chromium,
    new_context,
)
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright

LOGGER = logging.getLogger("browser_tests")


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
    """Expose each phase's report as ``item.rep_setup`` / ``rep_call`` / ``rep_teardown``."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


def _test_failed(node: pytest.Item) -> bool:
    return any(
        getattr(node, f"rep_{when}", None) is not None and getattr(node, f"rep_{when}").failed
        for when in ("setup", "call")
    )


@pytest.fixture(scope="session")
def fake_mic_wav() -> Path:
    """The fake-microphone WAV (``tests/fixtures/browser/speech_pause.wav``)."""
    if not DEFAULT_FAKE_MIC_WAV.exists():
        pytest.fail(f"{DEFAULT_FAKE_MIC_WAV} missing: run make_browser_fixtures.sh")
    return DEFAULT_FAKE_MIC_WAV


@pytest.fixture(scope="module")
def playwright_sync() -> Iterator[Playwright]:
    """A started Playwright (sync API) for this test module."""
    if not CHROMIUM_PATH.exists():
        pytest.fail(f"{CHROMIUM_PATH} not installed: run scripts/bootstrap.sh (apt chromium)")
    pw = sync_playwright().start()
    try:
        yield pw
    finally:
        pw.stop()


@pytest.fixture(scope="module")
def chromium(playwright_sync: Playwright, fake_mic_wav: Path) -> Iterator[Browser]:
    """Headless Chromium whose fake microphone loops ``fake_mic_wav``."""
    with contextlib.closing(launch_chromium(playwright_sync, fake_mic_wav)) as browser:
        yield browser


@pytest.fixture(scope="module")
def chromium_with_mic(playwright_sync: Playwright) -> Iterator[Callable[[Path], Browser]]:
    """Factory ``(wav) -> Browser``: one Chromium per fake-microphone WAV, shared.

    Use this (not a second ``sync_playwright()``, which fails inside this
    session's running Playwright) when a test needs another microphone file.
    """
    browsers: dict[Path, Browser] = {}

    def get(wav: Path) -> Browser:
        wav = Path(wav).resolve()
        if wav not in browsers:
            browsers[wav] = launch_chromium(playwright_sync, wav)
        return browsers[wav]

    try:
        yield get
    finally:
        for browser in browsers.values():
            browser.close()


@pytest.fixture
def browser_context(chromium: Browser) -> Iterator[BrowserContext]:
    """A fresh browser context per test (mic granted, RTC stats init script)."""
    with contextlib.closing(new_context(chromium)) as context:
        yield context


@pytest.fixture
def page(browser_context: BrowserContext) -> Page:
    """A new page in this test's browser context."""
    return browser_context.new_page()


def _make_factory(log_dir: Path, servers: list[StreamlitServer]) -> StreamlitAppFactory:
    def start(
        app: str | Path,
        env: Mapping[str, str] | None = None,
        extra_args: Sequence[str] = (),
    ) -> StreamlitServer:
        app_path = Path(app)
        if not app_path.is_absolute() and not app_path.exists():
            app_path = APPS_DIR / app_path
        server = StreamlitServer(
            app_path=app_path,
            log_path=log_dir / f"{app_path.stem}-{len(servers)}.log",
            env=dict(env or {}),
            extra_args=tuple(extra_args),
        )
        servers.append(server)
        return server.start()

    return start


def _stop_all(servers: list[StreamlitServer], failed: bool) -> None:
    for server in servers:
        if failed:
            LOGGER.error("streamlit log %s (tail):\n%s", server.log_path, server.log_tail(80))
        server.stop()


@pytest.fixture
def streamlit_app(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[StreamlitAppFactory]:
    """Factory starting Streamlit servers for this test; all stopped at its end."""
    servers: list[StreamlitServer] = []
    try:
        yield _make_factory(tmp_path, servers)
    finally:
        _stop_all(servers, _test_failed(request.node))


@pytest.fixture(scope="module")
def module_streamlit_app(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[StreamlitAppFactory]:
    """Factory starting Streamlit servers shared by one test module."""
    servers: list[StreamlitServer] = []
    failed_before = request.session.testsfailed
    try:
        yield _make_factory(tmp_path_factory.mktemp("streamlit"), servers)
    finally:
        _stop_all(servers, request.session.testsfailed > failed_before)


# -- one app per test module: its APP, MIC and SERVER_ENV -----------------------------------


@pytest.fixture(scope="module")
def server(
    request: pytest.FixtureRequest, module_streamlit_app: StreamlitAppFactory
) -> StreamlitServer:
    """The module's ``APP`` served with loopback-only WebRTC (and the module's ``SERVER_ENV``)."""
    app = getattr(request.module, "APP", None)
    if app is None:
        pytest.fail(f"{request.module.__name__} uses the server fixture but sets no APP")
    env = {**LOOPBACK_ENV, **getattr(request.module, "SERVER_ENV", {})}
    return module_streamlit_app(app, env=env)


@pytest.fixture(scope="module")
def browser(request: pytest.FixtureRequest, playwright_sync: Playwright) -> Iterator[Browser]:
    """Chromium for loopback WebRTC whose fake microphone loops the module's ``MIC``."""
    mic = Path(getattr(request.module, "MIC", DEFAULT_FAKE_MIC_WAV))
    if not mic.exists():
        pytest.fail(f"{mic} missing: run its make_*.sh in tests/fixtures/browser")
    with contextlib.closing(launch_loopback_chromium(playwright_sync, mic)) as chromium:
        yield chromium


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    """A fresh context in ``browser`` (mic granted, RTC stats script), closed after the test."""
    with contextlib.closing(new_context(browser)) as ctx:
        yield ctx


@pytest.fixture
def other_context(browser: Browser) -> Iterator[BrowserContext]:
    """A second fresh context in ``browser`` (another user), closed after the test."""
    with contextlib.closing(new_context(browser)) as ctx:
        yield ctx
