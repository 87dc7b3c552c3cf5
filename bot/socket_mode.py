"""Serving Slack over Socket Mode.

slack_sdk's aiohttp client holds the WebSocket (why that one: README, "Socket Mode"); it runs in
an event loop of its own thread and hands each envelope to the synchronous bolt App in a thread
pool, then acks it with the App's answer. Two things it would otherwise do forever are made to
stop: reconnecting after Slack disabled the app's Socket Mode (`link_disabled`), and retrying
with an app token Slack refuses.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import aiohttp
from slack_bolt import App
from slack_bolt.adapter.socket_mode.async_internals import send_async_response
from slack_bolt.adapter.socket_mode.internals import run_bolt_app
from slack_sdk.errors import SlackApiError
from slack_sdk.socket_mode.aiohttp import SocketModeClient
from slack_sdk.socket_mode.async_client import AsyncBaseSocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.web.async_client import AsyncWebClient

logger = logging.getLogger(__name__)

# A ping every 5 s; aiohttp closes a connection whose pong is 2.5 s late, and the client's
# monitor (same period) opens a new one: a half-dead connection is replaced within ~15 s.
PING_INTERVAL = 5.0
CONNECT_TIMEOUT = 30.0
# Errors of apps.connections.open that no retry will cure.
TOKEN_REFUSED = frozenset(
    {"invalid_auth", "not_authed", "token_revoked", "account_inactive", "not_allowed_token_type"}
)


class SocketModeFailed(Exception):
    """Slack will not serve this app over Socket Mode; the message says why and what to do."""


def link_disabled_message() -> str:
    """What Cadence says when Slack turns its Socket Mode off."""
    return (
        "Slack disabled Socket Mode for this app (disconnect: link_disabled), so Cadence is "
        "stopping instead of reconnecting. Turn Socket Mode back on in the app's settings "
        "(Settings → Socket Mode), or unset SLACK_APP_TOKEN to serve over HTTP, then start "
        "Cadence again."
    )


def token_refused_message(error: str) -> str:
    """What Cadence says when Slack refuses the app-level token."""
    return (
        f"Slack refused SLACK_APP_TOKEN ({error}) when opening a Socket Mode connection. Create "
        "an app-level token with the connections:write scope (Basic Information → App-Level "
        "Tokens) and put it in SLACK_APP_TOKEN, or unset it to serve over HTTP."
    )


class _Client(SocketModeClient):
    """The aiohttp client, stopping for good on `link_disabled` or a refused app token."""

    def __init__(self, *, on_fatal: Callable[[str], None], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._on_fatal = on_fatal

    def _give_up(self, message: str) -> None:
        self.auto_reconnect_enabled = self.default_auto_reconnect_enabled = False
        self._on_fatal(message)

    async def enqueue_message(self, message: str) -> None:
        """Log Slack's disconnect notices; on `link_disabled`, stop rather than reconnect."""
        if '"disconnect"' in message and (parsed := json.loads(message)).get("type") == (
            "disconnect"
        ):
            if parsed.get("reason") == "link_disabled":
                self._give_up(link_disabled_message())
                return
            logger.info("Slack asked for a new Socket Mode connection (%s).", parsed.get("reason"))
        await super().enqueue_message(message)

    async def issue_new_wss_url(self) -> str:
        """apps.connections.open; a refused token ends the retries."""
        try:
            return await super().issue_new_wss_url()
        except SlackApiError as exc:
            error = str(exc.response.get("error"))
            if error in TOKEN_REFUSED:
                self.closed = True  # the connect loop stops retrying
                self._give_up(token_refused_message(error))
            raise


class SocketModeServer:
    """The bolt App, served over a Socket Mode connection that it keeps open."""

    def __init__(
        self,
        app: App,
        app_token: str,
        *,
        api_url: str | None = None,
        ping_interval: float = PING_INTERVAL,
        workers: int = 32,
        on_failure: Callable[[], None] = lambda: None,
    ) -> None:
        """`on_failure` runs (once, in the client's thread) when Slack stops serving the app."""
        self._app, self._app_token, self._api_url = app, app_token, api_url
        self._on_failure = on_failure
        self._ping_interval = ping_interval
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="socket")
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="socket-mode",
                                        daemon=True)  # fmt: skip
        self._client: _Client | None = None
        self._retrying: asyncio.Future[None] | None = None
        self._serving = False
        self._failing = threading.Lock()
        self.failure: str | None = None  # why Slack stopped serving the app, once it did

    def start(self) -> None:
        """Open the first connection; SocketModeFailed when Slack refuses the app token. When
        Slack cannot be reached, the client keeps trying in the background."""
        self._thread.start()
        future = asyncio.run_coroutine_threadsafe(self._connect(), self._loop)
        try:
            future.result(timeout=CONNECT_TIMEOUT)
        except SlackApiError as exc:
            self.close()
            raise SocketModeFailed(token_refused_message(str(exc.response.get("error")))) from None
        except TimeoutError:
            logger.warning("No Socket Mode connection after %d s; still trying.", CONNECT_TIMEOUT)
        with self._failing:
            self._serving = True
            failure = self.failure
        if failure is not None:  # Slack said no while start() was finishing
            self.close()
            raise SocketModeFailed(failure)

    def close(self) -> None:
        """Close the connection and stop the loop and the workers."""
        if self._client is not None and self._thread.is_alive():
            asyncio.run_coroutine_threadsafe(self._client.close(), self._loop).result(timeout=10)
        if self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=10)
        if not self._thread.is_alive():
            self._loop.close()
        self._executor.shutdown(wait=False, cancel_futures=True)

    def _fatal(self, message: str) -> None:
        """Slack stopped serving the app; before start() returned, start() raises instead."""
        with self._failing:
            first = self.failure is None
            if first:
                self.failure = message
            act = first and self._serving
        if act:
            logger.error(message)
            self._on_failure()

    async def _connect(self) -> None:
        base_url = self._api_url or AsyncWebClient.BASE_URL
        web = AsyncWebClient(token=self._app_token, base_url=base_url)
        self._client = _Client(
            app_token=self._app_token,
            logger=logging.getLogger("cadence.socket_mode"),
            web_client=web,
            ping_interval=self._ping_interval,
            on_fatal=self._fatal,
        )
        self._client.socket_mode_request_listeners.append(self._handle)
        # The first URL is asked for here, so that a refused token fails start(), not a loop.
        try:
            self._client.wss_uri = await self._client.issue_new_wss_url()
        except SlackApiError as exc:
            if exc.response.get("error") in TOKEN_REFUSED:
                raise
            self._keep_trying(f"apps.connections.open: {exc.response.get('error')}")
            return
        except (OSError, aiohttp.ClientError) as exc:
            self._keep_trying(f"{exc.__class__.__name__}: {exc}")
            return
        await self._client.connect()

    def _keep_trying(self, why: str) -> None:
        """Slack is out of reach for now: the client retries every ping interval."""
        logger.warning("Cannot open a Socket Mode connection yet (%s); retrying every %g s.",
                       why, self._ping_interval)  # fmt: skip
        assert self._client is not None
        self._retrying = asyncio.ensure_future(self._client.connect())

    async def _handle(self, client: AsyncBaseSocketModeClient, request: SocketModeRequest) -> None:
        started = time.time()
        response = await self._loop.run_in_executor(
            self._executor, run_bolt_app, self._app, request
        )
        await send_async_response(client, request, response, started)
