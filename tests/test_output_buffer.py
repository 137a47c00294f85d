"""The bounded output buffer: fixed frames, back-pressure, instant clear, no stale audio."""

from __future__ import annotations

import threading
import time

import numpy as np

from streamlit_rtc.audio.output import AudioOutput, OutputBuffer


def block(n: int, value: int = 1000) -> np.ndarray:
    return np.full((1, n), value, dtype=np.int16)


def test_reads_whole_frames_in_order() -> None:
    buf = OutputBuffer(16000, 1, 320)
    epoch = buf.epoch
    buf.write(np.arange(1000, dtype=np.int16).reshape(1, -1), epoch)
    a, b, c = buf.read_frame(), buf.read_frame(), buf.read_frame()
    assert a is not None and b is not None and c is not None
    np.testing.assert_array_equal(np.concatenate([a, b, c], axis=1)[0], np.arange(960))


def test_a_partial_frame_is_held_briefly_then_padded() -> None:
    buf = OutputBuffer(16000, 1, 320)
    buf.write(block(100), buf.epoch)
    assert buf.read_frame() is None
    assert buf.read_frame() is None
    frame = buf.read_frame()
    assert frame is not None and frame.shape == (1, 320)
    assert (frame[0, :100] == 1000).all() and (frame[0, 100:] == 0).all()


def test_a_partial_frame_joins_with_what_comes_next() -> None:
    buf = OutputBuffer(16000, 1, 320)
    buf.write(block(100, 1), buf.epoch)
    assert buf.read_frame() is None
    buf.write(block(300, 2), buf.epoch)
    frame = buf.read_frame()
    assert frame is not None and (frame[0, :100] == 1).all() and (frame[0, 100:] == 2).all()


def test_capacity_is_bounded_and_writers_wait() -> None:
    buf = OutputBuffer(16000, 1, 320, capacity_s=0.1)
    assert buf.capacity == 1600
    assert not buf.write(block(5000), buf.epoch, timeout=0.05)
    assert buf.pending_s() <= 0.1 + 1e-9
    done = threading.Event()

    def writer() -> None:
        buf.write(block(2000), buf.epoch)
        done.set()

    buf.clear()
    thread = threading.Thread(target=writer)
    thread.start()
    time.sleep(0.05)
    assert not done.is_set()  # full: waiting for the reader
    while not done.is_set():
        buf.read_frame()
        time.sleep(0.001)
    thread.join(timeout=2)
    assert done.is_set()


def test_clear_drops_everything_and_stale_writers() -> None:
    buf = OutputBuffer(16000, 1, 320, capacity_s=0.1)
    epoch = buf.epoch
    result: list[bool] = []
    thread = threading.Thread(target=lambda: result.append(buf.write(block(10000), epoch)))
    thread.start()
    time.sleep(0.05)
    buf.clear()
    thread.join(timeout=2)
    assert result == [False]  # the blocked writer gave up at once
    assert buf.pending_s() == 0.0 and buf.read_frame() is None
    assert not buf.write(block(320), epoch)  # audio produced before the clear is refused


def test_audio_output_drops_audio_emitted_before_a_clear() -> None:
    out = AudioOutput(16000, 1, 320)
    epoch = out.epoch
    out.clear()
    assert out.handle((16000, block(640)), epoch=epoch) is False
    assert out.pending_s() == 0.0


def test_close_wakes_writers() -> None:
    buf = OutputBuffer(16000, 1, 320, capacity_s=0.05)
    result: list[bool] = []
    thread = threading.Thread(target=lambda: result.append(buf.write(block(10000), buf.epoch)))
    thread.start()
    time.sleep(0.05)
    buf.close()
    thread.join(timeout=2)
    assert result == [False]
