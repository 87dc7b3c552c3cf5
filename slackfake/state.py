"""What every surface of the fake Slack shares: who it is, one lock, the ids it hands out, and
the workspace it remembers (people, channels, messages, views, response_urls)."""

from __future__ import annotations

import copy
import random
import string
import threading
from collections.abc import Callable
from typing import Any

from slackfake.blocks import elements_of

BASE_EPOCH = 1_700_000_000


def flag(value: Any) -> bool:
    """A boolean Web API argument, sent as JSON true or a form field "true"/"1"."""
    return value is True or str(value).lower() in ("true", "1")


def err(error: str, **extra: Any) -> dict:
    """A failed Web API answer."""
    return {"ok": False, "error": error, **extra}


def invalid(error: str, problems: list[str]) -> dict:
    """A failed answer listing Slack-style problems."""
    return err(error, response_metadata={"messages": problems})


class Workspace:
    """The fake's memory. Every method here is called with `_cond` held."""

    def __init__(
        self,
        *,
        team_id: str = "T0001",
        team_domain: str = "cadence-test",
        bot_user_id: str = "UBOT",
        bot_id: str = "BBOT",
        app_id: str = "A0001",
        clock: Callable[[], float] | None = None,
    ) -> None:
        """`clock`: epoch seconds that message timestamps follow (default: a counter that
        starts in November 2023, so tests see the same ts every run)."""
        self.team_id, self.team_domain, self.app_id = team_id, team_domain, app_id
        self.bot_user_id, self.bot_id = bot_user_id, bot_id
        self._clock = clock
        self._cond = threading.Condition()
        self._version = 0
        self._clear()

    def _clear(self) -> None:
        """Forget every person, channel, message, view and response_url."""
        self._users: dict[str, dict] = {}
        self._channels: dict[str, dict] = {}
        self._messages: list[dict] = []
        self._ephemerals: list[dict] = []
        self._views: dict[str, dict] = {}
        self._homes: dict[str, str] = {}  # user id -> view id of their Home tab
        self._responses: list[tuple[str, dict]] = []
        self._responses_by_key: dict[str, list[dict]] = {}  # the same bodies, by URL key
        self._response_ctx: dict[str, dict] = {}
        self._triggers: dict[str, str | None] = {}  # trigger_id -> the view it came from
        self._trigger_users: dict[str, str] = {}  # trigger_id -> who acted
        self._used_triggers: set[str] = set()
        self._stacks: dict[str, list[str]] = {}  # user id -> their open modals, bottom first
        self._counter = 0
        self._ts_counter = 0
        self._last_micros = 0
        self._rng = random.Random(0)

    def _next(self) -> int:
        self._counter += 1
        return self._counter

    def _next_ts(self) -> str:
        self._ts_counter += 1
        micros = BASE_EPOCH * 1_000_000 + self._ts_counter * 100
        if self._clock is not None:
            # Slack's ts is the posting time; one microsecond apart keeps them unique.
            micros = max(int(self._clock() * 1_000_000), self._last_micros + 1)
        self._last_micros = micros
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"

    def _changed(self) -> None:
        """Something a person would see changed; wake whoever waits (call with the lock held)."""
        self._version += 1
        self._cond.notify_all()

    def _rand(self, size: int, alphabet: str = string.ascii_letters + string.digits) -> str:
        return "".join(self._rng.choices(alphabet, k=size))

    def _normalize(self, blocks: list) -> list:
        """Give blocks and elements the ids Slack generates when the app sends none."""
        blocks = copy.deepcopy(blocks)
        for block in blocks:
            if isinstance(block, dict):
                block.setdefault("block_id", self._rand(5))
                for element in elements_of(block):
                    element.setdefault("action_id", self._rand(5))
        return blocks

    def _find(self, channel: str | None, ts: str | None) -> dict | None:
        for item in (*self._messages, *self._ephemerals):
            if item["ts"] == ts and channel in (None, item["channel"]):
                return item
        return None

    def _resolve_channel(self, channel: str) -> str | None:
        if channel.startswith("#"):
            name = channel[1:]
            return next((c["id"] for c in self._channels.values() if c["name"] == name), None)
        if channel.startswith(("U", "W")):
            return "D" + channel  # Slack posts to the bot's DM with that user
        return channel

    # Each surface is written against this one class; these belong to another surface.

    @property
    def base(self) -> str:
        """http://127.0.0.1:PORT, where the fake serves (server.py)."""
        raise NotImplementedError

    def _apply_response(self, key: str, body: dict) -> None:
        """What Slack does with a response_url post (chat.py)."""
        raise NotImplementedError

    def _canvas_properties(self, channel_id: str) -> dict:
        """What conversations.info says of a channel's canvases (canvases.py)."""
        raise NotImplementedError
