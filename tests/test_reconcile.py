"""The reconcile step, case by case: (browser, server, script) -> what the stream does."""

from __future__ import annotations

import pytest

from streamlit_rtc.signalling.protocol import BrowserReport, Offer
from streamlit_rtc.signalling.reconcile import Case, ScriptAsk, ServerView, reconcile

OFFER = Offer("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\n")


def offer(connection: str = "conn-aaaa", seen: int = 0) -> BrowserReport:
    return BrowserReport(connection, "offer", OFFER, seen)


def stopped(connection: str = "conn-aaaa", seen: int = 0) -> BrowserReport:
    return BrowserReport(connection, "stopped", None, seen)


IDLE = BrowserReport("conn-aaaa", "idle", None, 0)
NOTHING = ServerView()
RUNNING = ServerView("conn-aaaa", "running")


def test_nothing_from_the_browser_and_nothing_running_is_idle() -> None:
    step = reconcile(None, NOTHING, ScriptAsk())
    assert step.case is Case.IDLE
    assert (step.answer, step.stop, step.ask_start) == (None, False, False)
    assert reconcile(IDLE, NOTHING, ScriptAsk()).case is Case.IDLE


def test_a_new_offer_is_answered() -> None:
    step = reconcile(offer(), NOTHING, ScriptAsk())
    assert step.case is Case.ANSWER
    assert step.answer == OFFER
    assert not step.stop


def test_the_same_connection_is_kept_whatever_the_server_phase() -> None:
    for phase in ("running", "refused", "ended"):
        step = reconcile(offer(), ServerView("conn-aaaa", phase), ScriptAsk())  # type: ignore[arg-type]
        assert step.case is Case.KEEP, phase
        assert (step.answer, step.stop, step.ask_start) == (None, False, False)


def test_a_new_offer_while_another_connection_runs_replaces_it() -> None:
    step = reconcile(offer("conn-bbbb"), RUNNING, ScriptAsk())
    assert step.case is Case.REPLACE
    assert step.stop and step.answer == OFFER


def test_an_offer_of_an_ended_connection_is_never_answered_again() -> None:
    server = ServerView("conn-bbbb", "ended", frozenset({"conn-aaaa"}))
    step = reconcile(offer("conn-aaaa"), server, ScriptAsk())
    assert step.case is Case.REPLAYED
    assert step.answer is None and not step.stop


def test_stop_from_the_browser_stops_the_running_session() -> None:
    step = reconcile(stopped(), RUNNING, ScriptAsk())
    assert step.case is Case.BROWSER_STOPPED and step.stop


def test_stop_of_another_or_finished_connection_changes_nothing() -> None:
    assert reconcile(stopped("conn-zzzz"), RUNNING, ScriptAsk()).case is Case.ALREADY_STOPPED
    assert not reconcile(stopped("conn-zzzz"), RUNNING, ScriptAsk()).stop
    ended = ServerView("conn-aaaa", "ended")
    assert reconcile(stopped(), ended, ScriptAsk()).case is Case.ALREADY_STOPPED


@pytest.mark.parametrize("browser", [None, IDLE])
def test_a_running_session_without_a_browser_attempt_is_stopped(
    browser: BrowserReport | None,
) -> None:
    step = reconcile(browser, RUNNING, ScriptAsk())
    assert step.case is Case.BROWSER_GONE and step.stop


def test_a_trigger_asks_the_browser_to_start_once() -> None:
    step = reconcile(None, NOTHING, ScriptAsk(start=True, command_id=0))
    assert step.case is Case.ASK_START and step.ask_start
    # The command (id 1) is out and not acted on yet: do not issue another.
    step = reconcile(None, NOTHING, ScriptAsk(start=True, command_id=1))
    assert step.case is Case.START_ASKED and not step.ask_start


def test_a_new_trigger_after_the_last_command_was_acted_on_asks_again() -> None:
    ended = ServerView("conn-aaaa", "ended")
    step = reconcile(stopped(seen=1), ended, ScriptAsk(start=True, command_id=1))
    assert step.case is Case.ASK_START and step.ask_start


def test_a_trigger_while_the_browser_is_live_changes_nothing() -> None:
    step = reconcile(offer(seen=1), RUNNING, ScriptAsk(start=True, command_id=1))
    assert step.case is Case.KEEP and not step.ask_start


def test_every_case_is_reachable() -> None:
    seen = {
        reconcile(None, NOTHING, ScriptAsk()).case,
        reconcile(None, NOTHING, ScriptAsk(True, 0)).case,
        reconcile(None, NOTHING, ScriptAsk(True, 1)).case,
        reconcile(offer(), NOTHING, ScriptAsk()).case,
        reconcile(offer("conn-bbbb"), RUNNING, ScriptAsk()).case,
        reconcile(offer(), RUNNING, ScriptAsk()).case,
        reconcile(
            offer("conn-old1"), ServerView(retired=frozenset({"conn-old1"})), ScriptAsk()
        ).case,
        reconcile(stopped(), RUNNING, ScriptAsk()).case,
        reconcile(None, RUNNING, ScriptAsk()).case,
        reconcile(stopped("conn-zzzz"), NOTHING, ScriptAsk()).case,
        reconcile(prepare(), NOTHING, ScriptAsk()).case,
    }
    assert seen == set(Case)


def prepare(connection: str = "conn-bbbb", seen: int = 0) -> BrowserReport:
    return BrowserReport(connection, "prepare", None, seen)


def test_a_browser_about_to_start_gets_a_fresh_configuration() -> None:
    step = reconcile(prepare(), NOTHING, ScriptAsk())
    assert step.case is Case.PREPARE
    assert step.prepare and not step.stop and step.answer is None and not step.ask_start


def test_preparing_a_new_connection_stops_one_the_browser_has_left() -> None:
    step = reconcile(prepare("conn-bbbb"), RUNNING, ScriptAsk())
    assert step.case is Case.PREPARE
    assert step.prepare and step.stop


def test_a_prepare_for_the_running_or_an_ended_connection_changes_nothing() -> None:
    assert reconcile(prepare("conn-aaaa"), RUNNING, ScriptAsk()).case is Case.KEEP
    ended = ServerView("conn-bbbb", "ended", frozenset({"conn-aaaa"}))
    step = reconcile(prepare("conn-aaaa"), ended, ScriptAsk())
    assert step.case is Case.REPLAYED and not step.prepare


def test_a_prepare_that_acts_on_a_start_command_asks_for_no_other() -> None:
    step = reconcile(prepare(seen=2), NOTHING, ScriptAsk(start=True, command_id=2))
    assert step.case is Case.PREPARE and not step.ask_start
