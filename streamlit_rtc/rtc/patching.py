"""How streamlit-rtc swaps a piece of aiortc: one reversible, checked attribute patch.

Every aiortc patch (:mod:`.aiortc_patches`, :mod:`.inline_codec`) installs the
same way: idempotently, only when the running aiortc has the code it was
written against (otherwise it logs and changes nothing), and uninstalls by
putting aiortc's own attribute back. :class:`Patch` is that, once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import aiortc

__all__ = ["Patch", "aiortc_version", "same_code"]


def aiortc_version() -> tuple[int, ...]:
    """The running aiortc's (major, minor), digits only (``"1.16.0b1"`` -> ``(1, 16)``)."""
    parts = []
    for part in aiortc.__version__.split(".")[:2]:
        digits = "".join(c for c in part if c.isdigit())
        parts.append(int(digits or 0))
    return tuple(parts)


def same_code(function: Any, names: tuple[str, ...], *, tail: bool = False) -> bool:
    """``function`` uses exactly ``names`` (its bytecode's ``co_names``; or ends with them)."""
    actual = tuple(getattr(getattr(function, "__code__", None), "co_names", ()))
    return actual[-len(names) :] == names if tail else actual == names


@dataclass(frozen=True)
class Patch:
    """``owner.name`` (a module function or a class's method) replaced by ``replacement``."""

    owner: Any
    name: str
    original: Any
    """aiortc's own attribute, captured before any patch (what :meth:`uninstall` restores)."""
    replacement: Any
    logger: logging.Logger
    installed_log: str = ""
    """Debug line logged when the patch goes in (empty: none)."""
    skipped_log: str = ""
    """Info line when ``supported`` says no (``%s``: aiortc's version)."""
    supported: Callable[[], bool] | None = None
    """Whether the running aiortc is the one the patch was written for (None: any)."""

    def install(self) -> bool:
        """Put the replacement in (idempotent); False when this aiortc is not supported."""
        if getattr(self.owner, self.name) is self.replacement:
            return True
        if self.supported is not None and not self.supported():
            self.logger.info(self.skipped_log, aiortc.__version__)
            return False
        setattr(self.owner, self.name, self.replacement)
        if self.installed_log:
            self.logger.debug(self.installed_log)
        return True

    def uninstall(self) -> None:
        """Restore aiortc's own attribute."""
        setattr(self.owner, self.name, self.original)
