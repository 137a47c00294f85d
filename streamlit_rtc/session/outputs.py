"""Fold a stream's AdditionalOutputs into page state, in order, with the seed's semantics.

Pure logic over a mutable mapping (``st.session_state`` in the app, a dict in
tests), run on the script thread only:

* ``keys`` only: each ``AdditionalOutputs(*values)`` writes ``values[i]`` to
  ``keys[i]``; several outputs between two refreshes coalesce to the last
  (the earlier values would have been overwritten anyway).
* with ``fn``: ``fn(*current_values_of_keys, *new_values)`` runs once per
  output, in order, and its result becomes the new values of ``keys`` (a
  tuple for several keys, the value itself for one). Nothing is coalesced:
  appending to a transcript sees every turn.
"""

from __future__ import annotations

from collections.abc import Callable, MutableMapping, Sequence
from typing import Any

from ..core.messages import AdditionalOutputs

__all__ = ["OutputsFolder"]

OutputsFn = Callable[..., Any]


class OutputsFolder:
    """Applies AdditionalOutputs to ``state`` under ``keys``, optionally through ``fn``."""

    def __init__(self, keys: Sequence[str] = (), fn: OutputsFn | None = None) -> None:
        if isinstance(keys, str):
            raise TypeError(f"outputs must be a list of keys, e.g. outputs=[{keys!r}]")
        self.keys = list(keys)
        self.fn = fn

    @property
    def active(self) -> bool:
        return bool(self.keys) or self.fn is not None

    def apply(self, state: MutableMapping[str, Any], items: Sequence[AdditionalOutputs]) -> int:
        """Apply ``items`` in order; returns how many changed the state."""
        if not items or not self.active:
            return 0
        if self.fn is None:
            self._write(state, items[-1].args, "AdditionalOutputs")
            return len(items)
        for item in items:
            current = [state.get(key) for key in self.keys]
            result = self.fn(*current, *item.args)
            if self.keys:
                values = (result,) if len(self.keys) == 1 else result
                self._write(state, values, "on_additional_outputs")
        return len(items)

    def _write(self, state: MutableMapping[str, Any], values: Any, source: str) -> None:
        if not isinstance(values, (tuple, list)) or len(values) != len(self.keys):
            count = len(values) if isinstance(values, (tuple, list)) else 1
            raise ValueError(
                f"{source} gave {count} value(s) for {len(self.keys)} output key(s) "
                f"{self.keys}: return one value per key"
            )
        for key, value in zip(self.keys, values, strict=True):
            state[key] = value
