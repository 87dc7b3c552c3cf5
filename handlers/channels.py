"""Who is in a channel (conversations.members), remembered briefly."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

logger = logging.getLogger(__name__)

MEMBERS_TTL_SECONDS = 60.0
PAGE_SIZE, PAGES_MAX = 1000, 50


class ChannelMembers:
    """Channel members from Slack, each channel's list kept `ttl` seconds (one per app)."""

    def __init__(self, *, ttl: float = MEMBERS_TTL_SECONDS) -> None:
        self._ttl = ttl
        self._known: dict[str, tuple[float, frozenset[str]]] = {}
        self._lock = threading.Lock()

    def checker(self, client: WebClient) -> Callable[[str, str], bool]:
        """`(channel_id, user_id) -> bool`, asking Slack with `client` when not remembered."""
        return lambda channel_id, user_id: user_id in self.members(client, channel_id)

    def members(self, client: WebClient, channel_id: str) -> frozenset[str]:
        """The channel's members; none when Slack will not say (not in the channel, gone)."""
        now = time.monotonic()
        with self._lock:
            known = self._known.get(channel_id)
        if known is not None and known[0] > now:
            return known[1]
        members = _fetch(client, channel_id)
        with self._lock:
            self._known[channel_id] = (now + self._ttl, members)
        return members


def _fetch(client: WebClient, channel_id: str) -> frozenset[str]:
    members: set[str] = set()
    cursor = ""
    for _ in range(PAGES_MAX):
        try:
            page = client.conversations_members(channel=channel_id, limit=PAGE_SIZE, cursor=cursor)
        except SlackApiError as exc:
            # A private channel the bot is not in, or one that is gone: nobody counts as in it.
            logger.info("No members of %s: %s", channel_id, exc.response.get("error"))
            return frozenset()
        members.update(page.get("members") or [])
        cursor = (page.get("response_metadata") or {}).get("next_cursor") or ""
        if not cursor:
            break
    return frozenset(members)
