"""Whether this CPU has int8 dot-product instructions, which the int8 speech models use.

Smart Turn's and Whisper's int8 matrix products run about four times faster
with them (VNNI / AMX on x86, the dot-product extension on Arm), and round a
little differently, so a borderline reading can differ between two machines.
"""

from __future__ import annotations

import functools
from pathlib import Path

__all__ = ["INT8_DOT_PRODUCT_FLAGS", "int8_dot_product_flags"]

INT8_DOT_PRODUCT_FLAGS = frozenset({"avx512_vnni", "avx_vnni", "amx_int8", "asimddp"})
"""``/proc/cpuinfo`` flags of int8 dot-product instructions (x86 and Arm)."""


@functools.lru_cache(maxsize=1)
def int8_dot_product_flags() -> tuple[str, ...]:
    """The int8 dot-product flags of this CPU (sorted); empty where none or unknown."""
    try:
        text = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ()
    flags: set[str] = set()
    for line in text.splitlines():
        name, _, value = line.partition(":")
        if name.strip() in ("flags", "Features"):
            flags.update(value.split())
    return tuple(sorted(flags & INT8_DOT_PRODUCT_FLAGS))
