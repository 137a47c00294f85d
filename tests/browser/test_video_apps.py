"""The real video apps in Chromium with a fake camera of known colours.

Chromium's fake camera plays a generated Y4M file: left half pure red, right
half pure blue.

* ``apps/video_filter.py``: with the default effect (invert, strength 1) the
  page must show cyan left and yellow right; after the slider goes to 0
  (identity, changed while the stream runs) red left and blue right again,
  which also proves the channel order (RGB, not BGR) end to end.
* ``apps/audio_video_echo.py``: one handler gets both tracks; the page shows
  the webcam mirrored (blue left, red right) and plays the microphone back.
* ``apps/video_stream.py``: the Start button streams generated frames, and
  the stream ends by itself with the generator.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterator
from pathlib import Path

import browser_harness as bh
import numpy as np
import pytest
from PIL import Image
from playwright.sync_api import Browser, Frame, Page, Playwright
from playwright.sync_api import Error as PlaywrightError

pytestmark = pytest.mark.browser

APPS = bh.REPO_ROOT / "apps"
W, H = 640, 480
RED, BLUE = (255, 0, 0), (0, 0, 255)
CYAN, YELLOW = (0, 255, 255), (255, 255, 0)
TOLERANCE = 40

VIDEO_READY_JS = """() => {
  const v = document.querySelector('video');
  return !!v && v.readyState >= 2 && v.videoWidth > 0 && v.currentTime > 0.5;
}"""
AUDIO_ENERGY_JS = """async () => {
  const pc = window.__rtcHarness.peers.at(-1);
  let heard = 0;
  if (pc) (await pc.getStats()).forEach((r) => {
    if (r.type === 'inbound-rtp' && r.kind === 'audio') heard = r.totalAudioEnergy || 0;
  });
  return heard;
}"""


def _rgb_to_yuv420(rgb: np.ndarray) -> bytes:
    """BT.601 limited-range planar 4:2:0, what Chromium's Y4M reader expects."""
    f = rgb.astype(np.float64)
    y = 16 + 0.257 * f[..., 0] + 0.504 * f[..., 1] + 0.098 * f[..., 2]
    u = 128 - 0.148 * f[..., 0] - 0.291 * f[..., 1] + 0.439 * f[..., 2]
    v = 128 + 0.439 * f[..., 0] - 0.368 * f[..., 1] - 0.071 * f[..., 2]
    u = u.reshape(H // 2, 2, W // 2, 2).mean(axis=(1, 3))
    v = v.reshape(H // 2, 2, W // 2, 2).mean(axis=(1, 3))
    planes = [np.clip(np.rint(p), 0, 255).astype(np.uint8) for p in (y, u, v)]
    return b"".join(p.tobytes() for p in planes)


@pytest.fixture(scope="module")
def red_blue_y4m(tmp_path_factory: pytest.TempPathFactory) -> Path:
    frame = np.empty((H, W, 3), np.uint8)
    frame[:, : W // 2] = RED
    frame[:, W // 2 :] = BLUE
    payload = _rgb_to_yuv420(frame)
    path = tmp_path_factory.mktemp("camera") / "red_blue.y4m"
    with path.open("wb") as out:
        out.write(f"YUV4MPEG2 W{W} H{H} F30:1 Ip A1:1 C420\n".encode())
        for _ in range(30):
            out.write(b"FRAME\n" + payload)
    return path


@pytest.fixture(scope="module")
def camera_browser(playwright_sync: Playwright, red_blue_y4m: Path) -> Iterator[Browser]:
    camera = f"--use-file-for-fake-video-capture={red_blue_y4m}"
    mic = bh.DEFAULT_FAKE_MIC_WAV
    with contextlib.closing(bh.launch_loopback_chromium(playwright_sync, mic, [camera])) as browser:
        yield browser


@pytest.fixture
def camera_page(camera_browser: Browser) -> Iterator[Page]:
    permissions = ("camera", "microphone")
    with contextlib.closing(bh.new_context(camera_browser, permissions)) as context:
        yield context.new_page()


def wait_for_video(frame: Frame, timeout_s: float = 30.0) -> None:
    """Wait until the page's <video> plays; on timeout say what the browser saw."""
    try:
        frame.wait_for_function(VIDEO_READY_JS, timeout=timeout_s * 1000)
    except PlaywrightError as exc:
        video = frame.evaluate(
            "() => { const v = document.querySelector('video');"
            " return v && [v.readyState, v.videoWidth, v.currentTime]; }"
        )
        buttons = frame.get_by_role("button").all_inner_texts()
        component_text = frame.evaluate("() => document.body.innerText")
        page_text = frame.page.main_frame.evaluate("() => document.body.innerText")
        raise AssertionError(
            f"no video within {timeout_s:g} s: video (readyState, width, time) {video}, "
            f"buttons {buttons}, component text {component_text[-300:]!r}, "
            f"peer {bh.read_stats(frame)}, page text {page_text[-600:]!r}"
        ) from exc


def halves(frame: Frame, page: Page) -> tuple[np.ndarray, np.ndarray]:
    """Mean colour of the central part of the left and right halves of the shown video."""
    png = frame.locator("video").first.screenshot(timeout=10_000)
    image = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=np.float64)
    h, w = image.shape[:2]
    rows = slice(h // 4, 3 * h // 4)
    left = image[rows, w // 8 : 3 * w // 8].reshape(-1, 3).mean(axis=0)
    right = image[rows, 5 * w // 8 : 7 * w // 8].reshape(-1, 3).mean(axis=0)
    return left, right


def near(colour: np.ndarray, expected: tuple[int, int, int]) -> bool:
    return bool(np.abs(colour - np.array(expected)).max() < TOLERANCE)


def assert_colours(
    frame: Frame, page: Page, left: tuple[int, int, int], right: tuple[int, int, int]
) -> None:
    """The video shows ``left`` and ``right`` (waiting up to 10 s for it)."""
    seen = halves(frame, page)
    for _ in range(40):
        if near(seen[0], left) and near(seen[1], right):
            break
        page.wait_for_timeout(250)
        seen = halves(frame, page)
    assert near(seen[0], left) and near(seen[1], right), seen


def start_video(streamlit_app: bh.StreamlitAppFactory, page: Page, app: str) -> Frame:
    """Serve ``apps/<app>``, START it in ``page``, wait for its video; the component's frame."""
    server = streamlit_app(APPS / app, env=bh.LOOPBACK_ENV)
    frame = bh.open_app(page, server.url)
    bh.click_start(frame)
    wait_for_video(frame)
    return frame


def test_filter_app_shows_the_effect_and_follows_the_slider(
    streamlit_app: bh.StreamlitAppFactory, camera_page: Page
) -> None:
    frame = start_video(streamlit_app, camera_page, "video_filter.py")

    assert_colours(frame, camera_page, CYAN, YELLOW)  # inverted

    slider = camera_page.get_by_role("slider").first
    slider.focus()
    slider.press("Home")  # strength 0: the frame passes unchanged
    assert_colours(frame, camera_page, RED, BLUE)  # the original

    bh.click_stop(frame)
    bh.wait_for_start_button(frame)


def test_audio_video_echo_mirrors_the_camera_and_plays_the_microphone(
    streamlit_app: bh.StreamlitAppFactory, camera_page: Page
) -> None:
    frame = start_video(streamlit_app, camera_page, "audio_video_echo.py")

    assert_colours(frame, camera_page, BLUE, RED)  # mirrored
    heard = 0.0
    for _ in range(40):
        heard = frame.evaluate(AUDIO_ENERGY_JS)
        if heard > 0.001:
            break
        camera_page.wait_for_timeout(250)
    assert heard > 0.001, "no microphone audio came back"

    bh.click_stop(frame)
    bh.wait_for_start_button(frame)


def test_video_stream_plays_generated_frames_and_ends_with_the_generator(
    streamlit_app: bh.StreamlitAppFactory, camera_page: Page
) -> None:
    server = streamlit_app(APPS / "video_stream.py", env=bh.LOOPBACK_ENV)
    frame = bh.open_app(camera_page, server.url)
    camera_page.get_by_role("button", name="Start").click()
    wait_for_video(frame)
    left, right = halves(frame, camera_page)
    # generated colour sweep: blue-ish on the left, red-ish on the right
    assert left[2] > left[0] + 60 and right[0] > right[2] + 60, (left, right)

    # 5 s of frames (the slider's default), then the server ends the stream
    # and the component shows START again (Streamlit may remount its iframe).
    assert bh.wait_for_component_start(camera_page, timeout_s=20), "the stream did not end"
    # Exactly one summary once the page settles: a second copy would mean the
    # app's elements moved when the stream ended.
    summary = camera_page.get_by_text("frames in")
    bh.wait_until(
        camera_page,
        lambda: summary.count() == 1,
        10,
        "one stream summary on the page",
        explain=lambda: f"{summary.count()} summaries: {summary.all_inner_texts()}",
    )
    text = summary.inner_text()
    assert text.startswith("150 frames"), text
    seconds = float(text.split(" in ")[1].split()[0])
    assert 4.5 <= seconds <= 7.0, text  # shown at the requested 30 fps
