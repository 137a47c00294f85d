"""How an error in user code reaches the page: the method it happened in, then what happened.

:class:`UserCodeError` wraps whatever user code raised with the name of the
method (``"GeminiHandler.start_up()"``); :class:`NotReturnedError` names
code that has not returned, with advice. :func:`user_message` is the one
place that turns either, or a bare exception, into the page's text.
"""

from __future__ import annotations

from .messages import WebRTCError

__all__ = ["NotReturnedError", "UserCodeError", "user_message"]


def user_message(exc: BaseException) -> str:
    """What the end user sees for an exception raised by user code."""
    if isinstance(exc, UserCodeError):
        return exc.user_message
    if isinstance(exc, WebRTCError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


class UserCodeError(Exception):
    """User code raised: ``method`` names where (``"MyHandler.start_up()"``), ``cause`` what."""

    def __init__(self, method: str, cause: BaseException) -> None:
        self.method = method
        self.cause = cause
        super().__init__(self.user_message)

    @property
    def user_message(self) -> str:
        """The page's message: a ``WebRTCError`` as written, anything else with its name."""
        if isinstance(self.cause, WebRTCError):
            return str(self.cause)
        return f"{self.method} raised {type(self.cause).__name__}: {self.cause}"


class NotReturnedError(UserCodeError):
    """User code that has not returned for too long, named with advice instead of a cause."""

    def __init__(self, method: str, seconds: float, advice: str) -> None:
        self.seconds, self.advice = seconds, advice
        super().__init__(method, TimeoutError(advice))

    @property
    def user_message(self) -> str:
        return f"{self.method} has not returned for {self.seconds:.1f} s: {self.advice}"
