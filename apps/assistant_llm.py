"""Optional: the assistant's brain from an OpenAI-compatible chat API, over plain HTTP.

Used only when ``OPENAI_API_KEY`` is set (``OPENAI_BASE_URL`` and
``OPENAI_MODEL`` pick another endpoint or model); the assistant never needs
it and falls back to the offline brain whenever a call fails, saying so in
the page. ``urllib`` only: no new dependency. The key is never logged.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import urllib.error
import urllib.request
from collections import OrderedDict, deque
from collections.abc import Mapping
from typing import Any

from assistant_brain import Reply
from assistant_voice import Think, offline_brain

from streamlit_rtc import Warning, get_current_context

__all__ = ["ChatAPIError", "ChatBrain", "chat_brain_from_env"]

logger = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://api.openai.com/v1"
DEFAULT_MODEL = "gpt-4o-mini"
SYSTEM_PROMPT = (
    "You are a voice assistant. Your words are spoken aloud by a text-to-speech voice: "
    "answer in one to three short sentences of plain text, no lists, no markdown."
)
HISTORY_TURNS = 6
CONVERSATIONS = 32


class ChatAPIError(RuntimeError):
    """The chat API could not answer (network, HTTP status, unexpected body)."""


class ChatBrain:
    """``think(text)`` through ``POST {base_url}/chat/completions``; offline brain on failure.

    Keeps the last few exchanges of each connection (``webrtc_id``) so that
    follow-up questions work; one instance serves every connection.
    """

    def __init__(
        self,
        api_key: str,
        base_url: str = DEFAULT_BASE_URL,
        model: str = DEFAULT_MODEL,
        timeout_s: float = 15.0,
        fallback: Think = offline_brain,
    ) -> None:
        if not api_key:
            raise ValueError("ChatBrain needs an API key")
        self._api_key = api_key
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.timeout_s = timeout_s
        self.fallback = fallback
        self._histories: OrderedDict[str, deque[dict[str, str]]] = OrderedDict()
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"ChatBrain(base_url={self.base_url!r}, model={self.model!r})"

    def complete(self, messages: list[Mapping[str, str]]) -> str:
        """The assistant message for ``messages``; raises :class:`ChatAPIError`."""
        body = json.dumps({"model": self.model, "messages": messages}).encode()
        request = urllib.request.Request(
            f"{self.base_url}/chat/completions",
            data=body,
            headers={
                "Content-Type": "application/json",
                "Authorization": f"Bearer {self._api_key}",
            },
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_s) as response:
                payload: Any = json.loads(response.read().decode("utf-8"))
        except urllib.error.HTTPError as err:
            detail = err.read(300).decode("utf-8", "replace")
            raise ChatAPIError(f"HTTP {err.code} from {self.base_url}: {detail}") from err
        except (urllib.error.URLError, TimeoutError, OSError) as err:
            raise ChatAPIError(f"cannot reach {self.base_url}: {err}") from err
        except json.JSONDecodeError as err:
            raise ChatAPIError(f"{self.base_url} answered with invalid JSON: {err}") from err
        try:
            content = payload["choices"][0]["message"]["content"]
        except (KeyError, IndexError, TypeError) as err:
            raise ChatAPIError(f"unexpected answer from {self.base_url}: {payload!r:.300}") from err
        if not isinstance(content, str) or not content.strip():
            raise ChatAPIError(f"{self.base_url} answered with no text")
        return content.strip()

    def __call__(self, heard: str) -> Reply:
        if not heard:
            return self.fallback(heard)
        history = self._history()
        with self._lock:
            messages = [
                {"role": "system", "content": SYSTEM_PROMPT},
                *history,
                {"role": "user", "content": heard},
            ]
        try:
            text = self.complete(messages)
        except ChatAPIError as err:
            logger.warning("chat API failed, answering offline: %s", err)
            Warning(f"The chat API failed ({err}); the offline brain answered instead.")
            return self.fallback(heard)
        with self._lock:
            history.extend(
                [{"role": "user", "content": heard}, {"role": "assistant", "content": text}]
            )
        return Reply(text, text, "llm")

    def _history(self) -> deque[dict[str, str]]:
        """This connection's recent exchanges (the oldest conversations are forgotten)."""
        try:
            conversation = get_current_context().webrtc_id
        except RuntimeError:  # called outside a stream (a script, a test): one conversation
            conversation = ""
        with self._lock:
            history = self._histories.pop(conversation, None)
            if history is None:
                history = deque(maxlen=2 * HISTORY_TURNS)
            self._histories[conversation] = history
            while len(self._histories) > CONVERSATIONS:
                self._histories.popitem(last=False)
            return history


def chat_brain_from_env(environ: Mapping[str, str] = os.environ) -> ChatBrain | None:
    """A :class:`ChatBrain` when ``OPENAI_API_KEY`` is set, else None (the offline brain)."""
    key = environ.get("OPENAI_API_KEY", "").strip()
    if not key:
        return None
    return ChatBrain(
        key,
        base_url=environ.get("OPENAI_BASE_URL", DEFAULT_BASE_URL),
        model=environ.get("OPENAI_MODEL", DEFAULT_MODEL),
    )
