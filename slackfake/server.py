"""The fake's HTTP side: serving on loopback, parsing requests, checking tokens, injecting
faults (429, 5xx, hangs, lost responses), and recording every call for tests to wait on."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import parse_qs, urlsplit

from slackfake.calls import Call, Recorder
from slackfake.files import UPLOAD_PATH
from slackfake.oauth import AUTHORIZE_PATH, Installs
from slackfake.params import parse_params
from slackfake.rate_limits import SlackRateLimits
from slackfake.state import err

# Methods called with the app-level token (xapp-); every other method refuses it, and they
# refuse bot and user tokens.
APP_TOKEN_METHODS = frozenset({"apps.connections.open"})
RESPONSE_URL = "response_url"  # what `hang` calls posts to response_urls
# Methods called with the app's client id and secret instead of a token.
CREDENTIAL_METHODS = frozenset({"oauth.v2.access"})


@dataclass
class _Fault:
    method: str
    times: int
    status: int = 200
    error: str | None = None
    retry_after: int | None = None
    hang: float = 0.0
    lose_response: bool = False


class _Handler(BaseHTTPRequestHandler):
    server: _HttpServer

    def do_POST(self) -> None:
        self.server.fake._serve(self)

    do_GET = do_POST

    def log_message(self, format: str, *args: Any) -> None:
        """Keep the test output quiet."""


class _HttpServer(ThreadingHTTPServer):
    daemon_threads = True
    # Slack takes bursts of parallel calls; Python's default backlog of 5 would reset them.
    request_queue_size = 128

    def __init__(self, fake: Server) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.fake = fake

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Clients that time out and hang up are expected here; stay quiet."""


class Server(Recorder, Installs):
    """Serves the Web API methods in `_methods` (and response_urls) on 127.0.0.1."""

    _methods: dict[str, Callable[[dict], dict]]

    def __init__(
        self,
        *,
        tokens: Iterable[str] | None,
        clock: Callable[[], float] | None = None,
        **identity: str,
    ) -> None:
        self._tokens = set(tokens) if tokens is not None else None
        self._server: _HttpServer | None = None
        self._thread: threading.Thread | None = None
        self._wake = threading.Event()
        self._generation = 0
        super().__init__(clock=clock, **identity)
        self._clear_calls()
        self._clear_faults()

    def start(self) -> Self:
        """Serve on a free port in a daemon thread."""
        self._server = _HttpServer(self)
        # Polling every 50 ms rather than serve_forever's 0.5 s: stop() returns that much sooner.
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), name="fake-slack", daemon=True
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

    def __enter__(self) -> Self:
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

    def _release_hanging(self) -> None:
        """Hanging requests give up and are not recorded (call with the lock held)."""
        self._wake.set()
        self._wake = threading.Event()
        self._generation += 1

    def _clear_faults(self) -> None:
        self._faults: list[_Fault] = []
        # Opt-in: Slack's rate limits, answering 429 + Retry-After (slackfake/rate_limits).
        self.rate_limits: SlackRateLimits | None = None

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
        """Sleep `seconds` before answering the next `times` calls of `method` (RESPONSE_URL:
        posts to response_urls), then answer normally."""
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

    def _stall(self, seconds: float) -> bool:
        """Wait `seconds` (or until reset); whether the fake was reset meanwhile."""
        wake, generation = self._wake, self._generation
        wake.wait(seconds)
        return generation != self._generation

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
        elif parts.path.startswith(UPLOAD_PATH):
            status, body = self._serve_upload(parts.path.removeprefix(UPLOAD_PATH), raw, headers)
        elif parts.path == AUTHORIZE_PATH:
            status, body, extra = self._serve_authorize(parts.query)
        else:
            status, body = 404, {"ok": False, "error": "not_found"}
        text = isinstance(body, str)  # an upload URL answers in plain text, as Slack's does
        data = body.encode() if text else json.dumps(body).encode()
        try:
            handler.send_response(status)
            kind = "text/plain" if text else "application/json"
            handler.send_header("Content-Type", f"{kind}; charset=utf-8")
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
        params, bad_input = parse_params(query, raw, headers.get("content-type", ""))
        authorization = headers.get("authorization", "")
        if authorization.startswith("Basic "):
            params["_basic_auth"] = authorization.removeprefix("Basic ").strip()
            authorization = ""
        token = authorization.removeprefix("Bearer ").strip()
        token = token or params.pop("token", "")
        params.pop("token", None)
        if (hang := self._take_fault(method, hang=True)) and self._stall(hang.hang):
            return 503, err("fake_reset"), {}
        fault = self._take_fault(method, hang=False)
        with self._cond:
            status, extra = 200, {}
            if fault is not None:
                status, body = fault.status, err(fault.error or "internal_error")
                if fault.retry_after is not None:
                    extra = {"Retry-After": str(fault.retry_after)}
            elif method not in self._methods:
                body = err("unknown_method", req_method=method)
            elif method in CREDENTIAL_METHODS:
                body = self._methods[method](params)
            elif not token:
                body = err("not_authed")
            elif not self._token_ok(token):
                body = err("invalid_auth")
            elif refused := self._token_refused(token):
                body = err(refused)
            elif (method in APP_TOKEN_METHODS) != token.startswith("xapp-"):
                body = err("not_allowed_token_type")
            elif bad_input:
                body = err(bad_input)
            elif self.rate_limits is not None and (
                retry_after := self.rate_limits.admit(
                    method, self._resolve_channel(str(params.get("channel") or ""))
                )
            ):
                status, body = 429, err("ratelimited")
                extra = {"Retry-After": str(retry_after)}
            else:
                self._caller_team = self._token_teams.get(token)
                body = self._methods[method](params)
                self._caller_team = None
            self._record(Call(method, params, headers, status, body))
        if (lost := self._take_fault(method, hang=True, lost=True)) and self._stall(lost.hang):
            return 503, err("fake_reset"), {}
        return status, body, extra

    def _serve_response(self, key: str, raw: bytes) -> tuple[int, dict]:
        if (hang := self._take_fault(RESPONSE_URL, hang=True)) and self._stall(hang.hang):
            return 503, err("fake_reset")
        try:
            text = raw.decode("utf-8")
            if text.startswith("payload="):
                text = parse_qs(text)["payload"][0]
            body = json.loads(text) if text else {}
        except (ValueError, KeyError):
            return 400, err("invalid_payload")
        with self._cond:
            self._responses.append((key, body))
            self._responses_by_key.setdefault(key, []).append(body)
            self._apply_response(key, body)
            self._changed()
        return 200, {"ok": True}

    def _token_ok(self, token: str) -> bool:
        if self._tokens is not None:
            return token in self._tokens
        return token.startswith(("xoxb-", "xoxp-", "xoxe-", "xapp-"))
