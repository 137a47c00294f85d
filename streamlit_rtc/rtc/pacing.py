"""Wall-clock pacing for output tracks.

aiortc's RTP sender calls ``recv()`` again as soon as the previous call
returns, so an output track has to wait until each frame is due. Frame ``n``
is due at ``start + n * period``. A small lag (one slow loop iteration) is
caught up by returning the next frames without waiting; a large lag (the
event loop stalled, the machine was suspended) re-anchors the clock instead
of sending a burst of frames the receiver would have to drop.

With ``grid=True`` the frames fall on a grid shared by every such pacer of
the same period (multiples of the period on the clock): the output tracks of
all sessions then become due in the same loop iteration, which wakes the
server's event loop once per period for all of them instead of once per track.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

logger = logging.getLogger(__name__)


class Pacer:
    """Hands out consecutive frame indexes, each at its due wall-clock time."""

    def __init__(
        self,
        period_s: float,
        *,
        max_lag_s: float = 0.1,
        clock: Callable[[], float] = time.monotonic,
        grid: bool = False,
    ) -> None:
        if period_s <= 0:
            raise ValueError(f"period_s must be > 0, got {period_s}")
        if max_lag_s < 0:
            raise ValueError(f"max_lag_s must be >= 0, got {max_lag_s}")
        self._period_s = period_s
        self._max_lag_s = max_lag_s
        self._clock = clock
        self._grid = grid
        self._start: float | None = None
        self._next_index = 0
        self.resyncs = 0
        self.skipped_s = 0.0
        """Wall-clock time given up by re-anchoring (how long the stalls were, in sum)."""
        self.behind_s = 0.0
        """How far past its due time the latest frame was asked for (0 when on time)."""

    @property
    def period_s(self) -> float:
        return self._period_s

    def due_time(self, index: int) -> float:
        """Wall-clock (``clock``) time at which frame ``index`` is due."""
        if self._start is None:
            raise RuntimeError("pacer has not started")
        return self._start + index * self._period_s

    async def wait_next(self) -> int:
        """Sleep until the next frame is due and return its index.

        The first call returns 0 at once and anchors the clock.
        """
        index = self._next_index
        self._next_index += 1
        now = self._clock()
        if self._start is None:
            self._start = self._anchor(now, index)
            return index
        wait = self._start + index * self._period_s - now
        self.behind_s = max(0.0, -wait)
        if wait > 0:
            await asyncio.sleep(wait)
        elif -wait > self._max_lag_s:
            # Re-anchor so this frame is due now; the following ones follow
            # at the normal period instead of bursting.
            self._start = self._anchor(now, index)
            self.resyncs += 1
            self.skipped_s += -wait
            self.behind_s = 0.0
            logger.debug("pacer fell %.0f ms behind; resynchronised", -wait * 1000)
        return index

    def _anchor(self, now: float, index: int) -> float:
        """The start that makes frame ``index`` due now (on the grid: at the last grid point)."""
        start = now - index * self._period_s
        if self._grid:
            start -= now % self._period_s
        return start
