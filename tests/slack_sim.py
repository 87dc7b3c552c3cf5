"""Plays Slack toward the bot's HTTP endpoint: signed commands, clicks, submissions, events."""

from __future__ import annotations

import copy
import hashlib
import hmac
import itertools
import json
import time
from dataclasses import dataclass
from typing import Any
from urllib.error import HTTPError
from urllib.parse import urlencode
from urllib.request import Request, urlopen

from tests.fakes.slack import FakeSlack, elements_of, options_of

VERIFICATION_TOKEN = "legacy-verification-token"
_TEXT_INPUTS = {"plain_text_input", "email_text_input", "url_text_input", "number_input"}
# element type -> (state key, initial key, holds a list)
_PLAIN_STATE = {
    **{kind: ("value", "initial_value", False) for kind in _TEXT_INPUTS},
    "users_select": ("selected_user", "initial_user", False),
    "multi_users_select": ("selected_users", "initial_users", True),
    "conversations_select": ("selected_conversation", "initial_conversation", False),
    "multi_conversations_select": ("selected_conversations", "initial_conversations", True),
    "channels_select": ("selected_channel", "initial_channel", False),
    "multi_channels_select": ("selected_channels", "initial_channels", True),
    "datepicker": ("selected_date", "initial_date", False),
    "timepicker": ("selected_time", "initial_time", False),
    "datetimepicker": ("selected_date_time", "initial_date_time", False),
}
_OPTION_STATE = {
    "static_select": False,
    "external_select": False,
    "radio_buttons": False,
    "overflow": False,
    "multi_static_select": True,
    "multi_external_select": True,
    "checkboxes": True,
}
_ids = itertools.count(1)


@dataclass
class Reply:
    """What the bot's endpoint answered."""

    status: int
    body: str
    json: dict | None
    elapsed: float
    response_url: str | None = None


def buttons(blocks: list[dict]) -> list[dict]:
    """Every button in the blocks: action_id, block_id, text, value, style (and url)."""
    found = []
    for block in blocks:
        for element in elements_of(block):
            if element.get("type") == "button":
                found.append(
                    {
                        "action_id": element.get("action_id"),
                        "block_id": block.get("block_id"),
                        "text": (element.get("text") or {}).get("text", ""),
                        "value": element.get("value"),
                        "style": element.get("style"),
                        "url": element.get("url"),
                    }
                )
    return found


def inputs(view: dict) -> list[dict]:
    """Every input block of a view: block_id, label, action_id, type, optional, element."""
    return [
        {
            "block_id": block.get("block_id"),
            "label": (block.get("label") or {}).get("text", ""),
            "action_id": block["element"].get("action_id"),
            "type": block["element"].get("type"),
            "optional": bool(block.get("optional", False)),
            "element": block["element"],
        }
        for block in view.get("blocks") or []
        if block.get("type") == "input" and isinstance(block.get("element"), dict)
    ]


def all_text(blocks: list[dict] | dict) -> str:
    """Every visible text in blocks, or in a message / view dict, one per line."""
    texts: list[str] = []
    if isinstance(blocks, dict):
        source = blocks
        blocks = source.get("blocks") or []
        if not blocks and isinstance(source.get("text"), str):
            texts.append(source["text"])  # a message's text shows only when it has no blocks
        texts += [_plain(source.get(part)) for part in ("title", "submit", "close")]

    def walk(node: Any) -> None:
        if isinstance(node, list):
            for item in node:
                walk(item)
        elif isinstance(node, dict):
            kind = node.get("type")
            if kind in ("plain_text", "mrkdwn", "text", "link") and isinstance(
                node.get("text"), str
            ):
                texts.append(node["text"])
            elif kind == "user" and node.get("user_id"):
                texts.append(f"<@{node['user_id']}>")
            for value in node.values():
                if isinstance(value, (dict, list)):
                    walk(value)

    walk(blocks)
    return "\n".join(t for t in texts if t)


def _plain(obj: Any) -> str:
    return obj.get("text", "") if isinstance(obj, dict) else str(obj or "")


def _is_empty(value: Any) -> bool:
    return value is None or value == "" or value == []


def _option(element: dict, value: Any) -> dict:
    """The option whose value, or visible text, is `value` (external selects make one up)."""
    if isinstance(value, dict):
        return value
    if element["type"] in ("external_select", "multi_external_select"):
        return {"text": {"type": "plain_text", "text": str(value)}, "value": str(value)}
    for option in options_of(element):
        if option.get("value") == value:
            return option
    # A person picks by what they read, so the visible text selects an option too.
    for option in options_of(element):
        if _plain(option.get("text")) == value:
            return option
    offered = [(o.get("value"), _plain(o.get("text"))) for o in options_of(element)]
    raise AssertionError(
        f"{element['type']} {element.get('action_id')!r} has no option with value {value!r}; "
        f"options (value, text): {offered}"
    )


def element_state(element: dict, value: Any) -> dict:
    """The view-state entry Slack sends for an element holding `value`."""
    kind = element.get("type")
    if kind in _PLAIN_STATE:
        key, _, many = _PLAIN_STATE[kind]
        if many:
            value = [] if value is None else [value] if isinstance(value, str) else list(value)
        elif kind in _TEXT_INPUTS and value is not None:
            value = str(value)
        return {"type": kind, key: value}
    if kind in _OPTION_STATE:
        if _OPTION_STATE[kind]:
            values = [] if value is None else [value] if isinstance(value, str) else list(value)
            return {"type": kind, "selected_options": [_option(element, v) for v in values]}
        return {"type": kind, "selected_option": None if value is None else _option(element, value)}
    if kind == "rich_text_input":
        text = {"type": "text", "text": str(value or "")}
        section = {"type": "rich_text_section", "elements": [text] if value else []}
        return {"type": kind, "rich_text_value": {"type": "rich_text", "elements": [section]}}
    raise AssertionError(f"SlackSim does not know how to fill a {kind!r} element")


def initial_state(element: dict) -> dict:
    """The view-state entry of an element the user did not touch."""
    kind = element.get("type")
    if kind in _PLAIN_STATE:
        return element_state(element, element.get(_PLAIN_STATE[kind][1]))
    if kind in _OPTION_STATE:
        key = "initial_options" if _OPTION_STATE[kind] else "initial_option"
        initial = element.get(key)
        return element_state(element, initial)
    if kind == "rich_text_input" and element.get("initial_value"):
        return {"type": kind, "rich_text_value": element["initial_value"]}
    return element_state(element, None)


def view_state(view: dict, values: dict, *, enforce_required: bool = True) -> dict:
    """state.values for a view whose inputs (by block_id or label) hold `values`."""
    fields = inputs(view)
    chosen: dict[str, dict] = {}
    for name, value in values.items():
        match = [f for f in fields if f["block_id"] == name] or [
            f for f in fields if f["label"] == name
        ]
        if len(match) != 1:
            listed = [(f["block_id"], f["label"], f["type"]) for f in fields]
            raise AssertionError(
                f"{'No' if not match else 'Several'} input {name!r} in view "
                f"{view.get('callback_id')!r}; inputs (block_id, label, type): {listed}"
            )
        field = match[0]
        entry = chosen[field["block_id"]] = element_state(field["element"], value)
        text, element = entry.get("value"), field["element"]
        if isinstance(text, str) and len(text) > element.get("max_length", 3000):
            raise AssertionError(f"Slack would not submit: {field['label']!r} is too long")
        if isinstance(text, str) and text and len(text) < element.get("min_length", 0):
            raise AssertionError(f"Slack would not submit: {field['label']!r} is too short")
    state: dict[str, dict] = {}
    missing = []
    for field in fields:
        entry = chosen.get(field["block_id"]) or initial_state(field["element"])
        if not field["optional"] and all(_is_empty(v) for k, v in entry.items() if k != "type"):
            missing.append(f"{field['label']!r} (block_id {field['block_id']!r})")
        state.setdefault(field["block_id"], {})[field["element"]["action_id"]] = entry
    if enforce_required and missing:
        raise AssertionError(
            f"Slack would not submit: required input(s) {', '.join(missing)} are empty; "
            "pass them in values (or enforce_required=False)"
        )
    return {"values": state}


class SlackSim:
    """Sends the bot signed requests shaped like Slack's, against a FakeSlack workspace."""

    def __init__(
        self,
        endpoint: str,
        signing_secret: str,
        fake: FakeSlack,
        team_id: str = "T0001",
        api_app_id: str = "A0001",
        *,
        timeout: float = 10.0,
    ) -> None:
        self.endpoint, self.signing_secret, self.fake = endpoint, signing_secret, fake
        self.team_id, self.api_app_id, self.timeout = team_id, api_app_id, timeout

    # ----- transport ---------------------------------------------------------------------------

    def signed_headers(
        self, body: bytes, timestamp: int | None = None, secret: str | None = None
    ) -> dict:
        """The X-Slack-Signature / X-Slack-Request-Timestamp headers for `body`."""
        stamp = str(int(time.time()) if timestamp is None else timestamp)
        base = b"v0:" + stamp.encode() + b":" + body
        key = (self.signing_secret if secret is None else secret).encode()
        signature = "v0=" + hmac.new(key, base, hashlib.sha256).hexdigest()
        return {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": signature}

    def post_raw(self, body: bytes, headers: dict) -> Reply:
        """POST exactly these bytes and headers to the bot."""
        request = Request(self.endpoint, data=body, headers=headers, method="POST")
        started = time.monotonic()
        try:
            with urlopen(request, timeout=self.timeout) as response:
                status, text = response.status, response.read().decode("utf-8")
        except HTTPError as error:
            status, text = error.code, error.read().decode("utf-8", "replace")
        elapsed = time.monotonic() - started
        parsed = None
        if text.lstrip().startswith("{"):
            try:
                parsed = json.loads(text)
            except ValueError:
                parsed = None
        return Reply(status, text, parsed, elapsed)

    def _send(self, body: bytes, content_type: str, extra: dict | None = None) -> Reply:
        headers = {
            "Content-Type": content_type,
            "User-Agent": "Slackbot 1.0 (+https://api.slack.com/robots)",
            **self.signed_headers(body),
            **(extra or {}),
        }
        return self.post_raw(body, headers)

    def _send_payload(self, payload: dict) -> Reply:
        body = urlencode({"payload": json.dumps(payload)}).encode()
        return self._send(body, "application/x-www-form-urlencoded")

    def _user(self, user: str) -> dict:
        name = (self.fake.user(user) or {}).get("name", user.lower())
        return {"id": user, "username": name, "name": name, "team_id": self.team_id}

    def _team(self) -> dict:
        return {"id": self.team_id, "domain": self.fake.team_domain}

    # ----- slash commands ----------------------------------------------------------------------

    def command(
        self,
        command: str,
        text: str = "",
        *,
        user: str,
        channel: str = "C0GENERAL",
        channel_name: str = "general",
    ) -> Reply:
        """Run a slash command as `user`; an ack body is shown the way Slack shows it."""
        assert command.startswith("/"), f"slash commands start with '/': {command!r}"
        response_url = self.fake.response_url(channel=channel, user=user)
        fields = {
            "token": VERIFICATION_TOKEN,
            "team_id": self.team_id,
            "team_domain": self.fake.team_domain,
            "channel_id": channel,
            "channel_name": channel_name,
            "user_id": user,
            "user_name": self._user(user)["name"],
            "command": command,
            "text": text,
            "api_app_id": self.api_app_id,
            "is_enterprise_install": "false",
            "response_url": response_url,
            "trigger_id": self.fake.new_trigger_id(),
        }
        reply = self._send(urlencode(fields).encode(), "application/x-www-form-urlencoded")
        reply.response_url = response_url
        if reply.status == 200 and reply.body.strip():
            self.fake.apply_ack(response_url, reply.json or {"text": reply.body})
        return reply

    # ----- interactions ------------------------------------------------------------------------

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
            payload["trigger_id"] = self.fake.new_trigger_id(view["id"])
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
            payload["trigger_id"] = self.fake.new_trigger_id()
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
            "trigger_id": self.fake.new_trigger_id(view["id"]),
            "view": submitted,
            "response_urls": [],
            "is_enterprise_install": False,
            "enterprise": None,
        }
        reply = self._send_payload(payload)
        if reply.status == 200 and reply.json:
            self.fake.apply_view_response(view["id"], reply.json)
        return reply

    # ----- events ------------------------------------------------------------------------------

    def event(
        self,
        event: dict,
        *,
        event_id: str | None = None,
        retry_num: int | None = None,
        retry_reason: str = "http_timeout",
    ) -> Reply:
        """Deliver an Events API event_callback (a retry when retry_num is given)."""
        now = time.time()
        envelope = {
            "token": VERIFICATION_TOKEN,
            "team_id": self.team_id,
            "api_app_id": self.api_app_id,
            "event": {"event_ts": f"{now:.6f}", **event},
            "type": "event_callback",
            "event_id": event_id or f"Ev{next(_ids):010d}",
            "event_time": int(now),
            "authorizations": [
                {
                    "enterprise_id": None,
                    "team_id": self.team_id,
                    "user_id": self.fake.bot_user_id,
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
            "is_ext_shared_channel": False,
        }
        extra = {}
        if retry_num is not None:
            extra = {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": retry_reason}
        return self._send(json.dumps(envelope).encode(), "application/json", extra)

    def home_opened(self, user: str) -> Reply:
        """The app_home_opened event Slack sends when `user` opens the Home tab."""
        event: dict[str, Any] = {
            "type": "app_home_opened",
            "user": user,
            "channel": "D" + user,
            "tab": "home",
        }
        if (home := self.fake.home(user)) is not None:
            event["view"] = home
        return self.event(event)
