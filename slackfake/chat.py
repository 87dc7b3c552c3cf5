"""chat.*: posting, ephemeral answers, updates, deletes, permalinks, and response_urls."""

from __future__ import annotations

import copy

from slackfake.blocks import block_problems
from slackfake.limits import LIMITS
from slackfake.state import Workspace, err, invalid


class Chat(Workspace):
    """Messages in channels and DMs, as Slack stores and shows them."""

    def messages(self, channel: str | None = None) -> list[dict]:
        """Posted messages (latest content), oldest first, optionally of one channel."""
        with self._cond:
            found = [m for m in self._messages if not m.get("deleted")]
            return copy.deepcopy([m for m in found if channel in (None, m["channel"])])

    def replies(self, channel: str, thread_ts: str) -> list[dict]:
        """The bot's replies in one thread (the parent not included)."""
        return [m for m in self.messages(channel) if m["thread_ts"] == thread_ts]

    def message(self, channel: str, ts: str) -> dict | None:
        """One stored message or ephemeral (deleted ones carry "deleted": True)."""
        with self._cond:
            return copy.deepcopy(self._find(channel, ts))

    def ephemerals(self, user: str | None = None) -> list[dict]:
        """Ephemeral messages shown so far, optionally to one user."""
        with self._cond:
            found = [e for e in self._ephemerals if not e.get("deleted")]
            return copy.deepcopy([e for e in found if user in (None, e["user"])])

    def dms(self, user_id: str) -> list[dict]:
        """Messages the bot sent to a user's DM."""
        return self.messages("D" + user_id)

    # ----- response_url ------------------------------------------------------------------------

    def response_url(
        self,
        key: str | None = None,
        *,
        channel: str | None = None,
        user: str | None = None,
        message_ts: str | None = None,
    ) -> str:
        """A fresh response_url; with channel/user/message_ts, posts to it change messages."""
        with self._cond:
            key = key or f"R{self._next():06d}"
            self._response_ctx[key] = {"channel": channel, "user": user, "message_ts": message_ts}
        return f"{self.base}/response/{key}"

    def apply_ack(self, response_url: str, body: dict) -> None:
        """Show a slash command's ack body the way Slack would (no response recorded)."""
        with self._cond:
            self._apply_response(response_url.rstrip("/").rsplit("/", 1)[-1], body)
            self._changed()

    def post_as_user(
        self, channel: str, user: str, text: str, thread_ts: str | None = None
    ) -> dict:
        """A person's own message in a channel or thread (the app gets no event for it)."""
        with self._cond:
            message = self._store_message(channel, {"text": text}, thread_ts)
            message.update(user=user, bot_id=None, app_id=None)
            self._changed()
            return copy.deepcopy(message)

    def _apply_response(self, key: str, body: dict) -> None:
        """What Slack does with a response_url post bound to a channel/message/user."""
        ctx = self._response_ctx.get(key)
        if not ctx or not ctx["channel"]:
            return
        target = self._find(ctx["channel"], ctx["message_ts"]) if ctx["message_ts"] else None
        if body.get("delete_original") and target is not None:
            target["deleted"] = True
        elif body.get("replace_original") and target is not None:
            target["text"] = body.get("text") or ""
            target["blocks"] = self._normalize(body.get("blocks") or [])
        elif body.get("response_type") == "in_channel":
            self._store_message(ctx["channel"], body, body.get("thread_ts"))
        elif ctx["user"] and (body.get("text") or body.get("blocks")):
            self._store_ephemeral(ctx["channel"], ctx["user"], body)

    # ----- Web API methods (called with the lock held) -----------------------------------------

    def _chat_post_message(self, params: dict) -> dict:
        channel, error = self._postable_channel(params)
        if error or (error := self._check_message(params)):
            return error
        message = self._store_message(channel, params, params.get("thread_ts") or None)
        return {"ok": True, "channel": channel, "ts": message["ts"], "message": _shown(message)}

    def _chat_post_ephemeral(self, params: dict) -> dict:
        channel, error = self._postable_channel(params)
        if error or (error := self._check_message(params)):
            return error
        if not params.get("user"):
            return err("user_not_found")
        known = self._channels.get(channel)
        if known and known["members"] and params["user"] not in known["members"]:
            return err("user_not_in_channel")
        ephemeral = self._store_ephemeral(channel, params["user"], params)
        return {"ok": True, "message_ts": ephemeral["ts"]}

    def _chat_update(self, params: dict) -> dict:
        channel = self._resolve_channel(params.get("channel") or "")
        message = self._find(channel, params.get("ts"))
        if message is None or message.get("deleted") or message.get("is_ephemeral"):
            return err("message_not_found")
        if message["user"] != self.bot_user_id:
            return err("cant_update_message")
        if error := self._check_message(params, update=True):
            return error
        if "text" in params:
            message["text"] = params["text"] or ""
        if "blocks" in params:
            message["blocks"] = self._normalize(params["blocks"] or [])
        if "attachments" in params:
            message["attachments"] = params["attachments"]
        message["edited"] = {"user": self.bot_user_id, "ts": self._next_ts()}
        return {
            "ok": True,
            "channel": message["channel"],
            "ts": message["ts"],
            "text": message["text"],
            "message": _shown(message),
        }

    def _chat_delete(self, params: dict) -> dict:
        message = self._find(params.get("channel"), params.get("ts"))
        if message is None or message.get("deleted") or message.get("is_ephemeral"):
            return err("message_not_found")
        message["deleted"] = True
        return {"ok": True, "channel": message["channel"], "ts": message["ts"]}

    def _chat_get_permalink(self, params: dict) -> dict:
        channel, ts = params.get("channel"), params.get("message_ts")
        if not channel or not ts:
            return err("invalid_arguments")
        link = f"https://{self.team_domain}.slack.com/archives/{channel}/p{ts.replace('.', '')}"
        message = self._find(channel, ts)
        if message and message.get("thread_ts"):
            link += f"?thread_ts={message['thread_ts']}&cid={channel}"
        return {"ok": True, "channel": channel, "permalink": link}

    # ----- checks and storage (called with the lock held) --------------------------------------

    def _check_message(self, params: dict, *, update: bool = False) -> dict | None:
        if not update and not (
            params.get("text") or params.get("blocks") or params.get("attachments")
        ):
            return err("no_text")
        if len(params.get("text") or "") > LIMITS.message_text_hard:
            return err("msg_too_long")
        if "blocks" in params and (
            problems := block_problems(params["blocks"], LIMITS.message_blocks)
        ):
            return invalid("invalid_blocks", problems)
        return None

    def _postable_channel(self, params: dict) -> tuple[str | None, dict | None]:
        channel = self._resolve_channel(params.get("channel") or "")
        if not channel:
            return None, err("channel_not_found")
        known = self._channels.get(channel)
        if known and known["is_archived"]:
            return None, err("is_archived")
        if known and not known["is_member"]:
            return None, err("not_in_channel")
        return channel, None

    def _store_message(self, channel: str, fields: dict, thread_ts: str | None) -> dict:
        message = {
            "type": "message",
            "channel": channel,
            "ts": self._next_ts(),
            "thread_ts": thread_ts,
            "text": fields.get("text") or "",
            "blocks": self._normalize(fields.get("blocks") or []),
            "user": self.bot_user_id,
            "bot_id": self.bot_id,
            "app_id": self.app_id,
            "team": self.team_id,
        }
        for name in ("attachments", "metadata"):
            if fields.get(name):
                message[name] = fields[name]
        if thread_ts and (parent := self._find(channel, thread_ts)):
            parent["reply_count"] = parent.get("reply_count", 0) + 1
            parent["latest_reply"] = message["ts"]
        self._messages.append(message)
        return message

    def _store_ephemeral(self, channel: str, user: str, fields: dict) -> dict:
        ephemeral = {
            "type": "message",
            "is_ephemeral": True,
            "channel": channel,
            "user": user,
            "ts": self._next_ts(),
            "thread_ts": fields.get("thread_ts"),
            "text": fields.get("text") or "",
            "blocks": self._normalize(fields.get("blocks") or []),
        }
        self._ephemerals.append(ephemeral)
        return ephemeral


def _shown(message: dict) -> dict:
    """A stored message as the Web API returns it."""
    return copy.deepcopy({k: v for k, v in message.items() if k != "channel" and v is not None})
