"""What Slack does to a slash command's text when the command has `should_escape`: &, < and >
become entities, a typed @name of someone in the workspace becomes <@U…|name>, a #name of a
channel becomes <#C…|name>, and a link becomes <https://…>."""

from __future__ import annotations

import re
from collections.abc import Iterable

_MENTION = re.compile(r"(?<![\w<|])([@#])([a-z0-9][a-z0-9._-]*)", re.IGNORECASE)
_LINK = re.compile(r"(?<![<|])\bhttps?://[^\s<>]+")


def escape_command_text(text: str, *, people: Iterable[dict], channels: Iterable[dict]) -> str:
    """The `text` field Slack would send for what a person typed after the command."""
    user_ids = {p["name"].lower(): p["id"] for p in people if not p.get("deleted")}
    channel_ids = {c["name"].lower(): c["id"] for c in channels}
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

    def mention(match: re.Match[str]) -> str:
        sign, name = match.group(1), match.group(2)
        # A trailing full stop or comma ends the sentence, not the name.
        trail = name[len(name.rstrip(".-")) :]
        name = name.rstrip(".-")
        known = (user_ids if sign == "@" else channel_ids).get(name.lower())
        if known is None:
            return match.group(0)
        kind = "@" if sign == "@" else "#"
        return f"<{kind}{known}|{name}>{trail}"

    escaped = _MENTION.sub(mention, escaped)
    return _LINK.sub(lambda m: f"<{m.group(0)}>", escaped)
