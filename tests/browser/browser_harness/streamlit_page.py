"""What Streamlit shows around the component: its elements, found by their ``data-testid``."""

from __future__ import annotations

from playwright.sync_api import Page

CHAT_MESSAGE = '[data-testid="stChatMessage"]'


def chat_messages(page: Page) -> list[str]:
    """The text of each ``st.chat_message`` in the page, in order."""
    return page.locator(CHAT_MESSAGE).all_inner_texts()
