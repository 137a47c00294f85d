"""The stream's direction and media, with the seed's spellings."""

from __future__ import annotations

import enum
from typing import TypeVar

__all__ = ["Modality", "Mode"]

_E = TypeVar("_E", bound=enum.Enum)


def _parse(cls: type[_E], value: object, what: str) -> _E:
    """``cls(value)``, or a ValueError that lists the accepted spellings."""
    try:
        return cls(value)
    except ValueError:
        names = ", ".join(repr(m.value) for m in cls)
        raise ValueError(f"{what} must be one of {names}, got {value!r}") from None


class Mode(str, enum.Enum):
    """Which way media flows, named as in the seed guide."""

    SEND_RECEIVE = "send-receive"
    SEND = "send"
    RECEIVE = "receive"

    @classmethod
    def parse(cls, value: str | Mode) -> Mode:
        return _parse(cls, value, "mode")

    @property
    def sends(self) -> bool:
        """The browser sends media (microphone/camera)."""
        return self is not Mode.RECEIVE

    @property
    def receives(self) -> bool:
        """The browser plays media from the server."""
        return self is not Mode.SEND


class Modality(str, enum.Enum):
    AUDIO = "audio"
    VIDEO = "video"
    AUDIO_VIDEO = "audio-video"

    @classmethod
    def parse(cls, value: str | Modality) -> Modality:
        return _parse(cls, value, "modality")
