"""The workspace directory: people and channels, users.info and auth.test."""

from __future__ import annotations

import copy
from collections.abc import Iterable
from datetime import datetime
from zoneinfo import ZoneInfo

from slackfake.state import BASE_EPOCH, Workspace, err


class Users(Workspace):
    """Who is in the workspace, and which channels exist."""

    def add_user(
        self,
        user_id: str,
        *,
        name: str | None = None,
        real_name: str | None = None,
        is_admin: bool = False,
        is_owner: bool = False,
        is_bot: bool = False,
        deleted: bool = False,
        tz: str = "UTC",
    ) -> dict:
        """Add a person (or bot) to the workspace; users.info will know them."""
        name = name or user_id.lower()
        real_name = real_name if real_name is not None else name.title()
        offset = datetime.now(ZoneInfo(tz)).utcoffset()
        user = {
            "id": user_id,
            "team_id": self.team_id,
            "name": name,
            "real_name": real_name,
            "deleted": deleted,
            "is_bot": is_bot,
            "is_app_user": False,
            "is_admin": is_admin,
            "is_owner": is_owner,
            "is_primary_owner": False,
            "is_restricted": False,
            "is_ultra_restricted": False,
            "tz": tz,
            "tz_label": datetime.now(ZoneInfo(tz)).tzname(),
            "tz_offset": int(offset.total_seconds()) if offset else 0,
            "profile": {
                "display_name": name,
                "display_name_normalized": name,
                "real_name": real_name,
                "real_name_normalized": real_name,
                "team": self.team_id,
            },
            "updated": BASE_EPOCH,
        }
        with self._cond:
            self._users[user_id] = user
            self._changed()
        return copy.deepcopy(user)

    def add_channel(
        self,
        channel_id: str,
        *,
        name: str,
        is_private: bool = False,
        is_member: bool = True,
        is_archived: bool = False,
        members: Iterable[str] = (),
    ) -> dict:
        """Add a channel; unknown C/G channels are still accepted by chat.postMessage."""
        channel = {
            "id": channel_id,
            "name": name,
            "is_private": is_private,
            "is_member": is_member,
            "is_archived": is_archived,
            "members": list(members),
        }
        with self._cond:
            self._channels[channel_id] = channel
            self._changed()
        return copy.deepcopy(channel)

    def user(self, user_id: str) -> dict | None:
        """The users.info object of a known user."""
        with self._cond:
            return copy.deepcopy(self._users.get(user_id))

    def users(self) -> list[dict]:
        """Everyone in the directory (bots and people who left included), in the order added."""
        with self._cond:
            return copy.deepcopy(list(self._users.values()))

    def channels(self) -> list[dict]:
        """Every channel in the directory, in the order added."""
        with self._cond:
            return copy.deepcopy(list(self._channels.values()))

    def channel(self, channel_id: str) -> dict | None:
        """The directory record of a known channel (with its members)."""
        with self._cond:
            return copy.deepcopy(self._channels.get(channel_id))

    # ----- Web API methods (called with the lock held) -----------------------------------------

    def _auth_test(self, params: dict) -> dict:
        team_id = getattr(self, "_caller_team", None) or self.team_id
        return {
            "ok": True,
            "url": f"https://{self.team_domain}.slack.com/",
            "team": getattr(self, "team_names", {}).get(team_id, "Cadence Test"),
            "user": self._users[self.bot_user_id]["name"],
            "team_id": team_id,
            "user_id": self.bot_user_id,
            "bot_id": self.bot_id,
            "is_enterprise_install": False,
        }

    def _users_info(self, params: dict) -> dict:
        user = self._users.get(params.get("user") or "")
        if user is None:
            return err("user_not_found")
        return {"ok": True, "user": copy.deepcopy(user)}
