"""One process's Cadence: engine, outbox worker, bolt App, scheduler and the WSGI app.

`cadence-bot run` builds one in every HTTP worker process (after the fork: no connection pool,
thread or lock crosses a fork). The scheduler and the outbox worker run in each of them; that
is safe because outbox rows are leased and every scheduled effect has a unique key.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass

from apscheduler.schedulers.background import BackgroundScheduler
from gunicorn.arbiter import Arbiter
from slack_bolt import App
from sqlalchemy import Engine

from bot.api.app import build_api
from bot.app import ListenerPools, build_app, build_deliverer, build_pools
from bot.config import Settings
from bot.health import ReadinessCheck
from bot.jobs import JobRuntime
from bot.outbox_worker import OutboxWorker
from bot.scheduler import build_scheduler
from bot.socket_mode import SocketModeFailed, SocketModeServer
from bot.web import Probes, WSGIApp, build_wsgi_app
from storage.db import make_engine

logger = logging.getLogger("cadence")

# The status a worker exits with when Slack will not serve the app over Socket Mode: gunicorn's
# "worker failed to boot", on which its master stops, with this status, instead of starting
# another worker that would only be refused again.
SLACK_REFUSED_EXIT = Arbiter.WORKER_BOOT_ERROR


@dataclass
class Runtime:
    """Everything one Cadence process runs."""

    settings: Settings
    engine: Engine
    worker: OutboxWorker
    app: App
    scheduler: BackgroundScheduler
    wsgi: WSGIApp
    pools: ListenerPools
    socket_mode: SocketModeServer | None = None

    def start(self) -> None:
        """Start delivering, scheduling and (in Socket Mode) listening to Slack."""
        self.worker.start()
        self.scheduler.start()
        if self.settings.slack_app_token is not None:
            self.socket_mode = SocketModeServer(
                self.app,
                self.settings.slack_app_token.get_secret_value(),
                api_url=self.settings.slack_api_url,
                on_failure=self._slack_refused,
            )
            try:
                self.socket_mode.start()
            except SocketModeFailed as refused:
                logger.error("%s", refused)
                self._slack_refused()
            logger.info("Cadence is connected to Slack over Socket Mode.")

    def _slack_refused(self) -> None:
        """Slack will not serve the app (already logged): stop this process, and with it the
        server, with SLACK_REFUSED_EXIT."""
        self.socket_mode = None  # its own thread is the one calling
        try:
            self.stop()
        finally:
            logging.shutdown()
            os._exit(SLACK_REFUSED_EXIT)

    def stop(self) -> None:
        """Stop everything started, then release the database."""
        if self.socket_mode is not None:
            self.socket_mode.close()
        # No request arrives any more: finish the work already acked (a bounded backlog).
        self.pools.shutdown(wait=True)
        self.scheduler.shutdown(wait=False)
        self.worker.stop()
        self.engine.dispose()


def build_runtime(settings: Settings) -> Runtime:
    """Cadence's parts for this process, wired together but not started."""
    engine = make_engine(settings.database_url)
    deliverer = build_deliverer(settings, engine, retries=False)
    worker = OutboxWorker(deliverer)
    pools = build_pools()
    app = build_app(settings, engine, on_commit=worker.kick, pools=pools)
    scheduler = build_scheduler(JobRuntime(settings, engine, deliverer))
    readiness = ReadinessCheck(engine, outbox_max_age_seconds=settings.readyz_outbox_max_age)
    api = build_api(
        engine,
        default_zone=settings.cadence_timezone,
        per_minute=settings.api_rate_per_minute,
        burst=settings.api_rate_burst,
        on_commit=worker.kick,
    )
    wsgi = build_wsgi_app(app, Probes(readiness=readiness, engine=engine), api)
    return Runtime(settings, engine, worker, app, scheduler, wsgi, pools)
