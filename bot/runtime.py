"""One process's Cadence: engine, outbox worker, bolt App, scheduler and the WSGI app.

`cadence-bot run` builds one in every HTTP worker process (after the fork: no connection pool,
thread or lock crosses a fork). The scheduler and the outbox worker run in each of them; that
is safe because outbox rows are leased and every scheduled effect has a unique key.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler
from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from sqlalchemy import Engine

from bot.app import build_app, build_deliverer
from bot.config import Settings
from bot.health import ReadinessCheck
from bot.jobs import JobRuntime
from bot.outbox_worker import OutboxWorker
from bot.scheduler import build_scheduler
from bot.web import Probes, WSGIApp, build_wsgi_app
from storage.db import make_engine

logger = logging.getLogger("cadence")


@dataclass
class Runtime:
    """Everything one Cadence process runs."""

    settings: Settings
    engine: Engine
    worker: OutboxWorker
    app: App
    scheduler: BackgroundScheduler
    wsgi: WSGIApp
    socket_mode: Any = None

    def start(self) -> None:
        """Start delivering, scheduling and (in Socket Mode) listening to Slack."""
        self.worker.start()
        self.scheduler.start()
        if self.settings.slack_app_token is not None:
            token = self.settings.slack_app_token.get_secret_value()
            self.socket_mode = SocketModeHandler(self.app, token)
            self.socket_mode.connect()
            logger.info("Cadence is connected to Slack over Socket Mode.")

    def stop(self) -> None:
        """Stop everything started, then release the database."""
        if self.socket_mode is not None:
            self.socket_mode.close()
        self.scheduler.shutdown(wait=False)
        self.worker.stop()
        self.engine.dispose()


def build_runtime(settings: Settings) -> Runtime:
    """Cadence's parts for this process, wired together but not started."""
    engine = make_engine(settings.database_url)
    deliverer = build_deliverer(settings, engine, retries=False)
    worker = OutboxWorker(deliverer)
    app = build_app(settings, engine, on_commit=worker.kick)
    scheduler = build_scheduler(JobRuntime(settings, engine, deliverer))
    readiness = ReadinessCheck(engine, outbox_max_age_seconds=settings.readyz_outbox_max_age)
    wsgi = build_wsgi_app(app, Probes(readiness=readiness, engine=engine))
    return Runtime(settings, engine, worker, app, scheduler, wsgi)
