"""One connection checked end to end: START, audio arrives and keeps flowing, STOP."""

from __future__ import annotations

import contextlib
import logging
import time
from dataclasses import dataclass

from playwright.sync_api import Browser, Frame

from .chromium import new_context
from .component import click_start, click_stop, open_app, wait_for_start_button
from .rtc_stats import RtcSample, iter_stats, read_stats, wait_for_inbound_audio

LOGGER = logging.getLogger(__name__)


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
