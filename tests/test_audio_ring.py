"""AudioRing: the newest seconds of a stream, cut by stream time; skipped time is silence."""

from __future__ import annotations

import numpy as np

from streamlit_rtc.audio.keywords.ring import AudioRing


def _ramp(start: int, n: int) -> np.ndarray:
    return (np.arange(start, start + n) % 30000).astype(np.int16)


def test_window_cuts_by_stream_time_across_the_wrap() -> None:
    ring = AudioRing(100, 1.0)  # 100 samples held
    for k in range(7):
        ring.push(_ramp(k * 30, 30))
    assert ring.samples == 210 and ring.now_s == 2.1
    assert ring.oldest_s == 1.1
    np.testing.assert_array_equal(ring.window(1.5, 2.0), _ramp(150, 50))
    # clipped to what is held
    np.testing.assert_array_equal(ring.window(0.0, 1.2), _ramp(110, 10))
    assert ring.window(2.1, 3.0).size == 0


def test_a_push_longer_than_the_ring_keeps_its_newest_part() -> None:
    ring = AudioRing(100, 1.0)
    ring.push(_ramp(0, 30))
    ring.push(_ramp(30, 250))
    assert ring.samples == 280
    np.testing.assert_array_equal(ring.window(0.0, 2.8), _ramp(180, 100))


def test_skipped_time_is_held_as_silence_and_moves_the_clock() -> None:
    ring = AudioRing(100, 1.0)
    ring.push(_ramp(1, 80))
    ring.skip(40)
    assert ring.samples == 120
    held = ring.window(0.0, 1.2)
    np.testing.assert_array_equal(held[:60], _ramp(21, 60))
    assert not held[60:].any()
    ring.push(_ramp(500, 10))
    np.testing.assert_array_equal(ring.window(1.2, 1.3), _ramp(500, 10))


def test_a_skip_longer_than_the_ring_leaves_only_silence() -> None:
    ring = AudioRing(100, 1.0)
    ring.push(_ramp(1, 100))
    ring.skip(1000)
    ring.skip(0)
    assert ring.samples == 1100
    held = ring.window(0.0, 11.0)
    assert held.size == 100 and not held.any()


def test_pushes_of_exactly_the_ring_size_then_shorter_ones_stay_in_order() -> None:
    ring = AudioRing(100, 1.0)
    ring.push(_ramp(0, 37))
    for k in range(3):
        ring.push(_ramp(37 + 100 * k, 100))
    ring.push(_ramp(337, 20))
    assert ring.samples == 357
    np.testing.assert_array_equal(ring.window(0.0, 3.57), _ramp(257, 100))
