"""Turn-end analyzers: models that hear whether an utterance sounds finished (``turn`` extra)."""

from .smart_turn import SMART_TURN_FILE, SmartTurn, find_smart_turn_model

__all__ = ["SMART_TURN_FILE", "SmartTurn", "find_smart_turn_model"]
