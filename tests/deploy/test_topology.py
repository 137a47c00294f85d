"""The replicated topology on loopback: nginx affinity and failover, TURN relay, shared limits.

Two Streamlit replicas of ``relay_app.py`` behind nginx, coturn and Redis,
started by ``deploy/topology.py`` (what ``deploy/topology.sh`` runs). Real
Chromium is forced through the TURN relay (``iceTransportPolicy: "relay"``,
credentials from ``get_coturn_credentials``). Which replica a browser lands
on is chosen by its affinity cookie: the tests find a cookie value that nginx
hashes to each replica (nginx says which replica answered in a header).

The tests share one topology and run in file order; the last one kills a
replica.
"""

from __future__ import annotations

import contextlib
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import browser_harness as bh  # tests/browser, put on sys.path by conftest (deploy_harness)
import pytest
from deploy_harness import topology_module
from playwright.sync_api import Browser, BrowserContext, Frame, Page, sync_playwright
from playwright.sync_api import Error as PlaywrightError

COOKIE = topology_module.AFFINITY_COOKIE
MIC = bh.DEFAULT_FAKE_MIC_WAV
LIVE_STATES = ("listening", "user-speaking", "thinking", "responding")
ENDED_STATES = ("stopped", "error")

# Reads the newest peer connection's selected ICE candidate pair (the harness's
# init script keeps every RTCPeerConnection the page made).
SELECTED_PAIR_JS = """
async () => {
  const peers = window.__rtcHarness ? window.__rtcHarness.peers : [];
  const pc = peers[peers.length - 1];
  if (!pc) return null;
  const stats = await pc.getStats();
  let pair = null;
  stats.forEach((r) => {
    if (r.type === 'transport' && r.selectedCandidatePairId) {
      pair = stats.get(r.selectedCandidatePairId);
    }
  });
  if (!pair) stats.forEach((r) => {
    if (r.type === 'candidate-pair' && r.nominated && r.state === 'succeeded') pair = r;
  });
  const out = { policy: pc.getConfiguration().iceTransportPolicy, state: pc.connectionState };
  if (!pair) return out;
  const local = stats.get(pair.localCandidateId);
  const remote = stats.get(pair.remoteCandidateId);
  return { ...out,
    local: local ? local.candidateType : null,
    localAddress: local ? (local.address || local.ip) : null,
    localPort: local ? local.port : null,
    remote: remote ? remote.candidateType : null,
    remoteAddress: remote ? (remote.address || remote.ip) : null,
    bytesReceived: pair.bytesReceived || 0 };
}
"""


# The newest peer connection's local SDP once its ICE gathering is complete, else null.
GATHERED_SDP_JS = """
() => {
  const peers = window.__rtcHarness ? window.__rtcHarness.peers : [];
  const pc = peers[peers.length - 1];
  return pc && pc.iceGatheringState === 'complete' && pc.localDescription
    ? pc.localDescription.sdp : null;
}
"""

# --------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------


def answering_replica(url: str, cookie: str | None) -> tuple[str, str | None]:
    """(nginx's X-Streamlit-Replica, the Set-Cookie it sent) for one request."""
    request = urllib.request.Request(url)
    if cookie is not None:
        request.add_header("Cookie", f"{COOKIE}={cookie}")
    with urllib.request.urlopen(request, timeout=10) as resp:
        return resp.headers.get("X-Streamlit-Replica", ""), resp.headers.get("Set-Cookie")


def cookie_for(topology: Any, replica: str) -> str:
    """An affinity cookie value that nginx's hash sends to ``replica``."""
    address = topology.replica_url(replica).removeprefix("http://").rstrip("/")
    health = f"{topology.url}_stcore/health"
    for i in range(200):
        value = f"test-{replica}-{i}"
        if answering_replica(health, value)[0] == address:
            return value
    raise AssertionError(f"no cookie value hashed to {replica}")


def new_context(browser: Browser, topology: Any, replica: str) -> BrowserContext:
    """A browser context that nginx pins to ``replica`` (its affinity cookie set beforehand)."""
    context = bh.new_context(browser)
    context.add_cookies(
        [{"name": COOKIE, "value": cookie_for(topology, replica), "url": topology.url}]
    )
    return context


def component_frames(page: Page) -> list[Frame]:
    frames = []
    for frame in page.frames[1:]:
        with contextlib.suppress(PlaywrightError):
            if frame.locator(bh.COMPONENT_ROOT).count():
                frames.append(frame)
    return frames


def state(page: Page) -> tuple[str | None, str, Frame | None]:
    """(data-state, status text, frame) of the page's (newest) component."""
    for frame in reversed(component_frames(page)):
        with contextlib.suppress(PlaywrightError):
            value = frame.locator(bh.COMPONENT_ROOT).get_attribute("data-state", timeout=2000)
            status = frame.get_by_test_id("streamlit-rtc-status")
            text = status.inner_text(timeout=2000) if status.count() else ""
            return value, text, frame
    return None, "", None


def wait_for(page: Page, wanted: Callable[[str | None], bool], timeout: float, what: str) -> Frame:
    deadline = time.monotonic() + timeout
    last: tuple[str | None, str] = (None, "")
    while time.monotonic() < deadline:
        value, text, frame = state(page)
        last = (value, text)
        if frame is not None and wanted(value):
            return frame
        page.wait_for_timeout(200)
    raise AssertionError(f"{what}: not within {timeout}s (state {last[0]!r}, status {last[1]!r})")


def open_page(
    context: BrowserContext, topology: Any, case: str, replica: str
) -> tuple[Page, Frame]:
    page = context.new_page()
    frame = bh.open_app(page, f"{topology.url}?case={case}", timeout=60)
    page.get_by_text(f"served by {replica}").wait_for(timeout=30_000)
    return page, frame


def start_and_wait_live(page: Page, frame: Frame, timeout: float = 45) -> Frame:
    bh.click_start(frame, timeout=20)
    return wait_for(page, lambda s: s in LIVE_STATES, timeout, "the stream goes live")


def selected_pair(frame: Frame) -> dict[str, Any] | None:
    return frame.evaluate(SELECTED_PAIR_JS)


def redis_places(topology: Any) -> int:
    import redis

    client = redis.Redis.from_url(topology.redis_url, socket_timeout=2)
    try:
        return int(client.eval(
            "redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', "
            "redis.call('TIME')[1] * 1000); return redis.call('ZCARD', KEYS[1])",
            1,
            "{streamlit-rtc}:all",
        ))  # fmt: skip
    finally:
        client.close()


def replica_log(topology: Any, name: str) -> str:
    return topology.log_path(name).read_text(errors="replace")


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"not within {timeout}s: {what}")


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not bh.CHROMIUM_PATH.exists():
        pytest.fail(f"{bh.CHROMIUM_PATH} not installed: run scripts/bootstrap.sh (apt chromium)")
    with sync_playwright() as p:
        chromium = bh.launch_loopback_chromium(p, MIC)
        try:
            yield chromium
        finally:
            chromium.close()


# --------------------------------------------------------------------------
# tests
# --------------------------------------------------------------------------


def test_nginx_sets_an_affinity_cookie_and_pins_every_request_to_one_replica(
    topology: Any,
) -> None:
    health = f"{topology.url}_stcore/health"
    first_replica, set_cookie = answering_replica(topology.url, None)
    assert set_cookie is not None and set_cookie.startswith(f"{COOKIE}="), set_cookie
    value = set_cookie.split(";")[0].split("=", 1)[1]
    # The cookie nginx chose hashes to the replica that served the first request,
    # for the page, /_stcore/*, and the component's assets alike.
    for url in (topology.url, health, f"{topology.url}_stcore/host-config") * 5:
        replica, again = answering_replica(url, value)
        assert replica == first_replica, url
        assert again is None or not again.startswith(f"{COOKIE}=")  # set once only
    # Both replicas are reachable through the hash, each pinned.
    for name in topology.replica_names:
        cookie = cookie_for(topology, name)
        address = topology.replica_url(name).removeprefix("http://").rstrip("/")
        assert {answering_replica(health, cookie)[0] for _ in range(10)} == {address}


@pytest.mark.browser
def test_a_browser_forced_through_the_turn_relay_gets_reply_audio_through_nginx(
    topology: Any, browser: Browser
) -> None:
    context = new_context(browser, topology, "replica-1")
    try:
        page, frame = open_page(context, topology, "echo", "replica-1")
        frame = start_and_wait_live(page, frame)
        sample = bh.wait_for_inbound_audio(frame, timeout=30)
        assert sample is not None, "no reply audio through the relay"
        ok, last = bh.audio_keeps_flowing(frame, sample, hold=2.0, min_energy=1e-3)
        assert ok, last
        pair = selected_pair(frame)
        assert pair is not None and pair["policy"] == "relay", pair
        assert pair["local"] == "relay", pair  # the browser's end is coturn's relay
        low, high = topology.config.relay_ports
        assert pair["localAddress"] == "127.0.0.1" and low <= pair["localPort"] <= high, pair
        assert pair["bytesReceived"] > 0
        bh.click_stop(frame)
        wait_for(page, lambda s: s == "stopped", 20, "the stream stops")
    finally:
        context.close()
    # Credentials never reach a log.
    for name in ("nginx", "replica-1", "replica-2"):
        assert topology.turn_secret not in topology.log_tail(name, 10_000)


SHORT_TTL_S = 3


def expire_while_idle(page: Page) -> None:
    """Wait, as an idle page does, until the credentials it was given at load have expired."""
    given_by = time.time()
    page.wait_for_timeout(200)  # let any in-flight rerun settle before the clock check
    wait_until(lambda: time.time() > given_by + SHORT_TTL_S + 1, 30, "the credentials expire")


@pytest.mark.browser
def test_a_page_idle_past_its_turn_credentials_lifetime_still_connects_through_the_relay(
    topology: Any, browser: Browser
) -> None:
    context = new_context(browser, topology, "replica-1")
    try:
        page, frame = open_page(context, topology, f"short&ttl={SHORT_TTL_S}", "replica-1")
        expire_while_idle(page)
        frame = start_and_wait_live(page, frame)
        assert bh.wait_for_inbound_audio(frame, timeout=30) is not None, "no audio through relay"
        assert "typ relay" in frame.evaluate(GATHERED_SDP_JS)
        pair = selected_pair(frame)
        assert pair is not None and pair["local"] == "relay", pair
        bh.click_stop(frame)
        wait_for(page, lambda s: s == "stopped", 20, "the stream stops")
    finally:
        context.close()


@pytest.mark.browser
def test_expired_turn_credentials_really_fail_through_the_relay(
    topology: Any, browser: Browser
) -> None:
    """The control for the test above: coturn refuses what the idle page held."""
    context = new_context(browser, topology, "replica-1")
    try:
        page, frame = open_page(context, topology, f"stale&ttl={SHORT_TTL_S}", "replica-1")
        expire_while_idle(page)
        bh.click_start(frame, timeout=20)
        deadline = time.monotonic() + 30
        while (sdp := frame.evaluate(GATHERED_SDP_JS)) is None and time.monotonic() < deadline:
            page.wait_for_timeout(200)
        assert sdp is not None, "ICE gathering did not complete"
        assert "typ relay" not in sdp  # no relay address for expired credentials: no connection
    finally:
        context.close()


@pytest.mark.browser
def test_concurrency_limit_holds_across_replicas(topology: Any, browser: Browser) -> None:
    first = new_context(browser, topology, "replica-1")
    second = new_context(browser, topology, "replica-2")
    try:
        page_a, frame_a = open_page(first, topology, "limited", "replica-1")
        page_b, frame_b = open_page(second, topology, "limited", "replica-2")
        frame_a = start_and_wait_live(page_a, frame_a)

        bh.click_start(frame_b, timeout=20)
        frame_b = wait_for(page_b, lambda s: s == "busy", 45, "the other replica refuses")
        _, status, _ = state(page_b)
        assert "already has 1 live user(s)" in status, status
        assert state(page_a)[0] in LIVE_STATES  # the first conversation goes on

        bh.click_stop(frame_a)
        wait_for(page_a, lambda s: s == "stopped", 20, "the first stream stops")
        wait_until(lambda: redis_places(topology) == 0, 10, "its place is free in Redis")
        frame_b = start_and_wait_live(page_b, frame_b)
        assert bh.wait_for_inbound_audio(frame_b, timeout=30) is not None
        bh.click_stop(frame_b)
        wait_for(page_b, lambda s: s == "stopped", 20, "the second stream stops")
    finally:
        first.close()
        second.close()
    assert "refused a connection" in replica_log(topology, "replica-2")


@pytest.mark.browser
def test_redis_stopped_mid_run_falls_back_to_per_process_limits(
    topology: Any, browser: Browser
) -> None:
    warning = "is unavailable"
    assert warning not in replica_log(topology, "replica-1")
    topology.stop_process("redis")
    first = new_context(browser, topology, "replica-1")
    second = new_context(browser, topology, "replica-2")
    try:
        page_a, frame_a = open_page(first, topology, "limited", "replica-1")
        page_b, frame_b = open_page(second, topology, "limited", "replica-2")
        # Each replica counts its own sessions now: one per replica is admitted.
        frame_a = start_and_wait_live(page_a, frame_a)
        frame_b = start_and_wait_live(page_b, frame_b)
        for name in topology.replica_names:
            log = replica_log(topology, name)
            assert log.count(warning) == 1, log[-3000:]
            assert "this server process only" in log

        topology.start_redis()  # back: both replicas write their live places again
        wait_until(lambda: redis_places(topology) == 2, 30, "both live places are in Redis")
        for name in topology.replica_names:
            assert "answers again" in replica_log(topology, name)
        assert state(page_a)[0] in LIVE_STATES and state(page_b)[0] in LIVE_STATES
        bh.click_stop(frame_a)
        bh.click_stop(frame_b)
        wait_until(lambda: redis_places(topology) == 0, 15, "the places are released")
    finally:
        first.close()
        second.close()
        if not topology.alive("redis"):
            topology.start_redis()


@pytest.mark.browser
def test_killing_a_replica_ends_only_its_sessions_and_start_reconnects_elsewhere(
    topology: Any, browser: Browser
) -> None:
    survivor = new_context(browser, topology, "replica-1")
    victim = new_context(browser, topology, "replica-2")
    try:
        page_a, frame_a = open_page(survivor, topology, "echo", "replica-1")
        page_b, frame_b = open_page(victim, topology, "echo", "replica-2")
        frame_a = start_and_wait_live(page_a, frame_a)
        frame_b = start_and_wait_live(page_b, frame_b)
        assert bh.wait_for_inbound_audio(frame_a, timeout=30) is not None
        assert bh.wait_for_inbound_audio(frame_b, timeout=30) is not None

        topology.kill("replica-2")  # SIGKILL mid-conversation
        killed = time.monotonic()
        wait_for(page_b, lambda s: s in ENDED_STATES, 90, "the victim's component shows the end")
        ended_after = time.monotonic() - killed
        value, status, _ = state(page_b)
        assert status.strip(), f"no message in the component (state {value})"
        print(f"victim's component ended {ended_after:.1f}s after the kill: {value}: {status!r}")

        # The other replica's conversation was never touched.
        before = bh.read_stats(frame_a)
        assert before is not None
        page_a.wait_for_timeout(1500)
        after = bh.read_stats(frame_a)
        assert after is not None and after.packets_received > before.packets_received
        assert state(page_a)[0] in LIVE_STATES

        # START again: nginx sends the victim's cookie to the live replica.
        page_b.get_by_text("served by replica-1").wait_for(timeout=60_000)
        _, _, frame_b = state(page_b)
        assert frame_b is not None
        frame_b = start_and_wait_live(page_b, frame_b, timeout=60)
        assert bh.wait_for_inbound_audio(frame_b, timeout=30) is not None
        pair = selected_pair(frame_b)
        assert pair is not None and pair["local"] == "relay", pair
        bh.click_stop(frame_b)
        bh.click_stop(frame_a)
    finally:
        survivor.close()
        victim.close()
    access = (Path(topology.run_dir) / "nginx-access.log").read_text(errors="replace")
    failed_over = topology.replica_url("replica-2").removeprefix("http://").rstrip("/") + ", "
    assert failed_over in access  # "replica=<dead>, <live>": nginx tried the next one
