"""The replies of one turn-taking stream: one turn waiting, one reply running, stale ones closed.

The input side queues a finished turn or interrupts (under the handler's
lock); the output side asks for the next yielded value, starting the waiting
turn's reply when none runs.  An interrupt bumps an epoch: a reply started in
an older epoch is closed before its next value is played, even if it was being
started while the user spoke.  User code (starting and stepping a reply)
never runs under the lock.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..core.bridge import Steps
from ..core.emit import EmitParts, parse_audio_emit

__all__ = ["Replies", "Turn"]


@dataclass(frozen=True, eq=False)
class Turn:
    """A finished utterance (``audio``: int16 ``(channels, N)``) or the startup request."""

    audio: np.ndarray | None
    startup: bool = False


class Replies:
    """Runs at most one reply at a time for a stream (see the module docstring).

    Args:
        lock: the handler's lock, shared with its input side.
        start: makes the reply for a turn (calls the user's function through
            the bridge); returns None after reporting a failure itself.
        on_started: called before a reply's first value is played.
        on_done: called when a reply ran to its end (not when interrupted).
        on_error: called with an exception a reply raised or a bad value it
            yielded; the reply is closed first.
    """

    def __init__(
        self,
        lock: threading.RLock,
        *,
        start: Callable[[Turn], Steps | None],
        on_started: Callable[[], None],
        on_done: Callable[[], None],
        on_error: Callable[[BaseException], None],
    ) -> None:
        self._lock = lock
        self._start = start
        self._on_started = on_started
        self._on_done = on_done
        self._on_error = on_error
        self._waiting: Turn | None = None
        self._runner: Steps | None = None
        self._runner_epoch = 0
        self._epoch = 0

    @property
    def busy(self) -> bool:
        """A turn waits for its reply or a reply runs (call under the lock)."""
        return self._waiting is not None or self._runner is not None

    def queue(self, turn: Turn) -> None:
        """Reply to ``turn`` next (it replaces a turn still waiting)."""
        with self._lock:
            self._waiting = turn

    def interrupt(self) -> None:
        """Drop the waiting turn; the running reply is closed before it plays more."""
        with self._lock:
            self._epoch += 1
            self._waiting = None

    def close(self) -> None:
        """Stop for good: the running reply is closed now."""
        with self._lock:
            runner, self._runner = self._runner, None
            self._waiting = None
            self._epoch += 1
        if runner is not None:
            runner.close()

    def next_item(self) -> tuple[Any, EmitParts | None]:
        """The current reply's next value, as yielded and parsed; ``(None, None)``: none."""
        with self._lock:
            runner, stale, turn, epoch = self._runner, None, None, self._epoch
            if runner is not None and self._runner_epoch != self._epoch:
                stale, runner, self._runner = runner, None, None
            if runner is None and self._waiting is not None:
                turn, self._waiting = self._waiting, None
        if stale is not None:
            stale.close()
        if runner is None and turn is not None:
            runner = self._begin(turn, epoch)
        if runner is None:
            return None, None
        return self._step(runner)

    def _begin(self, turn: Turn, epoch: int) -> Steps | None:
        runner = self._start(turn)
        if runner is None:
            return None
        with self._lock:
            if epoch == self._epoch:
                self._runner, self._runner_epoch = runner, epoch
                return runner
        runner.close()  # interrupted while it was being started
        return None

    def _step(self, runner: Steps) -> tuple[Any, EmitParts | None]:
        first = not runner.started
        try:
            item = runner.step()
            parts = parse_audio_emit(item)  # a bad yield ends this turn with a clear error
        except StopIteration:
            self._end(runner, interrupted=False)
            return None, None
        except Exception as exc:
            self._end(runner, interrupted=True)
            self._on_error(exc)
            return None, None
        with self._lock:
            current = self._runner is runner and self._runner_epoch == self._epoch
        if not current:
            self._end(runner, interrupted=True)
            return None, None
        if first:
            self._on_started()
        return item, parts

    def _end(self, runner: Steps, interrupted: bool) -> None:
        with self._lock:
            if self._runner is runner:
                self._runner = None
        runner.close()
        if not interrupted:
            self._on_done()
