"""Values a handler can emit besides audio, and the errors meant for the end user."""

from __future__ import annotations

import logging
from typing import Any

from .context import post_message

__all__ = ["AdditionalOutputs", "CloseStream", "InvalidEmitError", "Warning", "WebRTCError"]

logger = logging.getLogger(__name__)


class AdditionalOutputs:
    """Values for the rest of the page (a transcript, a score), yielded next to or instead of audio.

    Each positional argument feeds one output, in order, exactly like the seed's
    ``AdditionalOutputs(*values)``.
    """

    __slots__ = ("args",)

    def __init__(self, *args: Any) -> None:
        self.args: tuple[Any, ...] = args

    def __repr__(self) -> str:
        return f"AdditionalOutputs{self.args!r}"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, AdditionalOutputs) and self.args == other.args


class CloseStream:
    """Ends the stream from the server side; ``msg`` is shown to the user."""

    __slots__ = ("msg",)

    def __init__(self, msg: str = "Stream closed") -> None:
        self.msg = msg

    def __repr__(self) -> str:
        return f"CloseStream({self.msg!r})"


class WebRTCError(Exception):
    """An error whose message is written for the end user and shown in the page.

    Raise it from a handler or generator to tell the user what went wrong
    (for example a missing API key) instead of a stack trace.
    """


class InvalidEmitError(TypeError):
    """A handler emitted or yielded a value the stream cannot play; the message says the fix."""


# Named like fastrtc's function (and shadowing the builtin here) so ported apps keep their code.
def Warning(message: str = "Warning issued.") -> None:
    """Show ``message`` as a warning in the page of the connection whose handler code is running.

    fastrtc's ``Warning``: call it from ``receive``, ``emit``, ``start_up`` or a
    reply function to tell the user something without ending the stream
    (e.g. "no speech recognised, try again"). It never blocks. Outside
    handler code there is no page to show it in, so it is logged as a
    warning instead.
    """
    if not isinstance(message, str):
        raise TypeError(f"Warning() needs a str message, got {type(message).__name__}")
    if not post_message("warning", message):
        logger.warning("Warning() called outside handler code, not shown in a page: %s", message)
