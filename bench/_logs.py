"""Benchmark logging: figures go to stdout as JSON, everything else to stderr."""

from __future__ import annotations

import logging
import sys


def configure(verbose: bool) -> None:
    """Log to stderr at INFO with ``-v``, else WARNING."""
    logging.basicConfig(
        stream=sys.stderr,
        level=logging.INFO if verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
