"""Headless Chromium (Debian's ``/usr/bin/chromium``) through Playwright's sync API.

The fake microphone loops a WAV file; :data:`RTC_INIT_SCRIPT` wraps
``RTCPeerConnection`` (and turns browser audio processing off in
``getUserMedia``) so Python can read ``getStats()``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from playwright.sync_api import Browser, BrowserContext, Playwright

from .paths import CHROMIUM_PATH, DEFAULT_FAKE_MIC_WAV


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


def new_context(browser: Browser, permissions: Sequence[str] = ("microphone",)) -> BrowserContext:
    """A fresh browser context with the RTC init script and ``permissions`` (the mic)."""
    context = browser.new_context(permissions=list(permissions))
    context.add_init_script(RTC_INIT_SCRIPT)
    return context


def launch_loopback_chromium(
    playwright: Playwright, fake_mic_wav: Path, extra_args: Sequence[str] = ()
) -> Browser:
    """Headless Chromium with a fake microphone that also gathers 127.0.0.1 candidates."""
    return playwright.chromium.launch(
        executable_path=str(CHROMIUM_PATH),
        headless=True,
        args=[*chromium_args(fake_mic_wav), "--allow-loopback-in-peer-connection", *extra_args],
    )
