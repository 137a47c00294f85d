"""The voice UI's options: labels, icon, colours, variant - validated once, sent as arguments.

Names follow fastrtc's component (``button_labels``, ``icon``,
``icon_button_color``, ``pulse_color``, ``icon_radius``, ``variant``) so
ported apps keep their look; streamlit-webrtc's ``translations`` are taken
too. Values are checked here because they end up in the browser's DOM.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = ["ButtonLabels", "Variant", "VoiceUI"]

Variant = Literal["pulse", "wave"]
"""``pulse``: the icon scales with the audio level, with rings; ``wave``: animated bars."""

_LABEL_KEYS = ("start", "stop", "waiting")
_DEFAULT_LABELS = {"start": "Start", "stop": "Stop", "waiting": "Connecting…"}
_MAX_TEXT = 200
_COLOUR_RE = re.compile(r"^[#(),.%\w\s-]{1,64}$")

ButtonLabels = Mapping[Literal["start", "stop", "waiting"], str]


@dataclass(frozen=True)
class VoiceUI:
    """How the component looks; every field optional (the theme decides the rest)."""

    button_labels: Mapping[str, str] = field(default_factory=dict)
    icon: str | None = None
    """An image URL or an emoji shown in the level visual (default: a microphone)."""
    icon_button_color: str | None = None
    pulse_color: str | None = None
    icon_radius: int = 50
    """Border radius of the icon, in percent."""
    variant: Variant | None = None
    """Default: ``pulse`` with an ``icon``, ``wave`` without one (as fastrtc)."""

    def __post_init__(self) -> None:
        if not isinstance(self.button_labels, Mapping):
            raise TypeError(
                "button_labels must be a dict like {'start': 'Talk', 'stop': 'Hang up'}, "
                f"got {type(self.button_labels).__name__}"
            )
        unknown = sorted(set(self.button_labels) - set(_LABEL_KEYS))
        if unknown:
            raise ValueError(f"button_labels has unknown key(s) {unknown}; known: {_LABEL_KEYS}")
        for key, text in self.button_labels.items():
            _check_text(f"button_labels[{key!r}]", text)
        if self.icon is not None:
            _check_text("icon", self.icon, limit=2048)
        for name in ("icon_button_color", "pulse_color"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, str) or not _COLOUR_RE.match(value)):
                raise ValueError(f"{name} must be a CSS colour like '#4f46e5', got {value!r}")
        radius = self.icon_radius
        if not isinstance(radius, int) or isinstance(radius, bool) or not 0 <= radius <= 50:
            raise ValueError(f"icon_radius must be a percentage from 0 to 50, got {radius!r}")
        if self.variant not in (None, "pulse", "wave"):
            raise ValueError(f"variant must be 'pulse' or 'wave', got {self.variant!r}")

    @classmethod
    def from_ui_args(cls, ui_args: Mapping[str, Any]) -> VoiceUI:
        """The look fastrtc's ``Stream(ui_args=...)`` asks for ("textbox" maps to the wave)."""
        variant = ui_args.get("variant")
        return cls(
            icon=ui_args.get("icon"),
            icon_button_color=ui_args.get("icon_button_color"),
            pulse_color=ui_args.get("pulse_color"),
            icon_radius=ui_args.get("icon_radius", 50),
            variant="wave" if variant == "textbox" else variant,
        )

    def to_args(self, translations: Mapping[str, str] | None, show_start: bool) -> dict[str, Any]:
        """The ``ui`` argument of the component (labels: ours, else translations, else defaults)."""
        labels = dict(_DEFAULT_LABELS)
        for key in _LABEL_KEYS:
            if translations and isinstance(translations.get(key), str):
                labels[key] = translations[key][:_MAX_TEXT]
        labels.update(self.button_labels)
        return {
            "button_labels": labels,
            "icon": self.icon,
            "icon_button_color": self.icon_button_color,
            "pulse_color": self.pulse_color,
            "icon_radius": self.icon_radius,
            "variant": self.variant or ("pulse" if self.icon else "wave"),
            "show_start": show_start,
            "translations": {
                str(k)[:40]: str(v)[:_MAX_TEXT] for k, v in (translations or {}).items()
            },
        }


def _check_text(name: str, value: object, limit: int = _MAX_TEXT) -> None:
    if not isinstance(value, str) or not value.strip() or len(value) > limit:
        raise ValueError(f"{name} must be a non-empty string of at most {limit} characters")
