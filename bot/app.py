"""The bolt App, wired to settings, the database and every listener."""

from __future__ import annotations

import contextvars
import logging
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse
from sqlalchemy import Engine

import handlers
from bot import metrics
from bot.config import Settings
from bot.delivery import OutboxDeliverer
from bot.ratelimit import Limit, MethodLimiter
from handlers import middleware
from handlers.renderers import build_renderers

SLACK_TIMEOUT_SECONDS = 10
LISTENER_THREADS = 32


class InstrumentedWebClient(WebClient):
    """A WebClient that counts Slack's 429 answers per method for /metrics."""

    def api_call(self, api_method: str, **kwargs: Any) -> SlackResponse:  # type: ignore[override]
        """Call the Web API; a 429 is counted, then raised as usual."""
        try:
            return super().api_call(api_method, **kwargs)
        except SlackApiError as exc:
            if exc.response.status_code == 429:
                metrics.RATELIMITED.labels(method=api_method).inc()
            raise


class ContextExecutor(ThreadPoolExecutor):
    """A thread pool whose tasks run in the submitter's context (its request, for the logs)."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        """Run `fn` in a copy of the calling thread's context variables."""
        return super().submit(contextvars.copy_context().run, fn, *args, **kwargs)


def build_client(settings: Settings, *, retries: bool = True) -> WebClient:
    """A Web API client for the bot token, at SLACK_API_URL when set."""
    client = InstrumentedWebClient(
        token=settings.slack_bot_token.get_secret_value(),
        base_url=settings.slack_api_url or WebClient.BASE_URL,
        timeout=SLACK_TIMEOUT_SECONDS,
    )
    if not retries:
        client.retry_handlers.clear()
    return client


def build_deliverer(
    settings: Settings,
    engine: Engine,
    *,
    retries: bool = True,
    channel_pace: float | None = None,
    limits: Mapping[str, Limit] | None = None,
) -> OutboxDeliverer:
    """The outbox deliverer, with every renderer the handlers registered.

    `limits` are the workspace budgets per Web API method (default: bot.ratelimit.SLACK_LIMITS).
    """
    return OutboxDeliverer(
        engine,
        build_client(settings, retries=retries),
        channel_pace=channel_pace,
        renderers=build_renderers(default_zone=settings.cadence_timezone),
        limiter=MethodLimiter(limits),
    )


def build_app(
    settings: Settings, engine: Engine, *, on_commit: Callable[[], None] | None = None
) -> App:
    """The bolt App with middleware, listeners and the error handler registered."""
    app = App(
        # ack() runs inside the listener, so a free worker is what keeps acks under 3 s while
        # slow commands (maps with many people) are running; bolt's default pool has 5.
        # It also carries the request's logging context into the listener's thread.
        listener_executor=ContextExecutor(max_workers=LISTENER_THREADS, thread_name_prefix="bolt"),
        client=build_client(settings),
        signing_secret=settings.slack_signing_secret.get_secret_value(),
        token_verification_enabled=False,
        logger=logging.getLogger("cadence.bolt"),
    )
    middleware.install(
        app,
        engine=engine,
        default_zone=settings.cadence_timezone,
        on_commit=on_commit or _nothing,
    )
    handlers.register(app)
    return app


def _nothing() -> None:
    return None
