"""Text rules shared by everything that writes Slack mrkdwn."""

from __future__ import annotations


def escape(text: str) -> str:
    """Escape user text for mrkdwn so it cannot forge mentions, @here or links."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


ECHO_MAX = 80


def quote(text: str, limit: int = ECHO_MAX) -> str:
    """Typed text echoed back in a message: one line, escaped, cut to `limit` with an ellipsis
    (an answer quoting a 4,000-character typo would itself be refused by Slack)."""
    line = " ".join(text.split())
    if len(line) > limit:
        line = line[: limit - 1].rstrip() + "…"
    return escape(line)


def unescape(text: str) -> str:
    """Undo Slack's escaping of typed text (commands with should_escape send &lt; &gt; &amp;)."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def has_markup(text: str) -> bool:
    """True if the text contains angle brackets, which Slack reads as mentions or links."""
    return "<" in text or ">" in text
