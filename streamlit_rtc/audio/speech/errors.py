"""Errors of the speech models, and the lazy import that turns a missing extra into one.

The speech runtimes (faster-whisper/ctranslate2, piper/onnxruntime) are
optional extras, imported only when a model is built, so ``import
streamlit_rtc`` stays light.  When one is missing the error says which extra
installs it instead of a bare ``ModuleNotFoundError``.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Literal

__all__ = ["Extra", "MissingExtraError", "ModelLoadError", "import_extra"]

Extra = Literal["stt", "tts", "turn"]


class MissingExtraError(ImportError):
    """A speech feature was used without the optional dependencies that provide it."""

    def __init__(self, feature: str, module: str, extra: Extra) -> None:
        self.feature, self.module, self.extra = feature, module, extra
        super().__init__(
            f"{feature} needs the optional package {module!r}, which is not installed. "
            f'Install it with: pip install "streamlit-rtc[{extra}]"',
            name=module,
        )


class ModelLoadError(RuntimeError):
    """A speech model could not be loaded (missing files, a failed download, a bad path)."""


def import_extra(module: str, *, extra: Extra, feature: str) -> ModuleType:
    """Import ``module`` or raise :class:`MissingExtraError` naming the extra to install."""
    try:
        return importlib.import_module(module)
    except ImportError as err:
        raise MissingExtraError(feature, module, extra) from err
