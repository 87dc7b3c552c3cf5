"""The bolt App, wired to settings, the database and every listener."""

from __future__ import annotations

import contextvars
import logging
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import timedelta
from typing import Any

from slack_bolt import App
from slack_bolt.authorization.authorize import InstallationStoreAuthorize
from slack_bolt.listener.builtins import TokenRevocationListeners
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse
from sqlalchemy import Engine

import handlers
from bot import metrics
from bot.config import Settings
from bot.delivery import OutboxDeliverer
from bot.installations import WorkspaceTokens, build_installation_store
from bot.oauth import build_oauth_settings
from bot.ratelimit import Limit, MethodLimiter
from handlers import middleware
from handlers.renderers import build_renderers

SLACK_TIMEOUT_SECONDS = 10
LISTENER_THREADS = 32
# What a person in a workspace without an installation is told (OAuth mode).
NOT_INSTALLED_MESSAGE = (
    "Cadence is not installed in this workspace (or was removed). Ask whoever runs Cadence "
    "for its install link, /slack/install on its host."
)


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
    """A Web API client for the bot token (none in OAuth mode), at SLACK_API_URL when set."""
    token = settings.slack_bot_token
    client = InstrumentedWebClient(
        token=token.get_secret_value() if token is not None and not settings.oauth else None,
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
        tokens=build_tokens(settings, engine),
        channel_pace=channel_pace,
        renderers=build_renderers(default_zone=settings.cadence_timezone),
        limiter=MethodLimiter(limits),
        lease=timedelta(seconds=settings.outbox_lease_seconds),
    )


def build_tokens(settings: Settings, engine: Engine) -> WorkspaceTokens | None:
    """Each workspace's bot token from its installation (OAuth mode); None with one token."""
    if not settings.oauth or settings.slack_client_id is None:
        return None
    return WorkspaceTokens(build_installation_store(engine, client_id=settings.slack_client_id))


def build_app(
    settings: Settings, engine: Engine, *, on_commit: Callable[[], None] | None = None
) -> App:
    """The bolt App with middleware, listeners and the error handler registered.

    In OAuth mode (SLACK_CLIENT_ID, SLACK_CLIENT_SECRET, SLACK_STATE_SECRET) it also serves
    /slack/install and /slack/oauth_redirect, and each request gets the token of its workspace.
    """
    client = build_client(settings)
    on_commit = on_commit or _nothing
    installations: TokenRevocationListeners | None = None
    multi: dict[str, Any] = {}
    if settings.oauth and settings.slack_client_id and settings.slack_client_secret:
        store = build_installation_store(engine, client_id=settings.slack_client_id)
        installations = TokenRevocationListeners(store)
        multi = {
            "user_facing_authorize_error_message": NOT_INSTALLED_MESSAGE,
            "installation_store": store,
            "oauth_settings": build_oauth_settings(settings, engine, store, on_resumed=on_commit),
            # Bot tokens only, and one auth.test per token rather than one per request.
            "authorize": InstallationStoreAuthorize(
                logger=logging.getLogger("cadence.bolt"),
                installation_store=store,
                client_id=settings.slack_client_id,
                client_secret=settings.slack_client_secret.get_secret_value(),
                bot_only=True,
                cache_enabled=True,
                client=client,
            ),
        }
    app = App(
        # ack() runs inside the listener, so a free worker is what keeps acks under 3 s while
        # slow commands (maps with many people) are running; bolt's default pool has 5.
        # It also carries the request's logging context into the listener's thread.
        listener_executor=ContextExecutor(max_workers=LISTENER_THREADS, thread_name_prefix="bolt"),
        client=client,
        signing_secret=settings.slack_signing_secret.get_secret_value(),
        token_verification_enabled=False,
        logger=logging.getLogger("cadence.bolt"),
        **multi,
    )
    middleware.install(
        app,
        engine=engine,
        default_zone=settings.cadence_timezone,
        on_commit=on_commit,
        installations=installations,
    )
    handlers.register(app)
    return app


def _nothing() -> None:
    return None
