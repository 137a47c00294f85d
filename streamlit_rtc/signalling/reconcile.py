"""One pure step that decides what a stream does on a script run.

Inputs are three views taken at the start of the run: what the browser
reports (its component value, already validated), what the server knows
(the current connection and whether its session runs), and what the script
asks (a receive stream's trigger). The output is a :class:`Step` naming its
:class:`Case` and the actions: answer an offer, stop the session, ask the
browser to start. The Streamlit adapter carries the actions out; this module
has no side effects and no imports beyond the protocol types, so every case
is a unit test.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Literal

from .protocol import BrowserReport, Offer

__all__ = ["Case", "ScriptAsk", "ServerPhase", "ServerView", "Step", "reconcile"]

ServerPhase = Literal["none", "running", "refused", "ended"]


class Case(str, enum.Enum):
    """Which situation the step recognised (for logs and tests)."""

    IDLE = "idle"
    """No attempt from the browser and nothing running."""
    ASK_START = "ask-start"
    """The script's trigger wants a receive stream started; the browser is not live."""
    START_ASKED = "start-asked"
    """A start command is out and the browser has not acted on it yet."""
    PREPARE = "prepare"
    """The browser is about to offer a new connection and asks for a fresh configuration."""
    ANSWER = "answer"
    """A new offer and nothing running: answer it."""
    REPLACE = "replace"
    """A new offer while an older connection runs: stop the old one, answer the new."""
    KEEP = "keep"
    """The browser's attempt is the server's current connection: nothing changes."""
    REPLAYED = "replayed"
    """An offer for a connection that already ended: never answered twice."""
    BROWSER_STOPPED = "browser-stopped"
    """The browser stopped the running connection (STOP, a failure, or the server's end)."""
    BROWSER_GONE = "browser-gone"
    """A session runs but the browser reports no attempt (the component was reset)."""
    ALREADY_STOPPED = "already-stopped"
    """The browser reports a stop for a connection that is not running any more."""


@dataclass(frozen=True)
class ServerView:
    """What the server knows about this stream's connections."""

    connection: str | None = None
    """The connection the current (or last) session belongs to."""
    phase: ServerPhase = "none"
    retired: frozenset[str] = frozenset()
    """Connections that ended before the current one (bounded by the caller)."""


@dataclass(frozen=True)
class ScriptAsk:
    """What this script run asks of the stream."""

    start: bool = False
    """A receive stream's trigger is pending."""
    command_id: int = 0
    """The id of the last command given to the browser (0: none yet)."""


@dataclass(frozen=True)
class Step:
    """What to do on this run."""

    case: Case
    answer: Offer | None = None
    """Create a session for the browser's connection and answer this offer."""
    stop: bool = False
    """Stop the server's running session."""
    ask_start: bool = False
    """Give the browser a new ``start`` command."""
    prepare: bool = False
    """Make the browser's ICE configuration again for its coming connection."""


def reconcile(browser: BrowserReport | None, server: ServerView, script: ScriptAsk) -> Step:
    """Decide this run's step from the three views (pure)."""
    running = server.phase == "running"
    attempt = browser if browser is not None and browser.phase != "idle" else None

    if attempt is None:
        if running:
            return Step(Case.BROWSER_GONE, stop=True)
        return _maybe_start(browser, server, script)

    mine = attempt.connection == server.connection
    if attempt.phase == "stopped":
        if mine and running:
            return Step(Case.BROWSER_STOPPED, stop=True)
        return _maybe_start(browser, server, script, default=Case.ALREADY_STOPPED)

    if attempt.phase == "prepare":
        if mine:
            return Step(Case.KEEP)
        if attempt.connection in server.retired:
            return Step(Case.REPLAYED)
        # A browser starting anew has left whatever ran before.
        return Step(Case.PREPARE, stop=running, prepare=True)

    # phase "offer"
    if mine:
        return Step(Case.KEEP)
    if attempt.connection in server.retired or attempt.offer is None:
        return Step(Case.REPLAYED)
    if running:
        return Step(Case.REPLACE, answer=attempt.offer, stop=True)
    return Step(Case.ANSWER, answer=attempt.offer)


def _maybe_start(
    browser: BrowserReport | None,
    server: ServerView,
    script: ScriptAsk,
    default: Case = Case.IDLE,
) -> Step:
    """Ask the browser to start when the script's trigger wants it and no command is out."""
    if not script.start:
        return Step(default)
    seen = browser.command_seen if browser is not None else 0
    if script.command_id > seen:
        return Step(Case.START_ASKED)
    return Step(Case.ASK_START, ask_start=True)
