"""The stream's direction and media, with the seed's spellings."""

from __future__ import annotations

import enum

__all__ = ["Modality", "Mode"]


class Mode(str, enum.Enum):
    """Which way media flows, named as in the seed guide."""

    SEND_RECEIVE = "send-receive"
    SEND = "send"
    RECEIVE = "receive"

    @classmethod
    def parse(cls, value: str | Mode) -> Mode:
        try:
            return cls(value)
        except ValueError:
            names = ", ".join(repr(m.value) for m in cls)
            raise ValueError(f"mode must be one of {names}, got {value!r}") from None

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
        try:
            return cls(value)
        except ValueError:
            names = ", ".join(repr(m.value) for m in cls)
            raise ValueError(f"modality must be one of {names}, got {value!r}") from None
