"""Slack's interactive payloads toward the app: clicks and choices in messages and views
(block_actions), and modal submissions (view_submission)."""

from __future__ import annotations

import copy
import time
from typing import Any

from slackfake import FakeSlack
from slackfake.blocks import elements_of
from slackfake.forms import buttons, element_state, view_state
from slackfake.transport import Reply, SignedSender

VERIFICATION_TOKEN = "legacy-verification-token"


class Interactions(SignedSender):
    """What a person does with what the app showed them, sent the way Slack sends it."""

    fake: FakeSlack
    team_id: str
    api_app_id: str

    def _user(self, user: str) -> dict:
        name = (self.fake.user(user) or {}).get("name", user.lower())
        return {"id": user, "username": name, "name": name, "team_id": self.team_id}

    def _team(self) -> dict:
        return {"id": self.team_id, "domain": self.fake.team_domain}

    def _current(self, source: dict) -> dict:
        """The latest version of a message or view, as the user now sees it."""
        if source.get("type") in ("modal", "home") and "id" in source:
            latest = self.fake.view(source["id"])
        elif "channel" not in source or "ts" not in source:
            raise AssertionError(
                "click/select/submit need a message from fake.messages() / fake.ephemerals() "
                f"(with channel and ts) or a view from fake.views; got keys {sorted(source)}"
            )
        else:
            latest = self.fake.message(source["channel"], source["ts"])
        if latest is not None and latest.get("deleted"):
            raise AssertionError(f"message {source['ts']} was deleted; nothing to click")
        return latest or source

    def _interaction(self, source: dict, user: str, action: dict, values: dict | None) -> Reply:
        action = {**action, "action_ts": f"{time.time():.6f}"}
        payload: dict[str, Any] = {
            "type": "block_actions",
            "user": self._user(user),
            "api_app_id": self.api_app_id,
            "token": VERIFICATION_TOKEN,
            "trigger_id": "",
            "team": self._team(),
            "enterprise": None,
            "is_enterprise_install": False,
            "state": {"values": {}},
            "actions": [action],
        }
        response_url = None
        if source.get("type") in ("modal", "home") and "id" in source:
            view = copy.deepcopy(source)
            view["state"] = view_state(view, values or {}, enforce_required=False)
            payload["container"] = {"type": "view", "view_id": view["id"]}
            payload["view"] = view
            payload["trigger_id"] = self.fake.new_trigger_id(view["id"], user=user)
        else:
            channel, ts = source["channel"], source["ts"]
            ephemeral = bool(source.get("is_ephemeral"))
            response_url = self.fake.response_url(channel=channel, user=user, message_ts=ts)
            container = {
                "type": "message",
                "message_ts": ts,
                "channel_id": channel,
                "is_ephemeral": ephemeral,
            }
            if source.get("thread_ts"):
                container["thread_ts"] = source["thread_ts"]
            known = self.fake.channel(channel)
            name = known["name"] if known else "directmessage" if channel[0] == "D" else channel
            payload["container"] = container
            payload["channel"] = {"id": channel, "name": name}
            if not ephemeral:
                skip = ("channel", "deleted")
                payload["message"] = {
                    k: v for k, v in source.items() if k not in skip and v is not None
                }
            payload["response_url"] = response_url
            payload["trigger_id"] = self.fake.new_trigger_id(user=user)
        reply = self._send_payload(payload)
        reply.response_url = response_url
        return reply

    def click(
        self,
        source: dict,
        *,
        user: str,
        action_id: str | None = None,
        text: str | None = None,
        value: str | None = None,
        latest: bool = True,
        values: dict | None = None,
    ) -> Reply:
        """Click a button in a message or view, found by action_id, visible text and/or value."""
        source = self._current(source) if latest else source
        found = buttons(source.get("blocks") or [])
        match = [
            b
            for b in found
            if action_id in (None, b["action_id"])
            and value in (None, b["value"])
            and (text is None or b["text"] == text or b["text"].strip().lower() == text.lower())
        ]
        if len(match) != 1:
            wanted = {"action_id": action_id, "text": text, "value": value}
            listed = "\n".join(
                f"  text={b['text']!r} action_id={b['action_id']!r} value={b['value']!r}"
                for b in found
            )
            raise AssertionError(
                f"{'No' if not match else 'More than one'} button matches "
                f"{ {k: v for k, v in wanted.items() if v is not None} }; buttons:\n"
                f"{listed or '  (none)'}"
            )
        button = match[0]
        element = next(
            e
            for block in source["blocks"]
            if block.get("block_id") == button["block_id"]
            for e in elements_of(block)
            if e.get("action_id") == button["action_id"]
        )
        action = {
            "action_id": button["action_id"],
            "block_id": button["block_id"],
            "text": element.get("text"),
            "type": "button",
        }
        for key in ("value", "style"):
            if element.get(key) is not None:
                action[key] = element[key]
        return self._interaction(source, user, action, values)

    def act(
        self,
        source: dict,
        *,
        user: str,
        block_id: str,
        action_id: str,
        value: Any = None,
        values: dict | None = None,
    ) -> Reply:
        """Use the element `block_id`/`action_id` of a message or view: click it if it is a
        button, else choose `value` in it; `values` are what the view's inputs hold."""
        source = self._current(source)
        element = next(
            (
                e
                for block in source.get("blocks") or []
                if block.get("block_id") == block_id
                for e in elements_of(block)
                if e.get("action_id") == action_id
            ),
            None,
        )
        if element is None:
            raise LookupError(f"no element {block_id}/{action_id} in what {user} sees")
        if element.get("type") == "button":
            action = {"action_id": action_id, "block_id": block_id, "type": "button"}
            action.update({k: element[k] for k in ("text", "value", "style") if k in element})
        else:
            action = {"action_id": action_id, "block_id": block_id}
            action.update(element_state(element, value))
        return self._interaction(source, user, action, values)

    def select(
        self,
        source: dict,
        *,
        user: str,
        action_id: str,
        option_value: Any,
        latest: bool = True,
    ) -> Reply:
        """Choose `option_value` in a select / overflow / radio / picker element."""
        source = self._current(source) if latest else source
        candidates = [
            (block, element)
            for block in source.get("blocks") or []
            for element in elements_of(block)
            if element.get("type") != "button"
        ]
        match = [(b, e) for b, e in candidates if e.get("action_id") == action_id]
        if len(match) != 1:
            listed = [(e.get("action_id"), e.get("type")) for _, e in candidates]
            raise AssertionError(f"No single element {action_id!r}; elements: {listed}")
        block, element = match[0]
        state = element_state(element, option_value)
        action = {"action_id": action_id, "block_id": block.get("block_id"), **state}
        if element.get("placeholder"):
            action["placeholder"] = element["placeholder"]
        return self._interaction(source, user, action, None)

    def submit(
        self,
        view: dict,
        *,
        user: str,
        values: dict,
        enforce_required: bool = True,
        latest: bool = True,
    ) -> Reply:
        """Submit a modal as `user` with `values` keyed by input block_id or label."""
        view = self._current(view) if latest else view
        assert view.get("type") == "modal", f"only modals are submitted, not {view.get('type')!r}"
        submitted = copy.deepcopy(view)
        submitted["state"] = view_state(view, values, enforce_required=enforce_required)
        payload = {
            "type": "view_submission",
            "team": self._team(),
            "user": self._user(user),
            "api_app_id": self.api_app_id,
            "token": VERIFICATION_TOKEN,
            "trigger_id": self.fake.new_trigger_id(view["id"], user=user),
            "view": submitted,
            "response_urls": [],
            "is_enterprise_install": False,
            "enterprise": None,
        }
        reply = self._send_payload(payload)
        if reply.status == 200:
            self.fake.apply_view_response(view["id"], reply.json or {})
        return reply
