"""Text rules shared by everything that writes Slack mrkdwn."""

from __future__ import annotations


def escape(text: str) -> str:
    """Escape user text for mrkdwn so it cannot forge mentions, @here or links."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def unescape(text: str) -> str:
    """Undo Slack's escaping of typed text (commands with should_escape send &lt; &gt; &amp;)."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def has_markup(text: str) -> bool:
    """True if the text contains angle brackets, which Slack reads as mentions or links."""
    return "<" in text or ">" in text
