"""The real bot served exactly like the `bot` test fixture, against a timed fake Slack."""

from __future__ import annotations

import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from wsgiref.simple_server import WSGIServer

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from bot.app import build_app, build_deliverer
from bot.config import Settings
from bot.delivery import OutboxDeliverer
from bot.outbox_worker import OutboxWorker
from bot.serve import EVENTS_PATH, make_http_server
from slackfake import FakeSlack
from slackfake.sim import SlackSim
from storage.db import make_engine
from storage.migrate import upgrade
from tests.cast import populate
from tests.conftest import SIGNING_SECRET, make_settings


class TimedFakeSlack(FakeSlack):
    """The test fake, also noting when each response_url post arrived (monotonic clock)."""

    def __init__(self, **kwargs: Any) -> None:
        self.arrivals: dict[str, float] = {}
        super().__init__(**kwargs)

    def _serve_response(self, key: str, raw: bytes) -> tuple[int, dict]:
        # Noted before the fake records the body, so whoever wakes on it finds the time set.
        self.arrivals.setdefault(key, time.monotonic())
        return super()._serve_response(key, raw)

    def reset(self) -> None:
        """Forget everything, arrival times included."""
        super().reset()
        self.arrivals = {}


@dataclass
class Harness:
    """Everything a scenario touches: the bot's parts, the fake, and a Slack simulator."""

    settings: Settings
    engine: Engine
    fake: TimedFakeSlack
    sim: SlackSim
    deliverer: OutboxDeliverer
    worker: OutboxWorker
    server: WSGIServer
    url: str
    backend: str

    def reset_fake(self) -> None:
        """Empty the fake between phases so its bookkeeping does not grow without bound."""
        self.fake.reset()
        populate(self.fake, crowd=True)


@contextmanager
def throwaway_postgres(admin_url: str) -> Iterator[str]:
    """A fresh PostgreSQL database (created and dropped like tests/conftest.py does)."""
    admin_parsed = make_url(admin_url)
    admin = create_engine(admin_parsed, isolation_level="AUTOCOMMIT")
    name = f"cadence_bench_{uuid.uuid4().hex[:10]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin_parsed.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def scratch_database(database_url: str | None) -> Iterator[str]:
    """A throwaway database: PostgreSQL on that server, the SQLite file named, or a temp one."""
    if database_url and not database_url.startswith("sqlite"):
        with throwaway_postgres(database_url) as url:
            yield url
        return
    if database_url:
        yield database_url
        return
    with tempfile.TemporaryDirectory(prefix="cadence-bench-") as tmp:
        yield f"sqlite:///{Path(tmp) / 'bot.db'}"


@contextmanager
def running_bot(database_url: str | None = None) -> Iterator[Harness]:
    """Fake Slack on loopback and Cadence serving HTTP on a free port, as the fixture does."""
    fake = TimedFakeSlack().start()
    try:
        populate(fake, crowd=True)
        with scratch_database(database_url) as url:
            settings = make_settings(fake, url)
            engine = make_engine(settings.database_url)
            upgrade(engine)
            # Production pacing (CHANNEL_PACE_SECONDS, ~1 post/s per channel), not the fixture's
            # shortened 0.05 s: the backlog figure should reflect what Slack would allow.
            # No workspace budget either: the outbox figure is the deliverer's raw throughput
            # (benchmarks/fanout.py measures delivery against Slack's limits).
            deliverer = build_deliverer(settings, engine, retries=False, limits={})
            worker = OutboxWorker(deliverer, interval=0.2)
            app = build_app(settings, engine, on_commit=worker.kick)
            server = make_http_server(app, host="127.0.0.1", port=0)
            thread = threading.Thread(
                target=server.serve_forever, args=(0.05,), name="bot-http", daemon=True
            )
            thread.start()
            worker.start()
            endpoint = f"http://127.0.0.1:{server.server_port}{EVENTS_PATH}"
            sim = SlackSim(endpoint, SIGNING_SECRET, fake, timeout=10.0)
            try:
                yield Harness(
                    settings,
                    engine,
                    fake,
                    sim,
                    deliverer,
                    worker,
                    server,
                    endpoint,
                    backend=make_url(url).get_backend_name(),
                )
            finally:
                worker.stop()
                server.shutdown()
                server.server_close()
                engine.dispose()
    finally:
        fake.stop()
