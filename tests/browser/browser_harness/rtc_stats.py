"""The browser side of a connection: ``getStats()`` of the newest peer connection in a frame.

Reads what :data:`chromium.RTC_INIT_SCRIPT` collects: one sample, a time
series, or polling until audio arrives or the connection is up.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from playwright.sync_api import Frame

LOGGER = logging.getLogger(__name__)


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
