"""conversations.*: opening DMs, channel info and members, history and threads."""

from __future__ import annotations

import base64
import copy

from slackfake.state import BASE_EPOCH, Workspace, err, flag


class Conversations(Workspace):
    """What the bot can learn about channels and the messages in them."""

    def _visible(self, message: dict, params: dict) -> dict:
        shown = {k: v for k, v in message.items() if k != "channel" and v is not None}
        if not flag(params.get("include_all_metadata")):
            shown.pop("metadata", None)
        return copy.deepcopy(shown)

    # ----- Web API methods (called with the lock held) -----------------------------------------

    def _conversations_open(self, params: dict) -> dict:
        if params.get("channel"):
            return {"ok": True, "channel": {"id": params["channel"]}}
        users = [u for u in (params.get("users") or "").split(",") if u]
        if not users:
            return err("users_list_not_supplied")
        for user in users:
            if self._users.get(user, {}).get("deleted"):
                return err("user_disabled")
        if len(users) == 1:
            return {"ok": True, "channel": {"id": "D" + users[0]}}
        return {"ok": True, "channel": {"id": "G" + "".join(sorted(u[-4:] for u in users))}}

    def _conversations_info(self, params: dict) -> dict:
        channel_id = params.get("channel") or ""
        if channel_id.startswith("D") and channel_id[1:] in self._users:
            im = {"id": channel_id, "is_im": True, "user": channel_id[1:], "is_archived": False}
            return {"ok": True, "channel": {**im, "created": BASE_EPOCH, "is_org_shared": False}}
        channel = self._channels.get(channel_id)
        if channel is None:
            return err("channel_not_found")
        return {
            "ok": True,
            "channel": {
                "id": channel["id"],
                "name": channel["name"],
                "name_normalized": channel["name"],
                "is_channel": not channel["is_private"],
                "is_group": channel["is_private"],
                "is_im": False,
                "is_mpim": False,
                "is_private": channel["is_private"],
                "is_member": channel["is_member"],
                "is_archived": channel["is_archived"],
                "is_general": channel["name"] == "general",
                "is_ext_shared": False,
                "is_org_shared": False,
                "is_shared": False,
                "created": BASE_EPOCH,
                "creator": self.bot_user_id,
                "properties": self._canvas_properties(channel["id"]),
            },
        }

    def _conversations_members(self, params: dict) -> dict:
        channel = self._channels.get(params.get("channel") or "")
        if channel is None:
            return err("channel_not_found")
        members, start = channel["members"], 0
        if cursor := params.get("cursor"):
            start = members.index(base64.b64decode(cursor).decode().removeprefix("user:"))
        limit = int(params.get("limit") or 100)
        page, rest = members[start : start + limit], members[start + limit :]
        next_cursor = base64.b64encode(f"user:{rest[0]}".encode()).decode() if rest else ""
        return {"ok": True, "members": page, "response_metadata": {"next_cursor": next_cursor}}

    def _conversations_history(self, params: dict) -> dict:
        channel = self._resolve_channel(params.get("channel") or "")
        if not channel or channel.startswith("U"):
            return err("channel_not_found")
        known = self._channels.get(channel)
        if known and not known["is_member"]:
            return err("not_in_channel")
        top = [
            m
            for m in self._messages
            if m["channel"] == channel
            and not m.get("deleted")
            and m["thread_ts"] in (None, m["ts"])
            and float(m["ts"]) > float(params.get("oldest") or 0)
        ]
        limit = int(params.get("limit") or 100)
        newest_first = sorted(top, key=lambda m: float(m["ts"]), reverse=True)[:limit]
        return {
            "ok": True,
            "messages": [self._visible(m, params) for m in newest_first],
            "has_more": len(top) > limit,
        }

    def _conversations_replies(self, params: dict) -> dict:
        channel = self._resolve_channel(params.get("channel") or "")
        parent = self._find(channel, params.get("ts"))
        if parent is None:
            return err("thread_not_found")
        thread = [
            m
            for m in self._messages
            if m["channel"] == channel
            and not m.get("deleted")
            and (m["ts"] == parent["ts"] or m["thread_ts"] == parent["ts"])
        ]
        return {"ok": True, "messages": [self._visible(m, params) for m in thread]}
