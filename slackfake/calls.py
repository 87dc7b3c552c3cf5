"""What the bot asked of Slack, as recorded: Web API calls and response_url posts, and waiting
for them to arrive."""

from __future__ import annotations

import copy
import inspect
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from slackfake.state import Workspace

_SUMMARY_KEYS = ("channel", "user", "users", "user_id", "ts", "thread_ts", "text", "view_id")
# Methods that only read: answering one changes nothing a person would see.
_READS = {
    "auth.test",
    "users.info",
    "chat.getPermalink",
    "conversations.open",
    "conversations.history",
    "conversations.replies",
    "conversations.info",
    "conversations.members",
}


@dataclass
class Call:
    """One Web API request the fake received, and what it answered."""

    method: str
    params: dict
    headers: dict  # lower-cased header names
    status: int = 200
    response: dict | None = None
    at: float = field(default_factory=time.monotonic)  # when it was answered

    @property
    def ok(self) -> bool:
        """Whether Slack would have called this a success."""
        return self.status == 200 and bool((self.response or {}).get("ok"))

    @property
    def token(self) -> str:
        """The token the call was made with (its `Authorization: Bearer` header)."""
        bearer = self.headers.get("authorization", "")
        return bearer.removeprefix("Bearer ") if bearer.startswith("Bearer ") else ""

    @property
    def error(self) -> str | None:
        """The Slack error code of a failed call."""
        return None if self.ok else (self.response or {}).get("error", f"http_{self.status}")


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


class Recorder(Workspace):
    """Every call and response_url post, for tests to read and wait on."""

    def _clear_calls(self) -> None:
        self._calls: list[Call] = []

    def _record(self, call: Call) -> None:
        """Note one answered call and wake whoever waits (call with the lock held)."""
        self._calls.append(call)
        if call.ok and call.method not in _READS:
            self._changed()
        self._cond.notify_all()

    @property
    def version(self) -> int:
        """How many visible changes so far (messages, views, people): watchers compare it."""
        with self._cond:
            return self._version

    def wait_for_change(self, since: int, timeout: float) -> int:
        """Block until `version` passes `since` or `timeout` runs out; the version then."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._version <= since and (remaining := deadline - time.monotonic()) > 0:
                self._cond.wait(remaining)
            return self._version

    @property
    def calls(self) -> list[Call]:
        """Every Web API call so far, failed ones included."""
        with self._cond:
            return list(self._calls)

    def calls_to(self, method: str) -> list[Call]:
        """The calls to one Web API method."""
        return [c for c in self.calls if c.method == method]

    def responses(self, key: str | None = None) -> list[dict]:
        """Bodies posted to response_urls, optionally to one key (or full URL)."""
        key = key.rstrip("/").rsplit("/", 1)[-1] if key else None
        with self._cond:
            if key is None:
                return copy.deepcopy([body for _, body in self._responses])
            return copy.deepcopy(self._responses_by_key.get(key, []))

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
