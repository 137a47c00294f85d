"""A session reads as stopped only once its outcome is in the mailbox.

``stop()`` joins worker threads, which takes a while on a loaded machine;
whoever waits for ``stopped`` (the page's live poll, a test) must then find
the end message and the ``stopped`` state, never a stream half ended.
"""

from __future__ import annotations

import threading

from streamlit_rtc.core.status import StreamState
from streamlit_rtc.session.lifecycle import SessionLifecycle
from streamlit_rtc.session.modes import Mode


class SlowToStop(SessionLifecycle):
    """Its work ends only when the test says so."""

    def __init__(self) -> None:
        super().__init__(Mode.SEND_RECEIVE, None, None, "slow", None, None, "busy")
        self.stopping_work = threading.Event()
        self.let_go = threading.Event()

    def _start_work(self) -> None:
        pass

    def _stop_work(self) -> None:
        self.stopping_work.set()
        self.let_go.wait(10)


def test_stopped_means_the_outcome_is_in_the_mailbox() -> None:
    session = SlowToStop()
    stopper = threading.Thread(target=session.stop, args=("enough frames",))
    stopper.start()
    assert session.stopping_work.wait(10)
    assert session.stopping and not session.stopped  # still ending
    assert session.mailbox.snapshot().end_message is None
    session.stop("a second stop is ignored")
    session.let_go.set()
    stopper.join(10)
    assert session.stopped
    snapshot = session.mailbox.snapshot()
    assert snapshot.state is StreamState.STOPPED
    assert snapshot.end_message == "enough frames"
