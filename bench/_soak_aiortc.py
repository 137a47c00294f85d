"""The aiortc soak: connect/disconnect cycles over real aiortc peers, in this process.

Each cycle takes the next handler kind (:data:`~bench._soak_kinds.KINDS`)
and the next disconnect style (:data:`STYLES`), creates the session and its
:class:`~streamlit_rtc.streamlit.peer.ServerPeer` on the shared
:class:`~bench._soak_client.MediaLoop`, connects a
:class:`~bench._soak_client.FakeBrowser`, waits until media flows both ways,
disconnects, and waits (bounded) until the session is stopped, its peer
closed and the session's threads gone. A vanished client's connection is
left to be noticed while the next cycles run (:class:`Lingering`).
:func:`aiortc_soak` measures this process after a warm-up and at the end
(:mod:`bench._soak_census`) and reports.
"""

from __future__ import annotations

import collections
import contextlib
import logging
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from bench._soak_census import (
    leaked_objects,
    object_types_grown,
    self_figures,
    settle,
)
from bench._soak_client import FakeBrowser, MediaLoop
from bench._soak_kinds import KINDS, SPECS, Prototypes
from bench._soak_proc import failure, growth, name_diff, slope, summary, trimmed_rss, wait_for
from streamlit_rtc.rtc import tune_aiortc
from streamlit_rtc.signalling.protocol import Offer
from streamlit_rtc.streamlit.peer import ServerPeer
from streamlit_rtc.testing import restrict_ice_to_loopback

logger = logging.getLogger("bench.soak")

STYLES = ("client_close", "server_close", "client_vanish", "time_limit")

FLOW_TIMEOUT_S = 30.0
"""Connect + media both ways; generous: the machine may be busy with other work."""
REPLY_TIMEOUT_S = 25.0
"""A reply kind's answer to the fixture's speech (best effort: counted, not a failure)."""
TIME_LIMIT_S = 4.0
STOP_TIMEOUT_S = 30.0
"""From the disconnect until the session is stopped, its peer closed and its threads gone."""
VANISH_CAP_S = 90.0
"""How long a vanished browser may take to be noticed (aioice consent: ~30 s)."""
MAX_LINGERING = 4
SETTLE_TIMEOUT_S = 60.0
"""How long the final figures may take to come back to the baseline."""


@dataclass
class Cycle:
    index: int
    kind: str
    style: str
    seconds: float = 0.0
    stop_s: float | None = None
    """Disconnect -> session stopped, peer closed, threads gone (a vanished client's: an
    upper bound, checked between cycles)."""
    disconnect_at: float | None = None
    stopped_at: float | None = None
    """When the session reported it stopped (``on_stopped``), monotonic."""
    reply_heard: bool | None = None
    error: str | None = None

    @property
    def notice_s(self) -> float | None:
        """Disconnect -> the server's session stopped (how soon the server noticed)."""
        if self.disconnect_at is None or self.stopped_at is None:
            return None
        return max(0.0, self.stopped_at - self.disconnect_at)


@dataclass
class Lingering:
    """A vanished client's server side, waiting to notice."""

    cycle: Cycle
    session: Any
    peer: ServerPeer
    since: float


def _session_threads(name: str) -> list[str]:
    prefix = f"{name}-"
    return [t.name for t in threading.enumerate() if t.name == name or t.name.startswith(prefix)]


def server_done(session: Any, peer: ServerPeer) -> bool:
    """The session stopped, the peer fully closed and none of the session's threads alive."""
    return (
        session.stopped
        and not peer.feed.attached
        and peer.channel.closed
        and peer.connection_state == "closed"
        and not _session_threads(session.name)
    )


def _server_state(session: Any, peer: ServerPeer) -> str:
    return (
        f"stopped={session.stopped} feed_attached={peer.feed.attached} "
        f"channel_closed={peer.channel.closed} pc={peer.connection_state} "
        f"threads={_session_threads(session.name)}"
    )


@dataclass
class AiortcSoak:
    """The aiortc soak's state: :meth:`run_cycles`, or drive it cycle by cycle."""

    media: MediaLoop
    protos: Prototypes
    kinds: tuple[str, ...] = KINDS
    styles: tuple[str, ...] = STYLES
    cycles: list[Cycle] = field(default_factory=list)
    lingering: list[Lingering] = field(default_factory=list)

    @property
    def prototype_ids(self) -> set[int]:
        return {id(p) for p in self.protos.by_kind.values()}

    def run_cycle(self, index: int) -> Cycle:
        kind = self.kinds[index % len(self.kinds)]
        style = self.styles[index % len(self.styles)]
        cycle = Cycle(index, kind, style)
        started = time.monotonic()
        name = f"soak{index:04d}"
        time_limit = TIME_LIMIT_S if style == "time_limit" else None

        def on_stopped(stopped: Any) -> None:
            cycle.stopped_at = time.monotonic()
            stopped.release()  # as the Streamlit slot does: keep the outcome only

        session = self.protos.session(kind, name, time_limit, on_stopped)
        peer = ServerPeer(session, {"iceServers": []}, loop=self.media.loop, relay=self.media.relay)
        client = FakeBrowser(self.media.loop, SPECS[kind], self.protos)
        handed_over = False
        try:
            answer = peer.answer(Offer(self.media.call(client.offer())))
            self.media.call(client.accept(answer))
            if not wait_for(lambda: client.flowing() or session.stopped, FLOW_TIMEOUT_S):
                raise RuntimeError(f"no media flow in {FLOW_TIMEOUT_S:g} s: {client.describe()}")
            if not client.flowing():
                raise RuntimeError(f"stopped before media flowed: {client.describe()}")
            if SPECS[kind].expect == "reply" and style != "time_limit":
                cycle.reply_heard = wait_for(lambda: client.loud_frames > 0, REPLY_TIMEOUT_S)
            t0 = cycle.disconnect_at = time.monotonic()
            if style == "client_close":
                self.media.call(client.close())
            elif style == "server_close":
                peer.close()
                self.media.call(client.close())
            elif style == "client_vanish":
                if not self.media.call(client.vanish()):
                    raise RuntimeError("no client socket to silence")
                self.media.call(client.close())
                self.lingering.append(Lingering(cycle, session, peer, t0))
                handed_over = True
                return cycle
            elif style == "time_limit":
                if not wait_for(lambda: client.end is not None, TIME_LIMIT_S + STOP_TIMEOUT_S):
                    raise RuntimeError(f"no 'end' after the time limit: {client.describe()}")
                # The server hangs up by itself END_GRACE_S after "end".
                if not wait_for(lambda: client.state in ("closed", "failed"), STOP_TIMEOUT_S):
                    raise RuntimeError(f"the server did not hang up: {client.describe()}")
                self.media.call(client.close())
            if not wait_for(lambda: server_done(session, peer), STOP_TIMEOUT_S):
                raise RuntimeError(f"server side not done: {_server_state(session, peer)}")
            cycle.stop_s = time.monotonic() - t0
            return cycle
        except Exception as exc:
            cycle.error = f"{type(exc).__name__}: {exc}"
            logger.warning("cycle %d (%s, %s) failed: %s", index, kind, style, cycle.error)
            return cycle
        finally:
            if not handed_over:
                # Safety net (what the next script run's end_connection would do).
                peer.close()
                with contextlib.suppress(Exception):
                    self.media.call(client.close())
            cycle.seconds = time.monotonic() - started
            self.cycles.append(cycle)
            self.reap(block=len(self.lingering) > MAX_LINGERING)

    def run_cycles(self, indices: range, progress: Callable[[Cycle], None] | None) -> None:
        """:meth:`run_cycle` for each index, reporting each cycle to ``progress``."""
        for i in indices:
            cycle = self.run_cycle(i)
            if progress is not None:
                progress(cycle)

    def reap(self, block: bool = False, timeout: float = VANISH_CAP_S) -> None:
        """Finish lingering vanished connections the server has noticed (or given up on)."""
        if block and self.lingering:
            oldest = self.lingering[0]
            left = oldest.since + timeout - time.monotonic()
            wait_for(lambda: server_done(oldest.session, oldest.peer), max(0.0, left), 0.2)
        now = time.monotonic()
        keep: list[Lingering] = []
        for item in self.lingering:
            if server_done(item.session, item.peer):
                item.cycle.stop_s = now - item.since
            elif now - item.since > timeout:
                item.cycle.error = (
                    f"vanished client not noticed in {timeout:g} s: "
                    f"{_server_state(item.session, item.peer)}"
                )
                logger.warning("cycle %d: %s", item.cycle.index, item.cycle.error)
                item.peer.close()
            else:
                keep.append(item)
        self.lingering = keep

    def drain(self, timeout: float = VANISH_CAP_S) -> None:
        """Wait until every vanished connection is noticed (or given up on)."""
        while self.lingering:
            self.reap(block=True, timeout=timeout)

    def close(self) -> None:
        """Close whatever is still lingering (error paths)."""
        for item in self.lingering:
            item.peer.close()
        self.lingering = []


@contextlib.contextmanager
def aiortc_tuned() -> Iterator[None]:
    """``tune_aiortc()`` (what ``webrtc()`` does in the server), then aiortc as it was.

    The patches are process-wide; a test that runs the soak shares its
    process with other tests, so whatever they replaced is put back.
    """
    from aiortc import rtcrtpreceiver, rtcrtpsender, rtp
    from aiortc.codecs import opus

    targets: list[Any] = [
        rtp,
        rtcrtpreceiver,
        rtcrtpsender,
        rtcrtpreceiver.RTCRtpReceiver,
        rtcrtpsender.RTCRtpSender,
        opus.OpusEncoder,
        opus.OpusDecoder,
    ]
    saved = [(target, dict(vars(target))) for target in targets]
    tune_aiortc()
    try:
        yield
    finally:
        for target, before in saved:
            for name, value in list(vars(target).items()):
                if name in before and value is not before[name]:
                    setattr(target, name, before[name])


def aiortc_soak(
    cycles: int = 200,
    warmup: int | None = None,
    kinds: tuple[str, ...] = KINDS,
    styles: tuple[str, ...] = STYLES,
    rss_goal_mb: float = 5.0,
    progress: Callable[[Cycle], None] | None = None,
) -> dict[str, Any]:
    """Run the aiortc soak in this process; the report (a JSON-able dict).

    ``warmup`` cycles (default: one per kind) run first and are not counted;
    the baseline is measured after them, once every vanished connection of
    the warm-up was noticed. RSS is also sampled after every round (one cycle
    per kind) for ``rss_mb_by_round`` and the slope over the second half:
    a leak grows linearly, allocator fragmentation levels off. Everything
    started here is stopped, also on error.
    """
    restrict_ice_to_loopback()
    warmup = len(kinds) if warmup is None else warmup
    rss_by_round: list[tuple[int, float]] = []
    protos = Prototypes(kinds)
    with aiortc_tuned(), MediaLoop() as media:
        soak = AiortcSoak(media, protos, kinds, styles)
        try:
            soak.run_cycles(range(warmup), progress)
            soak.drain()
            exclude = soak.prototype_ids

            def measure() -> dict[str, Any]:
                return self_figures(media, exclude)

            baseline = measure()
            counted_from = len(soak.cycles)
            rss_by_round.append((0, baseline["rss_mb"]))

            def sample(cycle: Cycle) -> None:
                done = cycle.index + 1 - warmup
                if done % len(kinds) == 0 or done == cycles:
                    rss_by_round.append((done, trimmed_rss()))
                if progress is not None:
                    progress(cycle)

            soak.run_cycles(range(warmup, warmup + cycles), sample)
            soak.drain()
            end = settle(measure, baseline, SETTLE_TIMEOUT_S)
        finally:
            soak.close()
    counted = soak.cycles[counted_from:]
    leaked = leaked_objects(baseline, end)
    grown = growth(baseline, end)
    goals = {
        "threads_back": end["threads"] <= baseline["threads"]
        and end["os_threads"] <= baseline["os_threads"],
        "fds_back": end["fds"] <= baseline["fds"],
        "tasks_back": end["tasks"] <= baseline["tasks"],
        "relay_back": end["relay_entries"] <= baseline["relay_entries"],
        "rss_growth_le_5mb": grown["rss_mb"] <= rss_goal_mb,
        "no_leaked_objects": not leaked,
    }
    goals["met"] = all(goals.values())
    failures = [failure(c) for c in counted if c.error]
    goals["all_cycles_ok"] = not failures
    hidden = ("objects", "types")
    return {
        "cycles": len(counted),
        "warmup": warmup,
        "warmup_failures": [failure(c) for c in soak.cycles[:counted_from] if c.error],
        "kinds": dict(collections.Counter(c.kind for c in counted)),
        "styles": dict(collections.Counter(c.style for c in counted)),
        "baseline": {k: v for k, v in baseline.items() if k not in hidden},
        "end": {k: v for k, v in end.items() if k not in hidden},
        "growth": grown,
        "thread_names_diff": name_diff(baseline["thread_names"], end["thread_names"]),
        "objects_baseline": {k: v for k, v in baseline["objects"].items() if v},
        "objects_end": {k: v for k, v in end["objects"].items() if v},
        "leaked_objects": leaked,
        "object_types_grown": object_types_grown(baseline, end),
        "rss_mb_by_round": [rss for _, rss in rss_by_round],
        "rss_slope_mb_per_100_cycles_second_half": slope(rss_by_round),
        **timings(counted),
        "failures": failures,
        "goals": goals,
    }


def timings(counted: list[Cycle]) -> dict[str, Any]:
    """Cycle times by kind, stop and notice times by style, vanish notice by kind, replies."""
    by_kind: dict[str, list[float]] = collections.defaultdict(list)
    by_style: dict[str, list[float]] = collections.defaultdict(list)
    notice_by_style: dict[str, list[float]] = collections.defaultdict(list)
    vanish_by_kind: dict[str, list[float]] = collections.defaultdict(list)
    for c in counted:
        by_kind[c.kind].append(c.seconds)
        if c.stop_s is not None:
            by_style[c.style].append(c.stop_s)
        if c.notice_s is not None and c.style != "time_limit":
            notice_by_style[c.style].append(c.notice_s)
            if c.style == "client_vanish":
                vanish_by_kind[c.kind].append(c.notice_s)
    replies = [c.reply_heard for c in counted if c.reply_heard is not None]

    def by(groups: dict[str, list[float]]) -> dict[str, Any]:
        return {k: summary(v) for k, v in sorted(groups.items())}

    return {
        "cycle_s": summary([c.seconds for c in counted]),
        "cycle_s_by_kind": by(by_kind),
        "stop_s_by_style": by(by_style),
        "notice_s_by_style": by(notice_by_style),
        "vanish_notice_s_by_kind": by(vanish_by_kind),
        "replies_heard": f"{sum(replies)}/{len(replies)}",
    }
