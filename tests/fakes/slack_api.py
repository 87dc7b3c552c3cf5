"""A local fake of the Slack Web API (and of response_url) for end-to-end tests."""

from __future__ import annotations

import base64
import copy
import inspect
import json
import random
import string
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

from tests.fakes import slack_files
from tests.fakes.rate_limits import SlackRateLimits

# Fields that slack_sdk sends as JSON strings when it form-encodes a request.
_JSON_FIELDS = {
    "blocks": "invalid_blocks_format",
    "attachments": "invalid_attachments",
    "view": "invalid_arguments",
    "metadata": "invalid_metadata_format",
    "files": "invalid_arguments",
}
_TEXT_LIMITS = {"header": 150, "section": 3000}
_NOT_INTERACTIVE = {"image"}
_BASE_EPOCH = 1_700_000_000


@dataclass
class Call:
    """One Web API request the fake received, and what it answered."""

    method: str
    params: dict
    headers: dict  # lower-cased header names
    status: int = 200
    response: dict | None = None

    @property
    def ok(self) -> bool:
        """Whether Slack would have called this a success."""
        return self.status == 200 and bool((self.response or {}).get("ok"))

    @property
    def error(self) -> str | None:
        """The Slack error code of a failed call."""
        return None if self.ok else (self.response or {}).get("error", f"http_{self.status}")


@dataclass
class _Fault:
    method: str
    times: int
    status: int = 200
    error: str | None = None
    retry_after: int | None = None
    hang: float = 0.0
    lose_response: bool = False


def _flag(value: Any) -> bool:
    """A boolean Web API argument, sent as JSON true or a form field "true"/"1"."""
    return value is True or str(value).lower() in ("true", "1")


def _err(error: str, **extra: Any) -> dict:
    return {"ok": False, "error": error, **extra}


def _invalid(error: str, problems: list[str]) -> dict:
    return _err(error, response_metadata={"messages": problems})


def _text_of(obj: Any) -> str:
    return obj.get("text", "") if isinstance(obj, dict) else ""


def _too_long(value: Any, limit: int, at: str) -> list[str]:
    if isinstance(value, str) and len(value) > limit:
        return [f"[ERROR] must be less than {limit + 1} characters [json-pointer:{at}]"]
    return []


def elements_of(block: dict) -> list[dict]:
    """The interactive elements inside one Block Kit block."""
    kind = block.get("type")
    if kind == "actions":
        found = block.get("elements") or []
    elif kind == "section":
        found = [block.get("accessory")]
    elif kind == "input":
        found = [block.get("element")]
    else:
        found = []
    return [e for e in found if isinstance(e, dict) and e.get("type") not in _NOT_INTERACTIVE]


def options_of(element: dict) -> list[dict]:
    """Every option of a select / radio / checkbox element, groups flattened."""
    found = list(element.get("options") or [])
    for group in element.get("option_groups") or []:
        found.extend(group.get("options") or [])
    return found


def _block_problems(blocks: Any, limit: int, at: str = "/blocks") -> list[str]:
    """Slack-style complaints about a list of blocks; empty when Slack would accept it."""
    if not isinstance(blocks, list):
        return [f"[ERROR] must be an array [json-pointer:{at}]"]
    problems = []
    if len(blocks) > limit:
        problems.append(f"[ERROR] no more than {limit} items allowed [json-pointer:{at}]")
    block_ids: set[str] = set()
    for i, block in enumerate(blocks):
        where = f"{at}/{i}"
        if not isinstance(block, dict) or not block.get("type"):
            problems.append(f"[ERROR] missing required field: type [json-pointer:{where}]")
            continue
        block_id = block.get("block_id")
        if block_id is not None:
            if block_id in block_ids:
                problems.append(f"[ERROR] duplicate block_id {block_id!r} [json-pointer:{where}]")
            block_ids.add(block_id)
            problems += _too_long(block_id, 255, f"{where}/block_id")
        if limit_text := _TEXT_LIMITS.get(block["type"]):
            problems += _too_long(_text_of(block.get("text")), limit_text, f"{where}/text/text")
        for j, field in enumerate(block.get("fields") or []):
            problems += _too_long(_text_of(field), 2000, f"{where}/fields/{j}/text")
        action_ids: set[str] = set()
        for element in elements_of(block):
            action_id = element.get("action_id")
            if action_id is not None:
                if action_id in action_ids:
                    problems.append(
                        f"[ERROR] duplicate action_id {action_id!r} [json-pointer:{where}]"
                    )
                action_ids.add(action_id)
                problems += _too_long(action_id, 255, f"{where}/action_id")
            if element.get("type") == "button":
                problems += _too_long(_text_of(element.get("text")), 75, f"{where}/text/text")
                problems += _too_long(element.get("value"), 2000, f"{where}/value")
            for option in options_of(element):
                problems += _too_long(_text_of(option.get("text")), 75, f"{where}/options/text")
                problems += _too_long(option.get("value"), 150, f"{where}/options/value")
    return problems


def _view_problems(view: Any) -> list[str]:
    """Slack-style complaints about a modal or Home view."""
    if not isinstance(view, dict) or view.get("type") not in ("modal", "home"):
        return ["[ERROR] view.type must be 'modal' or 'home' [json-pointer:/view/type]"]
    problems = _block_problems(view.get("blocks", []), 100, "/view/blocks")
    if view["type"] == "modal":
        if not _text_of(view.get("title")):
            problems.append("[ERROR] missing required field: title [json-pointer:/view/title]")
        for part in ("title", "submit", "close"):
            problems += _too_long(_text_of(view.get(part)), 24, f"/view/{part}/text")
        has_input = any(isinstance(b, dict) and b.get("type") == "input" for b in view["blocks"])
        if has_input and not view.get("submit"):
            problems.append("[ERROR] submit is required when an input block is present")
    problems += _too_long(view.get("private_metadata"), 3000, "/view/private_metadata")
    problems += _too_long(view.get("callback_id"), 255, "/view/callback_id")
    problems += _too_long(view.get("external_id"), 255, "/view/external_id")
    return problems


def _parse_params(query: str, raw: bytes, content_type: str) -> tuple[dict, str | None]:
    """Decode a form, JSON or query-string request into one dict (and an error code)."""
    params: dict[str, Any] = {k: v[-1] for k, v in parse_qs(query, keep_blank_values=True).items()}
    if not raw:
        return params, None
    if content_type.split(";")[0].strip().lower() == "application/json":
        try:
            body = json.loads(raw)
        except ValueError:
            return params, "invalid_json"
        if not isinstance(body, dict):
            return params, "invalid_json"
        params.update(body)
        return params, None
    form = parse_qs(raw.decode("utf-8"), keep_blank_values=True)
    params.update({k: v[-1] for k, v in form.items()})
    for name, error in _JSON_FIELDS.items():
        if isinstance(params.get(name), str):
            try:
                params[name] = json.loads(params[name])
            except ValueError:
                return params, error
    return params, None


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_POST(self) -> None:
        self.server.fake._serve(self)

    do_GET = do_POST

    def log_message(self, format: str, *args: Any) -> None:
        """Keep the test output quiet."""


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # Slack takes bursts of parallel calls; Python's default backlog of 5 would reset them.
    request_queue_size = 128

    def __init__(self, fake: FakeSlack) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.fake = fake

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Clients that time out and hang up are expected here; stay quiet."""


class FakeSlack:
    """The Slack Web API, a response_url receiver and a workspace directory, on 127.0.0.1."""

    def __init__(
        self,
        *,
        team_id: str = "T0001",
        team_domain: str = "cadence-test",
        bot_user_id: str = "UBOT",
        bot_id: str = "BBOT",
        app_id: str = "A0001",
        tokens: Iterable[str] | None = None,
    ) -> None:
        self.team_id, self.team_domain, self.app_id = team_id, team_domain, app_id
        self.bot_user_id, self.bot_id = bot_user_id, bot_id
        self._tokens = set(tokens) if tokens is not None else None
        self._cond = threading.Condition()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._wake = threading.Event()
        self._generation = 0
        self._methods: dict[str, Callable[[dict], dict]] = {
            "auth.test": self._auth_test,
            "chat.postMessage": self._chat_post_message,
            "chat.postEphemeral": self._chat_post_ephemeral,
            "chat.update": self._chat_update,
            "chat.delete": self._chat_delete,
            "chat.getPermalink": self._chat_get_permalink,
            "views.open": self._views_open,
            "views.push": self._views_open,
            "views.update": self._views_update,
            "views.publish": self._views_publish,
            "conversations.open": self._conversations_open,
            "conversations.history": self._conversations_history,
            "conversations.replies": self._conversations_replies,
            "conversations.info": self._conversations_info,
            "conversations.members": self._conversations_members,
            "users.info": self._users_info,
            "files.getUploadURLExternal": self._files_get_upload_url,
            "files.completeUploadExternal": self._files_complete_upload,
        }
        self.reset()

    # ----- lifecycle -------------------------------------------------------------------------

    def start(self) -> FakeSlack:
        """Serve on a free port in a daemon thread."""
        self._server = _Server(self)
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="fake-slack", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and release any hanging requests."""
        self._wake.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> FakeSlack:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base(self) -> str:
        """http://127.0.0.1:PORT (no trailing slash)."""
        if self._server is None:
            raise RuntimeError("FakeSlack is not started; call .start() first")
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def url(self) -> str:
        """The base_url to give slack_sdk's WebClient."""
        return f"{self.base}/api/"

    def reset(self) -> None:
        """Forget everything: calls, messages, views, responses, faults, rate limits, directory."""
        with self._cond:
            self._wake.set()  # hanging requests give up and are not recorded
            self._wake = threading.Event()
            self._generation += 1
            self._calls: list[Call] = []
            self._faults: list[_Fault] = []
            # Opt-in: Slack's rate limits, answering 429 + Retry-After (tests/fakes/rate_limits).
            self.rate_limits: SlackRateLimits | None = None
            self._messages: list[dict] = []
            self._ephemerals: list[dict] = []
            self._views: dict[str, dict] = {}
            self._homes: dict[str, str] = {}
            self._responses: list[tuple[str, dict]] = []
            self._response_ctx: dict[str, dict] = {}
            self._triggers: dict[str, str | None] = {}
            self._used_triggers: set[str] = set()
            self._users: dict[str, dict] = {}
            self._channels: dict[str, dict] = {}
            self._files: dict[str, slack_files.FakeFile] = {}
            self._counter = 0
            self._ts_counter = 0
            self._rng = random.Random(0)
            self._cond.notify_all()
        self.add_user(self.bot_user_id, name="cadence", real_name="Cadence", is_bot=True)

    # ----- directory ----------------------------------------------------------------------------

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
            "updated": _BASE_EPOCH,
        }
        with self._cond:
            self._users[user_id] = user
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
        return copy.deepcopy(channel)

    def user(self, user_id: str) -> dict | None:
        """The users.info object of a known user."""
        with self._cond:
            return copy.deepcopy(self._users.get(user_id))

    def channel(self, channel_id: str) -> dict | None:
        """The directory record of a known channel (with its members)."""
        with self._cond:
            return copy.deepcopy(self._channels.get(channel_id))

    # ----- failure injection -------------------------------------------------------------------

    def fail(
        self,
        method: str,
        *,
        status: int | None = None,
        error: str | None = None,
        retry_after: int = 1,
        times: int = 1,
    ) -> None:
        """Make the next `times` calls to `method` ("*" for any) fail: 429 by default."""
        status = status if status is not None else (200 if error else 429)
        error = error or ("ratelimited" if status == 429 else "internal_error")
        fault = _Fault(method, times, status, error, retry_after if status == 429 else None)
        with self._cond:
            self._faults.append(fault)

    def hang(self, method: str, *, seconds: float, times: int = 1) -> None:
        """Sleep `seconds` before answering the next `times` calls (then answer normally)."""
        with self._cond:
            self._faults.append(_Fault(method, times, hang=seconds))

    def lose_response(self, method: str, *, seconds: float, times: int = 1) -> None:
        """Do the next `times` calls, then answer only after `seconds`: the client times out
        not knowing the call went through (as when Slack or the network stalls mid-answer)."""
        with self._cond:
            self._faults.append(_Fault(method, times, hang=seconds, lose_response=True))

    def _take_fault(self, method: str, *, hang: bool, lost: bool = False) -> _Fault | None:
        with self._cond:
            for fault in self._faults:
                if (
                    fault.method in (method, "*")
                    and bool(fault.hang) == hang
                    and fault.lose_response == lost
                    and fault.times > 0
                ):
                    fault.times -= 1
                    return fault
        return None

    # ----- reading what the bot did ------------------------------------------------------------

    @property
    def calls(self) -> list[Call]:
        """Every Web API call so far, failed ones included."""
        with self._cond:
            return list(self._calls)

    def calls_to(self, method: str) -> list[Call]:
        """The calls to one Web API method."""
        return [c for c in self.calls if c.method == method]

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

    def uploaded_files(self, channel: str | None = None) -> list[slack_files.FakeFile]:
        """Files completed through the external upload, optionally those shared in a channel."""
        with self._cond:
            done = [f for f in self._files.values() if f.completed]
            return [f for f in done if channel is None or channel in f.channels]

    def dms(self, user_id: str) -> list[dict]:
        """Messages the bot sent to a user's DM."""
        return self.messages("D" + user_id)

    @property
    def views(self) -> dict[str, dict]:
        """Every modal and Home view, by view id."""
        with self._cond:
            return copy.deepcopy(self._views)

    def view(self, view_id: str) -> dict | None:
        """One view by id."""
        with self._cond:
            return copy.deepcopy(self._views.get(view_id))

    def home(self, user_id: str) -> dict | None:
        """The last Home tab published for a user."""
        with self._cond:
            view_id = self._homes.get(user_id)
            return copy.deepcopy(self._views[view_id]) if view_id else None

    # ----- response_url and triggers -----------------------------------------------------------

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

    def responses(self, key: str | None = None) -> list[dict]:
        """Bodies posted to response_urls, optionally to one key (or full URL)."""
        key = key.rstrip("/").rsplit("/", 1)[-1] if key else None
        with self._cond:
            return copy.deepcopy([body for k, body in self._responses if key in (None, k)])

    def new_trigger_id(self, view_id: str | None = None) -> str:
        """A trigger_id as Slack issues with an interaction; usable once."""
        with self._cond:
            n = self._next()
            trigger = f"{n}.{_BASE_EPOCH}.{self._rand(32, string.hexdigits.lower()[:16])}"
            self._triggers[trigger] = view_id
        return trigger

    def apply_ack(self, response_url: str, body: dict) -> None:
        """Show a slash command's ack body the way Slack would (no response recorded)."""
        with self._cond:
            self._apply_response(response_url.rstrip("/").rsplit("/", 1)[-1], body)

    def apply_view_response(self, view_id: str, body: dict) -> None:
        """Apply a view_submission ack's response_action ("update" / "push") to the views."""
        with self._cond:
            current = self._views.get(view_id)
            if current is None or not isinstance(body.get("view"), dict):
                return
            if body.get("response_action") == "update":
                self._store_view(body["view"], view_id=view_id, base=current)
            elif body.get("response_action") == "push":
                self._store_view(body["view"], root=current["root_view_id"], previous=view_id)

    # ----- waiting -----------------------------------------------------------------------------

    def wait_for(
        self,
        what: str | Callable[..., bool],
        *,
        count: int = 1,
        timeout: float = 5.0,
    ) -> list[Call]:
        """Block until `count` calls match (a method name or a Call predicate) or a
        zero-argument predicate holds; AssertionError listing what was seen otherwise."""
        if isinstance(what, str):
            match: Callable[[Call], bool] = lambda c: c.method == what  # noqa: E731
            state_check = None
        elif _arity(what) == 0:
            match, state_check = (lambda c: False), what
        else:
            match, state_check = what, None
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                if state_check is not None:
                    if state_check():
                        return list(self._calls)
                else:
                    found = [c for c in self._calls if match(c)]
                    if len(found) >= count:
                        return found
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(self._timeout_report(what, count, timeout))
                self._cond.wait(remaining)

    def wait_for_responses(
        self, count: int = 1, timeout: float = 5.0, *, key: str | None = None
    ) -> list[dict]:
        """Block until `count` bodies were posted to response_urls (optionally to `key`)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while len(found := self.responses(key)) < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(
                        f"Timed out after {timeout}s waiting for {count} response_url post(s)"
                        f"{f' to {key}' if key else ''}; saw {len(found)}.\n"
                        + self._timeout_report("responses", count, timeout)
                    )
                self._cond.wait(remaining)
            return found

    def _timeout_report(self, what: object, count: int, timeout: float) -> str:
        name = what if isinstance(what, str) else getattr(what, "__name__", repr(what))
        lines = [f"Timed out after {timeout}s waiting for {name} (count={count})."]
        lines.append(f"Calls seen ({len(self._calls)}):")
        for c in self._calls:
            shown = {k: v for k, v in c.params.items() if k in _SUMMARY_KEYS}
            lines.append(f"  {c.method} -> {c.status} {'ok' if c.ok else c.error} {shown}")
        lines.append(f"response_url posts seen: {len(self._responses)}")
        for key, body in self._responses:
            lines.append(f"  {key}: {str(body)[:120]}")
        return "\n".join(lines)

    # ----- HTTP plumbing -----------------------------------------------------------------------

    def _serve(self, handler: _Handler) -> None:
        parts = urlsplit(handler.path)
        raw = handler.rfile.read(int(handler.headers.get("Content-Length") or 0))
        headers = {k.lower(): v for k, v in handler.headers.items()}
        extra: dict[str, str] = {}
        if parts.path.startswith("/api/"):
            method = parts.path.removeprefix("/api/")
            status, body, extra = self._serve_api(method, parts.query, raw, headers)
        elif parts.path.startswith("/response/"):
            status, body = self._serve_response(parts.path.removeprefix("/response/"), raw)
        elif parts.path.startswith("/upload/v1/"):
            with self._cond:
                status, text = slack_files.receive_upload(
                    self._files, parts.path.removeprefix("/upload/v1/"), raw,
                    headers.get("content-type", ""),
                )  # fmt: skip
                self._cond.notify_all()
            self._send(handler, status, text.encode(), "text/plain; charset=utf-8", extra)
            return
        else:
            status, body = 404, {"ok": False, "error": "not_found"}
        data = json.dumps(body).encode()
        self._send(handler, status, data, "application/json; charset=utf-8", extra)

    def _send(
        self, handler: _Handler, status: int, data: bytes, content_type: str, extra: dict
    ) -> None:
        try:
            handler.send_response(status)
            handler.send_header("Content-Type", content_type)
            handler.send_header("Content-Length", str(len(data)))
            for name, value in extra.items():
                handler.send_header(name, value)
            handler.end_headers()
            handler.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client timed out and went away

    def _serve_api(
        self, method: str, query: str, raw: bytes, headers: dict
    ) -> tuple[int, dict, dict]:
        params, bad_input = _parse_params(query, raw, headers.get("content-type", ""))
        token = headers.get("authorization", "").removeprefix("Bearer ").strip()
        token = token or params.pop("token", "")
        params.pop("token", None)
        if hang := self._take_fault(method, hang=True):
            wake, generation = self._wake, self._generation
            wake.wait(hang.hang)
            if generation != self._generation:
                return 503, _err("fake_reset"), {}
        fault = self._take_fault(method, hang=False)
        with self._cond:
            status, extra = 200, {}
            if fault is not None:
                status, body = fault.status, _err(fault.error or "internal_error")
                if fault.retry_after is not None:
                    extra = {"Retry-After": str(fault.retry_after)}
            elif method not in self._methods:
                body = _err("unknown_method", req_method=method)
            elif not token:
                body = _err("not_authed")
            elif not self._token_ok(token):
                body = _err("invalid_auth")
            elif bad_input:
                body = _err(bad_input)
            elif self.rate_limits is not None and (
                retry_after := self.rate_limits.admit(
                    method, self._resolve_channel(str(params.get("channel") or ""))
                )
            ):
                status, body = 429, _err("ratelimited")
                extra = {"Retry-After": str(retry_after)}
            else:
                body = self._methods[method](params)
            self._calls.append(Call(method, params, headers, status, body))
            self._cond.notify_all()
        if lost := self._take_fault(method, hang=True, lost=True):
            wake, generation = self._wake, self._generation
            wake.wait(lost.hang)
            if generation != self._generation:
                return 503, _err("fake_reset"), {}
        return status, body, extra

    def _serve_response(self, key: str, raw: bytes) -> tuple[int, dict]:
        try:
            text = raw.decode("utf-8")
            if text.startswith("payload="):
                text = parse_qs(text)["payload"][0]
            body = json.loads(text) if text else {}
        except (ValueError, KeyError):
            return 400, _err("invalid_payload")
        with self._cond:
            self._responses.append((key, body))
            self._apply_response(key, body)
            self._cond.notify_all()
        return 200, {"ok": True}

    def _token_ok(self, token: str) -> bool:
        if self._tokens is not None:
            return token in self._tokens
        return token.startswith(("xoxb-", "xoxp-", "xoxe-", "xapp-"))

    # ----- state helpers (call with the lock held) ---------------------------------------------

    def _next(self) -> int:
        self._counter += 1
        return self._counter

    def _next_ts(self) -> str:
        self._ts_counter += 1
        micros = self._ts_counter * 100
        return f"{_BASE_EPOCH + micros // 1_000_000}.{micros % 1_000_000:06d}"

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

    def _store_view(
        self,
        view: dict,
        *,
        view_id: str | None = None,
        base: dict | None = None,
        root: str | None = None,
        previous: str | None = None,
    ) -> dict:
        view_id = view_id or "V" + self._rand(10, string.ascii_uppercase + string.digits)
        base = base or {}
        stored = {
            "id": view_id,
            "team_id": self.team_id,
            "type": view["type"],
            "blocks": self._normalize(view.get("blocks") or []),
            "private_metadata": view.get("private_metadata", ""),
            "callback_id": view.get("callback_id", ""),
            "state": {"values": {}},
            "hash": f"{_BASE_EPOCH + self._next()}.{self._rand(8, string.digits)}",
            "title": view.get("title"),
            "clear_on_close": bool(view.get("clear_on_close", False)),
            "notify_on_close": bool(view.get("notify_on_close", False)),
            "close": view.get("close"),
            "submit": view.get("submit"),
            "previous_view_id": base.get("previous_view_id", previous),
            "root_view_id": base.get("root_view_id", root or view_id),
            "app_id": self.app_id,
            "external_id": view.get("external_id", base.get("external_id", "")),
            "app_installed_team_id": self.team_id,
            "bot_id": self.bot_id,
        }
        self._views[view_id] = stored
        return stored

    def _view_by(self, params: dict) -> dict | None:
        if params.get("view_id"):
            return self._views.get(params["view_id"])
        external_id = params.get("external_id")
        return next(
            (v for v in self._views.values() if external_id and v["external_id"] == external_id),
            None,
        )

    def _resolve_channel(self, channel: str) -> str | None:
        if channel.startswith("#"):
            name = channel[1:]
            return next((c["id"] for c in self._channels.values() if c["name"] == name), None)
        if channel.startswith(("U", "W")):
            return "D" + channel  # Slack posts to the bot's DM with that user
        return channel

    # ----- Web API methods (called with the lock held) -----------------------------------------

    def _auth_test(self, params: dict) -> dict:
        return {
            "ok": True,
            "url": f"https://{self.team_domain}.slack.com/",
            "team": "Cadence Test",
            "user": self._users[self.bot_user_id]["name"],
            "team_id": self.team_id,
            "user_id": self.bot_user_id,
            "bot_id": self.bot_id,
            "is_enterprise_install": False,
        }

    def _check_message(self, params: dict, *, update: bool = False) -> dict | None:
        if not update and not (
            params.get("text") or params.get("blocks") or params.get("attachments")
        ):
            return _err("no_text")
        if len(params.get("text") or "") > 40_000:
            return _err("msg_too_long")
        if "blocks" in params and (problems := _block_problems(params["blocks"], 50)):
            return _invalid("invalid_blocks", problems)
        return None

    def _postable_channel(self, params: dict) -> tuple[str | None, dict | None]:
        channel = self._resolve_channel(params.get("channel") or "")
        if not channel:
            return None, _err("channel_not_found")
        known = self._channels.get(channel)
        if known and known["is_archived"]:
            return None, _err("is_archived")
        if known and not known["is_member"]:
            return None, _err("not_in_channel")
        return channel, None

    def _chat_post_message(self, params: dict) -> dict:
        channel, error = self._postable_channel(params)
        if error or (error := self._check_message(params)):
            return error
        message = self._store_message(channel, params, params.get("thread_ts") or None)
        shown = {k: v for k, v in message.items() if k != "channel" and v is not None}
        return {
            "ok": True,
            "channel": channel,
            "ts": message["ts"],
            "message": copy.deepcopy(shown),
        }

    def _chat_post_ephemeral(self, params: dict) -> dict:
        channel, error = self._postable_channel(params)
        if error or (error := self._check_message(params)):
            return error
        if not params.get("user"):
            return _err("user_not_found")
        known = self._channels.get(channel)
        if known and known["members"] and params["user"] not in known["members"]:
            return _err("user_not_in_channel")
        ephemeral = self._store_ephemeral(channel, params["user"], params)
        return {"ok": True, "message_ts": ephemeral["ts"]}

    def _chat_update(self, params: dict) -> dict:
        channel = self._resolve_channel(params.get("channel") or "")
        message = self._find(channel, params.get("ts"))
        if message is None or message.get("deleted") or message.get("is_ephemeral"):
            return _err("message_not_found")
        if message["user"] != self.bot_user_id:
            return _err("cant_update_message")
        if error := self._check_message(params, update=True):
            return error
        if "text" in params:
            message["text"] = params["text"] or ""
        if "blocks" in params:
            message["blocks"] = self._normalize(params["blocks"] or [])
        if "attachments" in params:
            message["attachments"] = params["attachments"]
        message["edited"] = {"user": self.bot_user_id, "ts": self._next_ts()}
        shown = {k: v for k, v in message.items() if k != "channel" and v is not None}
        return {
            "ok": True,
            "channel": message["channel"],
            "ts": message["ts"],
            "text": message["text"],
            "message": copy.deepcopy(shown),
        }

    def _visible(self, message: dict, params: dict) -> dict:
        shown = {k: v for k, v in message.items() if k != "channel" and v is not None}
        if not _flag(params.get("include_all_metadata")):
            shown.pop("metadata", None)
        return copy.deepcopy(shown)

    def _conversations_history(self, params: dict) -> dict:
        channel = self._resolve_channel(params.get("channel") or "")
        if not channel or channel.startswith("U"):
            return _err("channel_not_found")
        known = self._channels.get(channel)
        if known and not known["is_member"]:
            return _err("not_in_channel")
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
            return _err("thread_not_found")
        thread = [
            m
            for m in self._messages
            if m["channel"] == channel
            and not m.get("deleted")
            and (m["ts"] == parent["ts"] or m["thread_ts"] == parent["ts"])
        ]
        return {"ok": True, "messages": [self._visible(m, params) for m in thread]}

    def _chat_delete(self, params: dict) -> dict:
        message = self._find(params.get("channel"), params.get("ts"))
        if message is None or message.get("deleted") or message.get("is_ephemeral"):
            return _err("message_not_found")
        message["deleted"] = True
        return {"ok": True, "channel": message["channel"], "ts": message["ts"]}

    def _chat_get_permalink(self, params: dict) -> dict:
        channel, ts = params.get("channel"), params.get("message_ts")
        if not channel or not ts:
            return _err("invalid_arguments")
        link = f"https://{self.team_domain}.slack.com/archives/{channel}/p{ts.replace('.', '')}"
        message = self._find(channel, ts)
        if message and message.get("thread_ts"):
            link += f"?thread_ts={message['thread_ts']}&cid={channel}"
        return {"ok": True, "channel": channel, "permalink": link}

    def _views_open(self, params: dict) -> dict:
        trigger = params.get("trigger_id") or params.get("interactivity_pointer")
        if not trigger:
            return _invalid("invalid_arguments", ["[ERROR] missing required field: trigger_id"])
        if trigger in self._used_triggers:
            return _err("exchanged_trigger_id")
        if problems := _view_problems(params.get("view")):
            return _invalid("invalid_arguments", problems)
        if self._view_by({"external_id": params["view"].get("external_id")}):
            return _err("duplicate_external_id")
        self._used_triggers.add(trigger)
        parent = self._views.get(self._triggers.get(trigger) or "")
        root = parent["root_view_id"] if parent and parent["type"] == "modal" else None
        return {"ok": True, "view": copy.deepcopy(self._store_view(params["view"], root=root))}

    def _views_update(self, params: dict) -> dict:
        if not params.get("view_id") and not params.get("external_id"):
            return _invalid("invalid_arguments", ["[ERROR] view_id or external_id is required"])
        current = self._view_by(params)
        if current is None:
            return _err("not_found")
        if params.get("hash") and params["hash"] != current["hash"]:
            return _err("hash_conflict")
        if problems := _view_problems(params.get("view")):
            return _invalid("invalid_arguments", problems)
        stored = self._store_view(params["view"], view_id=current["id"], base=current)
        return {"ok": True, "view": copy.deepcopy(stored)}

    def _views_publish(self, params: dict) -> dict:
        user, view = params.get("user_id"), params.get("view")
        if not user:
            return _invalid("invalid_arguments", ["[ERROR] missing required field: user_id"])
        if problems := _view_problems(view):
            return _invalid("invalid_arguments", problems)
        if view["type"] != "home":
            return _invalid("invalid_arguments", ["[ERROR] view.type must be 'home'"])
        current = self._views.get(self._homes.get(user, ""))
        if current and params.get("hash") and params["hash"] != current["hash"]:
            return _err("hash_conflict")
        stored = self._store_view(view, view_id=current["id"] if current else None)
        self._homes[user] = stored["id"]
        return {"ok": True, "view": copy.deepcopy(stored)}

    def _files_get_upload_url(self, params: dict) -> dict:
        new_id = f"F{self._next():08d}"
        return slack_files.get_upload_url(self._files, params, new_id=new_id, base=self.base)

    def _files_complete_upload(self, params: dict) -> dict:
        answer, done, channel = slack_files.complete_upload(
            self._files, params, postable=lambda c: self._postable_channel({"channel": c})
        )
        if channel:
            text = params.get("initial_comment") or ""
            message = self._store_message(channel, {"text": text}, None)
            message["files"] = [f.public() for f in done]
        return answer

    def _conversations_open(self, params: dict) -> dict:
        if params.get("channel"):
            return {"ok": True, "channel": {"id": params["channel"]}}
        users = [u for u in (params.get("users") or "").split(",") if u]
        if not users:
            return _err("users_list_not_supplied")
        for user in users:
            if self._users.get(user, {}).get("deleted"):
                return _err("user_disabled")
        if len(users) == 1:
            return {"ok": True, "channel": {"id": "D" + users[0]}}
        return {"ok": True, "channel": {"id": "G" + "".join(sorted(u[-4:] for u in users))}}

    def _conversations_info(self, params: dict) -> dict:
        channel_id = params.get("channel") or ""
        if channel_id.startswith("D") and channel_id[1:] in self._users:
            im = {"id": channel_id, "is_im": True, "user": channel_id[1:], "is_archived": False}
            return {"ok": True, "channel": {**im, "created": _BASE_EPOCH, "is_org_shared": False}}
        channel = self._channels.get(channel_id)
        if channel is None:
            return _err("channel_not_found")
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
                "created": _BASE_EPOCH,
                "creator": self.bot_user_id,
            },
        }

    def _conversations_members(self, params: dict) -> dict:
        channel = self._channels.get(params.get("channel") or "")
        if channel is None:
            return _err("channel_not_found")
        members, start = channel["members"], 0
        if cursor := params.get("cursor"):
            start = members.index(base64.b64decode(cursor).decode().removeprefix("user:"))
        limit = int(params.get("limit") or 100)
        page, rest = members[start : start + limit], members[start + limit :]
        next_cursor = base64.b64encode(f"user:{rest[0]}".encode()).decode() if rest else ""
        return {"ok": True, "members": page, "response_metadata": {"next_cursor": next_cursor}}

    def _users_info(self, params: dict) -> dict:
        user = self._users.get(params.get("user") or "")
        if user is None:
            return _err("user_not_found")
        return {"ok": True, "user": copy.deepcopy(user)}


_SUMMARY_KEYS = ("channel", "user", "users", "user_id", "ts", "thread_ts", "text", "view_id")


def _arity(fn: Callable[..., Any]) -> int:
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return 1
    return sum(
        1
        for p in params
        if p.default is p.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
    )
