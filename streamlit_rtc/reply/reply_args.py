"""Which extra inputs a reply function takes, by fastrtc's rule, inspected once per function.

fastrtc passes a reply function the stream's extra inputs (``latest_args[1:]``)
when it takes more positional parameters than the audio (``startup_fn``: more
than none), or when the handler says ``needs_args=True``. Keyword-only
parameters (``*, transcript``) never ask for inputs: inputs are positional.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..core.messages import WebRTCError

__all__ = ["InputsNeed"]

_POSITIONAL = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)


@dataclass(frozen=True)
class InputsNeed:
    """What a reply function asks of the stream's extra inputs."""

    fn: Callable[..., Any] | None
    wants_inputs: bool
    """It takes more positional arguments than ``base`` (or any ``*args``)."""
    required: int
    """How many extra inputs it cannot do without."""

    @classmethod
    def of(cls, fn: Callable[..., Any] | None, base: int) -> InputsNeed:
        """``fn``'s need when it always gets ``base`` positional arguments first."""
        if fn is None:
            return cls(fn, False, 0)
        try:
            params = list(inspect.signature(fn).parameters.values())
        except (TypeError, ValueError):  # a builtin or C callable: pass no inputs
            return cls(fn, False, 0)
        if any(p.kind is inspect.Parameter.VAR_POSITIONAL for p in params):
            wants = True
        else:
            wants = sum(1 for p in params if p.kind in _POSITIONAL) > base
        required = sum(
            1 for p in params if p.kind in _POSITIONAL and p.default is inspect.Parameter.empty
        )
        return cls(fn, wants, max(0, required - base))

    def take(self, values: list[Any]) -> list[Any]:
        """The inputs to pass, or a clear error when the stream has fewer than ``fn`` needs."""
        if len(values) < self.required:
            raise WebRTCError(
                f"{getattr(self.fn, '__name__', 'fn')} takes {self.required} extra input(s) "
                f"but the stream has {len(values)}: pass them with inputs=[...] "
                "(or set_args([...]) when driving the handler yourself)"
            )
        return values
