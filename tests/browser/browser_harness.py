"""Real-browser test harness: a Streamlit server process and headless Chromium.

Pieces (all usable without pytest, e.g. from a measurement script):

* :class:`StreamlitServer` - runs ``python -m streamlit run APP`` on a free
  loopback port, waits for ``/_stcore/health``, logs to a file and always
  kills the whole process group on :meth:`StreamlitServer.stop`.
* :func:`launch_chromium` - Debian's ``/usr/bin/chromium`` through
  Playwright's sync API with a fake microphone fed from a WAV file.
* :data:`RTC_INIT_SCRIPT` - wraps ``RTCPeerConnection`` (and turns browser
  audio processing off in ``getUserMedia``) so Python can read ``getStats()``.
* :func:`open_app`, :func:`find_component_frame`, :func:`click_start`,
  :func:`click_stop`, :func:`wait_for_inbound_audio`, :func:`sample_stats`.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, BrowserContext, Frame, Page, Playwright
from playwright.sync_api import Error as PlaywrightError

LOGGER = logging.getLogger(__name__)

CHROMIUM_PATH = Path("/usr/bin/chromium")
REPO_ROOT = Path(__file__).resolve().parents[2]
APPS_DIR = Path(__file__).resolve().parent / "apps"
FIXTURES_DIR = REPO_ROOT / "tests" / "fixtures" / "browser"
DEFAULT_FAKE_MIC_WAV = FIXTURES_DIR / "speech_pause.wav"

_START_RE = re.compile(r"^\s*start\s*$", re.IGNORECASE)
_STOP_RE = re.compile(r"^\s*stop\s*$", re.IGNORECASE)


# --------------------------------------------------------------------------
# Streamlit server
# --------------------------------------------------------------------------


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class StreamlitStartError(RuntimeError):
    """The Streamlit server exited or never became healthy."""


@dataclass
class StreamlitServer:
    """One ``streamlit run`` child process bound to 127.0.0.1.

    Use as a context manager, or call :meth:`start` / :meth:`stop` yourself.
    ``stop`` is idempotent and kills the process group (children included).
    """

    app_path: Path
    log_path: Path
    port: int = field(default_factory=free_port)
    extra_args: Sequence[str] = ()
    env: dict[str, str] | None = None
    startup_timeout: float = 30.0
    _proc: subprocess.Popen[bytes] | None = field(default=None, init=False, repr=False)
    _log_file: Any = field(default=None, init=False, repr=False)

    @property
    def url(self) -> str:
        """Base URL of the app."""
        return f"http://127.0.0.1:{self.port}/"

    @property
    def pid(self) -> int | None:
        """PID of the server process (also its process-group id), if started."""
        return self._proc.pid if self._proc else None

    def command(self) -> list[str]:
        """The full command line used to start the server."""
        return [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(self.app_path),
            "--server.address",
            "127.0.0.1",
            "--server.port",
            str(self.port),
            "--server.headless",
            "true",
            "--browser.gatherUsageStats",
            "false",
            "--server.fileWatcherType",
            "none",
            "--global.developmentMode",
            "false",
            "--server.runOnSave",
            "false",
            *self.extra_args,
        ]

    def start(self) -> StreamlitServer:
        """Start the process and block until the health endpoint answers."""
        if self._proc is not None:
            raise RuntimeError("server already started")
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log_file = open(self.log_path, "wb")  # noqa: SIM115 - closed in stop()
        env = {**os.environ, **(self.env or {})}
        env.setdefault("PYTHONUNBUFFERED", "1")
        # Apps import streamlit_rtc from this checkout (it may not be installed).
        env["PYTHONPATH"] = os.pathsep.join(
            p for p in (str(REPO_ROOT), env.get("PYTHONPATH", "")) if p
        )
        LOGGER.info("starting streamlit: %s", " ".join(self.command()))
        self._proc = subprocess.Popen(
            self.command(),
            cwd=str(REPO_ROOT),
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # own process group: stop() kills children too
        )
        try:
            self._wait_healthy()
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_healthy(self) -> None:
        deadline = time.monotonic() + self.startup_timeout
        health = f"{self.url}_stcore/health"
        while time.monotonic() < deadline:
            if self._proc is not None and self._proc.poll() is not None:
                raise StreamlitStartError(
                    f"streamlit exited with code {self._proc.returncode}\n{self.log_tail()}"
                )
            with (
                contextlib.suppress(OSError, urllib.error.URLError),
                urllib.request.urlopen(health, timeout=1.0) as resp,
            ):
                if resp.status == 200:
                    LOGGER.info("streamlit healthy at %s", self.url)
                    return
            time.sleep(0.1)
        raise StreamlitStartError(
            f"streamlit not healthy after {self.startup_timeout}s\n{self.log_tail()}"
        )

    def stop(self, timeout: float = 5.0) -> None:
        """Terminate the process group (SIGTERM, then SIGKILL). Idempotent."""
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            _signal_group(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                LOGGER.warning("streamlit pid %s ignored SIGTERM; killing", proc.pid)
                _signal_group(proc.pid, signal.SIGKILL)
                proc.wait(timeout=timeout)
        if proc is not None:
            # Children left in the group after the leader exited.
            _signal_group(proc.pid, signal.SIGKILL)
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None

    def log_tail(self, lines: int = 60) -> str:
        """Last ``lines`` lines of the server log."""
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return "<no log>"
        return "\n".join(text.splitlines()[-lines:])

    def __enter__(self) -> StreamlitServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


StreamlitAppFactory = Callable[..., StreamlitServer]
"""Type of the ``streamlit_app`` fixtures: ``(app, env=None, extra_args=()) -> server``."""


def _signal_group(pgid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


# --------------------------------------------------------------------------
# Chromium
# --------------------------------------------------------------------------


def chromium_args(fake_mic_wav: Path | None) -> list[str]:
    """Command-line flags for headless Chromium with a fake microphone."""
    args = [
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--autoplay-policy=no-user-gesture-required",
    ]
    if fake_mic_wav is not None:
        args.append(f"--use-file-for-fake-audio-capture={fake_mic_wav}")
    return args


def launch_chromium(
    playwright: Playwright, fake_mic_wav: Path | None = DEFAULT_FAKE_MIC_WAV
) -> Browser:
    """Launch Debian's Chromium headless; the fake microphone loops ``fake_mic_wav``."""
    return playwright.chromium.launch(
        executable_path=str(CHROMIUM_PATH),
        headless=True,
        args=chromium_args(fake_mic_wav),
    )


# Runs in every frame (the component iframe included) before page scripts.
RTC_INIT_SCRIPT = r"""
(() => {
  if (window.__rtcHarness) return;
  const peers = [];
  window.__rtcHarness = { peers };

  const Native = window.RTCPeerConnection;
  if (Native) {
    const Wrapped = function (...args) {
      const pc = new Native(...args);
      peers.push(pc);
      return pc;
    };
    Wrapped.prototype = Native.prototype;
    Object.setPrototypeOf(Wrapped, Native);
    window.RTCPeerConnection = Wrapped;
    if (window.webkitRTCPeerConnection) window.webkitRTCPeerConnection = Wrapped;
  }

  // Browser audio processing distorts the signal: turn it off.
  const md = navigator.mediaDevices;
  if (md && md.getUserMedia) {
    const orig = md.getUserMedia.bind(md);
    const off = { echoCancellation: false, noiseSuppression: false, autoGainControl: false };
    md.getUserMedia = (c) => {
      if (c && c.audio) {
        c = { ...c, audio: c.audio === true ? { ...off } : { ...c.audio, ...off } };
      }
      return orig(c);
    };
  }

  window.__rtcStats = async () => {
    const out = [];
    for (const pc of peers) {
      const s = {
        connectionState: pc.connectionState,
        iceConnectionState: pc.iceConnectionState,
        inbound: null,
        outbound: null,
      };
      try {
        const report = await pc.getStats();
        report.forEach((r) => {
          if (r.kind !== 'audio' && r.mediaType !== 'audio') return;
          if (r.type === 'inbound-rtp') {
            s.inbound = {
              packetsReceived: r.packetsReceived || 0,
              bytesReceived: r.bytesReceived || 0,
              totalAudioEnergy: r.totalAudioEnergy || 0,
              totalSamplesReceived: r.totalSamplesReceived || 0,
              concealedSamples: r.concealedSamples || 0,
              concealmentEvents: r.concealmentEvents || 0,
              audioLevel: r.audioLevel || 0,
              jitterBufferDelay: r.jitterBufferDelay || 0,
              jitterBufferEmittedCount: r.jitterBufferEmittedCount || 0,
              jitterBufferTargetDelay: r.jitterBufferTargetDelay || 0,
            };
          } else if (r.type === 'outbound-rtp') {
            s.outbound = { packetsSent: r.packetsSent || 0, bytesSent: r.bytesSent || 0 };
          }
        });
      } catch (e) {
        s.error = String(e);
      }
      out.push(s);
    }
    return out;
  };
})();
"""


def new_context(browser: Browser) -> BrowserContext:
    """A fresh browser context with the RTC init script and mic permission."""
    context = browser.new_context(permissions=["microphone"])
    context.add_init_script(RTC_INIT_SCRIPT)
    return context


# --------------------------------------------------------------------------
# Page / component helpers
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class RtcSample:
    """One ``getStats()`` reading of the newest peer connection in a frame."""

    t: float
    connection_state: str | None
    ice_state: str | None
    packets_received: int
    total_audio_energy: float
    total_samples_received: int
    concealed_samples: int
    packets_sent: int

    @property
    def received_audio(self) -> bool:
        """Packets came back and they were not silent."""
        return self.packets_received > 0 and self.total_audio_energy > 0


def open_app(page: Page, url: str, timeout: float = 30.0) -> Frame:
    """Load the app and return the component iframe once its START button shows."""
    page.goto(url, wait_until="domcontentloaded", timeout=timeout * 1000)
    return find_component_frame(page, timeout=timeout)


COMPONENT_ROOT = '[data-testid="streamlit-rtc"]'
"""The root of streamlit-rtc's component (the DOM contract in docs/component-protocol.md)."""


def is_component_frame(frame: Frame) -> bool:
    """Our component's iframe, or streamlit-webrtc's (a START/STOP button) for baselines."""
    if frame.locator(COMPONENT_ROOT).count() > 0:
        return True
    return any(frame.get_by_role("button", name=name).count() > 0 for name in (_START_RE, _STOP_RE))


def component_state(frame: Frame) -> str | None:
    """The component's ``data-state`` (None for streamlit-webrtc's component)."""
    return frame.locator(COMPONENT_ROOT).get_attribute("data-state", timeout=5000)


def find_component_frame(page: Page, timeout: float = 30.0) -> Frame:
    """Return the first child frame (searching ``page.frames``) holding a stream component.

    Note: the sync API only processes browser events (frame attach included)
    while a Playwright call runs, so waiting uses ``page.wait_for_timeout``,
    never ``time.sleep``.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for frame in page.frames:
            if frame is page.main_frame:
                continue
            with contextlib.suppress(Exception):
                if is_component_frame(frame):
                    return frame
        page.wait_for_timeout(100)
    raise TimeoutError(f"no webrtc component iframe within {timeout}s")


def wait_for_no_component_frame(page: Page, timeout: float = 15.0) -> None:
    """Wait until no child frame shows a START/STOP button (the component is unmounted).

    Streamlit removes an element that a run did not draw only when that run
    finishes; a run cut short by a rerun leaves the old iframe in place.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        present = False
        for frame in page.frames:
            if frame is page.main_frame:
                continue
            with contextlib.suppress(Exception):
                if is_component_frame(frame):
                    present = True
        if not present:
            return
        page.wait_for_timeout(100)
    raise TimeoutError(f"the webrtc component iframe was still mounted after {timeout}s")


def wait_for_component_start(page: Page, timeout_s: float) -> bool:
    """True once any component iframe is stopped (the stream ended).

    Searches all frames: when a stream ends on the server Streamlit may
    remount the component's iframe.
    """
    for _ in range(int(timeout_s * 4)):
        for child in page.frames[1:]:
            try:
                root = child.locator(COMPONENT_ROOT)
                if root.count() and root.get_attribute("data-state") in ("stopped", "error"):
                    return True
                if child.get_by_role("button", name=_START_RE).count() > 0:
                    return True
            except PlaywrightError:  # the iframe detached while we looked
                continue
        page.wait_for_timeout(250)
    return False


def click_start(frame: Frame, timeout: float = 10.0) -> None:
    """Click the component's START button."""
    frame.get_by_role("button", name=_START_RE).click(timeout=timeout * 1000)


def click_stop(frame: Frame, timeout: float = 10.0) -> None:
    """Click the component's STOP button."""
    frame.get_by_role("button", name=_STOP_RE).click(timeout=timeout * 1000)


def wait_for_stop_button(frame: Frame, timeout: float = 10.0) -> None:
    """Wait until the component shows STOP (the frontend is signalling or playing)."""
    frame.get_by_role("button", name=_STOP_RE).wait_for(timeout=timeout * 1000)


def wait_for_start_button(frame: Frame, timeout: float = 10.0) -> None:
    """Wait until the component shows START again (stopped)."""
    frame.get_by_role("button", name=_START_RE).wait_for(timeout=timeout * 1000)


def read_stats(frame: Frame) -> RtcSample | None:
    """Read stats of the newest peer connection in ``frame`` (None if there is none)."""
    raw: list[dict[str, Any]] = frame.evaluate("window.__rtcStats ? window.__rtcStats() : []")
    if not raw:
        return None
    pc = raw[-1]
    inbound = pc.get("inbound") or {}
    outbound = pc.get("outbound") or {}
    return RtcSample(
        t=time.monotonic(),
        connection_state=pc.get("connectionState"),
        ice_state=pc.get("iceConnectionState"),
        packets_received=int(inbound.get("packetsReceived", 0)),
        total_audio_energy=float(inbound.get("totalAudioEnergy", 0.0)),
        total_samples_received=int(inbound.get("totalSamplesReceived", 0)),
        concealed_samples=int(inbound.get("concealedSamples", 0)),
        packets_sent=int(outbound.get("packetsSent", 0)),
    )


def iter_stats(frame: Frame, duration: float, interval: float = 0.1) -> Iterator[RtcSample]:
    """Yield a stats sample every ``interval`` seconds for ``duration`` seconds."""
    deadline = time.monotonic() + duration
    while True:
        sample = read_stats(frame)
        if sample is not None:
            yield sample
        if time.monotonic() >= deadline:
            return
        # Not time.sleep: this lets Playwright process browser events meanwhile.
        frame.page.wait_for_timeout(interval * 1000)


def sample_stats(frame: Frame, duration: float, interval: float = 0.1) -> list[RtcSample]:
    """Time series of stats over ``duration`` seconds (every ``interval`` s)."""
    return list(iter_stats(frame, duration, interval))


def wait_for_inbound_audio(
    frame: Frame, timeout: float = 10.0, interval: float = 0.1
) -> RtcSample | None:
    """Poll until inbound audio packets with energy arrive.

    Returns the first sample that shows received, non-silent audio, or
    ``None`` on timeout (the caller decides whether that is a failure).
    """
    last: RtcSample | None = None
    for sample in iter_stats(frame, timeout, interval):
        last = sample
        if sample.received_audio:
            return sample
    LOGGER.info("no inbound audio within %.1fs; last stats: %s", timeout, last)
    return None


def wait_for_connected(frame: Frame, timeout: float = 10.0, interval: float = 0.1) -> RtcSample:
    """Poll until the newest peer connection is ``connected``; raise on timeout."""
    last: RtcSample | None = None
    for sample in iter_stats(frame, timeout, interval):
        last = sample
        if sample.connection_state == "connected":
            return sample
    raise TimeoutError(f"peer connection not connected within {timeout}s: {last}")


@dataclass(frozen=True)
class ConnectResult:
    """Outcome of one START -> audio? -> hold -> STOP cycle."""

    index: int
    ok: bool
    start_to_audio_s: float | None
    first: RtcSample | None
    last: RtcSample | None
    error: str | None = None

    def describe(self) -> str:
        """One-line human summary."""
        delay = f"{self.start_to_audio_s:.2f}s" if self.start_to_audio_s is not None else "-"
        last = self.last
        stats = (
            f"state={last.connection_state} rx={last.packets_received} "
            f"energy={last.total_audio_energy:.4g} tx={last.packets_sent}"
            if last
            else "no stats"
        )
        return f"#{self.index} ok={self.ok} start->audio={delay} {stats} err={self.error}"


def audio_keeps_flowing(
    frame: Frame,
    first: RtcSample,
    hold: float,
    min_energy: float,
    max_hold: float = 7.0,
    interval: float = 0.1,
) -> tuple[bool, RtcSample]:
    """Keep sampling after the first audio; check it kept flowing and was not silent.

    Samples for at least ``hold`` seconds and, while the accumulated inbound
    energy is below ``min_energy``, up to ``max_hold`` seconds (the fixture
    is mostly silence, so a short window can miss the sentence; ``max_hold``
    should exceed one loop of the WAV). True when packets still increased
    during the last second and the energy reached ``min_energy``.
    """
    series = [first]
    for sample in iter_stats(frame, max_hold, interval):
        series.append(sample)
        if sample.t - first.t >= hold and sample.total_audio_energy >= min_energy:
            break
    last = series[-1]
    one_s_before = next((s for s in reversed(series) if last.t - s.t >= 1.0), first)
    flowing = last.packets_received > one_s_before.packets_received
    return (flowing and last.total_audio_energy >= min_energy), last


def connect_once(
    browser: Browser,
    url: str,
    index: int = 0,
    audio_timeout: float = 8.0,
    hold: float = 2.0,
    min_energy: float = 1e-3,
) -> ConnectResult:
    """Fresh context+page, START, wait for inbound audio, hold, STOP, close.

    A connection is good when inbound audio arrives within ``audio_timeout``
    and keeps flowing for ``hold`` seconds (see :func:`audio_keeps_flowing`).
    Never raises for a failed connection; returns the outcome instead.
    """
    context = new_context(browser)
    try:
        page = context.new_page()
        frame = open_app(page, url)
        t0 = time.monotonic()
        click_start(frame)
        first = wait_for_inbound_audio(frame, timeout=audio_timeout)
        if first is None:
            return ConnectResult(index, False, None, None, read_stats(frame), "no inbound audio")
        ok, last = audio_keeps_flowing(frame, first, hold, min_energy)
        with contextlib.suppress(Exception):
            click_stop(frame, timeout=5.0)
            wait_for_start_button(frame, timeout=5.0)
        return ConnectResult(
            index, ok, first.t - t0, first, last, None if ok else "audio stopped or silent"
        )
    except Exception as exc:
        LOGGER.exception("connection %d raised", index)
        return ConnectResult(index, False, None, None, None, repr(exc))
    finally:
        context.close()


# --------------------------------------------------------------------------
# Loopback-only WebRTC (servers started with LOOPBACK_ENV + this Chromium)
# --------------------------------------------------------------------------

#: Environment for a StreamlitServer whose WebRTC must stay on 127.0.0.1
#: (``loopback_site/sitecustomize.py`` confines aioice to loopback).
LOOPBACK_ENV = {
    "STREAMLIT_RTC_TEST_LOOPBACK_ICE": "1",
    "PYTHONPATH": str(Path(__file__).resolve().parent / "loopback_site"),
}


def launch_loopback_chromium(playwright: Playwright, fake_mic_wav: Path) -> Browser:
    """Headless Chromium with a fake microphone that also gathers 127.0.0.1 candidates."""
    return playwright.chromium.launch(
        executable_path=str(CHROMIUM_PATH),
        headless=True,
        args=[*chromium_args(fake_mic_wav), "--allow-loopback-in-peer-connection"],
    )
