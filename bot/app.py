"""The bolt App, wired to settings, the database and every listener."""

from __future__ import annotations

import contextvars
import logging
import threading
from collections.abc import Callable, Mapping
from concurrent import futures
from concurrent.futures import Executor, Future, ThreadPoolExecutor
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
from bot.fastpath import streamline
from bot.installations import WorkspaceTokens, build_installation_store
from bot.oauth import build_oauth_settings
from bot.ratelimit import Limit, MethodLimiter
from handlers import middleware
from handlers.middleware import Lane
from handlers.renderers import build_renderers

logger = logging.getLogger("cadence")

SLACK_TIMEOUT_SECONDS = 10
# Listener threads per process: prompt work (commands, forms, buttons that open forms) and
# background work (votes). The votes on one thread are stored in batches (handlers/batches.py)
# by one of them while the others wait, holding no database connection: the more threads, the
# larger a storm's batches.
LISTENER_THREADS = 32
BACKGROUND_THREADS = 32
# Requests per lane acked before their listener runs and still waiting for a thread.
LANE_BACKLOG = 256
# Threads that say things to Slack after the ack, so a slow Slack holds none of the above.
REPLY_THREADS = 8
# Stopping, replies still unsaid get this long once every acked listener has run (what they
# confirm is stored by then), then are dropped: within bot.server.GRACEFUL_TIMEOUT_SECONDS.
REPLY_DRAIN_SECONDS = 5.0
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


class ListenerPools(Executor):
    """The listeners' threads: a pool per lane (handlers.middleware.Lane), so a storm of votes
    waiting their turn never delays a form that must open within Slack's 3 s.

    Most requests are acked before their listener runs (handlers/middleware.py); a lane takes
    at most `backlog` of them waiting for a thread (default LANE_BACKLOG), so what has been
    acked and not yet done stays bounded (it is lost if the process is killed). Past that,
    such requests are turned away at once, with a "try again" (handlers.middleware.shed).
    Replies said after the ack (`later`: vote confirmations, that "try again") have threads of
    their own, so a slow Slack never holds a listener thread from storing acked work.
    """

    def __init__(self, threads: Mapping[Lane, int], *, backlog: int | None = None) -> None:
        self.pools = {
            lane: ContextExecutor(max_workers=n, thread_name_prefix=f"bolt-{lane}")
            for lane, n in threads.items()
        }
        self.backlog = LANE_BACKLOG if backlog is None else backlog
        self._waiting = dict.fromkeys(self.pools, 0)
        self._lock = threading.Lock()
        self.replies = ContextExecutor(max_workers=REPLY_THREADS, thread_name_prefix="bolt-reply")
        self._unsaid: set[Future[Any]] = set()

    def later(self, say: Callable[[], None]) -> None:
        """Run `say` (a best-effort reply to Slack) on the reply threads; once shut down,
        it is dropped."""
        try:
            future = self.replies.submit(say)
        except RuntimeError:
            logger.warning("Stopping: a reply to Slack was not sent")
            return
        with self._lock:
            self._unsaid.add(future)
        future.add_done_callback(self._said)

    def _said(self, future: Future[Any]) -> None:
        with self._lock:
            self._unsaid.discard(future)

    def has_room(self, lane: Lane) -> bool:
        """Whether `lane` may take one more listener acked before it runs."""
        with self._lock:
            return self._waiting[lane] < self.backlog

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        """Run `fn` on the pool of the lane the dispatching request was put in."""
        lane = middleware.LANE.get()
        with self._lock:
            self._waiting[lane] += 1

        def started() -> Any:
            with self._lock:
                self._waiting[lane] -= 1
            return fn(*args, **kwargs)

        return self.pools[lane].submit(started)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """Shut every pool down (by default after every queued listener has run, then with
        REPLY_DRAIN_SECONDS for the replies still unsaid: a hanging Slack delays no store)."""
        for pool in self.pools.values():
            pool.shutdown(wait=wait, cancel_futures=cancel_futures)
        if wait:
            with self._lock:
                unsaid = list(self._unsaid)
            futures.wait(unsaid, timeout=REPLY_DRAIN_SECONDS)
        self.replies.shutdown(wait=False, cancel_futures=True)


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


def build_pools() -> ListenerPools:
    """The listener pools of one process (their sizes: LISTENER_THREADS, BACKGROUND_THREADS)."""
    return ListenerPools({Lane.PROMPT: LISTENER_THREADS, Lane.BACKGROUND: BACKGROUND_THREADS})


def build_tokens(settings: Settings, engine: Engine) -> WorkspaceTokens | None:
    """Each workspace's bot token from its installation (OAuth mode); None with one token."""
    if not settings.oauth or settings.slack_client_id is None:
        return None
    return WorkspaceTokens(build_installation_store(engine, client_id=settings.slack_client_id))


def build_app(
    settings: Settings,
    engine: Engine,
    *,
    on_commit: Callable[[], None] | None = None,
    pools: ListenerPools | None = None,
) -> App:
    """The bolt App with middleware, listeners and the error handler registered.

    `pools` (default: build_pools()) run the listeners; whoever stops the process shuts them
    down first, so work already acked is done (bot/runtime.py). In OAuth mode
    (SLACK_CLIENT_ID, SLACK_CLIENT_SECRET, SLACK_STATE_SECRET) it also serves /slack/install
    and /slack/oauth_redirect, and each request gets the token of its workspace.
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
    # Most acks leave before the listener runs (handlers/middleware.py); a form submission's
    # is sent by its listener, so a free prompt thread is what keeps it under 3 s while slow
    # commands (maps with many people) run. The pools carry the request's logging context
    # into the listener's thread.
    pools = pools or build_pools()
    app = App(
        listener_executor=pools,
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
        has_room=pools.has_room,
        later=pools.later,
    )
    handlers.register(app)
    streamline(app)
    return app


def _nothing() -> None:
    return None
